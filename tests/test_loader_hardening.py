"""Rule files that try to reach outside them, and problems that must say exactly what and where.

Explanation templates are checked at load like conditions; the rulebook id is a
safe slug and ``kcrules docs`` writes only inside its folder; every problem names
the line of the key at fault; the condition language says what it really refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import write_rulebook
from test_loader import broken, only

import kcrules
from kcrules import RuleFileError
from kcrules.cli import main
from kcrules.rulefiles import conditions as cond

CONDITION = 'condition = "project.learners <= params.max_learners"'
APP = {"application_date": "2017-01-02", "activity": "training", "applicant": {"kind": "industry_trade_department"},
       "project": {"approved": True, "counterpart_funding_committed": True, "other_state_funding": False,
                   "eligible_cost_vnd": 100, "learners": 36}}


def line_of(folder: Path, needle: str, file: str = "rules.toml") -> int:
    """The 1-based line of the first line of a rule file that contains ``needle``."""
    lines = (folder / file).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def with_explain(mini: Path, vi: str, en: str = "{project.learners} learners") -> RuleFileError:
    explain = f'explain = {{ vi = "{vi}", en = "{en}" }}'
    return broken(mini, CONDITION, CONDITION + "\n" + explain)


# ---------------------------------------------------------------- explanation templates (issue 12, item 3)


def test_an_unknown_parameter_in_a_template_is_a_load_error_with_line_and_suggestion(mini: Path) -> None:
    err = with_explain(mini, "{project.learners} học viên, tối đa {params.max_learner}")
    msg = only(err)
    line = line_of(mini, "explain = ")
    assert f"mini/rules.toml:{line} [criteria.mini.class_size.explain.vi]" in msg
    assert "unknown name 'params.max_learner'" in msg and "did you mean 'params.max_learners'" in msg


def test_params_nope_in_a_template_is_refused(mini: Path) -> None:
    msg = only(with_explain(mini, "{params.nope}"))
    assert "[criteria.mini.class_size.explain.vi]" in msg and "unknown name 'params.nope'" in msg


def test_attribute_access_in_a_template_is_refused(mini: Path) -> None:
    msg = only(with_explain(mini, "{establishment.__class__.__mro__}"))
    assert "[criteria.mini.class_size.explain.vi]" in msg
    assert "names may not start with '_' or contain '__'" in msg


@pytest.mark.parametrize(("template", "message"), [
    ("{project.learners:>10}", "a placeholder holds a name only"),
    ("{project.learners!r}", "a placeholder holds a name only"),
    ("{project.learners[0]}", "a placeholder holds a name only"),
    ("{}", "a placeholder holds a name only"),
    ("{ project.learners }", "a placeholder holds a name only"),
    ("{project.learners", "'{' is not closed"),
    ("learners}", "'}' closes no placeholder"),
    ("{{project.learners}}", "a placeholder holds a name only"),
    ("{project.province.nope}", "unknown name 'project.province.nope'"),
    ("{params.machinery_uplift}", "unknown name 'params.machinery_uplift'"),
])
def test_anything_but_a_known_name_in_braces_is_refused(mini: Path, template: str, message: str) -> None:
    msg = only(with_explain(mini, "ok", template))
    assert "[criteria.mini.class_size.explain.en]" in msg and message in msg


def test_a_template_must_be_text(mini: Path) -> None:
    msg = only(broken(mini, CONDITION, CONDITION + '\nexplain = { vi = 5, en = "x" }'))
    assert "[criteria.mini.class_size.explain.vi]" in msg and "text" in msg


def test_a_good_template_is_filled_with_written_values(mini: Path) -> None:
    path = mini / "rules.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        CONDITION, CONDITION + '\nexplain = { vi = "{project.learners} học viên, tối đa {params.max_learners}", '
                               'en = "{project.learners} learners of at most {params.max_learners}" }'),
        encoding="utf-8")
    rb = kcrules.load_rulebook(mini)
    reason = next(r for r in rb.evaluate(APP, lang="en").reasons if r.criterion == "mini.class_size")
    assert reason.outcome == "not_met" and "36 learners of at most 35" in reason.text


def test_a_parameter_name_inside_a_text_literal_is_not_rendered(mini: Path) -> None:
    # The "required" sentence replaces the parameters a condition reads by their values;
    # a text that merely looks like a parameter name is left as written.
    rb = kcrules.load_rulebook(broken_ok(mini, CONDITION, 'condition = "project.learners <= params.max_learners '
                                                          'and applicant.name != \'params.zzz\'"'))
    reason = next(r for r in rb.evaluate(APP, lang="en").reasons if r.criterion == "mini.class_size")
    assert "params.zzz" in reason.required and "35" in reason.required


def broken_ok(mini: Path, old: str, new: str) -> Path:
    path = mini / "rules.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return mini


# ---------------------------------------------------------------- ids and paths (item 4)


@pytest.mark.parametrize("bad", ["../../escaped", "/tmp/escaped", "a/b", "..", "Mini", "a b", "x" * 65, ""])
def test_the_rulebook_id_is_a_safe_slug(mini: Path, bad: str) -> None:
    msg = only(broken(mini, 'id = "mini"', f"id = {bad!r}".replace("'", '"'), "rulebook.toml"))
    line = line_of(mini, "id = ", "rulebook.toml")
    assert f"mini/rulebook.toml:{line} [rulebook.id]" in msg and "lower-case letters" in msg


@pytest.mark.parametrize("bad", ["../national-2012", "/etc", "national-2012/../national-2012", "a\\b"])
def test_extends_is_a_rulebook_id_not_a_path(mini: Path, bad: str) -> None:
    msg = only(broken(mini, 'extends = "national-2012"', f"extends = '{bad}'", "rulebook.toml"))
    assert "[rulebook.extends]" in msg and "must be a rulebook id" in msg


def test_docs_refuses_an_id_that_would_write_outside_its_folder(mini: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (mini / "rulebook.toml").write_text((mini / "rulebook.toml").read_text(encoding="utf-8").replace(
        'id = "mini"', 'id = "../../escaped"'), encoding="utf-8")
    out = tmp_path / "a" / "b" / "out"
    assert main(["docs", str(mini), "--out", str(out)]) == 2
    assert "[rulebook.id]" in capsys.readouterr().err
    assert not list(tmp_path.rglob("escaped*"))


def test_docs_writes_nothing_outside_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from kcrules.cli import docs

    monkeypatch.setattr(docs, "pages", lambda rulebook=None: {"ok.md": "fine\n", "../escaped.md": "no\n"})
    out = tmp_path / "out"
    assert main(["docs", "--out", str(out), "--lang", "en"]) == 2
    assert "would be written outside" in capsys.readouterr().err
    assert main(["docs", "--out", str(out), "--lang", "vi"]) == 2
    assert "sẽ bị ghi ra ngoài" in capsys.readouterr().err
    assert not (tmp_path / "escaped.md").exists() and not out.exists()


# ---------------------------------------------------------------- lines (item 6)


def test_a_condition_problem_names_the_line_of_the_condition(mini: Path) -> None:
    msg = only(broken(mini, "project.learners <=", "project.learner <="))
    assert f"mini/rules.toml:{line_of(mini, 'project.learner <=')} [criteria.mini.class_size.condition]" in msg


def test_a_parameter_value_problem_names_its_line(mini: Path) -> None:
    msg = only(broken(mini, 'provenance = "program"', 'provenance = "programme"'))
    assert f"mini/rules.toml:{line_of(mini, 'programme')} [parameters.budget.values[0].provenance]" in msg


def test_the_second_dated_value_is_found_by_its_own_header(mini: Path) -> None:
    extra = ('[[parameters.max_learners.values]]\nfrom = 2018-01-01\nvalue = "x"\nprovenance = "program"\n'
             'cite = { source = "prog", section = "II.1" }\n')
    msg = only(broken(mini, "\n[criteria.", "\n" + extra + "\n[criteria."))
    line = line_of(mini, 'value = "x"')
    assert f"rules.toml:{line} [parameters.max_learners.values[1].value]" in msg


def test_a_missing_key_names_the_line_of_its_table(mini: Path) -> None:
    err = broken(mini, 'cite = { source = "prog", section = "II.1" }\ncondition', "condition")
    line = line_of(mini, '[criteria."mini.class_size"]')
    assert any(f"rules.toml:{line} [criteria.mini.class_size.cite]" in str(p) for p in err.problems)


def test_a_problem_in_a_multi_line_array_names_the_line_of_its_key(mini: Path) -> None:
    msg = only(broken(mini, 'requires = ["project.learners"]',
                      'requires = [\n  "project.learners",\n  "project.learner",\n]'))
    assert f"rules.toml:{line_of(mini, 'requires = [')} [activities.training.requires]" in msg


def test_an_unknown_group_member_names_its_file_and_line(mini: Path) -> None:
    write_rulebook(mini, {"groups.toml": '[groups.mine]\ncriteria = ["mini.class_sise"]\n'})
    with pytest.raises(RuleFileError) as info:
        kcrules.load_rulebook(mini)
    assert "mini/groups.toml:2 [groups.mine.criteria]" in only(info.value)


def test_a_program_budget_problem_names_its_line(mini: Path) -> None:
    msg = only(broken(mini, 'budget = "budget"', 'budget = "budgett"', "rulebook.toml"))
    assert f"mini/rulebook.toml:{line_of(mini, 'budgett', 'rulebook.toml')} [program.budget]" in msg


# ---------------------------------------------------------------- what was really refused (item 7)


def _parse(text: str, kind: str = "condition") -> cond.Expr:
    types = {"a": cond.FieldType("int"), "f": cond.FieldType("bool"), "project.eligible_cost_vnd": cond.FieldType("int")}
    return cond.parse(text, types.get, kind)


def test_the_nesting_limit_is_the_one_it_states() -> None:
    depth = cond.MAX_DEPTH
    _parse("(" * depth + "a > 1" + ")" * depth)
    with pytest.raises(cond.ConditionSyntaxError, match=f"deeper than {depth} levels"):
        _parse("(" * (depth + 1) + "a > 1" + ")" * (depth + 1))
    _parse("not " * depth + "f")
    with pytest.raises(cond.ConditionSyntaxError, match=f"deeper than {depth} levels"):
        _parse("not " * (depth + 1) + "f")


@pytest.mark.parametrize("text", ["-" * 1500 + "1 > a", "a > " + "- " * 900 + "1",
                                  "min(" * 300 + "a" + ", 1)" * 300 + " > 1"])
def test_deep_nesting_of_any_kind_is_a_clear_error(text: str) -> None:
    with pytest.raises(cond.ConditionSyntaxError):
        _parse(text[:cond.MAX_TEXT], "condition")
    with pytest.raises(cond.ConditionSyntaxError, match=f"deeper than {cond.MAX_DEPTH} levels"):
        _parse(text[:cond.MAX_TEXT], "value")


def test_a_cyrillic_letter_is_named_and_its_latin_twin_suggested() -> None:
    with pytest.raises(cond.ConditionSyntaxError) as info:
        _parse("project.\u0435ligible_cost_vnd > 1")
    assert info.value.message == ("unexpected character 'е' (U+0435 CYRILLIC SMALL LETTER IE) — "
                                  "did you mean the Latin 'e'?")
    assert info.value.position == 8


def test_a_look_alike_letter_in_a_rule_file_is_named(mini: Path) -> None:
    msg = only(broken(mini, "project.learners <=", "project.l\u0435arners <="))
    assert "U+0435 CYRILLIC SMALL LETTER IE" in msg and "Latin 'e'" in msg


@pytest.mark.parametrize(("text", "named"), [
    ("a > \u0661\u0662", "U+0661 ARABIC-INDIC DIGIT ONE"),
    ("a\u00a0> 1", "U+00A0 NO-BREAK SPACE"),
    ("a > 1\u200b", "U+200B ZERO WIDTH SPACE"),
    ("a ＞ 1", "U+FF1E FULLWIDTH GREATER-THAN SIGN"),
])
def test_other_characters_outside_the_language_are_named(text: str, named: str) -> None:
    with pytest.raises(cond.ConditionSyntaxError, match=re.escape(named)):
        _parse(text)


def test_a_toml_file_nested_five_thousand_deep_is_a_rule_file_error(mini: Path) -> None:
    write_rulebook(mini, {"deep.toml": "x = " + "[" * 5000 + "]" * 5000 + "\n"})
    with pytest.raises(RuleFileError) as info:
        kcrules.load_rulebook(mini)
    msg = only(info.value)
    assert msg.startswith("mini/deep.toml:1") and "nested" in msg


def test_deep_inline_tables_are_a_rule_file_error_too(mini: Path) -> None:
    write_rulebook(mini, {"deep.toml": "\n\nx = " + "{ a = " * 3000 + "1" + " }" * 3000 + "\n"})
    with pytest.raises(RuleFileError) as info:
        kcrules.load_rulebook(mini)
    assert only(info.value).startswith("mini/deep.toml:3") and "nested" in str(info.value)


def test_the_audit_command_reports_a_deep_file_without_an_internal_error(mini: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    write_rulebook(mini, {"deep.toml": "x = " + "[" * 5000 + "]" * 5000 + "\n"})
    assert main(["rules", "audit", "--rulebook", str(mini)]) != 0
    err = capsys.readouterr().err
    assert "internal error" not in err and "deep.toml" in err
