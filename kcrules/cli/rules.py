"""``kcrules rules list|show|audit`` and ``kcrules schema``: browse, audit and describe the rules.

``rules audit`` lists every parameter value with its provenance and citation,
every reading of the law the rulebook makes (criteria and lists of applicants
that rest on this rulebook's reading) and every derived fact with its source, and
exits 1 when any number, reading or derived fact lacks a citation or a
guidance/assumption value lacks its note; CI runs it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kcrules.text.i18n import Catalogue

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def add_parser(subparsers: Any) -> None:
    rules = subparsers.add_parser("rules", help="list, show and audit the rulebooks",
                                  description="Browse and audit the bundled rulebooks.")
    sub = rules.add_subparsers(dest="rules_command", metavar="ACTION")
    rules.set_defaults(run=_missing_action, rules_parser=rules)

    p = sub.add_parser("list", help="rulebooks and their activities")
    _common(p, rulebook=False)
    p.set_defaults(run=run_list)

    p = sub.add_parser("show", help="one activity: who applies, conditions, levels, citations",
                       description="Who may apply, the conditions checked, the support levels with value, unit, "
                                   "validity, citation and provenance.")
    p.add_argument("activity", metavar="ACTIVITY",
                   help="activity id (see `kcrules rules list`), the start of one (3.3), or its name")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also show ids, each condition as written in the rule files, and parameter ids")
    _common(p)
    p.set_defaults(run=run_show)

    p = sub.add_parser("audit", help="every parameter with its provenance; exit 1 if a number lacks a citation",
                       description="List every parameter value with its provenance and citation, count them by "
                                   "provenance, and exit 1 if any number lacks a citation or a guidance or "
                                   "assumption value lacks its note. Exit 0 when all is cited.")
    p.add_argument("--rulebook", metavar="ID_OR_PATH", action="append", default=None,
                   help="audit this rulebook (repeatable; default: every bundled rulebook)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--quiet", "-q", action="store_true", help="print only problems and the counts")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(run=run_audit)

    p = subparsers.add_parser("schema", help="the JSON Schema of an application",
                              description="Print the JSON Schema of an application: every code field lists "
                                          "the rulebook's codes as oneOf const (the id) and title (its name), "
                                          "for a form generator's drop-downs.")
    p.add_argument("--rulebook", metavar="ID_OR_PATH", default=None)
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the codes' names (default vi)")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(run=run_schema)


def _common(p: argparse.ArgumentParser, rulebook: bool = True) -> None:
    if rulebook:
        p.add_argument("--rulebook", metavar="ID_OR_PATH", default=None,
                       help="bundled rulebook id or folder (default hanoi-2016-2020)")
    p.add_argument("--lang", choices=("vi", "en"), default="vi")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def _missing_action(args: argparse.Namespace) -> int:
    args.rules_parser.print_help(sys.stderr)
    return EXIT_USAGE


def _dump(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


# ---------------------------------------------------------------- rules list


def run_list(args: argparse.Namespace) -> int:
    from kcrules.rulebook import load_rulebook
    from kcrules.rulefiles.loader import bundled_ids

    lang = args.lang
    books = []
    for rb_id in bundled_ids():
        rb = load_rulebook(rb_id)
        books.append({
            "id": rb.id, "title": rb.title(lang), "version": rb.version, "chain": list(rb.chain),
            "abstract": rb.definition.abstract,
            "activities": [{"id": a.id, "label": a.label[lang], "citation": a.cite.text(lang)}
                           for a in rb.definition.activities.values()],
        })
    if args.format == "json":
        _dump(books)
        return EXIT_OK
    for book in books:
        chain = " → ".join(book["chain"])
        print(f"{book['id']}  {book['title']}")
        print(f"  {_s('chain', lang)}: {chain}; {_s('version', lang)} {book['version'][:12]}")
        if not book["activities"]:
            print("  " + _s("national", lang))
        for a in book["activities"]:
            print(f"  {a['id']:<26} {a['label']}  [{a['citation']}]")
        print()
    return EXIT_OK


# ---------------------------------------------------------------- rules show

_S = Catalogue("cli.rules", {
    "applicants": {"vi": "Đơn vị được đề nghị", "en": "Who may apply"},
    "beneficiary": {"vi": "Cơ sở thụ hưởng trực tiếp", "en": "An establishment benefits directly"},
    "requires": {"vi": "Thông tin cần có", "en": "Facts it needs"},
    "required_when": {"vi": "khi", "en": "when"},
    "criteria": {"vi": "Điều kiện", "en": "Conditions"},
    "priority": {"vi": "Tiêu chí ưu tiên", "en": "Priority criteria"},
    "when": {"vi": "áp dụng khi", "en": "applies when"},
    "support": {"vi": "Mức hỗ trợ", "en": "Support"},
    "target": {"vi": "Mục tiêu của Chương trình", "en": "Program target"},
    "yes": {"vi": "có", "en": "yes"},
    "no": {"vi": "không", "en": "no"},
    "assumption": {"vi": "giả định", "en": "assumption"},
    "full": {"vi": "theo chi phí được duyệt, không có tỷ lệ", "en": "the approved cost, no share"},
    "share": {"vi": "tỷ lệ của chi phí, có mức trần", "en": "a share of the cost, with ceilings"},
    "uplift": {"vi": "hệ số đề án ưu tiên", "en": "priority-project multiplier"},
    "since": {"vi": "từ", "en": "from"},
    "code": {"vi": "mã điều kiện", "en": "condition code"},
    "role.share": {"vi": "Tỷ lệ hỗ trợ", "en": "Share"},
    "role.cap": {"vi": "Mức trần", "en": "Ceiling"},
    "role.uplift": {"vi": "Hệ số đề án ưu tiên (tối đa)", "en": "Priority-project multiplier (at most)"},
    "prov.law": {"vi": "văn bản pháp luật", "en": "law"},
    "prov.program": {"vi": "văn bản chương trình", "en": "program text"},
    "prov.guidance": {"vi": "hướng dẫn trung ương, chưa phải mức của Hà Nội", "en": "national guidance, not Hanoi's own"},
    "prov.assumption": {"vi": "giả định chờ xác nhận", "en": "assumption pending confirmation"},
    "until": {"vi": "đến trước", "en": "until"},
    "no_activity": {"vi": "không có nội dung hỗ trợ {given} trong bộ quy tắc {rulebook}.{hint} Các nội dung: {known}. "
                          "Xem `kcrules rules list`.",
                    "en": "no activity {given} in rulebook {rulebook}.{hint} Known: {known}. See `kcrules rules list`."},
    "hint": {"vi": " Có phải ý bạn là {hint}?", "en": " Did you mean {hint}?"},
    "abstract": {"vi": "(không có: bộ quy tắc này là bộ trừu tượng)", "en": "(none: this rulebook is abstract)"},
    "chain": {"vi": "chuỗi", "en": "chain"},
    "version": {"vi": "phiên bản", "en": "version"},
    "national": {"vi": "(luật trung ương: tiêu chí và mức hỗ trợ, không có nội dung hỗ trợ riêng)",
                 "en": "(national law: criteria and levels, no activities of its own)"},
    "no_citation": {"vi": "(KHÔNG CÓ CĂN CỨ)", "en": "(NO CITATION)"},
    "readings": {"vi": "Cách hiểu luật (cách hiểu của bộ quy tắc này; được cảnh báo trong mọi kết quả có dùng):",
                 "en": "Readings of the law (this rulebook's reading; warned in every decision that uses one):"},
    "derived": {"vi": "Thông tin bộ quy tắc tự suy ra (người nộp không khai):",
                "en": "Facts the rulebook derives (never declared by the applicant):"},
    "counted": {"vi": "{readings} cách hiểu luật, {derived} thông tin suy ra, mỗi mục đều có nguồn.",
                "en": "{readings} readings of the law, {derived} derived facts, each with its source."},
    "by_provenance": {"vi": "giá trị theo nguồn gốc: {counts}; tổng {total}",
                      "en": "values by provenance: {counts}; total {total}"},
    "flagged": {"vi": "{n} giá trị không phải luật của Hà Nội (mức hướng dẫn hoặc giả định); mỗi giá trị có ghi chú "
                      "và được cảnh báo trong mọi kết quả có dùng.",
                "en": "{n} values are not Hanoi law (guidance or assumption); each carries a note and is flagged "
                      "in every decision that uses it."},
    "problems": {"vi": "{n} lỗi:", "en": "{n} problem(s):"},
    "passed": {"vi": "kiểm tra đạt: mọi giá trị đều có nguồn gốc và căn cứ.",
               "en": "audit passed: every value has a provenance and a citation."},
    "program": {"vi": "chương trình", "en": "program"},
    "law": {"vi": "luật", "en": "law"},
    "guidance": {"vi": "hướng dẫn", "en": "guidance"},
    "assumption_kind": {"vi": "giả định", "en": "assumption"},
    "ambiguous": {"vi": "{given} là phần đầu mã của {n} nội dung hỗ trợ của bộ quy tắc {rulebook}: {starting}. "
                        "Hãy chọn một trong số đó.",
                  "en": "{given} is the start of {n} activities of rulebook {rulebook}: {starting}. Give one of them."},
    # rules audit: what it finds wrong
    "as_is": {"vi": "{problem}", "en": "{problem}"},
    "no_value": {"vi": "{file} [parameters.{id}]: không có giá trị", "en": "{file} [parameters.{id}]: has no value"},
    "value_at": {"vi": "{file} [parameters.{id}] từ {start}", "en": "{file} [parameters.{id}] from {start}"},
    "bad_provenance": {"vi": "{where}: nguồn gốc {provenance} không thuộc {allowed}",
                       "en": "{where}: provenance {provenance} is not one of {allowed}"},
    "uncited_value": {"vi": "{where}: giá trị {value} không có căn cứ (thêm cite = {{ source, article|section }})",
                      "en": "{where}: the value {value} has no citation (add cite = {{ source, article|section }})"},
    "no_note": {"vi": "{where}: một giá trị {provenance} cần ghi chú nói vì sao được dùng",
                "en": "{where}: a {provenance} value needs a note saying why it is used"},
    "uncited_target": {"vi": "{file} [activities.{id}.target]: mục tiêu không có căn cứ",
                       "en": "{file} [activities.{id}.target]: the target has no citation"},
    "uncited_support": {"vi": "{file} [activities.{id}.support]: quy tắc hỗ trợ không có căn cứ",
                        "en": "{file} [activities.{id}.support]: the support rule has no citation"},
    "uncited_criterion": {"vi": "{file} [criteria.{id}]: tiêu chí không có căn cứ",
                          "en": "{file} [criteria.{id}]: the criterion has no citation"},
})


def _s(key: str, lang: str) -> str:
    return _S[key][lang]


def run_show(args: argparse.Namespace) -> int:
    from kcrules.rulebook import load_rulebook
    from kcrules.rulefiles.codes import find_code
    from kcrules.util.words import suggest

    lang = args.lang
    rb = load_rulebook(args.rulebook)
    d = rb.definition
    act_id = find_code(d, "activity", args.activity)
    # An id's start names the activity when it names only one: `3.3` is 3.3-machinery; `3.4`
    # names four fairs, which are listed.
    starting = [a for a in d.activities if a.startswith(args.activity)] if act_id is None else []
    if len(starting) == 1:
        act_id = starting[0]
    from kcrules.cli.words import say

    if len(starting) > 1:
        print(say("error", lang, message=_S("ambiguous", lang, given=repr(args.activity), n=len(starting),
                                            rulebook=rb.id, starting=", ".join(starting))), file=sys.stderr)
        return EXIT_USAGE
    if act_id is None:
        known = list(d.activities)
        hint = suggest(args.activity, known + [a.label["vi"] for a in d.activities.values()])
        message = _S("no_activity", lang, given=repr(args.activity), rulebook=rb.id,
                     hint=_S("hint", lang, hint=repr(hint)) if hint else "",
                     known=", ".join(known) or _s("abstract", lang))
        print(say("error", lang, message=message), file=sys.stderr)
        return EXIT_USAGE
    act = d.activities[act_id]
    from kcrules.report.activity import describe_activity

    info = describe_activity(rb, act_id, lang)
    if args.format == "json":
        _dump(info)
        return EXIT_OK
    verbose = args.verbose
    print(f"{act.label[lang]} ({act.id})  [{act.cite.text(lang)}]")
    print(f"{_s('applicants', lang)}: {', '.join(info['applicants_labels'])}")
    print(f"{_s('beneficiary', lang)}: {_s('yes' if act.beneficiary else 'no', lang)}")
    if info["requires"]:
        print(f"{_s('requires', lang)}: {', '.join(info['requires' if verbose else 'requires_labels'])}")
    # Facts required under a condition: one line per condition, in words; its code with --verbose.
    by_when: dict[str, list[dict[str, Any]]] = {}
    for r in info["requires_when"]:
        by_when.setdefault(r["when"], []).append(r)
    for code, reqs in by_when.items():
        fields = ", ".join(r["field" if verbose else "label"] for r in reqs)
        print(f"{_s('requires', lang)} {_s('required_when', lang)} {reqs[0]['when_words']}:")
        print(f"  {fields}")
        if verbose:
            print(f"  {_s('code', lang)}: {code}")
    for kind, title in (("eligibility", "criteria"), ("priority", "priority")):
        items = [c for c in info["criteria"] if c["kind"] == kind]
        if not items:
            continue
        print()
        print(f"{_s(title, lang)}:")
        for c in items:
            # In words by default; the rule files' own code is for a maintainer (--verbose).
            print(f"  - {c['label']}" + (f" [{c['id']}]" if verbose else ""))
            print(f"      {c['condition_words']}")
            if c["applies_when"]:
                print(f"      {_s('when', lang)}: {c['applies_when_words']}")
            if verbose:
                print(f"      {_s('code', lang)}: {c['condition']}")
                if c["applies_when"]:
                    print(f"      {_s('code', lang)} ({_s('when', lang)}): {c['applies_when']}")
            print(f"      {c['citation']}")
            if c["assumption"]:
                print(f"      {_s('assumption', lang)}: {c['assumption']}")
    s = info["support"]
    print()
    print(f"{_s('support', lang)}: {_s(s['method'], lang)} ({s['base'] if verbose else s['base_label']})  "
          f"[{s['citation']}]")
    if s["note"]:
        print(f"  {s['note']}")
    for p in s["parameters"]:
        print(f"  {_s('role.' + p['role'], lang)}: {p['label']}" + (f" ({p['id']}, {p['unit']})" if verbose else ""))
        for v in p["values"]:
            span = _span(v["from"], v["until"], lang)
            print(f"    {v['value']:<18} {span}; {_s('prov.' + v['provenance'], lang)}; {v['citation']}")
            if v["note"]:
                print(f"      {v['note']}")
    if info["target"]:
        t = info["target"]
        count = t["count"] if t["count_max"] is None else f"{t['count']}–{t['count_max']}"
        print()
        print(f"{_s('target', lang)}: {count} {t['unit']} ({_s('prov.' + t['provenance'], lang)}; {t['citation']})")
    return EXIT_OK


# ---------------------------------------------------------------- rules audit


def readings(rb: Any) -> list[dict[str, Any]]:
    """Every reading of the law the rulebook makes, and every fact it derives, each with its source."""
    d = rb.definition
    out: list[dict[str, Any]] = []
    for c in d.criteria.values():
        if c.assumption:
            out.append({"rulebook": c.origin, "kind": "reading", "id": c.id, "citation": c.cite.text("vi"),
                        "citation_en": c.cite.text("en"),
                        "text": c.assumption["en"], "text_vi": c.assumption["vi"]})
    for act in d.activities.values():
        if act.applicants_assumption:
            out.append({"rulebook": act.origin, "kind": "reading", "id": f"{act.id}.applicant",
                        "citation": act.cite.text("vi"), "citation_en": act.cite.text("en"),
                        "text": act.applicants_assumption["en"],
                        "text_vi": act.applicants_assumption["vi"]})
    for der in d.derived.values():
        out.append({"rulebook": der.file.split("/")[0], "kind": "derived", "id": f"derived.{der.id}",
                    "citation": der.cite.text("vi"), "citation_en": der.cite.text("en"),
                    "text": f"{der.label['en']}: {der.text}",
                    "text_vi": der.label["vi"]})
    return out


def audit(rb: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """(rows, problems) for one rulebook: every parameter value, target and criterion checked.

    Each problem is a :class:`~kcrules.errors.Phrase`: English text (as the JSON report gives it)
    that ``text(lang)`` says in vi or en."""
    from kcrules.errors import Phrase
    from kcrules.rulefiles.loader import PROVENANCES

    d = rb.definition
    rows: list[dict[str, Any]] = []
    problems: list[str] = []

    def cited(cite: Any) -> bool:
        return cite is not None and cite.source in d.sources and bool(
            cite.article or cite.section or cite.clause or cite.point)

    for p in d.params.values():
        if not p.values:
            problems.append(Phrase("cli.rules:no_value", file=p.file, id=p.id))
        for v in p.values:
            row = {"rulebook": p.origin, "kind": "parameter", "id": p.id, "unit": p.unit, "value": v.raw,
                   "from": v.start.isoformat(), "until": v.until.isoformat() if v.until else None,
                   "provenance": v.provenance, "citation": v.cite.text("vi") if v.cite else None,
                   "citation_en": v.cite.text("en") if v.cite else None,
                   "note": v.note["vi"] if v.note else None}
            rows.append(row)
            where = Phrase("cli.rules:value_at", file=p.file, id=p.id, start=v.start.isoformat())
            if v.provenance not in PROVENANCES:
                problems.append(Phrase("cli.rules:bad_provenance", where=where, provenance=repr(v.provenance),
                                       allowed=", ".join(PROVENANCES)))
            if not cited(v.cite):
                problems.append(Phrase("cli.rules:uncited_value", where=where, value=v.raw))
            if v.provenance in ("guidance", "assumption") and not v.note:
                problems.append(Phrase("cli.rules:no_note", where=where, provenance=v.provenance))
    for act in d.activities.values():
        t = act.target
        if t is not None:
            rows.append({"rulebook": act.origin, "kind": "target", "id": f"{act.id}.target", "unit": "count",
                         "value": str(t.count if t.count_max is None else f"{t.count}-{t.count_max}"),
                         "from": None, "until": None, "provenance": t.provenance,
                         "citation": t.cite.text("vi"), "citation_en": t.cite.text("en"), "note": None})
            if not cited(t.cite):
                problems.append(Phrase("cli.rules:uncited_target", file=act.file, id=act.id))
        if not cited(act.support.cite):
            problems.append(Phrase("cli.rules:uncited_support", file=act.file, id=act.id))
    for c in d.criteria.values():
        if not cited(c.cite):
            problems.append(Phrase("cli.rules:uncited_criterion", file=c.file, id=c.id))
    return rows, problems


def run_audit(args: argparse.Namespace) -> int:
    from collections import Counter

    from kcrules.rulebook import load_rulebook
    from kcrules.rulefiles.loader import PROVENANCES, bundled_ids

    ids = args.rulebook or bundled_ids()
    rows: list[dict[str, Any]] = []
    read: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: set[tuple[str, str, str | None]] = set()
    from kcrules.errors import Phrase, RuleFileError

    for rb_id in ids:
        try:
            rb = load_rulebook(rb_id)
        except RuleFileError as err:
            # The loader refuses uncited values too: for the audit that is a finding, not a usage error.
            problems += [Phrase("cli.rules:as_is", problem=p) for p in err.problems]
            continue
        r, p = audit(rb)
        for row in r:
            key = (row["rulebook"], row["id"], row["from"])
            if key not in seen:  # a rulebook that extends another shows its parent's values again
                seen.add(key)
                rows.append(row)
        problems += [x for x in p if x not in problems]
        read += [x for x in readings(rb) if x not in read]
    counts = Counter(row["provenance"] for row in rows)
    by_prov = {k: counts.get(k, 0) for k in PROVENANCES}
    if args.format == "json":  # the citations in Vietnamese, as they always were
        def plain(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [{k: v for k, v in x.items() if k != "citation_en"} for x in items]

        _dump({"ok": not problems, "counts": by_prov, "problems": problems, "values": plain(rows),
               "readings": plain([x for x in read if x["kind"] == "reading"]),
               "derived": plain([x for x in read if x["kind"] == "derived"])})
        return EXIT_PROBLEMS if problems else EXIT_OK
    lang = args.lang
    if not args.quiet:
        for row in rows:
            span = _span(row["from"], row["until"], lang) if row["from"] else ""
            print(f"{row['rulebook']:<16} {row['id']:<40} {row['value']:<16} {span:<25} "
                  f"{_provenance(row['provenance'], lang):<10} {_cite(row, lang) or _s('no_citation', lang)}")
        print()
        for kind in ("reading", "derived"):
            print(_s("readings" if kind == "reading" else "derived", lang))
            for x in read:
                if x["kind"] == kind:
                    print(f"  {x['id']:<56} {_cite(x, lang)}\n      {x['text' if lang == 'en' else 'text_vi']}")
            print()
    n_read = sum(1 for x in read if x["kind"] == "reading")
    print(_S("counted", lang, readings=n_read, derived=len(read) - n_read))
    print(_S("by_provenance", lang, counts=", ".join(f"{_provenance(k, lang)} {v}" for k, v in by_prov.items()),
             total=sum(by_prov.values())))
    print(_S("flagged", lang, n=by_prov.get("guidance", 0) + by_prov.get("assumption", 0)))
    if problems:
        print("\n" + _S("problems", lang, n=len(problems)), file=sys.stderr)
        for p in problems:
            print(f"  - {p.text(lang) if isinstance(p, Phrase) else p}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(_s("passed", lang))
    return EXIT_OK


def _cite(row: dict[str, Any], lang: str) -> str | None:
    return row["citation_en"] if lang == "en" else row["citation"]


def _provenance(kind: str, lang: str) -> str:
    return _s("assumption_kind" if kind == "assumption" else kind, lang) if kind in _PROVENANCE_KEYS else kind


_PROVENANCE_KEYS = ("program", "law", "guidance", "assumption")


def _span(start: str, until: str | None, lang: str) -> str:
    """A value's validity, in the reader's date style: from START [until UNTIL (excluded)]."""
    import datetime as dt

    from kcrules.text import i18n

    def day(text: str) -> str:
        return i18n.date(dt.date.fromisoformat(text), lang)

    return f"{_s('since', lang)} {day(start)}" + (f" {_s('until', lang)} {day(until)}" if until else "")


# ---------------------------------------------------------------- schema


def run_schema(args: argparse.Namespace) -> int:
    from kcrules.rulebook import load_rulebook

    _dump(load_rulebook(args.rulebook).application_schema(args.lang))
    return EXIT_OK
