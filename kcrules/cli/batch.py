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
import json
import os
import sys
from collections import deque
from collections.abc import Iterator
from fractions import Fraction
from typing import IO, Any

from kcrules.cli import EXIT_OK, EXIT_USAGE, MAX_APPLICATION_BYTES, check_xlsx_output, date_arg
from kcrules.cli.progress import Progress, add_progress_option, progress_for
from kcrules.errors import ApplicationError, KcrulesError, Problem, shown
from kcrules.text import i18n
from kcrules.text.i18n import Catalogue

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

    def add(self, decision: Any) -> None:
        self.decided += 1
        row = self.by_activity.setdefault(decision.activity, [0, 0, 0])
        row[0] += 1
        if decision.eligible:
            self.eligible += 1
            row[1] += 1
            row[2] += decision.support.amount_vnd

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


def _error_record(number: int, app_id: Any, err: KcrulesError, where: str = "line") -> str:
    """The output line for a line (or a sheet's row) that could not be decided: JSON, UTF-8 text whatever the
    input held."""
    problems = [p.as_dict() for p in getattr(err, "problems", ())]
    record = {where: number, "application_id": app_id if isinstance(app_id, str) else None,
              "error": {"code": err.code, "message": str(err), "problems": problems}}
    text = json.dumps(record, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate given in the input: JSON escapes keep it readable
        text = json.dumps(record)
    return _one_line(text) + "\n"


#: Characters some readers take for line ends (Python's str.splitlines, JavaScript) that JSON
#: leaves as they are (it escapes only those below U+0020): written as escapes, so every consumer
#: of the output reads one record per line. In JSON text they stand only inside strings, where
#: the escape means the same character.
_LINE_ENDS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _one_line(text: str) -> str:
    """A JSON record that every line splitter reads as one line."""
    # Three substring tests, not a regular expression: a decision's text is about 20,000
    # characters, which `in` scans about 60 times faster than re's character class.
    if "\x85" in text or "\u2028" in text or "\u2029" in text:
        for char, escape in _LINE_ENDS.items():
            text = text.replace(char, escape)
    return text


def _id_of(raw: bytes | None) -> str | None:
    """The ``id`` of a line that could not be decided, when it is a JSON object that has one (shortened)."""
    try:
        app = json.loads(raw) if raw is not None else None
    except (ValueError, RecursionError):
        return None
    return shown(app.get("id")) if isinstance(app, dict) else None


def _applications(source: IO[bytes], pending: deque[tuple[int, Any, KcrulesError | None]],
                  read: list[int]) -> Iterator[Any]:
    """Each non-blank line, as bytes (the library reads it, or says exactly what is wrong).

    Records the line number, the application and, for a line too long to be one, its error in
    ``pending``, and the bytes read in ``read[0]``.
    """
    number = 0
    while raw := source.readline(MAX_APPLICATION_BYTES + 1):
        number += 1
        read[0] += len(raw)
        if len(raw) > MAX_APPLICATION_BYTES and not raw.endswith(b"\n"):
            while (rest := source.readline(1 << 16)) and not rest.endswith(b"\n"):  # skip to the next line
                read[0] += len(rest)
            read[0] += len(rest)
            pending.append((number, None, ApplicationError([Problem.of(
                "(document)", "cli.batch:line_too_long", mib=MAX_APPLICATION_BYTES >> 20)])))
            yield None  # decided as nothing; its own error is reported in its place
            continue
        if not raw.strip():
            continue
        pending.append((number, raw, None))
        yield raw  # the raw line: the library reads it straight into the model, or says what is wrong


def run(args: argparse.Namespace) -> int:
    import kcrules

    fmt = _output_format(args)
    if fmt != "jsonl" or _is_sheet(args.input):
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
        out: IO[str] = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    except OSError:
        if source is not sys.stdin.buffer:
            source.close()
        raise
    summary = Summary()
    try:
        _decide_all(rulebook, source, out, summary, progress_for(args, total),
                    {"lang": args.lang, "on": args.on, "explain": args.explain})
    finally:
        if source is not sys.stdin.buffer:
            source.close()
        if out is not sys.stdout:
            out.close()
        else:
            out.flush()
    sys.stderr.write(summary.render(args.lang) + "\n")
    return EXIT_USAGE if summary.errors else EXIT_OK


def _decide_all(rulebook: Any, source: IO[bytes], out: IO[str], summary: Summary, progress: Progress,
                options: dict[str, Any]) -> None:
    """Write one line per application: its decision, or its error record (also reported on stderr)."""
    from kcrules.decide.writer import DecisionWriter

    err_stream = sys.stderr
    lang = options["lang"]
    pending: deque[tuple[int, Any, KcrulesError | None]] = deque()
    read = [0]
    count = 0
    write = out.write
    to_json = DecisionWriter().write
    for result in rulebook.evaluate_many(_applications(source, pending, read), errors="yield", **options):
        number, app, refused = pending.popleft()
        result = refused or result
        count += 1
        if isinstance(result, KcrulesError):
            summary.errors += 1
            write(_error_record(number, _id_of(app), result))
            if summary.errors <= MAX_REPORTED:
                progress.clear()
                err_stream.write(WORDS("line", lang, number=number, error=result.text(lang)) + "\n")
            elif summary.errors == MAX_REPORTED + 1:
                err_stream.write(WORDS("too_many", lang, n=MAX_REPORTED) + "\n")
            continue
        summary.add(result)
        write(_one_line(to_json(result)))
        write("\n")
        progress.update(count, read[0])
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
    line) number and the batch goes on.
    """
    import kcrules

    check_xlsx_output(fmt, args.output)  # an .xlsx input says so when its first row is read, before any decision
    rulebook = kcrules.load_rulebook(args.rulebook, engine=args.engine)
    where = "row" if _is_sheet(args.input) else "line"
    pending: deque[tuple[int, str | None, Any, KcrulesError | None]] = deque()
    rows: list[tuple[int, str | None, Any, Any]] = []
    summary = Summary(rows=where == "row")
    out: IO[str] | None = None  # a sheet is written whole at the end
    if fmt == "jsonl":
        out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    from kcrules.decide.writer import DecisionWriter

    to_json = DecisionWriter().write
    try:
        results = rulebook.evaluate_many(_read_items(rulebook, args.input, where, pending), errors="yield",
                                         lang=args.lang, on=args.on, explain=args.explain)
        for result in results:
            number, app_id, app, refused = pending.popleft()
            result = refused or result
            if isinstance(result, KcrulesError):
                summary.errors += 1
                if summary.errors <= MAX_REPORTED:
                    sys.stderr.write(WORDS(where, args.lang, number=number, error=result.text(args.lang)) + "\n")
                if out is not None:
                    out.write(_error_record(number, app_id, result, where))
            else:
                summary.add(result)
                if out is not None:
                    out.write(_one_line(to_json(result)) + "\n")
            if out is None:
                rows.append((number, app_id, app, result))
        if summary.errors > MAX_REPORTED:
            sys.stderr.write(WORDS(f"more_{where}s", args.lang, n=i18n.number(summary.errors - MAX_REPORTED,
                                                                              args.lang)) + "\n")
        if out is None:
            _write_table(rows, rulebook, args, fmt)
    finally:
        if out not in (None, sys.stdout):
            out.close()
    sys.stderr.write(summary.render(args.lang) + "\n")
    return EXIT_USAGE if summary.errors else EXIT_OK


def _write_table(rows: list[tuple[int, str | None, Any, Any]], rulebook: Any, args: argparse.Namespace,
                 fmt: str) -> None:
    from kcrules.report.sheets import csv_output, decision_table, write_csv, write_xlsx

    table = decision_table(rows, rulebook, args.lang)
    if fmt == "xlsx":
        write_xlsx([table], args.output)
        return
    with csv_output(args.output) as out:
        write_csv(table, out)


def _read_items(rulebook: Any, path: str, where: str,
                pending: deque[tuple[int, str | None, Any, KcrulesError | None]]) -> Iterator[Any]:
    """Each application read, for evaluate_many; its number, id, the application and any reading error in
    ``pending``. An application that cannot be read is decided as nothing; its own error is reported in its place."""
    from kcrules.tables import locate, read_sheet

    if where == "row":
        letters, numbered = read_sheet(path)
    else:
        letters, numbered = {}, _numbered_lines(path)
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
    inner: deque[tuple[int, Any, KcrulesError | None]] = deque()
    source: IO[bytes] = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    try:
        for _raw in _applications(source, inner, [0]):
            number, raw, err = inner.popleft()
            yield number, err or raw
    finally:
        if source is not sys.stdin.buffer:
            source.close()
