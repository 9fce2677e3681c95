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


pytestmark = pytest.mark.usefixtures("english_locale")


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
    assert "₫200,000,000" in out and "from 1 January 2016 until 11 May 2018; national guidance, not Hanoi's own; " \
                                     "TTLT 26/2014" in out
    assert "₫300,000,000" in out and "from 11 May 2018; assumption pending confirmation" in out
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
    # The same findings in Vietnamese, where the audit prints them.
    assert any("program_budget" in p.text("vi") and "không có căn cứ" in p.text("vi") for p in problems)
    assert any("machinery_share" in p.text("vi") and "cần ghi chú" in p.text("vi") for p in problems)
    assert audit(rb)[1] == []


def test_schema_is_the_application_json_schema() -> None:
    import kcrules

    result = run_cli("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema == kcrules.load_rulebook().application_schema(lang="en")  # the locale of these tests
    assert "establishment" in schema["properties"]


def test_rules_without_action_is_a_usage_error() -> None:
    result = run_cli("rules")
    assert result.returncode == 2 and "list" in result.stderr


def test_rules_show_takes_the_start_of_one_activity_id() -> None:
    # The README shows `kcrules rules show 3.3`: the start of one id names that activity.
    short, full = run_cli("rules", "show", "3.3"), run_cli("rules", "show", "3.3-machinery")
    assert short.returncode == 0 and short.stdout == full.stdout
    # ... and of several, lists them all instead of choosing one.
    result = run_cli("rules", "show", "3.4", "--lang", "en")
    assert result.returncode == 2 and result.stdout == ""
    for act in ("3.4-hanoi-fair", "3.4-overseas-fair", "3.4-domestic-fair", "3.4-district-fair"):
        assert act in result.stderr
    assert "'3.4' is the start of 4 activities of rulebook hanoi-2016-2020" in result.stderr
    result = run_cli("rules", "show", "3.4", "--lang", "vi")
    assert "kcrules: lỗi: '3.4' là phần đầu mã của 4 nội dung hỗ trợ của bộ quy tắc hanoi-2016-2020" in result.stderr
    assert "3.4-district-fair. Hãy chọn một trong số đó." in result.stderr


def test_version_names_the_package_the_rulebooks_and_python() -> None:
    import platform

    import kcrules

    for flag in ("--version", "-V"):
        result = run_cli(flag)
        assert result.returncode == 0 and result.stderr == ""
        lines = result.stdout.splitlines()
        assert lines[0] == f"kcrules {kcrules.__version__}"
        for rb_id in ("hanoi-2016-2020", "national-2012"):
            assert f"{rb_id} {kcrules.load_rulebook(rb_id).version}" in lines[1]
        assert f"Python {platform.python_version()}" in lines[1]


def _code_fields(schema: dict[str, object]) -> dict[str, dict[str, object]]:
    """Each code field's property in the schema, by its dotted path."""
    from kcrules.rulefiles.fields import CODE_FIELDS

    out = {}
    for path in CODE_FIELDS:
        head, _, leaf = path.rpartition(".")
        holder = schema if not head else schema["$defs"][head.capitalize()]  # type: ignore[index]
        out[path] = holder["properties"][leaf]  # type: ignore[index]
    return out


def test_schema_lists_every_code_with_its_name_in_the_chosen_language() -> None:
    import kcrules
    from kcrules.rulefiles.codes import code_choices
    from kcrules.rulefiles.fields import CODE_FIELDS

    rb = kcrules.load_rulebook()
    for lang in ("vi", "en"):
        result = run_cli("schema", "--lang", lang)
        assert result.returncode == 0
        schema = json.loads(result.stdout)
        assert schema == rb.application_schema(lang)
        for path, prop in _code_fields(schema).items():
            listed = [(o["const"], o["title"]) for o in prop["oneOf"] if o["const"] is not None]  # type: ignore
            assert listed == code_choices(rb.definition, CODE_FIELDS[path], lang), path
            assert len(listed) > 1, path
    # the names follow the language; the ids do not
    vi, en = _code_fields(rb.application_schema("vi")), _code_fields(rb.application_schema("en"))
    assert {"const": "handicraft", "title": "Sản xuất hàng tiểu thủ công nghiệp"} in vi["establishment.sector"]["oneOf"]
    assert {"const": "handicraft", "title": "Small industry and handicrafts"} in en["establishment.sector"]["oneOf"]
    # a required code field never allows null; an optional one does
    assert all(o["const"] is not None for o in vi["establishment.district"]["oneOf"])
    assert {"const": None, "title": "—"} in vi["establishment.product_line"]["oneOf"]


def test_schema_is_valid_json_schema_and_refuses_unknown_codes() -> None:
    jsonschema = __import__("pytest").importorskip("jsonschema")
    import kcrules

    rb = kcrules.load_rulebook()
    schema = rb.application_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    # every example, as the library reads it (names become codes), is valid
    for path in sorted((ROOT / "examples").glob("*.json")):
        app = rb.parse_application(json.loads(path.read_text(encoding="utf-8")))
        errors = list(validator.iter_errors(app.model_dump(mode="json")))
        assert errors == [], (path.name, [e.message for e in errors])
    app = rb.parse_application(json.loads((ROOT / "examples" / "machinery-gia-lam.json").read_text(encoding="utf-8")))
    good = app.model_dump(mode="json")
    for where, bad in (("activity", "3.9-unknown"), ("establishment.district", "atlantis"),
                       ("establishment.sector", "handcraft"), ("establishment.kind", "partnership")):
        data = json.loads(json.dumps(good))
        head, _, leaf = where.rpartition(".")
        (data[head] if head else data)[leaf] = bad
        # the one error is at the field (under `establishment`'s anyOf object-or-null, in its context)
        errors = list(validator.iter_errors(data))
        assert len(errors) == 1, where
        paths = {".".join(map(str, e.absolute_path)) for e in [errors[0], *errors[0].context]}
        assert where in paths and paths <= {where, head}, where
        with __import__("pytest").raises(kcrules.ApplicationError):  # the library refuses it too
            rb.parse_application(data)
