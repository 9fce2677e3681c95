"""``kcrules check``: decide one application at the terminal and explain why.

Reads an application (JSON or TOML file, ``-`` for stdin), or interviews the
user when no file is given at a terminal (``--interactive`` forces it, also
with answers piped on stdin). ``--what-if field=value`` re-evaluates with
changed facts; a refused application is shown the smallest changes to the facts
that would make it eligible, where the rules allow computing them.

Exit codes: 0 eligible, 1 not eligible, 2 invalid input or usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from kcrules.cli import EXIT_INELIGIBLE, EXIT_OK, EXIT_USAGE, MAX_APPLICATION_BYTES, date_arg, read_capped
from kcrules.text.i18n import Catalogue
from kcrules.whatif import DEFAULT_FIXED


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "check",
        help="decide one application: eligible or not, how much, and why",
        description="Decide one application and explain the decision. Without FILE at a terminal, "
                    "asks the questions the chosen activity needs. "
                    "Exit codes: 0 eligible, 1 not eligible, 2 invalid input or usage.",
    )
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="the application, JSON or TOML (by extension; '-' reads stdin)")
    p.add_argument("-i", "--interactive", action="store_true",
                   help="ask the questions one by one (also when no FILE is given at a terminal)")
    p.add_argument("--format", choices=("text", "json", "html"), default="text",
                   help="text: a readable report (default); json: the decision as the library serialises it; "
                        "html: the appraisal sheet to print on A4 and sign")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the report (default vi)")
    p.add_argument("--on", metavar="DATE", type=date_arg,
                   help="evaluate under the law in force on DATE (YYYY-MM-DD) instead of the application date")
    p.add_argument("--rulebook", metavar="ID_OR_PATH", default=None,
                   help="bundled rulebook id or rulebook folder (default hanoi-2016-2020)")
    p.add_argument("--engine", choices=("durable", "native"), default="durable", help=argparse.SUPPRESS)
    p.add_argument("--all", action="store_true", dest="show_all",
                   help="also list the criteria that do not apply to this application")
    p.add_argument("--what-if", metavar="FIELD=VALUE", nargs="+", action="extend", default=[],
                   dest="what_if", help="re-evaluate with changed facts and show what changes, "
                                        "e.g. --what-if establishment.employees=40 project.machinery_new=true")
    p.add_argument("--fixed", metavar="FIELDS", default=None,
                   help="comma-separated facts to hold fixed when suggesting changes "
                        f"(default: {','.join(DEFAULT_FIXED[:2])} and the date, activity and applicant)")
    p.add_argument("--no-suggest", action="store_false", dest="suggest",
                   help="do not look for the smallest changes that would make a refused application eligible")
    p.add_argument("--save", metavar="PATH", default=None,
                   help="interview: save the answers as an application file at PATH (JSON)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also show each criterion's id and its condition as written in the rule files")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


USAGE = Catalogue("cli.check.usage", {
    "fix_hint": {"vi": "Hãy sửa các trường nêu trên rồi chạy lại; `kcrules schema` liệt kê mọi trường và "
                       "`kcrules rules show ACTIVITY` cho biết một nội dung hỗ trợ cần gì.",
                 "en": "Fix the fields named above and run again; `kcrules schema` lists every field and "
                       "`kcrules rules show ACTIVITY` what an activity needs."},
    "no_file": {"vi": "chưa có hồ sơ: hãy nêu một tệp JSON hoặc TOML, '-' để đọc từ stdin, "
                      "hoặc --interactive để trả lời câu hỏi",
                "en": "no application given: name a JSON or TOML file, '-' to read stdin, "
                      "or --interactive to answer questions"},
    "file_and_interactive": {"vi": "hãy cho FILE hoặc --interactive, không cho cả hai",
                             "en": "give either FILE or --interactive, not both"},
    "save_alone": {"vi": "--save lưu câu trả lời của buổi hỏi đáp: hãy dùng cùng --interactive",
                   "en": "--save keeps the answers of an interview: use it with --interactive"},
    "what_if": {"vi": "--what-if: {error}\n`kcrules schema` liệt kê mọi trường và kiểu của chúng.",
                "en": "--what-if: {error}\n`kcrules schema` lists every field and its type."},
    "fixed": {"vi": "--fixed: {error}", "en": "--fixed: {error}"},
    "folder": {"vi": "{name} là một thư mục: hãy nêu tệp hồ sơ bên trong", "en": "{name} is a folder: give the "
               "application file inside it"},
    "no_such_file": {"vi": "không có tệp {name} (hãy kiểm tra đường dẫn; '-' đọc hồ sơ từ stdin)",
                     "en": "no such file: {name} (check the path; '-' reads the application from stdin)"},
    "cannot_read": {"vi": "không đọc được {name}: {reason}", "en": "cannot read {name}: {reason}"},
    "not_utf8": {"vi": "{name} không phải văn bản UTF-8: hãy lưu thành JSON hoặc TOML dạng UTF-8",
                 "en": "{name} is not UTF-8 text: save it as UTF-8 JSON or TOML"},
    "empty": {"vi": "{name} trống: một hồ sơ là một đối tượng JSON hoặc một văn bản TOML "
                    "(xem examples/ và `kcrules schema`)",
              "en": "{name} is empty: an application is a JSON object or a TOML document "
                    "(see examples/ and `kcrules schema`)"},
    "not_toml": {"vi": "{name} không phải TOML hợp lệ: {detail}", "en": "{name} is not valid TOML: {detail}"},
    "neither": {"vi": "{name} không phải JSON cũng không phải TOML ({detail}); một hồ sơ là một đối tượng JSON "
                      "như examples/machinery-gia-lam.json",
                "en": "{name} is neither JSON nor TOML ({detail}); an application is a JSON object "
                      "like examples/machinery-gia-lam.json"},
    "not_json": {"vi": "{name} không phải JSON hợp lệ: {detail} ở dòng {line}, cột {column}",
                 "en": "{name} is not valid JSON: {detail} at line {line}, column {column}"},
    "too_deep": {"vi": "{name} lồng nhau quá sâu, không thể là một hồ sơ",
                 "en": "{name} is nested too deeply to be an application"},
    "unreadable": {"vi": "{name} không đọc được như JSON: {detail}", "en": "{name} is not readable JSON: {detail}"},
    "not_object": {"vi": "{name} chứa một {kind} JSON, không phải một đối tượng: một hồ sơ là một đối tượng với "
                         "application_date, activity, establishment và project",
                   "en": "{name} holds a JSON {kind}, not an object: an application is "
                         "one object with application_date, activity, establishment and project"},
})


class UsageProblem(Exception):
    """A problem with what the user typed: shown as one message in the user's language, exit 2."""

    def __init__(self, key: str, **values: Any) -> None:
        self.key, self.values = key, values
        super().__init__(self.text())

    def text(self, lang: str = "en") -> str:
        from kcrules.errors import say

        return say("cli.check.usage:" + self.key, lang, **self.values)


