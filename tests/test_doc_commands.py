"""Every `kcrules` command shown in README.md's and docs/cli.md's shell blocks runs as documented.

The commands run in a temporary folder holding examples/, the rules and the few files the
documents name as a user's own (``application.json``, ``application.toml``, ``app.json``,
a changed rulebook), each made from a bundled example. A command exits as documented: 1 for
an example refused on purpose (``*-refused.json``), 0 otherwise. Not run, with the reason:
install lines (they build a virtual environment) and the interview (it waits for a person;
tests/test_cli_interview.py drives it).

Then every command that writes for a person (not JSON), and the options docs/cli.md's prose
documents, is read as a person reads it, with ``--lang vi``, ``--lang en`` and under an English
locale without ``--lang``: no word of the other language, no internal name, no date in the rule
files' form, month first or all in numbers in English, no count grouped the other language's way.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kcrules.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ("README.md", "docs/cli.md")

#: A fenced block that is not python: shell commands, or text the document shows as typed.
_FENCE = re.compile(r"^```(?P<lang>[a-z]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)

#: Commands not run, by a part of the line, and why.
SKIPPED = {
    "pip install": "an install line: it builds a virtual environment",
    "--interactive": "the interview waits for a person (tests/test_cli_interview.py drives it)",
}


def commands(name: str) -> list[tuple[int, str]]:
    """(line number, command) of every `kcrules` command in the document's non-python blocks."""
    text = (ROOT / name).read_text(encoding="utf-8")
    found = []
    for m in _FENCE.finditer(text):
        if m.group("lang") not in ("", "sh", "bash", "console", "shell"):
            continue
        first = text.count("\n", 0, m.start("body")) + 1
        for k, line in enumerate(m.group("body").splitlines()):
            command = line.split("  #")[0].strip()  # a comment after two spaces explains the command
            if re.search(r"(^|[|&;]\s*)kcrules\s", command):
                found.append((first + k, command))
    return found


CASES = [(name, line, command) for name in DOCUMENTS for line, command in commands(name)]


def expected_exit(command: str) -> int:
    """As documented: an example refused on purpose exits 1, every other command 0."""
    return 1 if "-refused.json" in command else 0


