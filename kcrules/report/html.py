"""The appraisal sheet: one decision as a self-contained HTML page to print on A4 and sign.

Used by ``kcrules check --format html`` and by the web form's "Print", so an
official gets the same sheet from the terminal and from the browser. Plain
Python with :func:`html.escape` rather than a template engine: the sheet is one
fixed layout, and the core install stays free of extra dependencies.

The sheet shows the application's facts, the verdict and the amount with its
computation, every criterion with its outcome and citation (failed first), the
warnings (national guidance levels and assumptions, marked as such), the
rulebook version and the law date, and space for the appraiser's signature.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from kcrules.text import i18n
from kcrules.text.i18n import Catalogue
from kcrules.text.values import show_value
from kcrules.text.labels import FIELD_LABELS
from kcrules.rulefiles.fields import APPLICATION_FIELDS

__all__ = ["appraisal_sheet"]

_T = Catalogue("report.html", {
    "title": {"vi": "Phiếu thẩm định hồ sơ đề nghị hỗ trợ khuyến công",
              "en": "Appraisal sheet of an application for industrial promotion support"},
    "program": {"vi": "Bộ quy tắc", "en": "Rulebook"},
    "facts": {"vi": "1. Thông tin hồ sơ", "en": "1. The application"},
    "decision": {"vi": "2. Kết quả xét", "en": "2. The decision"},
    "criteria": {"vi": "3. Các tiêu chí (không đạt trước)", "en": "3. The criteria (failures first)"},
    "warnings": {"vi": "4. Lưu ý: mức hướng dẫn và giả định đã dùng (chưa phải quy định của Hà Nội)",
                 "en": "4. Warnings: guidance levels and assumptions used (not Hanoi's own rules)"},
    "no_warnings": {"vi": "Không dùng mức hướng dẫn hay giả định nào.",
                    "en": "No guidance level or assumption was used."},
    "sign": {"vi": "5. Ý kiến và chữ ký của người thẩm định", "en": "5. The appraiser's opinion and signature"},
    "verdict": {"vi": "Kết luận", "en": "Verdict"},
    "eligible": {"vi": "ĐỦ ĐIỀU KIỆN HỖ TRỢ", "en": "ELIGIBLE FOR SUPPORT"},
    "ineligible": {"vi": "KHÔNG ĐỦ ĐIỀU KIỆN HỖ TRỢ", "en": "NOT ELIGIBLE FOR SUPPORT"},
    "amount": {"vi": "Mức hỗ trợ tối đa", "en": "Maximum support"},
    "computation": {"vi": "Cách tính", "en": "Computation"},
    "priority": {"vi": "Ưu tiên", "en": "Priority"},
    "criterion": {"vi": "Tiêu chí", "en": "Criterion"},
    "outcome": {"vi": "Kết quả", "en": "Outcome"},
    "found": {"vi": "Thông tin trong hồ sơ", "en": "Found in the application"},
    "required": {"vi": "Yêu cầu", "en": "Required"},
    "cite": {"vi": "Căn cứ", "en": "Citation"},
    "guidance": {"vi": "Mức hướng dẫn", "en": "Guidance"},
    "assumption": {"vi": "Giả định", "en": "Assumption"},
    "law": {"vi": "Áp dụng quy định có hiệu lực ngày {date}. Bộ quy tắc {id}, phiên bản {version}.",
            "en": "Under the law in force on {date}. Rulebook {id}, version {version}."},
    "opinion": {"vi": "Ý kiến thẩm định", "en": "Opinion"},
    "name": {"vi": "Họ và tên người thẩm định", "en": "Appraiser's name"},
    "signature": {"vi": "Chữ ký", "en": "Signature"},
    "date": {"vi": "Ngày", "en": "Date"},
    "note": {"vi": "Phiếu do kcrules lập từ quy tắc có trích dẫn; kết quả cần người thẩm định kiểm tra và ký.",
             "en": "Prepared by kcrules from cited rules; the appraiser checks the result and signs."},
    "page": {"vi": "Trang", "en": "Page"},
})

_MARK = {"met": "✓", "not_met": "✗", "not_applicable": "–"}

_CSS = """
@page { size: A4; margin: 14mm 14mm 16mm 14mm; }
* { box-sizing: border-box; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; font-size: 9pt; color: #000;
       margin: 0 auto; max-width: 182mm; line-height: 1.35; }
