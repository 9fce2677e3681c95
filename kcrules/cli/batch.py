"""``kcrules batch``: decide a whole file of applications, one JSON object a line.

Streams: one line is read, decided and written at a time, so memory stays
bounded whatever the file size. Each input line gives one output line: the
decision's JSON, or, for a line that cannot be decided, an error record
``{"line": N, "application_id": ..., "error": {"code", "message", "problems"}}``;
the error is also reported on stderr with its line number, and the batch goes
on. Blank lines are skipped. When stderr is a terminal a progress line shows
the count, the rate and (for a file) the time left. At the end a summary goes
to stderr: decided, eligible, errors, and the total support by activity.

Exit codes: 0 every line decided, 2 some lines could not be decided (or a
usage error).
"""

from __future__ import annotations

import argparse
import json
import re
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from fractions import Fraction
from typing import IO, Any

from kcrules.cli import EXIT_OK, EXIT_USAGE, MAX_APPLICATION_BYTES, date_arg
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
    p.add_argument("input", metavar="IN", help="applications, one JSON object a line ('-' reads stdin)")
    p.add_argument("-o", "--output", metavar="OUT", default="-",
                   help="where to write decisions, one JSON object a line (default: stdout)")
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
    p.add_argument("--no-progress", action="store_false", dest="progress",
                   help="no progress line, even at a terminal")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


WORDS = Catalogue("cli.batch", {
    "progress": {"vi": "{count} hồ sơ, {rate}/giây", "en": "{count} applications, {rate}/s"},
    "eta": {"vi": ", {share}, còn khoảng {left}", "en": ", {share}, ETA {left}"},
    "line": {"vi": "kcrules: dòng {number}: {error}", "en": "kcrules: line {number}: {error}"},
    "too_many": {"vi": "kcrules: hơn {n} dòng lỗi; các dòng sau chỉ có trong kết quả và bản tổng hợp",
                 "en": "kcrules: more than {n} bad lines; the rest are only in the output and the summary"},
    "summary": {"vi": "Đã xét {decided} hồ sơ: {eligible} đủ điều kiện, {ineligible} không đủ; {errors} dòng lỗi.",
                "en": "Decided {decided} applications: {eligible} eligible, {ineligible} not eligible; "
                      "{errors} lines with errors."},
    "activity": {"vi": "Nội dung", "en": "Activity"},
    "decided": {"vi": "Hồ sơ", "en": "Decided"},
    "eligible": {"vi": "Đủ ĐK", "en": "Eligible"},
    "total_support": {"vi": "Tổng hỗ trợ", "en": "Total support"},
    "total": {"vi": "Tổng", "en": "Total"},
    "line_too_long": {"vi": "dòng dài hơn {mib} MiB: lớn hơn mọi hồ sơ có thể có (có thiếu dấu xuống dòng?)",
                      "en": "line longer than {mib} MiB: more than an application can be (is a newline missing?)"},
})


class Progress:
    """One self-rewriting line on a terminal: count, rate and, when the input size is known, time left."""

    def __init__(self, stream: IO[str], total_bytes: int | None, enabled: bool, lang: str = "en") -> None:
        self.stream = stream
        self.lang = lang
        self.total = total_bytes
        self.enabled = enabled
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    def update(self, count: int, done_bytes: int, *, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self.last < 0.2:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        rate = count / elapsed
        lang = self.lang
        text = WORDS("progress", lang, count=i18n.number(count, lang), rate=i18n.number(round(rate), lang))
        if self.total and done_bytes:
            share = min(done_bytes / self.total, 1.0)
            left = elapsed * (1 - share) / share if share > 0 else 0
            percent = i18n.percent(Fraction(round(share * 1000), 1000), lang)
            text += WORDS("eta", lang, share=percent.rjust(6), left=_duration(left))
        self.stream.write("\r" + text + "\033[K")
        if final:
            self.stream.write("\n")
        self.stream.flush()
        self.shown = True


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Summary:
    """What a batch found: counts, and support (count, total đồng) by activity."""

    def __init__(self) -> None:
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
        lines = [WORDS("summary", lang, decided=n(self.decided), eligible=n(self.eligible),
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


def _error_record(number: int, app_id: Any, err: KcrulesError) -> str:
    """The output line for a line that could not be decided: JSON, UTF-8 text whatever the input held."""
    problems = [p.as_dict() for p in getattr(err, "problems", ())]
    record = {"line": number, "application_id": app_id if isinstance(app_id, str) else None,
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
_LINE_END = re.compile("[\x85\u2028\u2029]")


def _one_line(text: str) -> str:
    """A JSON record that every line splitter reads as one line."""
    return _LINE_END.sub(lambda m: _LINE_ENDS[m.group()], text) if _LINE_END.search(text) else text


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
        progress = Progress(sys.stderr, total, args.progress and sys.stderr.isatty(), args.lang)
        _decide_all(rulebook, source, out, summary, progress, {"lang": args.lang, "on": args.on, "explain": args.explain})
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
                if progress.shown:
                    err_stream.write("\r\033[K")
                err_stream.write(WORDS("line", lang, number=number, error=result.text(lang)) + "\n")
            elif summary.errors == MAX_REPORTED + 1:
                err_stream.write(WORDS("too_many", lang, n=MAX_REPORTED) + "\n")
            continue
        summary.add(result)
        write(_one_line(to_json(result)))
        write("\n")
        progress.update(count, read[0])
    progress.update(count, read[0], final=True)