def _toml(data: dict[str, Any], prefix: str = "") -> str:
    """A flat application (strings, numbers, booleans, sub-tables) as TOML."""
    head = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in data.items() if not isinstance(v, dict)]
    tables = [f"\n[{prefix}{k}]\n" + _toml(v, f"{prefix}{k}.") for k, v in data.items() if isinstance(v, dict)]
    return "\n".join(head) + "\n" + "".join(tables)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder as a user has it: the examples, the rules, their own application and a changed rulebook."""
    folder = tmp_path_factory.mktemp("user")
    shutil.copytree(ROOT / "examples", folder / "examples")
    shutil.copytree(ROOT / "rules", folder / "rules", ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "rules" / "hanoi-2016-2020", folder / "path" / "to" / "changed-rulebook",
                    ignore=shutil.ignore_patterns("tests"))
    app = json.loads((ROOT / "examples" / "machinery-gia-lam.json").read_text(encoding="utf-8"))
    for name in ("application.json", "app.json"):
        (folder / name).write_text(json.dumps(app, ensure_ascii=False), encoding="utf-8")
    (folder / "application.toml").write_text(_toml(app), encoding="utf-8")
    # The sheet the documented batch and plan read, as `kcrules template` (documented before them) writes it.
    assert main(["template", "-o", str(folder / "ho-so.xlsx"), "--activity", "3.3-machinery"]) == 0
    return folder


def test_the_documents_show_commands() -> None:
    for name in DOCUMENTS:
        assert len(commands(name)) >= 5, name
    assert ("README.md", "kcrules rules show 3.3") in [(n, c) for n, _, c in CASES]


@pytest.mark.parametrize(("name", "line", "command"), CASES, ids=[f"{n}:{k}" for n, k, _ in CASES])
def test_a_documented_command_runs_as_documented(name: str, line: int, command: str, workdir: Path) -> None:
    reason = next((why for part, why in SKIPPED.items() if part in command), None)
    if reason:
        pytest.skip(reason)
    # `kcrules` is this interpreter's, wherever the documents use it (also after a pipe).
    shell = f'kcrules() {{ "{sys.executable}" -m kcrules.cli "$@"; }}\n{command}'
    result = subprocess.run(["bash", "-c", shell], cwd=workdir, capture_output=True, text=True,
                            encoding="utf-8", timeout=600)
    shown = f"{name}:{line}: {command}\n--- stderr:\n{result.stderr[-2000:]}"
    assert result.returncode == expected_exit(command), shown
    assert "Traceback" not in result.stderr and "error:" not in result.stderr, shown
    assert result.stdout.strip() or "-o " in command, shown  # every command prints, or writes its file


def test_the_call_for_proposals_example_is_the_2017_examples() -> None:
    # examples/call-2017.jsonl is what the README plans and batches: kept equal to the examples it gathers.
    gathered = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))]
    lines = (ROOT / "examples" / "call-2017.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [a for a in gathered if a["application_date"].startswith("2017")]


# --- Every documented command read in vi and en -------------------------------------------------

#: Commands that docs/cli.md documents in its prose (the options of the commands its blocks show).
PROSE = (
    "kcrules rules list",
    "kcrules rules show 3.3 --verbose",
    "kcrules rules show 3.4",  # starts four ids: they are listed
    "kcrules check examples/3.3-machinery-refused.json --all",
    "kcrules batch examples/call-2017.jsonl -o out.csv",
    "kcrules plan examples/call-2017.jsonl --budget 32000000000 --year 2017 --format csv",
)

#: Machine forms, not read by a person: JSON (the schema is JSON too).
NOT_TEXT = ("--format json", "kcrules schema")

TEXT_COMMANDS = sorted({re.sub(r"\s--lang \w+", "", c) for _, _, c in CASES
                        if not any(part in c for part in (*SKIPPED, *NOT_TEXT))} | set(PROSE))

#: The lines that show the rule files' own words to a maintainer, on purpose: the conditions as
#: written under `rules show --verbose`, and the audit, an index of the rule files by their ids.
_FOR_MAINTAINERS = re.compile(r"^\s*(mã điều kiện|condition code)\b.*$", re.M)

#: Commands that name things by their ids on purpose, as documented: `rules show --verbose` adds the
#: ids, and the audit lists every value and reading by the id a maintainer finds it under.
_INDEXES = ("--verbose", "rules audit")

#: Quotations: the law quoted in its own words (“…”, "…"), in an English note too.
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")

#: Vietnamese in English text that is not a leak, each with why:
NAMES_EN = (
    # the Vietnamese terms the English names of unit types give beside them, as the law's own words
    "(huyện)", "(quận)", "(thị xã)",
    # the former district whose communes became wards in 2013 (a place name, as the codes' names are)
    "Từ Liêm",
    # the Law's short name, cited as its number reads: "Luật 04/2017/QH14"
    "Luật 04/2017",
    # the letter đ numbers a point of an article, in English citations too (Article 6(2)(đ))
    "(đ)",
)

#: A point or group of the law named by its letter (điểm a, nhóm a, a → d): no English word "a".
_LETTERS_VI = re.compile(r"\b(điểm|nhóm|nhóm ưu tiên)\s+[a-zđ]\b|\b[a-zđ] → [a-zđ]\b|\([a-zđ]\)")

#: A date read month-first in English (3/11/18), and any day/month/year in English (10/05/2017: the
#: month is named there).
SHORT_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2}\b")
NUMERIC_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")
#: A date as the rule files write it (2017-05-10): reports write one form per language (10/05/2017,
#: 10 May 2017); a command to type keeps it.
ISO_DATE = re.compile(r"^(?!\s*(Thử|Try): kcrules).*?\b\d{4}-\d{2}-\d{2}\b", re.M)
#: "ngày Ngày …": a date compared with a date whose name starts with "Ngày".
DAY_TWICE = re.compile(r"\bngày\s+ngày\b", re.IGNORECASE)
#: A count or an amount grouped the other language's way (vi 2.000, en 2,000).
GROUPED_OTHERWISE = {"vi": re.compile(r"\b\d{1,3}(,\d{3})+\b"), "en": re.compile(r"\b\d{1,3}(\.\d{3})+\b")}


@functools.cache
def _names() -> tuple[str, ...]:
    """Proper names, the same in both languages: the codes' names whose English is the Vietnamese
    without accents (districts, provinces: an English note may keep the accents), and the names
    the example applications give; longest first."""
    import kcrules
    from kcrules.util.words import fold

    names = {v.label["vi"] for rb in ("hanoi-2016-2020", "national-2012")
             for table in kcrules.load_rulebook(rb).definition.codes.values()
             for v in table.values.values() if fold(v.label["vi"]) == fold(v.label["en"])}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, str) and " " in value:
            names.add(value)

    for path in (ROOT / "examples").glob("*.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return tuple(sorted(names | set(NAMES_EN), key=len, reverse=True))


def faults(text: str, lang: str, command: str) -> list[str]:
    """What a person should not read in ``text``, the output of ``command`` in ``lang``."""
    import kcrules
    from plain_words import ENGLISH, VIETNAMESE, WHITELIST_EN, WHITELIST_VI, internals_in, without

    # the command's own words (its files, its options) come back in its output as typed
    for word in sorted(command.split(), key=len, reverse=True):
        if "." in word or "/" in word:
            text = text.replace(word, " ")
    text = _FOR_MAINTAINERS.sub("", text)
    words = _QUOTED.sub(" ", text)
    if lang == "vi":
        words = without(_LETTERS_VI.sub(" ", words), _names() + WHITELIST_VI)
        found = [f"English word {w!r}" for w in ENGLISH.findall(words)]
    else:
        found = [f"Vietnamese letter {w!r}" for w in VIETNAMESE.findall(without(words, _names() + WHITELIST_EN))]
    if not any(part in command for part in _INDEXES):
        params = list(kcrules.load_rulebook().definition.params)
        found += [f"internal name in {line.strip()!r}" for line in internals_in(text, params)]
        found += [f"date as the rule files write it in {m.group()!r}" for m in ISO_DATE.finditer(text)]
    found += [f"the word ngày twice: {m.group()!r}" for m in DAY_TWICE.finditer(text)]
    found += [f"ambiguous date {m.group()!r}" for m in SHORT_DATE.finditer(text)]
    if lang == "en":
        found += [f"numeric date {m.group()!r}" for m in NUMERIC_DATE.finditer(text)]
    found += [f"grouped as not in {lang}: {m.group()!r}" for m in GROUPED_OTHERWISE[lang].finditer(text)]
    return found


def _cells(table: str) -> str:
    return "\n".join(cell for row in csv.reader(io.StringIO(table)) for cell in row)


def _xlsx_cells(path: Path) -> str:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)


@pytest.mark.parametrize(("command", "how"), [pytest.param(c, how, id=f"{how}:{c}") for c in TEXT_COMMANDS
                                              for how in ("vi", "en", "LANG=en_US.UTF-8")])
def test_a_documented_command_reads_in_one_language(command: str, how: str, workdir: Path) -> None:
    # --lang vi|en, or none under an English locale: the locale's default is English then.
    lang = "en" if how.startswith("LANG") else how
    option = "" if how.startswith("LANG") else f" --lang {lang}"
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG")}
    if how.startswith("LANG"):
        env["LANG"] = how.partition("=")[2]
    shell = f'kcrules() {{ "{sys.executable}" -m kcrules.cli "$@"{option}; }}\n{command}'
    result = subprocess.run(["bash", "-c", shell], cwd=workdir, capture_output=True, text=True,
                            encoding="utf-8", timeout=600, env=env)
    expected = 2 if command.startswith("kcrules rules show 3.4") else expected_exit(command)
    assert result.returncode == expected, result.stdout[-1000:] + result.stderr[-2000:]
    text = result.stdout + result.stderr
    # a spreadsheet is for a person too: each of its cells is read (a comma between cells is no grouping)
    written = re.search(r"-o (\S+\.(csv|xlsx))\b", command)
    if written and written.group(2) == "xlsx":
        # (not the template: its first row is the field paths on purpose, what batch reads back)
        text += "" if command.startswith("kcrules template") else _xlsx_cells(workdir / written.group(1))
    elif written:
        text += _cells((workdir / written.group(1)).read_text(encoding="utf-8-sig"))
    elif "--format csv" in command:
        text = _cells(result.stdout.lstrip("\ufeff")) + result.stderr
    assert "Traceback" not in text, text[-2000:]
    found = faults(text, lang, command)
    assert not found, f"{command} ({how}):\n  " + "\n  ".join(found[:20]) + f"\n--- output:\n{text[:3000]}"


def test_the_reading_catches_what_it_looks_for() -> None:
    # each check finds its fault, so a test that passes has looked
    assert faults("Kết quả: đủ điều kiện, the support", "vi", "kcrules check a.json")
    assert faults("Result: eligible, mức hỗ trợ", "en", "kcrules check a.json")
    assert faults("Found: establishment.employees == 40", "en", "kcrules check a.json")
    assert faults("Law in force on 3/11/18", "en", "kcrules check a.json")
    assert faults("Law in force on 10/05/2017", "en", "kcrules check a.json")
    assert faults("Hỗ trợ: 2,000,000 ₫", "vi", "kcrules check a.json")
    assert faults("Support: ₫2.000.000", "en", "kcrules check a.json")
    assert faults("Within the program period (2016-01-01 to 2020-12-31)", "en", "kcrules check a.json")
    assert faults("Ngày nộp hồ sơ trước ngày Ngày Luật có hiệu lực", "vi", "kcrules rules show 3.3")
    # and what is not a fault is not found: a quotation, a place's name, a point's letter, the file typed
    assert not faults('QĐ 4892 quotes "các cơ sở CNNT" in Gia Lâm (Article 6(2)(đ)), see out.csv',
                      "en", "kcrules batch x.jsonl -o out.csv")
    assert not faults("Ngành nghề ưu tiên (nhóm b trước, nhóm a sau): Điều 6 khoản 2 điểm a; 2.000.000 ₫\n"
                      "  Thử: kcrules check a.json --what-if application_date=2017-05-10", "vi", "kcrules check a.json")
