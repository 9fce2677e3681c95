"""``kcrules docs``: write (or check) the rulebook reference generated from the rule files.

Without a rulebook, every bundled rulebook is documented. ``--check`` writes
nothing: it exits 1 when a committed page differs from what the rule files
generate (CI runs it, and so does the test suite), naming each stale page and
showing the start of the difference.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any

from kcrules.text.i18n import Catalogue

EXIT_OK, EXIT_STALE = 0, 1
DEFAULT_OUT = Path("docs") / "reference"
_DIFF_LINES = 12

WORDS = Catalogue("cli.docs", {
    "outside": {"vi": "trang tham chiếu {name} sẽ bị ghi ra ngoài {out}; chưa ghi gì cả",
                "en": "reference page {name} would be written outside {out}; nothing was written"},
    "missing": {"vi": "{path}: chưa có", "en": "{path}: missing"},
    "differs": {"vi": "{path}: khác với các tệp quy tắc", "en": "{path}: differs from the rule files"},
    "stale": {"vi": "{stale} trên {total} trang tham chiếu đã cũ; hãy chạy `kcrules docs` để tạo lại.",
              "en": "{stale} of {total} reference pages are stale; run `kcrules docs` to regenerate them."},
    "match": {"vi": "{total} trang tham chiếu khớp với các tệp quy tắc.",
              "en": "{total} reference pages match the rule files."},
    "wrote": {"vi": "đã ghi {path}", "en": "wrote {path}"},
    "written": {"vi": "{total} trang tham chiếu trong {out} ({written} trang thay đổi).",
                "en": "{total} reference pages in {out} ({written} changed)."},
})


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "docs", help="generate the rulebook reference (Markdown, vi and en) from the rule files",
        description="Generate, from the rule files, a Markdown reference per rulebook in Vietnamese and "
                    "English: per activity who applies and who benefits, every condition in plain words, "
                    "every level with value, unit, validity, citation and provenance, and a decision "
                    "diagram. With --check, write nothing and exit 1 if the files differ.",
    )
    p.add_argument("rulebook", nargs="?", metavar="RULEBOOK",
                   help="bundled rulebook id or rulebook folder (default: every bundled rulebook)")
    p.add_argument("--out", metavar="DIR", type=Path, default=DEFAULT_OUT,
                   help=f"folder of the reference pages (default: {DEFAULT_OUT})")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 when a page is missing or differs from the rule files")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


def pages(rulebook: str | None = None) -> dict[str, str]:
    """Every reference page to write: file name -> Markdown (all bundled rulebooks by default)."""
    from kcrules.reference import generate
    from kcrules.rulebook import load_rulebook
    from kcrules.rulefiles.loader import bundled_ids

    ids: list[str | None] = [rulebook] if rulebook else list(bundled_ids())
    out: dict[str, str] = {}
    for rid in ids:
        out.update(generate(load_rulebook(rid)))
    return dict(sorted(out.items()))


def _inside(out_dir: Path, names: list[str]) -> None:
    """Refuse (before writing anything) a page whose path would leave ``out_dir``."""
    from kcrules.errors import InputError

    root = out_dir.resolve()
    for name in names:
        target = (out_dir / name).resolve()
        if target.parent != root:
            raise InputError.of("cli.docs:outside", name=repr(name), out=out_dir)


def run(args: argparse.Namespace) -> int:
    out_dir: Path = args.out
    lang = args.lang

    def say(key: str, **values: Any) -> str:
        return WORDS(key, lang, **values)

    generated = pages(args.rulebook)
    _inside(out_dir, list(generated))
    if args.check:
        stale = 0
        for name, text in generated.items():
            path = out_dir / name
            current = path.read_text(encoding="utf-8") if path.is_file() else None
            if current == text:
                continue
            stale += 1
            if current is None:
                print(say("missing", path=path), file=sys.stderr)
                continue
            print(say("differs", path=path), file=sys.stderr)
            diff = difflib.unified_diff(current.splitlines(), text.splitlines(), str(path), "generated",
                                        lineterm="", n=0)
            for n, line in enumerate(diff):
                if n >= _DIFF_LINES:
                    print("  …", file=sys.stderr)
                    break
                print(f"  {line}", file=sys.stderr)
        if stale:
            print(say("stale", stale=stale, total=len(generated)), file=sys.stderr)
            return EXIT_STALE
        print(say("match", total=len(generated)))
        return EXIT_OK
    out_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    for name, text in generated.items():
        path = out_dir / name
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.write_text(text, encoding="utf-8", newline="\n")
        written += 1
        print(say("wrote", path=path))
    print(say("written", total=len(generated), out=out_dir, written=written))
    return EXIT_OK
