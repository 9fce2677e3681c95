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
from pathlib import Path
from typing import Any

from kcrules.cli import EXIT_OK, EXIT_USAGE, MAX_FILE_BYTES, read_capped

_WORDS = {
    "vi": {"title": "Kế hoạch khuyến công năm {year}", "budget": "Ngân sách", "allocated": "Đã bố trí",
           "left": "Còn lại", "policy": "Chính sách", "order": "Thứ tự xếp hạng", "entries": "Hồ sơ",
           "shown": "(hiện {n} trên {total}; dùng --top để đổi)", "progress": "Tiến độ Chương trình",
           "assumptions": "Giả định (chưa phải quy định của pháp luật)",
           "status": {"funded": "được hỗ trợ", "partial": "hỗ trợ một phần", "not_funded": "không được bố trí",
                      "ineligible": "không đủ điều kiện"}},
    "en": {"title": "Khuyến công plan {year}", "budget": "Budget", "allocated": "Allocated", "left": "Left",
           "policy": "Policy", "order": "Ranking order", "entries": "Applications",
           "shown": "({n} of {total} shown; change with --top)", "progress": "Program progress",
           "assumptions": "Assumptions (not confirmed as law)",
           "status": {"funded": "funded", "partial": "partly funded", "not_funded": "not funded",
                      "ineligible": "not eligible"}},
}


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "plan",
        help="rank applications by the legal priority order and allocate a budget, with reasons",
        description="Evaluate every application, rank the eligible ones by the rulebook's priority order "
                    "(TT 46/2012 Điều 6 khoản 3) and allocate the budget down the ranking, within the program "
                    "targets still open and the per-establishment limits. Every application gets its rank, "
                    "its allocation and why. Exit codes: 0 a plan was made, 2 invalid input or usage.",
    )
    p.add_argument("file", metavar="FILE",
                   help="applications, JSON Lines (one per line) or a JSON array; '-' reads stdin")
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
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text: a readable report (default); json: the plan as the library serialises it")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the report (default vi)")
    p.add_argument("--top", metavar="N", type=int, default=None,
                   help="text report: show only the first N applications (all by default)")
    p.add_argument("--rulebook", metavar="ID_OR_PATH", default=None,
                   help="bundled rulebook id or rulebook folder (default hanoi-2016-2020)")
    p.add_argument("--engine", choices=("durable", "native"), default="durable",
                   help="how criteria are matched; both give identical decisions, native is faster")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


_MONEY = re.compile(r"^\d{1,3}(?:([._, ])\d{3})(?:\1\d{3})*$|^\d+$")


def _money_arg(text: str) -> int:
    """Whole đồng: digits, optionally grouped by thousands with '.', ',', '_' or a space."""
    text = text.strip().removesuffix("₫").removesuffix("đ").strip()
    if not _MONEY.match(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of đồng: write e.g. 32000000000 "
                                         "or 32.000.000.000")
    return int(re.sub(r"[._, ]", "", text))


def _read_mapping(path: str, what: str) -> Any:
    """A JSON or TOML object from a file (by extension; JSON otherwise)."""
    from kcrules.errors import ApplicationError, Problem

    with open(path, "rb") as stream:
        raw = read_capped(stream, MAX_FILE_BYTES, path, "file", what)
    try:
        text = raw.decode("utf-8-sig")
        return tomllib.loads(text) if path.endswith(".toml") else json.loads(text)
    except (ValueError, RecursionError) as err:  # not UTF-8, not JSON or TOML
        raise ApplicationError([Problem(f"{what} ({path})", f"not valid {'TOML' if path.endswith('.toml') else 'JSON'}: "
                                        f"{err}")], "invalid plan input") from None


