"""``kcrules plan``: rank a call for proposals and allocate the year's budget, with reasons.

Reads applications as JSON Lines (one application per line; ``-`` reads stdin)
or as one JSON array, evaluates them all, ranks the eligible ones by the
rulebook's ``[plan]`` order and allocates ``--budget`` down the ranking. Prints a
readable report (``--format text``) or the plan as the library serialises it
(``--format json``). ``--achieved FILE`` adds what the program achieved before
this plan, so the report shows each target the way the program's review tables
do ("đạt 71,2% kế hoạch").

Exit codes: 0 a plan was made, 2 invalid input or usage.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from kcrules.cli import EXIT_OK, EXIT_USAGE, MAX_FILE_BYTES, check_xlsx_output, read_capped
from kcrules.cli.progress import add_progress_option, progress_for
from kcrules.text.i18n import Catalogue


WORDS = Catalogue("cli.plan", {
    "title": {"vi": "Kế hoạch khuyến công năm {year}", "en": "Khuyến công plan {year}"},
    "budget": {"vi": "Ngân sách", "en": "Budget"},
    "allocated": {"vi": "Đã bố trí", "en": "Allocated"},
    "left": {"vi": "Còn lại", "en": "Left"},
    "policy": {"vi": "Chính sách", "en": "Policy"},
    "order": {"vi": "Thứ tự xếp hạng", "en": "Ranking order"},
    "entries": {"vi": "Hồ sơ", "en": "Applications"},
    "shown": {"vi": "(hiện {n} trên {total}; dùng --top để đổi)", "en": "({n} of {total} shown; change with --top)"},
    "progress": {"vi": "Tiến độ Chương trình", "en": "Program progress"},
    "assumptions": {"vi": "Giả định (chưa phải quy định của pháp luật)", "en": "Assumptions (not confirmed as law)"},
    "funded": {"vi": "được hỗ trợ", "en": "funded"},
    "partial": {"vi": "hỗ trợ một phần", "en": "partly funded"},
    "not_funded": {"vi": "không được bố trí", "en": "not funded"},
    "ineligible": {"vi": "không đủ điều kiện", "en": "not eligible"},
    "top": {"vi": "--top nhận một số, từ 0 trở lên", "en": "--top takes a number, 0 or more"},
    "not_utf8": {"vi": "{name} không phải văn bản UTF-8 (byte {start}): hãy lưu thành JSON Lines dạng UTF-8",
                 "en": "{name} is not UTF-8 text (byte {start}): save it as UTF-8 JSON Lines"},
    "line": {"vi": "dòng {n}", "en": "line {n}"},
    "item": {"vi": "mục {n}", "en": "item {n}"},
    "row": {"vi": "hàng {n}", "en": "row {n}"},
    "in_row": {"vi": "hàng {n}, {where}", "en": "row {n}, {where}"},
    "not_valid": {"vi": "không phải {kind} hợp lệ: {detail}", "en": "not valid {kind}: {detail}"},
    "money": {"vi": "{text} không phải số đồng chẵn: hãy viết ví dụ 32000000000 hoặc 32.000.000.000",
              "en": "{text} is not a whole number of đồng: write e.g. 32000000000 or 32.000.000.000"},
})


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "plan",
        help="rank applications by the legal priority order and allocate a budget, with reasons",
        description="Evaluate every application, rank the eligible ones by the rulebook's priority order "
                    "(TT 46/2012 Article 6 clause 3) and allocate the budget down the ranking, within the program "
                    "targets still open and the per-establishment limits. Every application gets its rank, "
                    "its allocation and why. Exit codes: 0 a plan was made, 2 invalid input or usage.",
    )
    p.add_argument("file", metavar="FILE",
                   help="applications, JSON Lines (one per line) or a JSON array; '-' reads stdin; or a "
                        ".csv or .xlsx sheet, one application a row (see kcrules template)")
    p.add_argument("--budget", metavar="VND", required=True, type=_money_arg,
                   help="the budget of the plan in whole đồng, e.g. 32000000000 or 32.000.000.000")
    p.add_argument("--year", metavar="YEAR", required=True, type=int, help="the plan year, e.g. 2017")
    p.add_argument("--policy", choices=("skip", "partial", "stop"), default=None,
                   help="the application that does not fit the budget left: skip it and go on, give it the "
                        "remainder (partial), or stop; default: the rulebook's [plan] policy")
    p.add_argument("--achieved", metavar="FILE", default=None,
                   help="what the program achieved before this plan (JSON or TOML): "
                        '{"3.3-machinery": {"count": 12, "amount_vnd": 2400000000}, ...}')
    p.add_argument("--targets", metavar="FILE", default=None,
                   help="units this plan may fund per activity, overriding what the program targets leave "
                        'open (JSON or TOML): {"3.3-machinery": 10}')
    p.add_argument("--effectiveness", metavar="FILE", default=None,
                   help="the official's effectiveness and urgency rank of cleaner-production applications "
                        '(JSON or TOML): {"application-id": 1, ...}; 1 first')
    p.add_argument("--format", choices=("text", "json", "csv", "xlsx"), default="text",
                   help="text: a readable report (default); json: the plan as the library serialises it; "
                        "csv, xlsx: the plan as an annual plan table (xlsx also a summary and the ranking "
                        "order; needs pip install 'kcrules[xlsx]')")
    p.add_argument("-o", "--output", metavar="OUT", default="-",
                   help="where to write the plan (default: stdout; xlsx needs a file)")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the report (default vi)")
    p.add_argument("--top", metavar="N", type=int, default=None,
                   help="text report: show only the first N applications (all by default)")
    p.add_argument("--rulebook", metavar="ID_OR_PATH", default=None,
                   help="bundled rulebook id or rulebook folder (default hanoi-2016-2020)")
    p.add_argument("--engine", choices=("durable", "native"), default="durable",
                   help="how criteria are matched; both give identical decisions, native is faster")
    add_progress_option(p)
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


_MONEY = re.compile(r"^\d{1,3}(?:([._, ])\d{3})(?:\1\d{3})*$|^\d+$")


def _money_arg(text: str) -> int:
    """Whole đồng: digits, optionally grouped by thousands with '.', ',', '_' or a space."""
    text = text.strip().removesuffix("₫").removesuffix("đ").strip()
    if not _MONEY.match(text):
        from kcrules.cli import _LANG

        raise argparse.ArgumentTypeError(WORDS("money", _LANG[0], text=repr(text)))
    return int(re.sub(r"[._, ]", "", text))


def _read_mapping(path: str, what: str) -> Any:
    """A JSON or TOML object from a file (by extension; JSON otherwise)."""
    from kcrules.errors import Problem

    with open(path, "rb") as stream:
        raw = read_capped(stream, MAX_FILE_BYTES, path, "file", what)
    try:
        text = raw.decode("utf-8-sig")
        return tomllib.loads(text) if path.endswith(".toml") else json.loads(text)
    except (ValueError, RecursionError) as err:  # not UTF-8, not JSON or TOML
        raise _input_error([Problem.of(f"{what} ({path})", "cli.plan:not_valid", detail=err,
                                       kind="TOML" if path.endswith(".toml") else "JSON")]) from None


def _input_error(problems: list[Any]) -> Exception:
    """Problems with the plan's input, under the library's headline for them."""
    from kcrules.errors import ApplicationError
    from kcrules.planning import INPUT_HEADLINE

    return ApplicationError(problems, headline_key=INPUT_HEADLINE)


def _read_applications(path: str, lang: str) -> tuple[list[Any], list[str]]:
    """The applications of a file and where each is in it ("line 3", "item 2", in ``lang``), for messages.

    A file is a JSON array, one JSON object (an application saved by the interview) or JSON
    Lines. A line that is not JSON is passed on as text, so the plan reports it with every other
    problem. An application without an id gets one from where it is, e.g. ``call.jsonl:3``.
    """
    from kcrules.errors import InputError

    name = "stdin" if path == "-" else path
    if path.lower().endswith((".csv", ".xlsx")):
        return _read_sheet(path, lang)
    if path == "-":
        raw = read_capped(sys.stdin.buffer, MAX_FILE_BYTES, name, "call")
    else:
        with open(path, "rb") as stream:
            raw = read_capped(stream, MAX_FILE_BYTES, name, "call")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError.of("cli.plan:not_utf8", name=name, start=err.start) from None
    try:
        whole: Any = json.loads(text)
    except (ValueError, RecursionError):
        whole = None
    label = Path(name).name
    if isinstance(whole, list):
        return [_with_id(item, f"{label}[{k}]") for k, item in enumerate(whole, 1)], \
            [WORDS("item", lang, n=k) for k in range(1, len(whole) + 1)]
    if isinstance(whole, dict):
        return [_with_id(whole, f"{label}:1")], [WORDS("line", lang, n=1)]
    items: list[Any] = []
    where: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item: Any = _with_id(json.loads(line), f"{label}:{n}")
        except (ValueError, RecursionError):
            item = line  # not JSON: the plan says so, beside every other problem
        items.append(item)
        where.append(WORDS("line", lang, n=n))
    return items, where


def _read_sheet(path: str, lang: str) -> tuple[list[Any], list[str]]:
    """The applications of a .csv or .xlsx sheet and their rows ("row 3"); every unreadable row at once."""
    from kcrules.errors import ApplicationError, Phrase, Problem
    from kcrules.tables import read_sheet

    label = Path(path).name
    _letters, rows = read_sheet(path)
    items: list[Any] = []
    where: list[str] = []
    problems: list[Problem] = []
    for number, item in rows:
        if isinstance(item, ApplicationError):
            problems += [replace(p, where=Phrase("cli.plan:in_row", n=number, where=p.where)) for p in item.problems]
            continue
        items.append(_with_id(item, f"{label}:{number}"))
        where.append(WORDS("row", lang, n=number))
    if problems:
        raise _input_error(problems)
    return items, where


def _write_sheets(result: Any, rulebook: Any, args: argparse.Namespace) -> int:
    """The plan as an annual plan table: xlsx (the table, a summary, the ranking order) or csv (the table)."""
    from kcrules.report.sheets import csv_output, plan_tables, write_csv, write_xlsx

    tables = plan_tables(result, rulebook)
    if args.format == "xlsx":
        write_xlsx(tables, args.output)
        return EXIT_OK
    with csv_output(args.output) as out:
        write_csv(tables[0], out)
    return EXIT_OK


def _with_id(item: Any, derived: str) -> Any:
    """An application without an id (as the interview saves one) is named by where it is in the file."""
    if isinstance(item, dict) and "id" not in item:
        return {"id": derived, **item}
    return item


def run(args: argparse.Namespace) -> int:
    from kcrules.errors import ApplicationError, Phrase
    from kcrules.planning import plan
    from kcrules.rulebook import load_rulebook

    if args.top is not None and args.top < 0:
        from kcrules.cli.words import say

        print(say("error", args.lang, message=WORDS("top", args.lang)), file=sys.stderr)
        return EXIT_USAGE
    items, lines = _read_applications(args.file, args.lang)
    achieved = _read_mapping(args.achieved, "--achieved") if args.achieved else None
    targets = _read_mapping(args.targets, "--targets") if args.targets else None
    effectiveness = _read_mapping(args.effectiveness, "--effectiveness") if args.effectiveness else None
    check_xlsx_output(args.format, args.output)
    rulebook = load_rulebook(args.rulebook, engine=args.engine)
    progress = progress_for(args, len(items))
    try:
        result = plan(items, budget=args.budget, year=args.year, policy=args.policy, achieved=achieved,
                      targets=targets, effectiveness=effectiveness, rulebook=rulebook, lang=args.lang,
                      on_progress=progress)
    except ApplicationError as err:
        # Name the place in the file rather than the position in the list.
        def where(text: Any) -> Any:
            if not isinstance(text, str) or isinstance(text, Phrase):  # a place said in either language
                return text
            return re.sub(r"applications\[(\d+)\]", lambda m: lines[int(m.group(1))], text)

        raise err.with_problems([replace(p, where=where(p.where), message=where(p.message), values=tuple(
            (k, where(v) if isinstance(v, str) else v) for k, v in p.values)) for p in err.problems]) from None
    progress.finish()
    if args.format in ("csv", "xlsx"):
        return _write_sheets(result, rulebook, args)
    if args.format == "json":
        json.dump(result.model_dump(mode="json"), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(result, args.top))
    return EXIT_OK


def render(result: Any, top: int | None = None) -> str:
    """The plan as a readable report, in the plan's language."""
    from kcrules.text import i18n as i18n

    lang = result.lang

    def w(key: str, **values: Any) -> str:
        return WORDS(key, lang, **values)

    money = lambda v: i18n.money(v, lang)  # noqa: E731
    out = [f"{w('title', year=result.year)} — {result.rulebook.title}",
           f"{w('budget')}: {money(result.budget_vnd)} · {w('allocated')}: {money(result.allocated_vnd)} · "
           f"{w('left')}: {money(result.remaining_vnd)} · {w('policy')}: {result.policy}",
           result.summary, "", f"{w('order')}:"]
    out += [f"  {line}" for line in result.ranking]
    entries = result.entries if top is None else result.entries[:top]
    shown = "" if top is None or top >= len(result.entries) else " " + w("shown", n=i18n.number(len(entries), lang),
                                                                                       total=i18n.number(len(result.entries), lang))
    out += ["", f"{w('entries')} ({i18n.number(len(result.entries), lang)}){shown}:"]
    for e in entries:
        rank = f"{e.rank:>5}" if e.rank is not None else "    —"
        out.append(f"{rank}  {e.application_id}  [{e.activity}]  {money(e.allocated_vnd)}  "
                   f"{w(e.status)}" + (f"  ({e.establishment})" if e.establishment else ""))
        out.append(f"         {e.why}")
    out += ["", f"{w('progress')}:"]
    out += [f"  - {t.text}" for t in result.targets]
    out.append(f"  - {result.program.text}")
    if result.assumptions:
        out += ["", f"{w('assumptions')}:"]
        out += [f"  - {a}" for a in result.assumptions]
    return "\n".join(out) + "\n"