def fail(message: str, lang: str = "en") -> int:
    from kcrules.cli.words import say

    print(say("error", lang, message=message), file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    from kcrules.errors import ApplicationError, InputError

    try:
        return _run(args)
    except (UsageProblem, InputError) as err:
        if getattr(args, "debug", False):
            raise
        return fail(err.text(args.lang), args.lang)
    except ApplicationError as err:
        if getattr(args, "debug", False):
            raise
        return fail(f"{err.text(args.lang)}\n{USAGE('fix_hint', args.lang)}", args.lang)


def _file_after_what_if(args: argparse.Namespace) -> None:
    """``--what-if A=1 B=2 FILE`` takes FILE as one more change: an item without '=' after them is FILE."""
    if args.file is None and args.what_if and "=" not in args.what_if[-1]:
        args.file = args.what_if.pop()


def _run(args: argparse.Namespace) -> int:
    from kcrules.errors import InputError
    from kcrules.rulebook import load_rulebook

    _file_after_what_if(args)
    interactive = args.interactive or (args.file is None and sys.stdin.isatty())
    if args.file is None and not interactive:
        raise UsageProblem("no_file")
    if interactive and args.file is not None:
        raise UsageProblem("file_and_interactive")
    if args.save and not interactive:
        raise UsageProblem("save_alone")
    rulebook = load_rulebook(args.rulebook, engine=args.engine)
    if interactive:
        from kcrules.cli.interview import Aborted, interview

        try:
            data = interview(rulebook, lang=args.lang)
        except Aborted as stop:
            return stop.code
    else:
        data = read_application(args.file)
    app = rulebook.parse_application(data)
    decision = rulebook.evaluate(app, lang=args.lang, on=args.on)
    fixed = DEFAULT_FIXED if args.fixed is None else tuple(f.strip() for f in args.fixed.split(",") if f.strip())
    if args.what_if:
        from kcrules.cli.whatif import diff_text
        from kcrules.whatif import parse_changes, what_if

        try:
            changes = parse_changes(rulebook, args.what_if)
        except InputError as err:
            raise UsageProblem("what_if", error=err) from None
        result = what_if(rulebook, app, changes, lang=args.lang, on=args.on)
        after = result.after
        if args.format == "html":
            from kcrules.report.html import appraisal_sheet

            print(appraisal_sheet(rulebook, after, result.application), end="")
        elif args.format == "json":
            _print_json({"before": result.before.model_dump(mode="json"), "after": after.model_dump(mode="json"),
                         "changes": {c.field: c.new for c in result.changes}})
        else:  # what changed first: that is what was asked
            print(diff_text(rulebook, result, args.lang))
            print()
            print(render(rulebook, after, args.lang, show_all=args.show_all, verbose=args.verbose))
        return EXIT_OK if after.eligible else EXIT_INELIGIBLE
    if args.format == "html":
        from kcrules.report.html import appraisal_sheet

        print(appraisal_sheet(rulebook, decision, app), end="")
    elif args.format == "json":
        _print_json(decision.model_dump(mode="json"))
    elif not decision.eligible and args.suggest:
        from kcrules.cli.whatif import suggestions_text
        from kcrules.whatif import smallest_changes

        try:
            found = smallest_changes(rulebook, app, fixed=fixed, on=args.on)
        except InputError as err:
            raise UsageProblem("fixed", error=err) from None
        print(render(rulebook, decision, args.lang, show_all=args.show_all, verbose=args.verbose))
        print()
        print(suggestions_text(rulebook, found, fixed, args.lang, file=args.save or args.file))
    else:
        print(render(rulebook, decision, args.lang, show_all=args.show_all, verbose=args.verbose))
    if interactive:
        from kcrules.cli.interview import offer_save

        print()
        offer_save(data, args.lang, args.save)
    return EXIT_OK if decision.eligible else EXIT_INELIGIBLE


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


# ---------------------------------------------------------------- reading a file


def read_application(name: str) -> dict[str, Any]:
    """Read an application file (JSON or TOML; '-' is stdin) into a dict, or raise UsageProblem."""
    from kcrules.errors import os_reason
    from kcrules.rulefiles.reader import json_reason

    if name == "-":
        shown = "stdin"
        suffix = ""
        buffer = getattr(sys.stdin, "buffer", None)  # None when stdin was replaced by a text stream
        raw = read_capped(buffer, MAX_APPLICATION_BYTES, shown, "application") if buffer is not None \
            else sys.stdin.read().encode("utf-8")
    else:
        path = Path(name)
        shown = name
        suffix = path.suffix.lower()
        if path.is_dir():
            raise UsageProblem("folder", name=name)
        try:
            with path.open("rb") as stream:
                raw = read_capped(stream, MAX_APPLICATION_BYTES, name, "application")
        except FileNotFoundError:
            raise UsageProblem("no_such_file", name=name) from None
        except OSError as err:
            raise UsageProblem("cannot_read", name=name, reason=os_reason(err)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageProblem("not_utf8", name=shown) from None
    if not text.strip():
        raise UsageProblem("empty", name=shown)
    as_toml = suffix == ".toml" or (suffix != ".json" and not text.lstrip().startswith(("{", "[")))
    if as_toml:
        try:
            data: Any = tomllib.loads(text)
        except ValueError as err:  # TOMLDecodeError, or a number too long to read
            if suffix == ".toml":
                raise UsageProblem("not_toml", name=shown, detail=err) from None
            raise UsageProblem("neither", name=shown, detail=err) from None
        data = _dates_to_text(data)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise UsageProblem("not_json", name=shown, detail=json_reason(err.msg), line=err.lineno, column=err.colno) from None
        except RecursionError:
            raise UsageProblem("too_deep", name=shown) from None
        except ValueError as err:  # e.g. a number of more than 4,300 digits
            raise UsageProblem("unreadable", name=shown, detail=err) from None
    if not isinstance(data, dict):
        raise UsageProblem("not_object", name=shown, kind=type(data).__name__)
    return data


def _dates_to_text(obj: Any) -> Any:
    """TOML dates become ISO text, as in JSON (a TOML date-time is refused by the model)."""
    if isinstance(obj, dict):
        return {k: _dates_to_text(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_dates_to_text(v) for v in obj]
    if isinstance(obj, dt.date) and not isinstance(obj, dt.datetime):
        return obj.isoformat()
    return obj


# ---------------------------------------------------------------- the report

WORDS = Catalogue("cli.check", {
    "application": {"vi": "Hồ sơ", "en": "Application"},
    "activity": {"vi": "Nội dung", "en": "Activity"},
    "result": {"vi": "Kết quả", "en": "Result"},
    "eligible": {"vi": "ĐỦ ĐIỀU KIỆN HỖ TRỢ", "en": "ELIGIBLE FOR SUPPORT"},
    "ineligible": {"vi": "KHÔNG ĐỦ ĐIỀU KIỆN HỖ TRỢ", "en": "NOT ELIGIBLE FOR SUPPORT"},
    "support": {"vi": "Mức hỗ trợ", "en": "Support"},
    "computation": {"vi": "Cách tính", "en": "Computation"},
    "priority": {"vi": "Ưu tiên", "en": "Priority"},
    "failed": {"vi": "Tiêu chí không đạt", "en": "Criteria not met"},
    "met": {"vi": "Tiêu chí đạt", "en": "Criteria met"},
    "na": {"vi": "Không áp dụng", "en": "Not applicable"},
    "na_hidden": {"vi": "{n} tiêu chí không áp dụng cho hồ sơ này (xem bằng --all)",
                  "en": "{n} criteria do not apply to this application (show them with --all)"},
    "warnings": {"vi": "Lưu ý (mức hướng dẫn, giả định đã dùng)", "en": "Warnings (guidance levels and assumptions used)"},
    "actual": {"vi": "Thực tế", "en": "Found"},
    "required": {"vi": "Yêu cầu", "en": "Required"},
    "cite": {"vi": "Căn cứ", "en": "Citation"},
    "assumption": {"vi": "Giả định", "en": "Assumption"},
    "law": {"vi": "Luật áp dụng tại ngày {date}; bộ quy tắc {id} (phiên bản {version})",
            "en": "Law in force on {date}; rulebook {id} (version {version})"},
    "bound": {"vi": "giới hạn bởi", "en": "bounded by"},
    "code": {"vi": "Điều kiện trong tệp luật", "en": "Condition in the rule files"},
})


def word(key: str, lang: str, **values: Any) -> str:
    return WORDS[key][lang].format(**values)


def render(rulebook: Any, decision: Any, lang: str, *, show_all: bool = False, verbose: bool = False) -> str:
    """The decision as a readable report: verdict, amount, priority, reasons (failures first), warnings.

    Written in words only; ``verbose`` adds each criterion's id and condition code, for a rule maintainer.
    """
    from kcrules.text import i18n as i18n

    d = rulebook.definition
    act = d.activities.get(decision.activity)
    out: list[str] = []
    title = act.label[lang] if act else decision.activity
    if decision.application_id:
        out.append(f"{word('application', lang)}: {decision.application_id}")
    out.append(f"{word('activity', lang)}: {title} ({decision.activity})")
    verdict = word("eligible" if decision.eligible else "ineligible", lang)
    out.append(f"{word('result', lang)}: {verdict}")
    support = decision.support
    bound = f" — {word('bound', lang)} {support.bound_label}" if decision.eligible else ""
    out.append(f"{word('support', lang)}: {i18n.money(support.amount_vnd, lang)}{bound}")
    if decision.eligible:
        out.append(f"  {word('computation', lang)}:")
        out += [f"    {line.text}" for line in support.lines]
    out.append(decision.priority.text)
    failed = [r for r in decision.reasons if r.kind == "eligibility" and r.outcome == "not_met"]
    met = [r for r in decision.reasons if r.outcome == "met"]
    na = [r for r in decision.reasons if r.outcome == "not_applicable"
          or (r.kind == "priority" and r.outcome == "not_met")]
    criteria = {c.id: c for c in rulebook.criteria_of(decision.activity)} if verbose else None
    labels = {c.id: c.label[lang] for c in rulebook.criteria_of(decision.activity)}
    if failed:
        out.append("")
        out.append(f"✗ {word('failed', lang)}:")
        for r in failed:
            out += _reason_lines(r, labels, lang, "✗", criteria=criteria)
    out.append("")
    out.append(f"✓ {word('met', lang)}:")
    for r in met:
        out += _reason_lines(r, labels, lang, "✓", brief=True, criteria=criteria)
    if show_all and na:
        out.append("")
        out.append(f"– {word('na', lang)}:")
        for r in na:
            out += _reason_lines(r, labels, lang, "–", brief=True, criteria=criteria)
    elif na:
        out.append(f"  ({word('na_hidden', lang, n=len(na))})")
    if decision.warnings:
        out.append("")
        out.append(f"! {word('warnings', lang)}:")
        for w in decision.warnings:
            out.append(f"  ! {w.text}")
    out.append("")
    day = i18n.date(decision.law_date, lang)
    out.append(word("law", lang, date=day, id=decision.rulebook.id,
                    version=decision.rulebook.version[:12]))
    return "\n".join(out)


def _reason_lines(r: Any, labels: dict[str, str], lang: str, mark: str, brief: bool = False,
                  criteria: dict[str, Any] | None = None) -> list[str]:
    """One criterion: its label and citation; a failure also what was found and what is required, in words.

    ``criteria`` (verbose) adds the criterion's id and its condition as the rule files write it.
    """
    label = labels.get(r.criterion, r.criterion)
    code = f" [{r.criterion}]" if criteria is not None else ""
    if brief:
        lines = [f"  {mark} {label} — {r.citation.text}{code}"]
    else:
        lines = [f"  {mark} {label}{code}",
                 f"      {word('actual', lang)}: {r.found or '—'}",
                 f"      {word('required', lang)}: {r.required}",
                 f"      {word('cite', lang)}: {r.citation.text}"]
        if criteria is not None and r.criterion in criteria:
            lines.append(f"      {word('code', lang)}: {criteria[r.criterion].condition_text}")
    for a in r.assumptions:
        lines.append(f"      {word('assumption', lang)}: {a}")
    return lines