def _read_applications(path: str) -> tuple[list[Any], list[str]]:
    """The applications of a file and where each is in it ("line 3", "item 2"), for messages.

    A file is a JSON array, one JSON object (an application saved by the interview) or JSON
    Lines. A line that is not JSON is passed on as text, so the plan reports it with every other
    problem. An application without an id gets one from where it is, e.g. ``call.jsonl:3``.
    """
    from kcrules.errors import InputError

    name = "stdin" if path == "-" else path
    if path == "-":
        raw = read_capped(sys.stdin.buffer, MAX_FILE_BYTES, name, "call")
    else:
        with open(path, "rb") as stream:
            raw = read_capped(stream, MAX_FILE_BYTES, name, "call")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{name} is not UTF-8 text (byte {err.start}): save it as UTF-8 JSON Lines") from None
    try:
        whole: Any = json.loads(text)
    except (ValueError, RecursionError):
        whole = None
    label = Path(name).name
    if isinstance(whole, list):
        return [_with_id(item, f"{label}[{k}]") for k, item in enumerate(whole, 1)], \
            [f"item {k}" for k in range(1, len(whole) + 1)]
    if isinstance(whole, dict):
        return [_with_id(whole, f"{label}:1")], ["line 1"]
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
        where.append(f"line {n}")
    return items, where


def _with_id(item: Any, derived: str) -> Any:
    """An application without an id (as the interview saves one) is named by where it is in the file."""
    if isinstance(item, dict) and "id" not in item:
        return {"id": derived, **item}
    return item


def run(args: argparse.Namespace) -> int:
    from kcrules.errors import ApplicationError, Problem
    from kcrules.planning import plan
    from kcrules.rulebook import load_rulebook

    if args.top is not None and args.top < 0:
        print("kcrules: error: --top takes a number, 0 or more", file=sys.stderr)
        return EXIT_USAGE
    items, lines = _read_applications(args.file)
    achieved = _read_mapping(args.achieved, "--achieved") if args.achieved else None
    targets = _read_mapping(args.targets, "--targets") if args.targets else None
    effectiveness = _read_mapping(args.effectiveness, "--effectiveness") if args.effectiveness else None
    rulebook = load_rulebook(args.rulebook, engine=args.engine)
    try:
        result = plan(items, budget=args.budget, year=args.year, policy=args.policy, achieved=achieved,
                      targets=targets, effectiveness=effectiveness, rulebook=rulebook, lang=args.lang)
    except ApplicationError as err:
        # Name the place in the file rather than the position in the list.
        def where(text: str) -> str:
            return re.sub(r"applications\[(\d+)\]", lambda m: lines[int(m.group(1))], text)

        raise ApplicationError([Problem(where(p.where), where(p.message), p.given, p.allowed, p.suggestion)
                                for p in err.problems], err.headline) from None
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
    w = _WORDS[lang]
    money = lambda v: i18n.money(v, lang)  # noqa: E731
    out = [f"{w['title'].format(year=result.year)} — {result.rulebook.title}",
           f"{w['budget']}: {money(result.budget_vnd)} · {w['allocated']}: {money(result.allocated_vnd)} · "
           f"{w['left']}: {money(result.remaining_vnd)} · {w['policy']}: {result.policy}",
           result.summary, "", f"{w['order']}:"]
    out += [f"  {line}" for line in result.ranking]
    entries = result.entries if top is None else result.entries[:top]
    shown = "" if top is None or top >= len(result.entries) else " " + w["shown"].format(n=len(entries),
                                                                                          total=len(result.entries))
    out += ["", f"{w['entries']} ({len(result.entries)}){shown}:"]
    for e in entries:
        rank = f"{e.rank:>5}" if e.rank is not None else "    —"
        out.append(f"{rank}  {e.application_id}  [{e.activity}]  {money(e.allocated_vnd)}  "
                   f"{w['status'][e.status]}" + (f"  ({e.establishment})" if e.establishment else ""))
        out.append(f"         {e.why}")
    out += ["", f"{w['progress']}:"]
    out += [f"  - {t.text}" for t in result.targets]
    out.append(f"  - {result.program.text}")
    if result.assumptions:
        out += ["", f"{w['assumptions']}:"]
        out += [f"  - {a}" for a in result.assumptions]
    return "\n".join(out) + "\n"
