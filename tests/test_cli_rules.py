"""`kcrules rules list|show|audit` and `kcrules schema`, run as subprocesses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from plain_words import internals_in

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "kcrules.cli", *args], capture_output=True, text=True,
                            timeout=60, cwd=ROOT, encoding="utf-8")
    assert "Traceback" not in result.stderr
    result.stdout = result.stdout.replace("\u00a0", " ").replace("\u202f", " ")
    return result


def test_rules_list_names_rulebooks_and_activities() -> None:
    import kcrules

    result = run_cli("rules", "list", "--format", "json")
    assert result.returncode == 0
    books = {b["id"]: b for b in json.loads(result.stdout)}
    assert set(books) == {"hanoi-2016-2020", "national-2012"}
    assert [a["id"] for a in books["hanoi-2016-2020"]["activities"]] == list(kcrules.load_rulebook().activities)
    text = run_cli("rules", "list").stdout
    assert "3.3-machinery" in text and "QĐ 4892/QĐ-UBND §II.3.3" in text


def test_rules_show_gives_levels_with_validity_citation_and_provenance() -> None:
    result = run_cli("rules", "show", "3.3-machinery", "--lang", "en")
    assert result.returncode == 0
    out = result.stdout
    assert "Who may apply: The establishment itself" in out
    assert "  - The machinery is new\n      The machinery is new: yes\n" in out
    # the ceiling's two periods, each with provenance and citation
    assert "₫200,000,000" in out and "from 2016-01-01 until 2018-05-11; national guidance, not Hanoi's own; " \
                                     "TTLT 26/2014" in out
    assert "₫300,000,000" in out and "from 2018-05-11; assumption pending confirmation" in out
    data = json.loads(run_cli("rules", "show", "3.3-machinery", "--format", "json").stdout)
    cap = next(p for p in data["support"]["parameters"] if p["id"] == "machinery_cap")
    assert [v["provenance"] for v in cap["values"]] == ["guidance", "assumption"]
    assert data["target"]["count"] == 50


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_rules_show_writes_conditions_in_words_and_codes_only_when_verbose(lang: str) -> None:
    plain = run_cli("rules", "show", "3.3-machinery", "--lang", lang).stdout
    found = internals_in(plain, ["machinery_cap", "machinery_share", "priority_uplift"])
    assert not found, found
    # A parameter is named by its label with its levels; a code by its name.
    words = "Loại đơn vị đề nghị là một trong: “Cơ sở công nghiệp nông thôn tự thực hiện”" if lang == "vi" \
        else "Kind of applicant is one of: “The establishment itself”"
    assert words in plain
    verbose = run_cli("rules", "show", "3.3-machinery", "--lang", lang, "--verbose").stdout
    assert "[activity.machinery_new]" in verbose and "project.machinery_new == true" in verbose
    assert "(machinery_cap, vnd)" in verbose


def test_rules_show_accepts_a_name_and_suggests_on_typos() -> None:
    assert run_cli("rules", "show", "Truyen nghe, nhan cay nghe").returncode == 0
    result = run_cli("rules", "show", "machinry")
    assert result.returncode == 2
    assert "Did you mean '3.3-machinery'?" in result.stderr


def test_audit_passes_on_the_bundled_rulebooks_and_counts_by_provenance() -> None:
    assert run_cli("rules", "audit", "--help").returncode == 0
    result = run_cli("rules", "audit")
    assert result.returncode == 0, result.stderr
    assert "values by provenance: program" in result.stdout
    data = json.loads(run_cli("rules", "audit", "--format", "json").stdout)
    assert data["ok"] is True and data["problems"] == []
    assert sum(data["counts"].values()) == len(data["values"])
    assert data["counts"]["guidance"] > 0 and data["counts"]["assumption"] > 0
    for row in data["values"]:
        assert row["citation"], row
        if row["provenance"] in ("guidance", "assumption") and row["kind"] == "parameter":
            assert row["note"], row


def test_audit_fails_when_a_value_lacks_a_citation(tmp_path: Path) -> None:
    # A rulebook whose citation names a document but no article or section: the loader refuses it,
    # and the audit reports that as a finding (exit 1).
    book = tmp_path / "broken"
    shutil.copytree(ROOT / "rules" / "hanoi-2016-2020", book, ignore=shutil.ignore_patterns("tests"))
    text = (book / "parameters.toml").read_text(encoding="utf-8")
    text = text.replace('cite = { source = "qd4892", section = "II.4" }', 'cite = { source = "qd4892" }', 1)
    (book / "parameters.toml").write_text(text, encoding="utf-8")
    result = run_cli("rules", "audit", "--rulebook", str(book))
    assert result.returncode == 1
    assert "program_budget" in result.stderr and "citation" in result.stderr


def test_audit_function_flags_uncited_values() -> None:
    # The audit itself, on a definition with a value stripped of its citation (the loader would refuse
    # such a file, so the definition is altered in memory).
    import dataclasses

    import kcrules
    from kcrules.cli.rules import audit

    rb = kcrules.load_rulebook()
    d = rb.definition
    param = d.params["program_budget"]
    bare = dataclasses.replace(param.values[0], cite=dataclasses.replace(param.values[0].cite, section=None),
                               note=None)
    guided = d.params["machinery_share"]
    unnoted = dataclasses.replace(guided.values[0], note=None)
    d.params["program_budget"] = dataclasses.replace(param, values=(bare,))
    d.params["machinery_share"] = dataclasses.replace(guided, values=(unnoted,))
    try:
        _, problems = audit(rb)
    finally:
        d.params["program_budget"] = param
        d.params["machinery_share"] = guided
    assert any("program_budget" in p and "no citation" in p for p in problems)
    assert any("machinery_share" in p and "needs a note" in p for p in problems)
    assert audit(rb)[1] == []


def test_schema_is_the_application_json_schema() -> None:
    import kcrules

    result = run_cli("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema == kcrules.load_rulebook().application_schema()
    assert "establishment" in schema["properties"]


def test_rules_without_action_is_a_usage_error() -> None:
    result = run_cli("rules")
    assert result.returncode == 2 and "list" in result.stderr
