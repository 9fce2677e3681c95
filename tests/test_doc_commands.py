"""Every `kcrules` command shown in README.md's and docs/cli.md's shell blocks runs as documented.

The commands run in a temporary folder holding examples/, the rules and the few files the
documents name as a user's own (``application.json``, ``application.toml``, ``app.json``,
a changed rulebook), each made from a bundled example. A command exits as documented: 1 for
an example refused on purpose (``*-refused.json``), 0 otherwise. Not run, with the reason:
install lines (they build a virtual environment) and the interview (it waits for a person;
tests/test_cli_interview.py drives it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

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
