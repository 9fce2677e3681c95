"""The ``kcrules`` command: one entry point, one module per subcommand.

Each subcommand module (``kcrules/cli/NAME.py``) defines ``add_parser(subparsers)``
and ``run(args) -> int``; it is imported only when its subcommand runs, so the
command starts quickly. Errors of the library are printed as one clear message
(exit 2; exit 3 when the rule engine is not installed correctly); ``--debug``
shows the traceback instead.

Everything the command writes for a person is in one language, ``--lang vi|en``
(every subcommand takes it), by default the locale's (:func:`default_lang`); the
help and argparse's own words too (:mod:`kcrules.cli.words`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import sys
from collections.abc import Mapping, Sequence
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


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """The language when no ``--lang`` is given: the locale's (the first of LC_ALL, LC_MESSAGES and
    LANG that is set), en for a value starting ``en``, else vi."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(name):
            return "en" if env[name].startswith("en") else "vi"
    return "vi"


def chosen_lang(argv: Sequence[str]) -> str:
    """The language ``argv`` asks for (its last ``--lang X``), else :func:`default_lang`.

    Read before the parser is built, so its help and its errors are in that language.
    """
    lang = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.partition("=")[2]
    return lang if lang in ("vi", "en") else default_lang()


#: The language of the command running now: main sets it, for the argparse types and read_capped.
_LANG = ["vi"]


def read_capped(stream: IO[bytes], limit: int, name: str, what: str, option: str = "") -> bytes:
    """All of ``stream``, or an InputError when it holds more than ``limit`` bytes.

    ``what`` it should be, for the message: "application", "call" (for proposals) or "file" (of ``option``).
    """
    data = stream.read(limit + 1)
    if len(data) > limit:
        from kcrules.errors import InputError

        raise InputError.of(f"cli:too_large_{what}", name=name, mib=limit >> 20, option=option)
    return data


def date_arg(text: str) -> dt.date:
    """An argparse type for a date option (``--on``)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        from kcrules.cli.words import say

        raise argparse.ArgumentTypeError(say("not_a_date", _LANG[0], text=repr(text))) from None


def count_arg(text: str) -> int:
    """An argparse type for a count of 1 or more (``--jobs``)."""
    if text.strip().isdigit() and int(text) >= 1:
        return int(text)
    from kcrules.cli.words import say

    raise argparse.ArgumentTypeError(say("not_a_count", _LANG[0], text=repr(text)))


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


def check_xlsx_output(fmt: str, output: str) -> None:
    """Before any work: an .xlsx goes to a file (it is binary), and openpyxl is installed."""
    if fmt != "xlsx":
        return
    from kcrules.errors import InputError
    from kcrules.tables import require_openpyxl

    if output == "-":
        raise InputError.of("cli:xlsx_stdout")
    require_openpyxl()


def build_parser(lang: str = "vi") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kcrules",
        description="Hanoi khuyến công 2016–2020 rules: check applications, browse and audit the rules.",
    )
    parser.add_argument("--lang", choices=("vi", "en"))
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
    from kcrules.cli.words import localise

    localise(parser, lang)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from kcrules.cli.words import argparse_words

    argv = list(sys.argv[1:] if argv is None else argv)
    lang = _LANG[0] = chosen_lang(argv)
    with argparse_words(lang):
        parser = build_parser(lang)
        args = parser.parse_args(argv)
        if not getattr(args, "run", None):
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        return _run(args, lang)


def _run(args: argparse.Namespace, lang: str) -> int:
    from kcrules.cli.words import os_error, say

    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("\n" + say("interrupted", lang), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as err:  # the one place errors become messages
        from kcrules.errors import EngineUnavailableError, KcrulesError

        if args.debug:
            raise
        if isinstance(err, KcrulesError):
            print(say("error", lang, message=err.text(lang)), file=sys.stderr)
            return EXIT_ENGINE if isinstance(err, EngineUnavailableError) else EXIT_USAGE
        if isinstance(err, OSError):
            print(say("error", lang, message=os_error(err, lang)), file=sys.stderr)
        else:
            print(say("internal", lang, kind=type(err).__name__, detail=err), file=sys.stderr)
        return EXIT_USAGE