h1 { font-size: 14pt; text-align: center; margin: 0 0 2mm; }
h2 { font-size: 11pt; margin: 5mm 0 2mm; border-bottom: 1px solid #000; page-break-after: avoid; }
p.meta { text-align: center; margin: 0 0 3mm; font-size: 9pt; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 1px solid #777; padding: 1mm 1.5mm; vertical-align: top; text-align: left; }
th { background: #eee; font-weight: normal; }
table.facts th { width: 27%; }
table.facts td { width: 23%; }
#decision th { width: 20%; font-weight: bold; }
#criteria td:nth-child(2) { width: 38%; }
#criteria td:nth-child(3) { width: 32%; }
#criteria td:nth-child(4) { width: 26%; }
tr.not_applicable { color: #444; font-size: 8pt; }
tr.not_applicable td { padding-top: 0.5mm; padding-bottom: 0.5mm; }
tr { page-break-inside: avoid; break-inside: avoid; }
td.num { text-align: right; white-space: nowrap; }
.verdict { font-size: 12pt; font-weight: bold; }
.eligibility.not_met { font-weight: bold; }
.mark { width: 6mm; text-align: center; }
.badge { border: 1px solid #000; padding: 0 1mm; font-size: 8pt; white-space: nowrap; }
.badge.assumption { background: #000; color: #fff; }
/* the decision and the signature block are short and read as one: never split over two pages */
#decision, #signature { page-break-inside: avoid; break-inside: avoid; }
#warnings li { break-inside: avoid; }
.sign th { width: 30%; }
.sign td { height: 11mm; }
.sign td.opinion { height: 26mm; }
.sign td.signature { height: 20mm; }
.small { font-size: 8.5pt; }
"""

#: On every printed page, below the text: the application, the rulebook version, the page number.
_FOOTER = """
@page {{ @bottom-left {{ content: "{left}"; font: 7.5pt "DejaVu Sans", sans-serif; color: #444; }}
         @bottom-right {{ content: "{page} " counter(page) " / " counter(pages);
                          font: 7.5pt "DejaVu Sans", sans-serif; color: #444; }} }}
"""


def _css_text(text: str) -> str:
    """``text`` inside a CSS string: every character but letters, digits and spaces as a hex escape.

    The footer names the application by the id the user gave; escaped so, nothing in it can
    end the string or the style element.
    """
    return "".join(c if c.isalnum() and c.isascii() or c == " " else f"\\{ord(c):06x}" for c in text)


def _t(key: str, lang: str, **values: Any) -> str:
    return _T[key][lang].format(**values)


def _footer(decision: Any, lang: str) -> str:
    """The page footer's CSS: application id, rulebook id and version; "page N / M"."""
    left = " · ".join(x for x in (decision.application_id, decision.rulebook.id, decision.rulebook.version[:12]) if x)
    return _FOOTER.format(left=_css_text(left), page=_css_text(_t("page", lang)))


def _facts(rulebook: Any, data: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """(label, value) of every field given in the application, in the model's order."""
    rows = []
    for path in APPLICATION_FIELDS:
        value = _get(data, path)
        if value is None:
            continue
        label = FIELD_LABELS.get(path, (path, path))[0 if lang == "vi" else 1]
        rows.append((label, _shown(rulebook, path, value, lang)))
    return rows


def _shown(rulebook: Any, path: str, value: Any, lang: str) -> str:
    if APPLICATION_FIELDS.get(path, ("",))[0] == "date" and isinstance(value, str):
        # Never m/d/y: day/month/year in Vietnamese, ISO in English.
        day = dt.date.fromisoformat(value)
        return i18n.date(day, lang)
    return show_value(rulebook, path, value, lang)


def _get(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def appraisal_sheet(rulebook: Any, decision: Any, application: Any, *, lang: str | None = None) -> str:
    """The appraisal sheet of ``decision`` (of ``application``) as one HTML document.

    ``application`` is the Application the decision was made on (or its dict);
    ``lang`` defaults to the decision's language.
    """
    lang = lang or decision.lang
    data = application if isinstance(application, dict) else application.model_dump(mode="json", exclude_none=True)
    e = escape
    d = rulebook.definition
    act = d.activities.get(decision.activity)
    activity = act.label[lang] if act else decision.activity
    labels = {c.id: c.label[lang] for c in rulebook.criteria_of(decision.activity)}
    out: list[str] = [
        "<!DOCTYPE html>", f'<html lang="{e(lang)}">', "<head>", '<meta charset="utf-8">',
        f"<title>{e(_t('title', lang))}"
        f"{' — ' + e(decision.application_id) if decision.application_id else ''}</title>",
        f"<style>{_CSS}{_footer(decision, lang)}</style>", "</head>", "<body>",
        f"<h1>{e(_t('title', lang))}</h1>",
        f'<p class="meta">{e(activity)} ({e(decision.activity)}) · {e(_t("program", lang))}: '
        f"{e(decision.rulebook.title)}</p>",
        f'<section id="facts"><h2>{e(_t("facts", lang))}</h2><table class="facts">',
    ]
    facts = _facts(rulebook, data, lang)
    # Two facts a row: the sheet should fit on as few pages as an official would print.
    for i in range(0, len(facts), 2):
        cells = "".join(f"<th>{e(label)}</th><td>{e(value)}</td>" for label, value in facts[i:i + 2])
        out.append(f"<tr>{cells}</tr>")
    out.append("</table></section>")
    verdict = _t("eligible" if decision.eligible else "ineligible", lang)
    out += [
        f'<section id="decision"><h2>{e(_t("decision", lang))}</h2><table>',
        f'<tr><th>{e(_t("verdict", lang))}</th><td class="verdict" data-eligible="{str(decision.eligible).lower()}">'
        f"{e(verdict)}</td></tr>",
        f'<tr><th>{e(_t("amount", lang))}</th><td class="verdict" data-amount-vnd="{decision.support.amount_vnd}">'
        f"{e(i18n.money(decision.support.amount_vnd, lang))}</td></tr>",
        f'<tr><th>{e(_t("computation", lang))}</th><td><ol class="computation">',
    ]
    out += [f"<li>{e(line.text)}</li>" for line in decision.support.lines]
    out += [f"</ol>{e(decision.support.rounding)}</td></tr>",
            f"<tr><th>{e(_t('priority', lang))}</th><td>{e(decision.priority.text)}</td></tr>",
            "</table></section>"]
    out += [
        f'<section id="criteria"><h2>{e(_t("criteria", lang))}</h2><table>',
        # a thead is printed again at the top of every page the table runs onto
        f'<thead><tr><th class="mark"></th><th>{e(_t("criterion", lang))}</th><th>{e(_t("found", lang))}</th>'
        f"<th>{e(_t('cite', lang))}</th></tr></thead><tbody>",
    ]
    for r in decision.reasons:
        outcome = i18n.msg(r.outcome, lang)
        assumed = "".join(f'<br><span class="badge assumption">{e(_t("assumption", lang))}</span> {e(a)}'
                          for a in r.assumptions)
        found = "" if r.outcome == "not_applicable" else e(r.found)  # the same words as the terminal's
        if r.outcome == "not_met" and r.kind == "eligibility":
            found += f'<br><span class="required">{e(_t("required", lang))}: {e(r.required)}</span>'
        out.append(
            f'<tr class="{r.kind} {r.outcome}" data-criterion="{e(r.criterion)}" data-kind="{r.kind}">'
            f'<td class="mark" title="{e(outcome)}">{_MARK[r.outcome]}</td>'
            f"<td>{e(labels.get(r.criterion, r.criterion))} — {e(outcome)}{assumed}</td>"
            f"<td>{found}</td><td>{e(r.citation.text)}</td></tr>")
    out.append("</tbody></table></section>")
    out.append(f'<section id="warnings"><h2>{e(_t("warnings", lang))}</h2>')
    if decision.warnings:
        out.append("<ul>")
        out += [f'<li data-provenance="{w.provenance}"><span class="badge {w.provenance}">'
                f"{e(_t(w.provenance, lang))}</span> {e(w.text)}</li>" for w in decision.warnings]
        out.append("</ul>")
    else:
        out.append(f"<p>{e(_t('no_warnings', lang))}</p>")
    out.append("</section>")
    day = i18n.date(decision.law_date, lang)
    out += [
        f'<section id="signature"><h2>{e(_t("sign", lang))}</h2><table class="sign">',
        f'<tr><th>{e(_t("opinion", lang))}</th><td class="opinion"></td></tr>',
        f"<tr><th>{e(_t('name', lang))}</th><td></td></tr>",
        f"<tr><th>{e(_t('signature', lang))}</th><td class=\"signature\"></td></tr>",
        f"<tr><th>{e(_t('date', lang))}</th><td></td></tr>",
        "</table>",
        f'<p class="small" id="law">'
        f'{e(_t("law", lang, date=day, id=decision.rulebook.id, version=decision.rulebook.version[:12]))}'
        f" {e(_t('note', lang))}</p>",
        "</section>", "</body>", "</html>",
    ]
    return "\n".join(out) + "\n"
