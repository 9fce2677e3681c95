"""The rulebook reference: Markdown pages generated from the rule files.

``generate(rulebook)`` returns ``{file name: Markdown text}``, one page per
language (``<id>.vi.md``, ``<id>.en.md``). A page shows, per activity, who
applies and who benefits, every condition in plain words (rendered from the
parsed condition, never from its source text), the support formula with every
level (value, unit, validity, citation, provenance) and a Mermaid decision
diagram; then the parameters, priority order, groups, derived facts, codes and
sources of the whole rulebook chain.

Levels that are national guidance or assumptions carry a visible badge, so a
reader never mistakes them for Hanoi law. The output is deterministic (rule
file order, no timestamps, no locale data), so a test can compare the
committed reference with what the rule files generate.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from typing import Any

from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.fields import CODE_FIELDS
from kcrules.rulefiles.loader import (
    LANGS,
    Activity,
    Cite,
    Criterion,
    Definition,
    Param,
    ParamValue,
)
from kcrules.text.labels import FIELD_LABELS

__all__ = ["condition_words", "generate"]

# ---------------------------------------------------------------- wording

#: Plain names of code attributes (table, attribute); a code-valued attribute
#: otherwise takes the label of the table it points to.
ATTRIBUTE_LABELS: dict[tuple[str, str], tuple[str, str]] = {
    ("establishment_kind", "cnnt_form"): ("là hình thức cơ sở CNNT", "is a rural-industry legal form"),
    ("sector", "listed"): ("thuộc danh mục ngành nghề NĐ 45/2012 Điều 5 khoản 1",
                           "is in the sector list of NĐ 45/2012 Article 5(1)"),
    ("sector", "group_a"): ("thuộc nhóm ưu tiên a (NĐ 45/2012 Điều 6 khoản 2 điểm a)",
                            "is in priority group a (NĐ 45/2012 Article 6(2)(a))"),
    ("sector", "letter"): ("điểm của NĐ 45/2012 Điều 5 khoản 1", "point of NĐ 45/2012 Article 5(1)"),
    ("district", "unit_type"): ("loại đơn vị hành chính", "kind of district-level unit"),
    ("district", "converted_ward"): ("có phường mới chuyển từ xã", "has wards recently converted from communes"),
    ("district", "gso"): ("mã đơn vị hành chính", "statistics office code"),
    ("product_line", "hanoi_priority"): ("là ngành Hà Nội ưu tiên (QĐ 4892 §II.2.1)",
                                         "is a line Hanoi favours (QĐ 4892 §II.2.1)"),
    ("product_line", "handicraft"): ("là hàng thủ công mỹ nghệ (QĐ 4892 §II.2.1)",
                                     "is a handicraft line (QĐ 4892 §II.2.1)"),
    ("province", "region"): ("vùng kinh tế - xã hội", "socio-economic region"),
    ("province", "gso"): ("mã tỉnh", "statistics office province code"),
    ("province", "classified_differently"): ("được các văn bản xếp vùng khác nhau",
                                             "is classified differently by different texts"),
    ("region", "master_plan"): ("quy hoạch tổng thể vùng", "regional master plan"),
}

_W: dict[str, tuple[str, str]] = {
    "and": ("và", "and"),
    "or": ("hoặc", "or"),
    "yes": ("có", "yes"),
    "no": ("không", "no"),
    "always": ("luôn đúng", "always"),
    "never": ("không bao giờ", "never"),
    "is_set": ("có khai {x}", "{x} is given"),
    "is_not_set": ("không khai {x}", "{x} is not given"),
    "in": ("{x} là một trong: {v}", "{x} is one of: {v}"),
    "not in": ("{x} không phải là: {v}", "{x} is none of: {v}"),
    "==": ("{x} là {y}", "{x} is {y}"),
    "!=": ("{x} không phải là {y}", "{x} is not {y}"),
    "<": ("{x} nhỏ hơn {y}", "{x} is less than {y}"),
    "<=": ("{x} không quá {y}", "{x} is at most {y}"),
    ">": ("{x} lớn hơn {y}", "{x} is more than {y}"),
    ">=": ("{x} từ {y} trở lên", "{x} is at least {y}"),
    "date<": ("{x} trước ngày {y}", "{x} is before {y}"),
    "date<=": ("{x} không sau ngày {y}", "{x} is on or before {y}"),
    "date>": ("{x} sau ngày {y}", "{x} is after {y}"),
    "date>=": ("{x} từ ngày {y} trở đi", "{x} is on or after {y}"),
    "fn.add_months": ("{0} cộng {1} tháng", "{0} plus {1} months"),
    "fn.add_years": ("{0} cộng {1} năm", "{0} plus {1} years"),
    "fn.end_of_previous_year": ("ngày 31/12 của năm trước năm của {0}", "31 December of the year before {0}"),
    "fn.full_years_between": ("số năm tròn từ {0} đến {1}", "whole years from {0} to {1}"),
    "fn.days_between": ("số ngày từ {0} đến {1}", "days from {0} to {1}"),
    "fn.year": ("năm của {0}", "the year of {0}"),
    "fn.min": ("số nhỏ hơn trong {0} và {1}", "the smaller of {0} and {1}"),
    "fn.max": ("số lớn hơn trong {0} và {1}", "the larger of {0} and {1}"),
    "guidance": ("⚠ hướng dẫn trung ương", "⚠ national guidance"),
    "assumption": ("⚠ giả định", "⚠ assumption"),
    "law": ("văn bản pháp luật", "law"),
    "program": ("văn bản chương trình", "program text"),
    "from": ("từ {a}", "from {a}"),
    "from_until": ("từ {a} đến trước {b}", "from {a} until before {b}"),
    "unit.vnd": ("đồng", "đồng (VND)"),
    "unit.percent": ("%", "%"),
    "unit.ratio": ("hệ số", "ratio"),
    "unit.count": ("số lượng", "count"),
    "unit.days": ("ngày", "days"),
    "unit.months": ("tháng", "months"),
    "unit.years": ("năm", "years"),
    "unit.date": ("ngày tháng", "date"),
}

_T: dict[str, tuple[str, str]] = {
    "generated": (
        "Trang này được sinh tự động từ các tệp luật `rules/{folder}/` bằng lệnh `kcrules docs`; "
        "đừng sửa tay — hãy sửa tệp luật rồi chạy lại lệnh.",
        "This page is generated from the rule files `rules/{folder}/` by `kcrules docs`; do not edit it "
        "by hand — change the rule files and run the command again.",
    ),
    "other_lang": ("English version: [{file}]({file}).", "Bản tiếng Việt: [{file}]({file})."),
    "chain": ("Chuỗi sổ luật (gốc trước)", "Rulebook chain (root first)"),
    "abstract": (
        "Sổ luật này là **trừu tượng**: nó định nghĩa tiêu chí, tham số, nhóm và thứ tự ưu tiên dùng chung, "
        "nhưng không có nội dung hỗ trợ nào; một sổ luật chương trình (ví dụ `hanoi-2016-2020`) mở rộng nó.",
        "This rulebook is **abstract**: it defines shared criteria, parameters, groups and the priority order "
        "but no activity; a program rulebook (e.g. `hanoi-2016-2020`) extends it.",
    ),
    "legend": ("Cách đọc", "How to read this page"),
    "legend_text": (
        "- **{guidance}**: mức của văn bản trung ương (TTLT 26/2014/TTLT-BTC-BCT Điều 6 khoản 2) dùng làm "
        "hướng dẫn, chưa phải mức của Hà Nội (QĐ 27/2015/QĐ-UBND, chưa có văn bản tại đây).\n"
        "- **{assumption}**: giả định chờ xác nhận; mọi quyết định dùng đến nó đều cảnh báo.\n"
        "- Thời hạn hiệu lực của một mức là nửa mở: *từ* ngày đầu, *đến trước* ngày cuối.\n"
        "- Một điều kiện so sánh với dữ liệu không được khai thì không đạt (cả điều kiện ngược lại cũng vậy); "
        "tiêu chí có phần *chỉ áp dụng khi* là *không áp dụng* nếu phần đó không đúng.",
        "- **{guidance}**: a level of the national text (TTLT 26/2014/TTLT-BTC-BCT Article 6(2)) used as "
        "guidance, not Hanoi's own level (QĐ 27/2015/QĐ-UBND, whose text is not available here).\n"
        "- **{assumption}**: an assumption pending confirmation; every decision that uses it warns.\n"
        "- Validity periods are half-open: *from* the first day, *until before* the last.\n"
        "- A comparison with a fact that was not given is not met (nor is its opposite); a criterion with an "
        "*applies only when* part is *not applicable* when that part is false.",
    ),
    "contents": ("Mục lục", "Contents"),
    "program": ("Chương trình", "Program"),
    "program_text": ("Thời gian: {period}. Tổng kinh phí: {budget}. Căn cứ: {cite}.",
                     "Period: {period}. Total budget: {budget}. Source: {cite}."),
    "activities": ("Các nội dung hỗ trợ", "Activities"),
    "act_table": ("| Nội dung | Tên | Đơn vị đề nghị | Cách tính hỗ trợ | Chỉ tiêu |",
                  "| Activity | Name | Applicants | Support | Target |"),
    "method.share": ("tỷ lệ × chi phí", "share × cost"),
    "method.full": ("theo chi phí được duyệt", "approved cost"),
    "source": ("Căn cứ", "Source"),
    "who_applies": ("Ai đề nghị", "Who applies"),
    "who_benefits": ("Ai hưởng lợi", "Who benefits"),
    "benefits_yes": (
        "Một cơ sở công nghiệp nông thôn hưởng lợi trực tiếp: hồ sơ phải khai `establishment` và cơ sở phải "
        "đạt các tiêu chí cơ sở hưởng lợi dưới đây.",
        "A rural-industry establishment benefits directly: the application must describe the `establishment`, "
        "which must meet the beneficiary criteria below.",
    ),
    "benefits_no": (
        "Không có cơ sở hưởng lợi trực tiếp: đơn vị đề nghị tổ chức thực hiện nội dung này.",
        "No establishment benefits directly: the applicant carries out the activity.",
    ),
    "requires": ("Dữ liệu bắt buộc phải khai", "Facts the application must give"),
    "stage.entry": ("1. Thời gian và đơn vị đề nghị", "1. Period and applicant"),
    "stage.beneficiary": ("2. Tiêu chí cơ sở hưởng lợi", "2. Beneficiary criteria"),
    "stage.funding": ("3. Điều kiện được hỗ trợ kinh phí", "3. Conditions for any funding"),
    "stage.activity": ("4. Điều kiện riêng của nội dung", "4. Conditions of this activity"),
    "stage.support": ("5. Mức hỗ trợ", "5. Support"),
    "stage.priority": ("Tiêu chí ưu tiên (xếp thứ tự, không loại hồ sơ)",
                       "Priority criteria (rank applications, never refuse one)"),
    "stage.target": ("Chỉ tiêu của Chương trình", "Program target"),
    "stage.diagram": ("Sơ đồ quyết định", "Decision diagram"),
    "none": ("Không có.", "None."),
    "period_crit": ("Hồ sơ nộp trong thời gian chương trình: {x}.", "The application date is within the program: {x}."),
    "applicant_crit": ("Loại đơn vị đề nghị là một trong: {x}.", "The kind of applicant is one of: {x}."),
    "applies_when": ("Chỉ áp dụng khi", "Applies only when"),
    "condition": ("Điều kiện", "Condition"),
    "tier": ("nhóm ưu tiên", "priority tier"),
    "explain": ("Giải thích trong quyết định", "Explanation in the decision"),
    "support.base": ("Chi phí tính hỗ trợ", "Cost supported"),
    "support.share": ("Tỷ lệ hỗ trợ", "Share"),
    "support.caps": ("Mức trần", "Ceiling"),
    "support.uplift": (
        "Đề án ưu tiên: các mức trần nhân với {x} khi đề án đạt một tiêu chí thuộc nhóm ưu tiên {tiers} "
        "(tỷ lệ không đổi).",
        "Priority project: the ceilings are multiplied by {x} when the project meets a criterion of the "
        "priority tiers {tiers} (the share does not change).",
    ),
    "support.formula_share": (
        "Công thức: **hỗ trợ = nhỏ nhất của (tỷ lệ × chi phí{caps}, chi phí, số tiền đề nghị nếu có)**, "
        "làm tròn xuống đến đồng.",
        "Formula: **support = the smallest of (share × cost{caps}, the cost, the amount requested if given)**, "
        "rounded down to the whole đồng.",
    ),
    "support.caps_in_formula": (", mức trần", ", the ceiling"),
    "support.full": (
        "Hỗ trợ theo chi phí được duyệt, chỉ giới hạn bởi chi phí và số tiền đề nghị (nếu có). "
        "**{badge}: không có mức hỗ trợ cụ thể tại đây**; mọi quyết định đủ điều kiện đều cảnh báo điều này.",
        "Support at the approved cost, bounded only by the cost and the amount requested (if given). "
        "**{badge}: no support level is known here**; every eligible decision warns of it.",
    ),
    "note": ("Ghi chú", "Note"),
    "target_text": ("{count} {unit} ({prov}; {cite}).", "{count} {unit} ({prov}; {cite})."),
    "criteria_all": ("Các tiêu chí", "Criteria"),
    "criteria_unused": ("Tiêu chí không dùng trong nội dung nào", "Criteria no activity uses"),
    "groups": ("Nhóm tiêu chí", "Criterion groups"),
    "groups_text": ("Một nội dung ghi `@tên_nhóm` để dùng mọi tiêu chí của nhóm.",
                    "An activity writes `@group_name` to use every criterion of a group."),
    "priority": ("Thứ tự ưu tiên", "Order of priority"),
    "priority_text": (
        "Các nhóm được so sánh lần lượt. Nhóm *đạt tiêu chí đầu tiên*: tiêu chí có thứ tự nhỏ hơn đứng trước. "
        "Nhóm *đếm*: đạt nhiều tiêu chí hơn đứng trước. Nhóm có *nâng mức* làm đề án thành đề án ưu tiên "
        "(mức trần nhân hệ số).",
        "Tiers are compared in turn. A *first met* tier: the criterion with the lower order ranks first. "
        "A *count* tier: more criteria met ranks first. A tier with *uplift* makes a priority project "
        "(ceilings multiplied by the ratio).",
    ),
    "tier_table": ("| Nhóm | Tên | Cách so | Nâng mức | Căn cứ | Tiêu chí (thứ tự) |",
                   "| Tier | Name | Mode | Uplift | Source | Criteria (order) |"),
    "mode.first_met": ("đạt tiêu chí đầu tiên", "first met"),
    "mode.count": ("đếm", "count"),
    "parameters": ("Tham số (các mức)", "Parameters (levels)"),
    "param_table": ("| Tham số | Đơn vị | Giá trị | Hiệu lực | Nguồn gốc | Căn cứ | Ghi chú |",
                    "| Parameter | Unit | Value | Valid | Provenance | Source | Note |"),
    "overrides": ("thay mức của `{x}`", "overrides `{x}`"),
    "derived": ("Dữ kiện suy ra", "Derived facts"),
    "derived_text": ("Tính từ hồ sơ trước khi xét tiêu chí.", "Computed from the application before the criteria are checked."),
    "codes": ("Bảng mã", "Code tables"),
    "code_table": ("| Mã | Tên | Tên khác | Thuộc tính |", "| Code | Name | Other names | Attributes |"),
    "sources": ("Văn bản căn cứ", "Legal sources"),
    "source_table": ("| Khóa | Văn bản | Tên đầy đủ | Hiệu lực từ | Ghi chú |",
                     "| Key | Document | Full title | In force from | Note |"),
    "d.start": ("Hồ sơ: {x}", "Application: {x}"),
    "d.entry": ("Trong thời gian chương trình và đơn vị đề nghị là: {x}?",
                "Within the program period, and the applicant is: {x}?"),
    "d.entry_abstract": ("Đơn vị đề nghị là: {x}?", "Applicant is: {x}?"),
    "d.count": ("{n} tiêu chí (xem mục {s})", "{n} criteria (see section {s})"),
    "d.no": ("không", "no"),
    "d.yes": ("có", "yes"),
    "d.refused": ("Không đủ điều kiện: hỗ trợ 0 ₫, nêu tiêu chí không đạt",
                  "Not eligible: support 0 ₫, failed criteria listed"),
    "d.share": ("Hỗ trợ = nhỏ nhất của: {share} × chi phí{caps}; chi phí; số đề nghị",
                "Support = smallest of: {share} × cost{caps}; cost; amount requested"),
    "d.cap": ("; trần {cap}", "; ceiling {cap}"),
    "d.uplift": (" (× {x} nếu đề án ưu tiên)", " (× {x} for a priority project)"),
    "d.full": ("Hỗ trợ = chi phí được duyệt (không có mức cụ thể ⚠); không quá số đề nghị",
               "Support = approved cost (no level known ⚠); at most the amount requested"),
    "d.priority": ("Ưu tiên: {x}", "Priority: {x}"),
    "d.decision": ("Quyết định: đủ điều kiện, số tiền hỗ trợ, thứ tự ưu tiên, lý do, cảnh báo",
                   "Decision: eligible, amount, priority rank, reasons, warnings"),
}


def _text(table: dict[str, tuple[str, str]], key: str, lang: str, **values: Any) -> str:
    text = table[key][LANGS.index(lang)]
    return text.format(**values) if values else text


# ---------------------------------------------------------------- formatting (no locale data: deterministic)


def _group(n: int, sep: str) -> str:
    sign = "-" if n < 0 else ""
    digits = str(abs(n))
    parts = []
    while len(digits) > 3:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    parts.insert(0, digits)
    return sign + sep.join(parts)


def _number(value: int | Fraction, lang: str) -> str:
    sep, dot = (".", ",") if lang == "vi" else (",", ".")
    if isinstance(value, Fraction) and value.denominator != 1:
        whole = int(value)
        rest = value - whole
        decimals = ""
        for _ in range(6):  # parameters have at most 4 decimals; 6 is exact for them
            rest *= 10
            decimals += str(int(rest))
            rest -= int(rest)
            if not rest:
                break
        return f"{_group(whole, sep)}{dot}{decimals}"
    return _group(int(value), sep)


def _money(value: int, lang: str) -> str:
    return f"{_number(value, 'vi')} ₫" if lang == "vi" else f"₫{_number(value, 'en')}"


def _date(value: dt.date, lang: str) -> str:
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()


def _percent(value: Fraction, lang: str) -> str:
    return f"{_number(value * 100, lang)}%"


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _mermaid(text: str) -> str:
    """Text safe inside a quoted Mermaid label."""
    return (text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("#lt;br/#gt;", "<br/>"))


# ---------------------------------------------------------------- a page


class _Page:
    def __init__(self, d: Definition, lang: str) -> None:
        self.d = d
        self.lang = lang
        self.i = LANGS.index(lang)
        self.used_tiers = {c.tier for c in d.criteria.values() if c.kind == "priority"}

    def t(self, key: str, **values: Any) -> str:
        return _text(_T, key, self.lang, **values)

    def w(self, key: str, **values: Any) -> str:
        return _text(_W, key, self.lang, **values)

    # -- values

    def value(self, unit: str, value: Any) -> str:
        lang = self.lang
        if unit == "vnd":
            return _money(value, lang)
        if unit == "percent":
            return _percent(value, lang)
        if unit == "date":
            return _date(dt.date.fromordinal(value), lang)
        return _number(value, lang)

    def badge(self, provenance: str) -> str:
        return f" **{self.w(provenance)}**" if provenance in ("guidance", "assumption") else ""

    def validity(self, pv: ParamValue) -> str:
        a = _date(pv.start, self.lang)
        if pv.until is None:
            return self.w("from", a=a)
        return self.w("from_until", a=a, b=_date(pv.until, self.lang))

    def cite(self, c: Cite | None) -> str:
        return c.text(self.lang) if c else "—"

    def param_inline(self, p: Param) -> str:
        """A parameter named in a sentence: linked label and its values, badges on guidance and assumptions."""
        values = []
        for pv in p.values:
            text = self.value(p.unit, pv.value)
            if len(p.values) > 1:
                text += f" {self.validity(pv)}"
            values.append(text + self.badge(pv.provenance))
        return f"[{p.label[self.lang]}](#param-{p.id}) ({'; '.join(values)})"

    def param_short(self, p: Param) -> str:
        """A parameter's values for a diagram: one value, or the values in date order."""
        marks = "⚠" if any(v.provenance in ("guidance", "assumption") for v in p.values) else ""
        return " → ".join(self.value(p.unit, v.value) for v in p.values) + (f" {marks}" if marks else "")

    # -- conditions in words

    def field(self, path: str) -> str:
        return FIELD_LABELS[path][self.i] if path in FIELD_LABELS else path

    def name(self, ref: cond.Ref) -> str:
        path = ref.path
        if path.startswith("params."):
            return self.param_inline(self.d.params[path[7:]])
        if path.startswith("derived."):
            der = self.d.derived[path[8:]]
            return f"[{der.label[self.lang]}](#derived-{der.id})"
        if path in CODE_FIELDS or path in FIELD_LABELS:
            return f"{self.field(path)} (`{path}`)"
        base, _, attr = path.rpartition(".")
        table = CODE_FIELDS.get(base)
        words = ATTRIBUTE_LABELS.get((table or "", attr))
        if words is not None:
            attr_label = words[self.i]
        else:
            spec = self.d.codes[table].attributes.get(attr) if table in self.d.codes else None
            target = self.d.codes.get(spec[2] or "") if spec else None
            attr_label = target.label[self.lang].lower() if target else attr.replace("_", " ")
        return f"{self.field(base)} → {attr_label} (`{path}`)"

    def literal(self, lit: cond.Lit, other: cond.Expr | None) -> str:
        if lit.type == "bool":
            return self.w("yes" if lit.value else "no")
        if lit.type == "date":
            return _date(dt.date.fromordinal(lit.value), self.lang)
        if lit.type == "int":
            if isinstance(other, cond.Ref) and (other.path.endswith("_vnd") or self._unit(other) == "vnd"):
                return _money(lit.value, self.lang)
            return _number(lit.value, self.lang)
        table = other.ftype.table if isinstance(other, cond.Ref) else None
        return f"“{self.code_label(table, lit.value)}”"

    def _unit(self, ref: cond.Ref) -> str | None:
        if ref.path.startswith("params."):
            return self.d.params[ref.path[7:]].unit
        return None

    def code_label(self, table: str | None, code: str) -> str:
        if table == "activity":
            act = self.d.activities.get(code)
            return act.label[self.lang] if act else code
        tbl = self.d.codes.get(table or "")
        if tbl and code in tbl.values:
            return tbl.values[code].label[self.lang]
        return code

    def words(self, expr: cond.Expr) -> str:
        """A condition as a sentence, read the way both engines read it (negation pushed down)."""
        return self._words(cond.nnf(expr), None)

    def _words(self, e: cond.Expr, parent: str | None) -> str:
        if isinstance(e, (cond.And, cond.Or)):
            kind = "and" if isinstance(e, cond.And) else "or"
            text = f" {self.w(kind)} ".join(self._words(i, kind) for i in e.items)
            return f"({text})" if parent is not None else text
        if isinstance(e, cond.Lit) and e.type == "bool":
            return self.w("always" if e.value else "never")
        if isinstance(e, cond.Cmp):
            return self.compare(e)
        return self.term(e)

    def compare(self, e: cond.Cmp) -> str:
        if e.op in ("is set", "is not set"):
            assert isinstance(e.left, cond.Ref)
            return self.w("is_set" if e.op == "is set" else "is_not_set", x=self.name(e.left))
        if e.op in ("in", "not in"):
            assert isinstance(e.right, tuple)
            values = ", ".join(self.literal(v, e.left) for v in e.right)
            return self.w(e.op, x=self.term(e.left), v=values)
        assert isinstance(e.right, cond.Expr)
        left, right = e.left, e.right
        if isinstance(left, cond.Lit) and isinstance(right, cond.Ref):
            flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
            left, right, op = right, left, flipped.get(e.op, e.op)
        else:
            op = e.op
        if isinstance(right, cond.Lit) and right.type == "bool" and op in ("==", "!="):
            yes = bool(right.value) == (op == "==")
            return f"{self.term(left)}: {self.w('yes' if yes else 'no')}"
        key = f"date{op}" if left.type == "date" and op not in ("==", "!=") else op
        return self.w(key, x=self.term(left, right), y=self.term(right, left))

    def term(self, e: cond.Expr, other: cond.Expr | None = None) -> str:
        if isinstance(e, cond.Ref):
            return self.name(e)
        if isinstance(e, cond.Lit):
            return self.literal(e, other)
        if isinstance(e, cond.Func):
            args = [self.term(a) for a in e.args]
            return _text(_W, f"fn.{e.name}", self.lang).format(*args)
        if isinstance(e, cond.Arith):
            sign = {"+": "+", "-": "−", "*": "×"}[e.op]
            return f"{self.term(e.left)} {sign} {self.term(e.right)}"
        return self._words(e, "and")

    # -- sections

    def render(self) -> str:
        d = self.d
        out: list[str] = []
        other = [lang for lang in LANGS if lang != self.lang][0]
        out.append(f"# {d.title[self.lang]}\n")
        out.append("<!-- generated by `kcrules docs`: do not edit -->\n")
        out.append(self.t("generated", folder=d.folder.name) + " "
                   + self.t("other_lang", file=f"{d.id}.{other}.md") + "\n")
        out.append(f"{self.t('chain')}: {' → '.join(f'`{c}`' for c in d.chain)}.\n")
        if d.abstract:
            out.append(self.t("abstract") + "\n")
        out.append(f"## {self.t('legend')}\n")
        out.append(self.t("legend_text", guidance=self.w("guidance"), assumption=self.w("assumption")) + "\n")
        sections = self.sections()
        out.append(f"## {self.t('contents')}\n")
        for anchor, title, _ in sections:
            out.append(f"- [{title}](#{anchor})")
            if anchor == "activities":
                for act in d.activities.values():
                    out.append(f"  - [{act.id} — {act.label[self.lang]}](#activity-{act.id})")
        out.append("")
        for anchor, title, body in sections:
            out.append(f'<a id="{anchor}"></a>\n\n## {title}\n')
            out.append(body())
        text = "\n".join(out)
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
        return text

    def sections(self) -> list[tuple[str, str, Any]]:
        d = self.d
        out: list[tuple[str, str, Any]] = []
        if d.program:
            out.append(("program", self.t("program"), self.program))
        if d.activities:
            out.append(("activities", self.t("activities"), self.activities))
        used = {c for a in d.activities.values() for c in a.criteria}
        if d.abstract or any(c.id not in used and c.kind != "priority" for c in d.criteria.values()):
            title = self.t("criteria_all") if not d.activities else self.t("criteria_unused")
            out.append(("criteria", title, lambda: self.criteria_catalogue(used)))
        if d.groups:
            out.append(("groups", self.t("groups"), self.groups))
        if d.tiers:
            out.append(("priority", self.t("priority"), self.priority))
        out.append(("parameters", self.t("parameters"), self.parameters))
        if d.derived:
            out.append(("derived", self.t("derived"), self.derived))
        out.append(("codes", self.t("codes"), self.codes))
        out.append(("sources", self.t("sources"), self.sources))
        return out

    def program(self) -> str:
        p = self.d.program
        assert p is not None
        period = self.w("from_until", a=_date(p.start, self.lang), b=_date(p.until, self.lang))
        budget = self.param_inline(self.d.params[p.budget_param])
        return self.t("program_text", period=period, budget=budget, cite=self.cite(p.cite)) + "\n"

    def activities(self) -> str:
        out = [self.t("act_table"), "|---|---|---|---|---|"]
        for act in self.d.activities.values():
            applicants = ", ".join(self.code_label("applicant_kind", a) for a in act.applicants)
            method = self.t(f"method.{act.support.method}")
            target = self.target_short(act)
            out.append(f"| [{act.id}](#activity-{act.id}) | {_md(act.label[self.lang])} | {_md(applicants)} "
                       f"| {method} | {_md(target)} |")
        out.append("")
        for act in self.d.activities.values():
            out.append(self.activity(act))
        return "\n".join(out)

    def target_short(self, act: Activity) -> str:
        t = act.target
        if t is None:
            return "—"
        count = _number(t.count, self.lang) if t.count else ""
        if t.count_max:
            count = f"{count}–{_number(t.count_max, self.lang)}" if count else _number(t.count_max, self.lang)
        return f"{count} {t.unit[self.lang]}".strip()

    def stages(self, act: Activity) -> dict[str, list[Criterion]]:
        out: dict[str, list[Criterion]] = {"beneficiary": [], "funding": [], "activity": [], "priority": []}
        for cid in act.criteria:
            c = self.d.criteria[cid]
            out[_stage(c, act)].append(c)
        return out

    def activity(self, act: Activity) -> str:
        lang = self.lang
        out = [f'<a id="activity-{act.id}"></a>\n', f"### {act.id} — {act.label[lang]}\n"]
        out.append(f"{self.t('source')}: {self.cite(act.cite)}.\n")
        applicants = ", ".join(self.code_label("applicant_kind", a) for a in act.applicants)
        out.append(f"- **{self.t('who_applies')}**: {applicants}.")
        out.append(f"- **{self.t('who_benefits')}**: {self.t('benefits_yes' if act.beneficiary else 'benefits_no')}")
        if act.requires:
            fields = ", ".join(f"{self.field(r)} (`{r}`)" for r in act.requires)
            out.append(f"- **{self.t('requires')}**: {fields}.")
        out.append("")
        stages = self.stages(act)
        out.append(f"#### {self.t('stage.entry')}\n")
        if self.d.program:
            p = self.d.program
            out.append("- " + self.t("period_crit", x=self.w("from_until", a=_date(p.start, lang),
                                                                 b=_date(p.until, lang)))
                       + f" *{self.cite(p.cite)}*")
        out.append("- " + self.t("applicant_crit", x=", ".join(
            f"“{self.code_label('applicant_kind', a)}”" for a in act.applicants)) + f" *{self.cite(act.cite)}*")
        out.append("")
        for stage in ("beneficiary", "funding", "activity"):
            out.append(f"#### {self.t('stage.' + stage)}\n")
            items = stages[stage]
            out.append("\n".join(self.criterion(c) for c in items) if items else self.t("none"))
            out.append("")
        out.append(f"#### {self.t('stage.support')}\n")
        out.append(self.support(act))
        if stages["priority"]:
            out.append(f"#### {self.t('stage.priority')}\n")
            for c in stages["priority"]:
                if c.id.startswith(f"{act.id}."):
                    out.append(self.criterion(c))
                else:  # shared: written out once, in the priority section
                    out.append(f"- [{c.label[lang]}](#crit-{c.id}) (`{c.id}`) — {self.t('tier')} `{c.tier}`")
            out.append("")
        if act.target:
            t = act.target
            prov = self.w(t.provenance)
            out.append(f"#### {self.t('stage.target')}\n")
            out.append(self.t("target_text", count=self.target_short(act).split(" ")[0],
                              unit=t.unit[lang], prov=prov, cite=self.cite(t.cite)) + "\n")
        out.append(f"#### {self.t('stage.diagram')}\n")
        out.append(self.diagram(act, stages))
        return "\n".join(out)

    def criterion(self, c: Criterion, anchor: bool = False) -> str:
        lang = self.lang
        head = f"- **{c.label[lang]}** (`{c.id}`; {self.cite(c.cite)})"
        if anchor:
            head = f'- <a id="crit-{c.id}"></a>' + head[2:]
        if c.kind == "priority" and c.tier:
            head += f" — {self.t('tier')} [`{c.tier}`](#priority)"
        lines = [head, f"  - {self.t('condition')}: {self.words(c.condition)}."]
        if c.applies_when is not None:
            lines.append(f"  - {self.t('applies_when')}: {self.words(c.applies_when)}.")
        if c.explain.get(lang):
            lines.append(f"  - {self.t('explain')}: {c.explain[lang]}")
        if c.assumption:
            lines.append(f"  - **{self.w('assumption')}**: {c.assumption[lang]}")
        return "\n".join(lines)

    def support(self, act: Activity) -> str:
        s = act.support
        lang = self.lang
        out = [f"- {self.t('support.base')}: {self.field(s.base)} (`{s.base}`)."]
        if s.method == "share":
            assert s.share is not None
            out.append(f"- {self.t('support.share')}: {self.param_inline(self.d.params[s.share])}.")
            for cap in s.caps:
                out.append(f"- {self.t('support.caps')}: {self.param_inline(self.d.params[cap])}.")
            if s.uplift and s.caps:
                tiers = ", ".join(f"`{t.id}`" for t in self.d.tiers if t.uplift)
                out.append("- " + self.t("support.uplift", x=self.param_inline(self.d.params[s.uplift]),
                                         tiers=tiers))
            caps = self.t("support.caps_in_formula") if s.caps else ""
            out.append("- " + self.t("support.formula_share", caps=caps))
        else:
            out.append("- " + self.t("support.full", badge=self.w("assumption")))
        out.append(f"- {self.t('source')}: {self.cite(s.cite)}.")
        if s.note:
            out.append(f"- {self.t('note')}: {s.note[lang]}")
        return "\n".join(out) + "\n"

    def diagram(self, act: Activity, stages: dict[str, list[Criterion]]) -> str:
        lang = self.lang
        kinds = ", ".join(self.code_label("applicant_kind", a) for a in act.applicants)
        entry = self.t("d.entry" if self.d.program else "d.entry_abstract", x=kinds)
        lines = ["```mermaid", "flowchart TD",
                 f'  start(["{_mermaid(self.t("d.start", x=act.id))}"])',
                 f'  s1{{"{_mermaid(entry)}"}}',
                 f'  refused(["{_mermaid(self.t("d.refused"))}"])',
                 "  start --> s1"]
        prev = "s1"
        yes, no = self.t("d.yes"), self.t("d.no")
        lines.append(f"  s1 -->|{no}| refused")
        for n, stage in enumerate(("beneficiary", "funding", "activity"), start=2):
            items = stages[stage]
            if not items:
                continue
            title = self.t("stage." + stage)
            if len(items) <= 4:
                body = "<br/>".join(f"• {c.label[lang]}" for c in items)
            else:
                body = self.t("d.count", n=len(items), s=title.split(".")[0])
            node = f"s{n}"
            lines.append(f'  {node}{{"{_mermaid(title)}<br/>{_mermaid(body)}"}}')
            lines.append(f"  {prev} -->|{yes}| {node}")
            lines.append(f"  {node} -->|{no}| refused")
            prev = node
        s = act.support
        if s.method == "share":
            assert s.share is not None
            uplift = ""
            if s.uplift and s.caps:
                uplift = self.t("d.uplift", x=self.param_short(self.d.params[s.uplift]))
            caps = "".join(self.t("d.cap", cap=self.param_short(self.d.params[c])) + uplift for c in s.caps)
            formula = self.t("d.share", share=self.param_short(self.d.params[s.share]), caps=caps)
        else:
            formula = self.t("d.full")
        lines.append(f'  sup["{_mermaid(formula)}"]')
        lines.append(f"  {prev} -->|{yes}| sup")
        if stages["priority"]:
            tiers = " → ".join(t.label[lang] for t in self.d.tiers
                               if any(c.tier == t.id for c in stages["priority"]))
            lines.append(f'  prio[["{_mermaid(self.t("d.priority", x=tiers))}"]]')
            lines.append("  prio -.-> sup")
        lines.append(f'  dec(["{_mermaid(self.t("d.decision"))}"])')
        lines.append("  sup --> dec")
        lines.append("  refused --> dec")
        lines.append("```\n")
        return "\n".join(lines)

    def criteria_catalogue(self, used: set[str]) -> str:
        out = []
        current = None
        for c in self.d.criteria.values():
            if (c.id in used and self.d.activities) or c.kind == "priority":
                continue  # priority criteria are written out in the priority section
            prefix = c.id.split(".")[0]
            if prefix != current:
                out.append(f"\n### `{prefix}.*`\n")
                current = prefix
            out.append(self.criterion(c))
        return "\n".join(out) + "\n"

    def groups(self) -> str:
        out = [self.t("groups_text") + "\n"]
        for key, items in self.d.groups.items():
            refs = []
            for item in items:
                if item.startswith("@"):
                    refs.append(f"[`{item}`](#group-{item[1:]})")
                else:
                    c = self.d.criteria.get(item)
                    refs.append(f"`{item}`" + (f" ({c.label[self.lang]})" if c else ""))
            out.append(f'- <a id="group-{key}"></a>**`@{key}`**: ' + "; ".join(refs) + ".")
        return "\n".join(out) + "\n"

    def priority(self) -> str:
        out = [self.t("priority_text") + "\n", self.t("tier_table"), "|---|---|---|---|---|---|"]
        for tier in self.d.tiers:
            members = sorted((c for c in self.d.criteria.values() if c.kind == "priority" and c.tier == tier.id),
                             key=lambda c: (c.order, c.id))
            names = "; ".join(f"{c.label[self.lang]} ({c.order})" if tier.mode == "first_met"
                              else c.label[self.lang] for c in members) or "—"
            uplift = self.w("yes" if tier.uplift else "no")
            out.append(f"| `{tier.id}` | {_md(tier.label[self.lang])} | {self.t('mode.' + tier.mode)} | {uplift} "
                       f"| {_md(self.cite(tier.cite))} | {_md(names)} |")
        shared = [c for c in self.d.criteria.values()
                  if c.kind == "priority" and not any(c.id.startswith(f"{a}.") for a in self.d.activities)]
        if shared:
            out.append("")
            out += [self.criterion(c, anchor=True) for c in shared]
        return "\n".join(out) + "\n"

    def parameters(self) -> str:
        out = [self.t("param_table"), "|---|---|---|---|---|---|---|"]
        for p in self.d.params.values():
            over = self.d.overrides.get(f"parameter:{p.id}")
            name = f'<a id="param-{p.id}"></a>{_md(p.label[self.lang])} (`{p.id}`)'
            if over:
                name += f"; {self.t('overrides', x=over)}"
            for n, pv in enumerate(p.values):
                prov = self.w(pv.provenance)
                prov = f"**{prov}**" if pv.provenance in ("guidance", "assumption") else prov
                first = name if n == 0 else "〃"
                out.append(f"| {first} | {self.w('unit.' + p.unit)} | {self.value(p.unit, pv.value)} "
                           f"| {self.validity(pv)} | {prov} | {_md(self.cite(pv.cite))} | {_md(pv.note[self.lang] if pv.note else '')} |")
        return "\n".join(out) + "\n"

    def derived(self) -> str:
        out = [self.t("derived_text") + "\n"]
        for der in self.d.derived.values():
            out.append(f'- <a id="derived-{der.id}"></a>**{der.label[self.lang]}** (`derived.{der.id}`) = '
                       f"{self.term(der.expr)} ({self.cite(der.cite)}).")
        return "\n".join(out) + "\n"

    def codes(self) -> str:
        out = []
        for table in self.d.codes.values():
            out.append(f'<a id="code-{table.id}"></a>\n\n### `{table.id}` — {table.label[self.lang]}\n')
            if table.cite:
                out.append(f"{self.t('source')}: {self.cite(table.cite)}.\n")
            if not table.values:
                out.append(self.t("none") + "\n")
                continue
            out.append(self.t("code_table"))
            out.append("|---|---|---|---|")
            for v in table.values.values():
                attrs = "; ".join(f"{k} = {self.attr_value(table.attributes.get(k), val)}"
                                  for k, val in v.attrs.items())
                out.append(f"| `{v.id}` | {_md(v.label[self.lang])} | {_md(', '.join(v.aliases))} | {_md(attrs)} |")
            out.append("")
        return "\n".join(out)

    def attr_value(self, spec: tuple[str, bool, str | None] | None, value: Any) -> str:
        if spec is None:
            return str(value)
        kind, _, table = spec
        if kind == "bool":
            return self.w("yes" if value else "no")
        if kind == "date" and isinstance(value, int):
            return _date(dt.date.fromordinal(value), self.lang)
        if kind == "code":
            return self.code_label(table, value)
        return str(value)

    def sources(self) -> str:
        out = [self.t("source_table"), "|---|---|---|---|---|"]
        for s in self.d.sources.values():
            start = _date(s.in_force_from, self.lang) if s.in_force_from else "—"
            out.append(f"| `{s.key}` | {_md(s.short)} | {_md(s.title)} | {start} | {_md(s.note[self.lang] if s.note else '')} |")
        return "\n".join(out) + "\n"


def _stage(c: Criterion, act: Activity) -> str:
    """Which step of the decision a criterion belongs to, by its id (see docs/rule-author-guide.md)."""
    if c.kind == "priority":
        return "priority"
    if c.id.startswith(f"{act.id}."):
        return "activity"
    prefix = c.id.split(".")[0]
    if prefix in ("beneficiary", "sector"):
        return "beneficiary"
    if prefix == "funding":
        return "funding"
    return "activity"


# ---------------------------------------------------------------- entry points


def _definition(rulebook: Any) -> Definition:
    return rulebook.definition if hasattr(rulebook, "definition") else rulebook


def generate(rulebook: Any) -> dict[str, str]:
    """The reference pages of a rulebook (a Rulebook or its Definition): file name -> Markdown."""
    d = _definition(rulebook)
    return {f"{d.id}.{lang}.md": _Page(d, lang).render() for lang in LANGS}


def condition_words(rulebook: Any, condition: cond.Expr, lang: str = "vi") -> str:
    """One parsed condition of ``rulebook`` in plain words (Markdown)."""
    return _Page(_definition(rulebook), lang).words(condition)
