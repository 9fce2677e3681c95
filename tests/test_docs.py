"""The documentation: the generated reference is current, and every Python example runs.

Every ```python block of README.md and docs/**/*.md is run, in file order, in one
namespace per file, inside an empty temporary folder holding a copy of
examples/. A block whose fence reads ```python no-run is shown, not run. New
documents are picked up automatically: their examples must run too.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import kcrules
from kcrules.cli import main
from kcrules.cli.docs import pages
from kcrules.reference import condition_words, generate
from kcrules.rulefiles import conditions as cond

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
REFERENCE = DOCS / "reference"

_FENCE = re.compile(r"^```python(?P<info>[^\n]*)\n(?P<code>.*?)^```[ \t]*$", re.M | re.S)


def _documents() -> list[Path]:
    found = sorted(DOCS.rglob("*.md")) if DOCS.is_dir() else []
    readme = ROOT / "README.md"
    return ([readme] if readme.is_file() else []) + found


def _blocks(path: Path) -> list[tuple[int, str]]:
    """(line number, code) of each runnable python block."""
    text = path.read_text(encoding="utf-8")
    out = []
    for m in _FENCE.finditer(text):
        if "no-run" in m.group("info").split():
            continue
        out.append((text.count("\n", 0, m.start()) + 1, m.group("code")))
    return out


_RUNNABLE = [p for p in _documents() if _blocks(p)]


@pytest.mark.parametrize("path", _RUNNABLE, ids=[str(p.relative_to(ROOT)) for p in _RUNNABLE])
def test_python_examples_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if (ROOT / "examples").is_dir():
        shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for line, code in _blocks(path):
        try:
            exec(compile(code, f"{path.relative_to(ROOT)}:{line}", "exec"), namespace)
        except Exception as err:  # name the block, keep the traceback
            raise AssertionError(f"the python block at {path.relative_to(ROOT)}:{line} failed: "
                                 f"{type(err).__name__}: {err}") from err


def test_the_guides_have_runnable_examples() -> None:
    for name in ("integrator-guide.md", "rule-author-guide.md"):
        assert _blocks(DOCS / name), f"docs/{name} has no runnable python example"


def test_a_no_run_block_is_not_run(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("```python no-run\nraise SystemExit\n```\n\n```python\nx = 1\n```\n", encoding="utf-8")
    assert _blocks(doc) == [(5, "x = 1\n")]


# ---------------------------------------------------------------- the committed reference


def test_committed_reference_equals_the_generated_one() -> None:
    stale = []
    for name, text in pages().items():
        path = REFERENCE / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    assert not stale, f"docs/reference is stale ({', '.join(stale)}): run `kcrules docs` and commit the result"


def test_no_leftover_reference_pages() -> None:
    expected = set(pages())
    present = {p.name for p in REFERENCE.glob("*.md")}
    assert present <= expected, f"pages no rulebook generates: {sorted(present - expected)}"


@pytest.fixture(scope="module")
def hanoi() -> kcrules.Rulebook:
    return kcrules.load_rulebook()


@pytest.fixture(scope="module")
def hanoi_pages(hanoi: kcrules.Rulebook) -> dict[str, str]:
    return generate(hanoi)


def test_generation_is_deterministic(hanoi: kcrules.Rulebook, hanoi_pages: dict[str, str]) -> None:
    again = generate(kcrules.load_rulebook("hanoi-2016-2020", engine="native"))
    assert again == hanoi_pages
    assert set(hanoi_pages) == {"hanoi-2016-2020.vi.md", "hanoi-2016-2020.en.md"}


def test_no_condition_is_left_in_rule_syntax(hanoi_pages: dict[str, str]) -> None:
    for name, text in hanoi_pages.items():
        prose = re.sub(r"`[^`]*`", "", text)  # code spans name fields on purpose
        for token in ("params.", "derived.", "==", "!=", "<=", ">=", " is not set", " in ["):
            assert token not in prose, f"{name}: rule syntax {token!r} left in the prose"


def _section(text: str, anchor: str) -> str:
    """From a line-start anchor to the next one (row and list anchors are not at a line start)."""
    start = text.index(f'\n<a id="{anchor}"></a>')
    nxt = re.search(r'\n<a id="', text[start + 1:])
    return text[start: start + 1 + nxt.start()] if nxt else text[start:]


def test_every_activity_shows_its_criteria_support_and_diagram(hanoi: kcrules.Rulebook,
                                                                hanoi_pages: dict[str, str]) -> None:
    d = hanoi.definition
    for lang in ("vi", "en"):
        text = hanoi_pages[f"hanoi-2016-2020.{lang}.md"]
        assert text.count("```mermaid") == len(d.activities)
        for act in d.activities.values():
            section = _section(text, f"activity-{act.id}")
            assert section.count("```mermaid") == 1, act.id
            for cid in act.criteria:
                assert f"`{cid}`" in section, f"{lang}: {act.id} does not show {cid}"
            if act.support.method == "share":
                assert f"#param-{act.support.share}" in section
                for cap in act.support.caps:
                    assert f"#param-{cap}" in section
            if act.target and act.target.count:
                assert act.target.unit[lang] in section


def test_guidance_and_assumption_levels_are_badged(hanoi: kcrules.Rulebook, hanoi_pages: dict[str, str]) -> None:
    values = [v for p in hanoi.definition.params.values() for v in p.values]
    for lang, guidance, assumption in (("en", "⚠ national guidance", "⚠ assumption"),
                                       ("vi", "⚠ hướng dẫn trung ương", "⚠ giả định")):
        table = _section(hanoi_pages[f"hanoi-2016-2020.{lang}.md"], "parameters")
        rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
        assert len(rows) == len(values)
        assert sum(f"| **{guidance}** |" in r for r in rows) == sum(v.provenance == "guidance" for v in values) > 0
        assert sum(f"| **{assumption}** |" in r for r in rows) == sum(v.provenance == "assumption" for v in values) > 0
    machinery = _section(hanoi_pages["hanoi-2016-2020.en.md"], "activity-3.3-machinery")
    assert "₫200,000,000 from 2016-01-01 until before 2018-05-11 **⚠ national guidance**" in machinery
    assert "₫300,000,000 from 2018-05-11 **⚠ assumption**" in machinery


def test_rule_assumptions_are_badged(hanoi: kcrules.Rulebook, hanoi_pages: dict[str, str]) -> None:
    text = hanoi_pages["hanoi-2016-2020.en.md"]
    for c in hanoi.definition.criteria.values():
        if c.assumption:
            assert f"**⚠ assumption**: {c.assumption['en']}" in text, c.id


def test_conditions_in_plain_words(hanoi: kcrules.Rulebook) -> None:
    crit = hanoi.definition.criteria
    words = condition_words(hanoi, crit["3.1-craft-training.class_size"].condition, "en")
    assert words.startswith("Learners per class (`project.learners`) is at most ")
    assert words.endswith("(35 **⚠ assumption**)")  # QĐ 4892 sets no class size: the 35 is a reading
    vi = condition_words(hanoi, crit["3.1-craft-training.class_size"].condition, "vi")
    assert "không quá" in vi and "(35 **⚠ giả định**)" in vi
    words = condition_words(hanoi, crit["priority.sector_labour_intensive"].condition, "en")
    assert "(50 from 2013-02-10 until before 2017-09-29; 50 from 2017-09-29 **⚠ assumption**)" in words
    vi = condition_words(hanoi, crit["priority.sector_labour_intensive"].condition, "vi")
    assert "50 từ 10/02/2013 đến trước 29/09/2017; 50 từ 29/09/2017 **⚠ giả định**" in vi
    words = condition_words(hanoi, crit["beneficiary.area"].condition, "en")
    assert "is one of: “Rural district (huyện)”, “District-level town (thị xã)”, “City of class 2 or 3”" in words


def test_negation_is_written_the_way_the_engines_read_it(hanoi: kcrules.Rulebook) -> None:
    learners = cond.Ref("project.learners", "int", cond.FieldType("int", optional=True))
    kind = cond.Ref("establishment.kind", "code", cond.FieldType("code", ("enterprise",), True, "establishment_kind"))
    expr = cond.Not(cond.And((cond.Cmp("<", learners, cond.Lit(10, "int")),
                              cond.Cmp("in", kind, (cond.Lit("enterprise", "str"),)))))
    words = condition_words(hanoi, expr, "en")
    assert words == ("Learners per class (`project.learners`) is at least 10 or "
                     "Kind of establishment (`establishment.kind`) is none of: “Enterprise”")
    vi = condition_words(hanoi, expr, "vi")
    assert " hoặc " in vi and "từ 10 trở lên" in vi


def test_mermaid_blocks_are_well_formed(hanoi_pages: dict[str, str]) -> None:
    node = re.compile(r'^  [a-z0-9]+(\(\["[^"]*"\]\)|\{"[^"]*"\}|\["[^"]*"\]|\[\["[^"]*"\]\])$')
    edge = re.compile(r"^  [a-z0-9]+ (-->|-\.->)(\|[^|\"]+\|)? [a-z0-9]+$")
    for text in hanoi_pages.values():
        for block in re.findall(r"```mermaid\n(.*?)```", text, re.S):
            lines = block.splitlines()
            assert lines[0] == "flowchart TD"
            for line in lines[1:]:
                assert node.match(line) or edge.match(line), line


def test_the_abstract_rulebook_documents_its_criteria_and_groups() -> None:
    text = generate(kcrules.load_rulebook("national-2012"))["national-2012.en.md"]
    assert "**abstract**" in text
    national = kcrules.load_rulebook("national-2012").definition
    for cid in national.criteria:
        assert f"`{cid}`" in text
    for group in national.groups:
        assert f"`@{group}`" in text
    assert "```mermaid" not in text


# ---------------------------------------------------------------- the command


def test_docs_command_writes_and_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ref"
    assert main(["docs", "national-2012", "--out", str(out), "--check", "--lang", "en"]) == 1
    assert "national-2012.en.md: missing" in capsys.readouterr().err
    assert main(["docs", "national-2012", "--out", str(out), "--check", "--lang", "vi"]) == 1
    err = capsys.readouterr().err
    assert "national-2012.en.md: chưa có" in err and "2 trên 2 trang tham chiếu đã cũ" in err
    assert main(["docs", "national-2012", "--out", str(out), "--lang", "vi"]) == 0
    assert "2 trang tham chiếu trong" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["national-2012.en.md", "national-2012.vi.md"]
    assert main(["docs", "national-2012", "--out", str(out), "--check", "--lang", "en"]) == 0
    assert "2 reference pages match the rule files." in capsys.readouterr().out
    page = out / "national-2012.vi.md"
    page.write_text(page.read_text(encoding="utf-8").replace("Điều 7", "Điều 8", 1), encoding="utf-8")
    assert main(["docs", "national-2012", "--out", str(out), "--check", "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "national-2012.vi.md: differs" in err and "Điều 8" in err
    assert main(["docs", "national-2012", "--out", str(out), "--check", "--lang", "vi"]) == 1
    assert "national-2012.vi.md: khác với các tệp quy tắc" in capsys.readouterr().err


def test_docs_command_reports_an_unknown_rulebook(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "hanoi-2016", "--check", "--lang", "en"]) == 2
    assert "did you mean 'hanoi-2016-2020'" in capsys.readouterr().err.lower()
    assert main(["docs", "hanoi-2016", "--check", "--lang", "vi"]) == 2
    assert "có phải ý bạn là 'hanoi-2016-2020'" in capsys.readouterr().err.lower()
