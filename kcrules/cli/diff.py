"""``kcrules diff OLD NEW``: what a rule change does to one population of applications.

OLD and NEW are bundled ids, rulebook folders, ``ID@VERSION`` or ``REV:PATH``
(a rulebook folder at a git revision, e.g. ``HEAD~1:rules/hanoi-2016-2020``).
The population is one or more corpus files (JSON Lines, one application a
line) and/or N applications generated from a fixed seed, concentrated at the
thresholds of both rulebooks. Exit status: 0, or 1 with ``--fail-on-change``
when any decision differs (a CI gate); 2 for bad input.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kcrules.cli.progress import add_progress_option, progress_for

EXIT_OK, EXIT_CHANGED = 0, 1
DEFAULT_GENERATED = 500


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "diff", help="compare the decisions of two rulebooks on one population of applications",
        description="Evaluate one population of applications (a JSON Lines corpus and/or generated ones) "
                    "under two rulebooks and report eligibility flips with the criteria responsible, the "
                    "change of support per activity, the budget impact and the parameters and rules that "
                    "differ. OLD and NEW: a bundled id, a rulebook folder, ID@VERSION, or REV:PATH "
                    "(a folder at a git revision).",
    )
    p.add_argument("old", metavar="OLD", help="the rulebook before the change")
    p.add_argument("new", metavar="NEW", help="the rulebook after the change")
    p.add_argument("--corpus", metavar="FILE", type=Path, action="append", default=[],
                   help="applications, one JSON object a line (repeatable)")
    p.add_argument("--generate", metavar="N", type=_count, default=None,
                   help=f"add N generated applications (default {DEFAULT_GENERATED} when no corpus is given)")
    p.add_argument("--seed", metavar="S", type=int, default=0, help="seed of the generated applications (default 0)")
    p.add_argument("--activity", metavar="ID", action="append", default=None,
                   help="generate applications for this activity only (repeatable)")
    p.add_argument("--engine", choices=("native", "durable"), default="native",
                   help="matching engine (both give the same decisions; native is faster)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="report format (default text)")
    p.add_argument("--examples", metavar="K", type=_count, default=5, help="examples shown per list (text)")
    p.add_argument("--fail-on-change", action="store_true",
                   help="exit 1 when any decision differs (for CI)")
    add_progress_option(p)
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


def _count(text: str) -> int:
    from kcrules.cli import _LANG
    from kcrules.diff import WORDS

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(WORDS("not_whole", _LANG[0], given=repr(text))) from None
    if value < 0 or value > 1_000_000:
        raise argparse.ArgumentTypeError(WORDS("out_of_range", _LANG[0], given=value))
    return value


def run(args: argparse.Namespace) -> int:
    from kcrules.diff import diff, read_corpus, resolve
    from kcrules.testing.strategies import generate

    old = resolve(args.old, engine=args.engine)
    new = resolve(args.new, engine=args.engine)
    n = args.generate if args.generate is not None else (0 if args.corpus else DEFAULT_GENERATED)
    counted = {"corpus_count": 0}

    def population() -> Iterator[Any]:
        for path in args.corpus:
            for labelled in read_corpus(path):
                counted["corpus_count"] += 1
                yield labelled
        if n:
            for k, app in enumerate(generate([old, new], n, seed=args.seed, activity=args.activity), 1):
                yield f"generated #{k}", app

    if args.activity:
        known = set(old.activities) | set(new.activities)
        unknown = [a for a in args.activity if a not in known]
        if unknown:
            from kcrules.errors import InputError, Problem
            from kcrules.util.words import suggest

            raise InputError.of("errors:invalid_input", [
                Problem.of("--activity", "diff:unknown_activity", a, ", ".join(sorted(known)), suggest(a, known))
                for a in unknown], listed=True)
    info: dict[str, Any] = {"corpus": [str(c) for c in args.corpus], "generated": n, "seed": args.seed}
    # The total is known when every application is generated; a corpus is counted as it is read.
    progress = progress_for(args, None if args.corpus else n)
    report = diff(old, new, itertools.chain(population()), engine=args.engine, population=info,
                  on_progress=progress)
    progress.finish()
    report.population["corpus_count"] = counted["corpus_count"]
    if args.format == "json":
        sys.stdout.write(report.to_json() + "\n")
    else:
        sys.stdout.write(report.to_text(args.examples, args.lang))
    return EXIT_CHANGED if (args.fail_on_change and report.changed) else EXIT_OK
