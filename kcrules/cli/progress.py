"""The progress line of the commands that decide many applications (``batch``, ``plan``, ``diff``).

On a terminal one line on stderr rewrites itself: the count, the rate and, when the
total is known, the share done and the time left. It is shown only when stderr is a
terminal, or when ``--progress`` asks for it (then, on a file or a pipe, one plain
line about every second), and never on stdout, so piped output stays the command's
own. The library reports progress through a callback (``on_progress(done, total)``)
and prints nothing itself; a :class:`Progress` is such a callback.
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction
from typing import IO

from kcrules.text import i18n
from kcrules.text.i18n import Catalogue

_T = Catalogue("cli.progress", {
    "count": {"vi": "{count} hồ sơ, {rate}/giây", "en": "{count} applications, {rate}/s"},
    "left": {"vi": ", {share}%, còn {left}", "en": ", {share}%, ETA {left}"},
})

#: Seconds between two updates of the line: at a terminal, and on a file or pipe.
_EVERY = {True: 0.2, False: 1.0}


def add_progress_option(parser: argparse.ArgumentParser) -> None:
    """``--progress`` / ``--no-progress``; by default, a progress line only when stderr is a terminal."""
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="a progress line on stderr: count, rate, share and time left (default: only when "
                             "stderr is a terminal)")


def progress_for(args: argparse.Namespace, total: int | None = None) -> Progress:
    """The progress line the options ask for (``args.progress``, ``args.lang``), on stderr."""
    at_terminal = sys.stderr.isatty()
    enabled = at_terminal if args.progress is None else args.progress
    return Progress(sys.stderr, total, enabled, getattr(args, "lang", "vi"), rewrite=at_terminal)


class Progress:
    """One self-rewriting line: count, rate and, when the total is known, share and time left.

    ``total`` and the ``done`` of :meth:`update` are in one unit (bytes of a file, or
    applications); the count is always applications. Called as ``progress(done, total)``
    it is the library's ``on_progress`` callback, where done is also the count.
    """

    def __init__(self, stream: IO[str], total: int | None, enabled: bool, lang: str = "vi", *,
                 rewrite: bool = True) -> None:
        self.stream = stream
        self.total = total
        self.enabled = enabled
        self.lang = lang
        self.rewrite = rewrite  # a terminal: rewrite the line; a file: one line at a time
        # The clock starts at the first application, not before the command's reading and loading,
        # and the first line comes one interval later: a rate over no time means nothing.
        self.start: float | None = None
        self.last = 0.0
        self.shown = False
        self.finished = False
        self.count = 0
        self.done: int | None = None

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = total
        # The last one is final at once: what the command does after deciding is not in the rate.
        self.update(done, done, final=self.total is not None and done >= self.total)

    def update(self, count: int, done: int | None = None, *, final: bool = False) -> None:
        self.count, self.done = count, done
        if not self.enabled or self.finished:
            return
        now = time.monotonic()
        if self.start is None:
            self.start = self.last = now
        if not final and now - self.last < _EVERY[self.rewrite]:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        lang = self.lang
        text = _T("count", lang, count=i18n.number(count, lang), rate=i18n.number(int(count / elapsed), lang))
        share = min(Fraction(done, self.total), Fraction(1)) if self.total and done else Fraction(0)
        # Under 1 % the time left is a guess from too little (a first burst may come after a long wait).
        if share >= Fraction(1, 100):
            left = elapsed * float((1 - share) / share)
            text += _T("left", lang, share=i18n.number(Fraction(int(share * 1000), 10), lang), left=_duration(left))
        if self.rewrite:
            self.stream.write("\r" + text + "\033[K" + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.shown = True
        self.finished = final

    def finish(self, count: int | None = None, done: int | None = None) -> None:
        """The last line (by default with the last count), whatever time has passed since the one before."""
        if count is None:
            count, done = self.count, self.done
        self.update(count, done, final=True)

    def clear(self) -> None:
        """Make room for a message on the progress line's stream."""
        if self.shown and self.rewrite:
            self.stream.write("\r\033[K")


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
