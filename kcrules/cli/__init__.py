"""The ``kcrules`` command: one entry point, one module per subcommand.

Each subcommand module (``kcrules/cli/NAME.py``) defines ``add_parser(subparsers)``
and ``run(args) -> int``; it is imported only when its subcommand runs, so the
command starts quickly. Errors of the library are printed as one clear message
(exit 2; exit 3 when the rule engine is not installed correctly); ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import sys
from collections.abc import Sequence
from typing import IO

#: subcommand -> module holding its parser and its code
SUBCOMMANDS = {
    "check": "check",
    "rules": "rules",
    "schema": "rules",
    "diff": "diff",
    "batch": "batch",
    "plan": "plan",
    "docs": "docs",
    "serve": "serve",
    "template": "template",
}

EXIT_OK, EXIT_INELIGIBLE, EXIT_USAGE = 0, 1, 2
#: The rule engine is not installed correctly: not the application's fault, nor the user's.
EXIT_ENGINE = 3

#: The largest application read (a file for ``check``, a line for ``batch``): one is a few
#: kilobytes, so more is not an application, and reading on (``/dev/zero``) would never end.
MAX_APPLICATION_BYTES = 1 << 20
#: The largest file of many applications read whole (``plan``, a ``diff`` corpus).
MAX_FILE_BYTES = 256 << 20


def read_capped(stream: IO[bytes], limit: int, name: str, what: str) -> bytes:
    """All of ``stream``, or an InputError when it holds more than ``limit`` bytes ("more than {what}")."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        from kcrules.errors import InputError

        raise InputError(f"{name} is larger than {limit >> 20} MiB, more than {what}; "
                         "check that it is the right file")
    return data


def date_arg(text: str) -> dt.date:
    """An argparse type for a date option (``--on``)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2017-05-10") from None


class _Version(argparse.Action):
    """``--version``: printed when read, like argparse's own, but computed only then."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(version_text())
        parser.exit()


def version_text() -> str:
    """``kcrules X.Y.Z`` with the bundled rulebooks' ids and versions, and Python's version.

    The package version comes from the installed metadata; a source tree that is not
    installed falls back to ``kcrules.__version__``. A rulebook's version is the hash of its
    rule files, so its files are read and checked, but no rule engine is started.
    """
    import platform
    from importlib import metadata

    from kcrules.rulefiles.bundled import bundled_ids, bundled_root
    from kcrules.rulefiles.loader import load_definition

    try:
        version = metadata.version("kcrules")
    except metadata.PackageNotFoundError:
        import kcrules

        version = kcrules.__version__
    books = ", ".join(f"{rb_id} {load_definition(bundled_root() / rb_id).version}" for rb_id in bundled_ids())
    return (f"kcrules {version}\n"
            f"rulebooks: {books}; Python {platform.python_version()} ({platform.python_implementation()})")


def help_lang() -> str:
    """The language of help written in both: Vietnamese when the locale is, else English."""
    import os

    return "vi" if os.environ.get("LC_ALL", os.environ.get("LANG", "")).lower().startswith("vi") else "en"


def check_xlsx_output(fmt: str, output: str) -> None:
    """Before any work: an .xlsx goes to a file (it is binary), and openpyxl is installed."""
    if fmt != "xlsx":
        return
    from kcrules.errors import InputError
    from kcrules.tables import require_openpyxl

    if output == "-":
        raise InputError("xlsx is a binary file: write it to a file with -o FILE.xlsx")
    require_openpyxl()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kcrules",
        description="Hanoi khuyến công 2016–2020 rules: check applications, browse and audit the rules.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of short messages")
    parser.add_argument("-V", "--version", action=_Version, nargs=0,
                        help="print the version of kcrules, of its bundled rulebooks and of Python, and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    seen: set[str] = set()
    for name, module in SUBCOMMANDS.items():
        if module in seen:
            continue
        mod = importlib.import_module(f"kcrules.cli.{module}")
        seen.add(module)
        mod.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as err:  # the one place errors become messages
        from kcrules.errors import EngineUnavailableError, KcrulesError

        if args.debug:
            raise
        if isinstance(err, EngineUnavailableError):
            print(f"kcrules: error: {err}", file=sys.stderr)
            return EXIT_ENGINE
        if isinstance(err, KcrulesError):
            print(f"kcrules: error: {err}", file=sys.stderr)
        elif isinstance(err, OSError):
            print(f"kcrules: error: {err.strerror or err}: {err.filename or ''}".rstrip(": "), file=sys.stderr)
        else:
            print(f"kcrules: internal error: {type(err).__name__}: {err} (run with --debug for details)",
                  file=sys.stderr)
        return EXIT_USAGE

