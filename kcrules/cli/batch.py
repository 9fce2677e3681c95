"""``kcrules batch``: decide a whole file of applications, one JSON object a line.

Streams: one line is read, decided and written at a time, so memory stays
bounded whatever the file size. Each input line gives one output line: the
decision's JSON, or, for a line that cannot be decided, an error record
``{"line": N, "application_id": ..., "error": {"code", "message", "problems"}}``;
the error is also reported on stderr with its line number, and the batch goes
on. Blank lines are skipped. When stderr is a terminal a progress line shows
the count, the rate and (for a file) the time left. At the end a summary goes
to stderr: decided, eligible, errors, and the total support by activity.

Spreadsheets (``_decide_to_table``): ``IN`` may be a ``.csv`` or ``.xlsx`` file of applications,
one a row, in the layout ``kcrules template`` writes (``kcrules.tables``); a bad row is
reported with its row number and column. ``--format csv|xlsx`` (or an ``OUT`` ending in
``.csv``/``.xlsx``) writes one row per application (``kcrules.report.sheets.decision_table``);
that output is built in memory, as a spreadsheet is read whole by the person who opens it.

Exit codes: 0 every line decided, 2 some lines could not be decided (or a
usage error).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from typing import IO, Any

from kcrules.cli import (
    EXIT_OK,
    EXIT_USAGE,
    MAX_APPLICATION_BYTES,
    check_xlsx_output,
    count_arg,
    date_arg,
)
from kcrules.cli.progress import Progress, add_progress_option, progress_for
from kcrules.decide.writer import DecisionWriter, json_line
from kcrules.errors import ApplicationError, InputError, KcrulesError, Problem, shown
from kcrules.text import i18n
from kcrules.text.i18n import Catalogue
from kcrules.util.cycles import no_cycle_collection

#: At most this many bad lines are described on stderr; the rest are counted.
MAX_REPORTED = 50


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "batch",
        help="decide every application of a JSON Lines file, streaming",
        description="Decide every application of a JSON Lines file (one application object a line) and "
                    "write one decision a line. Bad lines are reported with their line number and skipped. "
                    "Exit codes: 0 all lines decided, 2 some lines could not be decided or usage error.",
    )
    p.add_argument("input", metavar="IN", help="applications, one JSON object a line ('-' reads stdin); "
                                               "or a .csv or .xlsx sheet of applications, one a row")
    p.add_argument("-o", "--output", metavar="OUT", default="-",
                   help="where to write decisions, one JSON object a line (default: stdout)")
    p.add_argument("--format", choices=("jsonl", "csv", "xlsx"), default=None,
                   help="jsonl: one decision a JSON line; csv, xlsx: one row per application for a spreadsheet "
                        "(xlsx needs pip install 'kcrules[xlsx]'); default: by OUT's extension, else jsonl")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the explanations (default vi)")
    p.add_argument("--on", metavar="DATE", type=date_arg,
                   help="evaluate under the law in force on DATE (YYYY-MM-DD) instead of each application's date")
    p.add_argument("--rulebook", metavar="ID_OR_PATH", default=None,
                   help="bundled rulebook id or rulebook folder (default hanoi-2016-2020)")
    p.add_argument("--engine", choices=("durable", "native"), default="durable",
                   help="durable: durable-rules (default); native: generated Python, identical decisions, "
                        "several times faster (see docs/performance.md)")
    p.add_argument("--no-explain", action="store_false", dest="explain",
                   help="leave out the sentences (reason texts, computation texts, summary): "
                        "same outcomes, amounts and citations, much faster")
    p.add_argument("--jobs", metavar="N", type=count_arg, default=1,
                   help="decide in N processes (JSON Lines in and out; default 1): the same output, in order")
    add_progress_option(p)
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


WORDS = Catalogue("cli.batch", {
    "line": {"vi": "kcrules: dòng {number}: {error}", "en": "kcrules: line {number}: {error}"},
    "row": {"vi": "kcrules: hàng {number}: {error}", "en": "kcrules: row {number}: {error}"},
    "too_many": {"vi": "kcrules: hơn {n} dòng lỗi; các dòng sau chỉ có trong kết quả và bản tổng hợp",
                 "en": "kcrules: more than {n} bad lines; the rest are only in the output and the summary"},
    "more_rows": {"vi": "kcrules: thêm {n} hàng lỗi; chúng có trong kết quả và bản tổng hợp",
                  "en": "kcrules: {n} more bad rows; they are in the output and the summary"},
    "more_lines": {"vi": "kcrules: thêm {n} dòng lỗi; chúng có trong kết quả và bản tổng hợp",
                   "en": "kcrules: {n} more bad lines; they are in the output and the summary"},
    "summary": {"vi": "Đã xét {decided} hồ sơ: {eligible} đủ điều kiện, {ineligible} không đủ; {errors} dòng lỗi.",
                "en": "Decided {decided} applications: {eligible} eligible, {ineligible} not eligible; "
                      "{errors} lines with errors."},
    "summary_rows": {"vi": "Đã xét {decided} hồ sơ: {eligible} đủ điều kiện, {ineligible} không đủ; {errors} hàng "
                           "lỗi.",
                     "en": "Decided {decided} applications: {eligible} eligible, {ineligible} not eligible; "
                           "{errors} rows with errors."},
    "activity": {"vi": "Nội dung", "en": "Activity"},
    "decided": {"vi": "Hồ sơ", "en": "Decided"},
    "eligible": {"vi": "Đủ ĐK", "en": "Eligible"},
    "total_support": {"vi": "Tổng hỗ trợ", "en": "Total support"},
    "total": {"vi": "Tổng", "en": "Total"},
    "jobs_sheets": {"vi": "--jobs chỉ dùng được khi đọc và ghi JSON Lines; với bảng tính hãy bỏ --jobs",
                    "en": "--jobs works only with JSON Lines in and out; leave it out for a spreadsheet"},
    "line_too_long": {"vi": "dòng dài hơn {mib} MiB: lớn hơn mọi hồ sơ có thể có (có thiếu dấu xuống dòng?)",
                      "en": "line longer than {mib} MiB: more than an application can be (is a newline missing?)"},
})


class Summary:
    """What a batch found: counts, and support (count, total đồng) by activity."""

    def __init__(self, rows: bool = False) -> None:
        #: The input was a sheet: its errors are counted in rows, not lines.
        self.rows = rows
        self.decided = 0
        self.eligible = 0
        self.errors = 0
        self.by_activity: dict[str, list[int]] = {}

    def add(self, activity: str, eligible: bool, amount_vnd: int) -> None:
        """Count one decision."""
        self.decided += 1
        row = self.by_activity.setdefault(activity, [0, 0, 0])
        row[0] += 1
        if eligible:
            self.eligible += 1
            row[1] += 1
            row[2] += amount_vnd

    def render(self, lang: str) -> str:
        def n(value: int) -> str:
            return i18n.number(value, lang)

        total = sum(row[2] for row in self.by_activity.values())
        lines = [WORDS("summary_rows" if self.rows else "summary", lang, decided=n(self.decided), eligible=n(self.eligible),
                       ineligible=n(self.decided - self.eligible), errors=n(self.errors))]
        if self.by_activity:
            head = tuple(WORDS(k, lang) for k in ("activity", "decided", "eligible", "total_support"))
            rows = [(act, n(r[0]), n(r[1]), i18n.money(r[2], lang)) for act, r in sorted(self.by_activity.items())]
            rows.append((WORDS("total", lang), n(self.decided), n(self.eligible), i18n.money(total, lang)))
            widths = [max(len(str(row[i])) for row in [head, *rows]) for i in range(4)]
            for row in [head, *rows]:
                lines.append("  " + row[0].ljust(widths[0]) + "  " +
                             "  ".join(str(cell).rjust(w) for cell, w in zip(row[1:], widths[1:])))
        return "\n".join(lines)


def _error_record(number: int, app_id: Any, err: KcrulesError, where: str = "line") -> bytes:
    """The output line for a line (or a sheet's row) that could not be decided: JSON in UTF-8 whatever the
    input held."""
    problems = [p.as_dict() for p in getattr(err, "problems", ())]
    record = {where: number, "application_id": app_id if isinstance(app_id, str) else None,
              "error": {"code": err.code, "message": str(err), "problems": problems}}
    try:
        data = json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate given in the input: JSON escapes keep it readable
        data = json.dumps(record).encode("ascii")
    return json_line(data)


def _id_of(raw: bytes | None) -> str | None:
    """The ``id`` of a line that could not be decided, when it is a JSON object that has one (shortened)."""
    try:
        app = json.loads(raw) if raw is not None else None
    except (ValueError, RecursionError):
        return None
    return shown(app.get("id")) if isinstance(app, dict) else None


def _lines(source: IO[bytes], read: list[int]) -> Iterator[tuple[int, bytes | None]]:
    """Each non-blank line: (its number, its bytes, or None for a line too long to be an application).

    Counts the bytes read in ``read[0]``. The library reads each line straight into the model, or
    says exactly what is wrong.
    """
    number = 0
    while raw := source.readline(MAX_APPLICATION_BYTES + 1):
        number += 1
        read[0] += len(raw)
        if len(raw) > MAX_APPLICATION_BYTES and not raw.endswith(b"\n"):
            while (rest := source.readline(1 << 16)) and not rest.endswith(b"\n"):  # skip to the next line
                read[0] += len(rest)
            read[0] += len(rest)
            yield number, None
        elif raw.strip():
            yield number, raw


def _too_long() -> ApplicationError:
    return ApplicationError([Problem.of("(document)", "cli.batch:line_too_long", mib=MAX_APPLICATION_BYTES >> 20)])


#: What deciding one line gives: its number, its output line (UTF-8), its error in the batch's language
#: (None when decided) and, when decided, (activity, eligible, amount) for the summary. Plain
#: values, so that a worker process can send them back.
Outcome = tuple[int, bytes, str | None, tuple[str, bool, int] | None]


def _outcomes(rulebook: Any, lines: Iterable[tuple[int, bytes | None]], options: dict[str, Any]) -> Iterator[Outcome]:
    """Decide each line, in order (``evaluate_many`` reading one line at a time)."""
    lang = options["lang"]
    to_line = DecisionWriter().line
    pending: deque[tuple[int, bytes | None]] = deque()

    def raws() -> Iterator[bytes | None]:
        for line in lines:
            pending.append(line)
            yield line[1]

    for result in rulebook.evaluate_many(raws(), errors="yield", **options):
        number, raw = pending.popleft()
        if raw is None:
            result = _too_long()
        if isinstance(result, KcrulesError):
            yield number, _error_record(number, _id_of(raw), result), result.text(lang), None
        else:
            yield (number, to_line(result), None,
                   (result.activity, result.eligible, result.support.amount_vnd))


#: Lines a worker process decides at a time, and chunks in flight per worker: enough to keep
#: every worker busy while the first process writes, few enough to keep memory small.
CHUNK, AHEAD = 256, 3
_WORKER: dict[str, Any] = {}


def _start_worker(rulebook: str | None, engine: Any, options: dict[str, Any]) -> None:
    import kcrules

    _WORKER.update(rulebook=kcrules.load_rulebook(rulebook, engine=engine), options=options)


def _decide_chunk(chunk: list[tuple[int, bytes | None]]) -> list[Outcome]:
    return list(_outcomes(_WORKER["rulebook"], chunk, _WORKER["options"]))


def _outcomes_in_parallel(args: argparse.Namespace, lines: Iterator[tuple[int, bytes | None]],
                          options: dict[str, Any]) -> Iterator[Outcome]:
    """As :func:`_outcomes`, in ``args.jobs`` worker processes, each with its own rulebook; in order."""
    import itertools
    from concurrent.futures import Future, ProcessPoolExecutor

    with ProcessPoolExecutor(args.jobs, initializer=_start_worker,
                             initargs=(args.rulebook, args.engine, options)) as pool:
        window: deque[Future[list[Outcome]]] = deque()
        while chunk := list(itertools.islice(lines, CHUNK)):
            window.append(pool.submit(_decide_chunk, chunk))
            if len(window) >= AHEAD * args.jobs:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()


def run(args: argparse.Namespace) -> int:
    import kcrules

    fmt = _output_format(args)
    if fmt != "jsonl" or _is_sheet(args.input):
        if args.jobs > 1:  # a sheet is read whole, then decided; its rows are not streamed to workers
            raise InputError.of("cli.batch:jobs_sheets")
        return _decide_to_table(args, fmt)
    rulebook = kcrules.load_rulebook(args.rulebook, engine=args.engine)
    if args.input == "-":
        source: IO[bytes] = sys.stdin.buffer
        total = None
    else:
        source = open(args.input, "rb")  # noqa: SIM115 (closed below)
        try:
            total = os.fstat(source.fileno()).st_size or None
        except OSError:
            total = None
    try:
        # Lines are written as UTF-8 bytes, encoded where they are decided (in the workers, with --jobs).
        out: Any = _stdout_bytes() if args.output == "-" else open(args.output, "wb")  # noqa: SIM115
    except OSError:
        if source is not sys.stdin.buffer:
            source.close()
        raise
    summary = Summary()
    try:
        read = [0]
        options = {"lang": args.lang, "on": args.on, "explain": args.explain}
        lines = _lines(source, read)
        outcomes = _outcomes_in_parallel(args, lines, options) if args.jobs > 1 else \
            _outcomes(rulebook, lines, options)
        _report(outcomes, out, summary, progress_for(args, total), read, args.lang)
    finally:
        if source is not sys.stdin.buffer:
            source.close()
        if args.output != "-":
            out.close()
        else:
            out.flush()
    sys.stderr.write(summary.render(args.lang) + "\n")
    return EXIT_USAGE if summary.errors else EXIT_OK


def _stdout_bytes() -> Any:
    """Standard output as a binary stream; a text one without a buffer (a notebook's) takes the decoded text."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        return buffer

    class Text:
        @staticmethod
        def write(data: bytes) -> None:
            sys.stdout.write(data.decode("utf-8"))

        @staticmethod
        def flush() -> None:
            sys.stdout.flush()

    return Text()


def _report(outcomes: Iterable[Outcome], out: IO[bytes], summary: Summary, progress: Progress, read: list[int],
            lang: str) -> None:
    """Write one line per application: its decision, or its error record (also reported on stderr)."""
    err_stream = sys.stderr
    write = out.write
    count = 0
    for number, text, error, decided in outcomes:
        count += 1
        write(text)
        if error is None:
            assert decided is not None
            summary.add(*decided)
            progress.update(count, read[0])
            continue
        summary.errors += 1
        if summary.errors <= MAX_REPORTED:
            progress.clear()
            err_stream.write(WORDS("line", lang, number=number, error=error) + "\n")
        elif summary.errors == MAX_REPORTED + 1:
            err_stream.write(WORDS("too_many", lang, n=MAX_REPORTED) + "\n")
    progress.finish(count, read[0])


# ---------------------------------------------------------------- spreadsheets in or out

def _is_sheet(path: str) -> bool:
    from kcrules.tables import SHEET_SUFFIXES

    return path.lower().endswith(SHEET_SUFFIXES)


def _output_format(args: argparse.Namespace) -> str:
    """--format, else OUT's extension (.csv, .xlsx), else jsonl."""
    if args.format:
        return str(args.format)
    suffix = os.path.splitext(args.output)[1].lower().lstrip(".")
    return suffix if suffix in ("csv", "xlsx") else "jsonl"


def _decide_to_table(args: argparse.Namespace, fmt: str) -> int:
    """Decide applications read from a sheet or from JSON Lines, and write JSON Lines or a sheet.

    Every application is read first (so a bad row names its row and column), then decided
    with ``evaluate_many(errors="yield")``; each error is reported on stderr with its row (or
    line) number and the batch goes on. A large JSON Lines file written to a sheet with
    ``--engine native`` is first decided on the columnar path (:func:`_decide_on_columns`),
    which gives the same rows; the lines it leaves go the same way as the others.
    """
    import kcrules
    from kcrules.report.sheets import decision_row

    check_xlsx_output(fmt, args.output)  # an .xlsx input says so when its first row is read, before any decision
    rulebook = kcrules.load_rulebook(args.rulebook, engine=args.engine)
    where = "row" if _is_sheet(args.input) else "line"
    if where == "row":
        from kcrules.tables import read_sheet

        letters, numbered = read_sheet(args.input)
    else:
        letters, numbered = {}, _numbered_lines(args.input)
    on_columns: dict[int, Any] = {}
    if fmt != "jsonl" and where == "line" and args.engine == "native":
        numbered = list(numbered)
        with no_cycle_collection():  # it makes a few objects per line and keeps them, in no cycle
            on_columns = _decide_on_columns(rulebook, numbered, args)
    pending: deque[tuple[int, str | None, Any, KcrulesError | None]] = deque()
    rows: list[Any] = []
    summary = Summary(rows=where == "row")
    out: IO[bytes] | None = None  # a sheet is written whole at the end
    if fmt == "jsonl":
        out = _stdout_bytes() if args.output == "-" else open(args.output, "wb")  # noqa: SIM115
    to_line = DecisionWriter().line
    try:
        rest = (item for k, item in enumerate(numbered) if k not in on_columns)
        results = rulebook.evaluate_many(_read_items(rulebook, letters, rest, pending), errors="yield",
                                         lang=args.lang, on=args.on, explain=args.explain)
        for k in itertools.count():  # each line in order: decided on columns, or the next row-path result
            row = on_columns.get(k)
            if row is not None:
                summary.add(row.activity, row.eligible, row.amount_vnd)
                rows.append(row)
                continue
            result = next(results, None)
            if result is None:
                break
            number, app_id, app, refused = pending.popleft()
            result = refused or result
            if isinstance(result, KcrulesError):
                summary.errors += 1
                if summary.errors <= MAX_REPORTED:
                    sys.stderr.write(WORDS(where, args.lang, number=number, error=result.text(args.lang)) + "\n")
                if out is not None:
                    out.write(_error_record(number, app_id, result, where))
            else:
                summary.add(result.activity, result.eligible, result.support.amount_vnd)
                if out is not None:
                    out.write(to_line(result))
            if out is None:
                rows.append(decision_row(number, app_id, app, result, args.lang))
        if summary.errors > MAX_REPORTED:
            sys.stderr.write(WORDS(f"more_{where}s", args.lang, n=i18n.number(summary.errors - MAX_REPORTED,
                                                                              args.lang)) + "\n")
        if out is None:
            with no_cycle_collection():  # the sheet's cells: a few objects per row, kept until it is written
                _write_table(rows, rulebook, args, fmt)
    finally:
        if out is not None and args.output != "-":
            out.close()
        elif out is not None:
            out.flush()
    sys.stderr.write(summary.render(args.lang) + "\n")
    return EXIT_USAGE if summary.errors else EXIT_OK


#: From this many lines on, a JSON Lines file written to a sheet with ``--engine native`` is decided
#: on the columnar path where the columnar extra is installed (below it, reading the table costs more).
COLUMNAR_FROM = 2_000


def _decide_on_columns(rulebook: Any, numbered: list[tuple[int, bytes | KcrulesError]],
                       args: argparse.Namespace) -> dict[int, Any]:
    """The sheet's rows of the lines the columnar path decides, by position in ``numbered``.

    A line is decided there when its JSON is read as the model reads it
    (``kcrules.columnar.plain.plain``) and ``evaluate_table`` decides it; every other line is
    left to the row path, which names its problems. The decided columns give every cell but
    the warnings' sentences: a warning's sentence depends only on its activity, its parameter
    (or rule) and the law in force, so each is taken once from a decision on the row path.
    tests/test_batch.py compares the sheets of both paths.
    """
    if len(numbered) < COLUMNAR_FROM:
        return {}
    try:
        import pyarrow  # noqa: F401 (the columnar extra)
    except ImportError:
        return {}
    from pydantic_core import from_json

    from kcrules.columnar import plain as plain_dicts
    from kcrules.report.sheets import DecisionRow
    from kcrules.rulefiles.codes import find_code

    days: dict[str, Any] = {}
    at: list[int] = []
    raws: list[dict[str, Any]] = []
    for k, (_number, item) in enumerate(numbered):
        if isinstance(item, bytes):
            try:  # pydantic's own JSON reader, which Application.model_validate_json uses: faster than json.loads
                raw = from_json(item)
            except (ValueError, RecursionError):  # the row path reports it
                continue
            if plain_dicts.plain(raw, days):
                at.append(k)
                raws.append(raw)
    out = plain_dicts.evaluate_plain(lambda table: rulebook.evaluate_table(table, on=args.on, outcomes=False), raws) \
        if raws else None
    if out is None:
        return {}
    activities = plain_dicts.texts(out.column("activity"))
    eligible = out.column("eligible").to_pylist()
    amounts = out.column("amount_vnd").to_pylist()
    bounds = plain_dicts.texts(out.column("bound"))
    rank_keys = out.column("rank_key").to_pylist()
    failed = plain_dicts.tuples(out.column("failed"))
    warned = plain_dicts.tuples(out.column("warnings"))
    districts: dict[str, str | None] = {}
    texts: dict[tuple[Any, ...], str] = {}  # (activity, warning, law in force): the warning's sentence
    said: dict[tuple[Any, ...], tuple[str, ...]] = {}  # (activity, warnings, law in force): their sentences
    laws: dict[str, int] = {}
    found: dict[int, Any] = {}
    for j, (k, raw) in enumerate(zip(at, raws)):
        activity = activities[j]
        if activity is None:  # not decided: the row path reads it and names its problems
            continue
        who = raw.get("establishment") or raw.get("applicant") or {}
        district = who.get("district")
        if district is not None and district not in districts:
            districts[district] = find_code(rulebook.definition, "district", district)
        given = raw["application_date"]
        law = laws.get(given)
        if law is None:  # days under one law share its parameters' dict: its id names the law in force
            law = laws[given] = id(rulebook.params_at(args.on or days[given]))
        sentences = said.get((activity, warned[j], law))
        if sentences is None:  # rows with the same warnings under the same law share one tuple of sentences
            try:
                sentences = tuple([texts[activity, w, law] for w in warned[j]])
            except KeyError:
                decision = rulebook.evaluate(raw, lang=args.lang, on=args.on, explain=False)
                if (decision.activity, decision.eligible, tuple(w.parameter for w in decision.warnings)) != \
                        (activity, eligible[j], warned[j]):
                    return {}  # never expected (the paths are proven equal): the row path decides every line
                sentences = tuple(w.text or w.parameter for w in decision.warnings)
                texts.update({(activity, w, law): text for w, text in zip(warned[j], sentences)})
            said[activity, warned[j], law] = sentences
        found[k] = DecisionRow(numbered[k][0], raw["id"], who.get("name"), districts.get(district),
                               activity, eligible[j], amounts[j], bounds[j], tuple(rank_keys[j]), failed[j],
                               sentences, None)
    return found


def _write_table(rows: list[Any], rulebook: Any, args: argparse.Namespace, fmt: str) -> None:
    from kcrules.report.sheets import csv_output, decision_table, write_csv, write_xlsx

    table = decision_table(rows, rulebook, args.lang)
    if fmt == "xlsx":
        write_xlsx([table], args.output)
        return
    with csv_output(args.output) as out:
        write_csv(table, out)


def _read_items(rulebook: Any, letters: dict[str, str], numbered: Iterable[tuple[int, Any]],
                pending: deque[tuple[int, str | None, Any, KcrulesError | None]]) -> Iterator[Any]:
    """Each application read, for evaluate_many; its number, id, the application and any reading error in
    ``pending``. An application that cannot be read is decided as nothing; its own error is reported in its place."""
    from kcrules.tables import locate

    for number, item in numbered:
        app_id = item.get("id") if isinstance(item, dict) else _id_of(item) if isinstance(item, bytes) else None
        app_id = shown(app_id) if isinstance(app_id, str) else None
        if isinstance(item, KcrulesError):
            pending.append((number, app_id, None, item))
            yield None
            continue
        try:
            app = rulebook.parse_application(item)
        except ApplicationError as err:
            pending.append((number, app_id, None, locate(err, letters)))
            yield None
            continue
        pending.append((number, app_id, app, None))
        yield app


def _numbered_lines(path: str) -> Iterator[tuple[int, bytes | KcrulesError]]:
    """Each non-blank line of a JSON Lines file (or stdin) and its number; a line too long is its error."""
    source: IO[bytes] = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    try:
        for number, raw in _lines(source, [0]):
            yield number, _too_long() if raw is None else raw
    finally:
        if source is not sys.stdin.buffer:
            source.close()
