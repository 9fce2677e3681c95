"""Load-time checks: one broken rule file per kind of error, each naming file, rule and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MINI_RULES, write_rulebook

import kcrules
from kcrules import RuleFileError


def broken(mini: Path, old: str, new: str, file: str = "rules.toml") -> RuleFileError:
    path = mini / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        kcrules.load_rulebook(mini)
    return info.value


def only(err: RuleFileError) -> str:
    assert len(err.problems) == 1, err
    return str(err.problems[0])


def test_the_mini_rulebook_loads_and_evaluates(mini: Path) -> None:
    rb = kcrules.load_rulebook(mini)
    assert rb.id == "mini" and rb.chain == ("national-2012", "mini")
    d = rb.evaluate({"application_date": "2017-01-02", "activity": "training",
                     "applicant": {"kind": "industry_trade_department"},
                     "project": {"approved": True, "counterpart_funding_committed": True,
                                 "other_state_funding": False, "eligible_cost_vnd": 100, "learners": 35}})
    assert d.eligible and d.support.amount_vnd == 50


def test_invalid_toml_names_the_file(mini: Path) -> None:
    msg = only(broken(mini, "unit = \"vnd\"", "unit = vnd"))
    assert "mini/rules.toml" in msg and "not valid TOML" in msg


def test_unknown_key_names_file_rule_key_and_suggests(mini: Path) -> None:
    msg = only(broken(mini, 'unit = "count"', 'unit = "count"\nlabell = "x"'))
    assert "mini/rules.toml" in msg and "[parameters.max_learners.labell]" in msg
    assert "did you mean 'label'" in msg


def test_missing_citation_is_refused(mini: Path) -> None:
    err = broken(mini, 'cite = { source = "prog", section = "II.1" }\ncondition', "condition")
    assert any("[criteria.mini.class_size.cite]" in str(p) and "missing required key" in str(p)
               for p in err.problems)


def test_unknown_source_suggests_the_closest(mini: Path) -> None:
    msg = only(broken(mini, 'cite = { source = "prog", section = "II" }', 'cite = { source = "prgo", section = "II" }'))
    assert "unknown source document" in msg and "did you mean 'prog'" in msg


def test_bad_provenance(mini: Path) -> None:
    msg = only(broken(mini, 'provenance = "program"', 'provenance = "programme"'))
    assert "[parameters.budget.values[0].provenance]" in msg and "did you mean 'program'" in msg


def test_guidance_without_a_note_is_refused(mini: Path) -> None:
    msg = only(broken(mini, 'value = 35\nprovenance = "program"', 'value = 35\nprovenance = "guidance"'))
    assert "note" in msg and "guidance" in msg


def test_overlapping_validity_periods(mini: Path) -> None:
    extra = '[[parameters.max_learners.values]]\nfrom = 2018-01-01\nvalue = 30\nprovenance = "program"\ncite = { source = "prog", section = "II.1" }\n'
    msg = only(broken(mini, "[criteria.", extra + "\n[criteria."))
    assert "overlap" in msg and "max_learners" in msg


def test_until_before_from(mini: Path) -> None:
    msg = only(broken(mini, "from = 2016-01-01\nvalue = 35", "from = 2016-01-01\nuntil = 2015-01-01\nvalue = 35"))
    assert "until must be after from" in msg


def test_unknown_unit(mini: Path) -> None:
    msg = only(broken(mini, 'unit = "count"', 'unit = "counts"'))
    assert "unknown unit" in msg and "did you mean 'count'" in msg


def test_value_of_the_wrong_kind_for_its_unit(mini: Path) -> None:
    msg = only(broken(mini, "value = 35", 'value = "35"'))
    assert "not a valid count value" in msg


def test_condition_syntax_error(mini: Path) -> None:
    msg = only(broken(mini, 'condition = "project.learners <= params.max_learners"',
                      'condition = "project.learners <= (params.max_learners"'))
    assert "[criteria.mini.class_size.condition]" in msg and "expected ')'" in msg


def test_condition_unknown_name_suggests(mini: Path) -> None:
    msg = only(broken(mini, "project.learners <=", "project.learner <="))
    assert "unknown name 'project.learner'" in msg and "did you mean 'project.learners'" in msg


def test_condition_type_error(mini: Path) -> None:
    msg = only(broken(mini, "project.learners <= params.max_learners", "project.learners == 'many'"))
    assert "cannot compare int with str" in msg


def test_condition_unknown_code(mini: Path) -> None:
    msg = only(broken(mini, "project.learners <= params.max_learners", "project.province.region == 'south_eats'"))
    assert "'south_eats' is not a code of project.province.region" in msg and "did you mean 'south_east'" in msg


@pytest.mark.parametrize("hostile", [
    "project.__class__ == 1",
    "open('x') == 1",
    "__import__('os') == 1",
    "project.learners <= 99999999999999999999999",
    "project.learners.real == 1",
    "lambda: 1",
    "project.learners; 1",
    "(" * 60 + "true" + ")" * 60,
])
def test_hostile_condition_text_is_refused_at_load(mini: Path, hostile: str) -> None:
    err = broken(mini, "project.learners <= params.max_learners", hostile.replace('"', "'"))
    assert all("[criteria.mini.class_size.condition]" in str(p) for p in err.problems)


def test_duplicate_id_across_files_of_one_rulebook(mini: Path) -> None:
    write_rulebook(mini, {"more.toml": MINI_RULES.split("[criteria.")[0]})
    with pytest.raises(RuleFileError) as info:
        kcrules.load_rulebook(mini)
    assert any("duplicate parameter id" in str(p) and "budget" in str(p) for p in info.value.problems)


def test_redefining_a_national_rule_needs_overrides(mini: Path) -> None:
    msg = only(broken(mini, "[parameters.max_learners]", "[parameters.machinery_cap]\n# x\n[parameters.max_learners]"
                      if False else "[parameters.machinery_share]\nlabel = { vi = \"a\", en = \"b\" }\nunit = \"percent\"\n"
                      "[[parameters.machinery_share.values]]\nfrom = 2016-01-01\nvalue = \"40%\"\nprovenance = \"program\"\n"
                      "cite = { source = \"prog\", section = \"II\" }\n\n[parameters.max_learners]"))
    assert "without saying so" in msg and 'overrides = "national-2012"' in msg


def test_an_override_is_applied_and_recorded(mini: Path) -> None:
    write_rulebook(mini, {"levels.toml": """
        [parameters.machinery_share]
        overrides = "national-2012"
        label = { vi = "Tỷ lệ", en = "Share" }
        unit = "percent"
        [[parameters.machinery_share.values]]
        from = 2016-01-01
        value = "40%"
        provenance = "program"
        cite = { source = "prog", section = "II" }
        """})
    rb = kcrules.load_rulebook(mini)
    assert rb.definition.overrides["parameter:machinery_share"] == "national-2012"
    d = rb.evaluate({"application_date": "2017-01-02", "activity": "training",
                     "applicant": {"kind": "industry_trade_department"},
                     "project": {"approved": True, "counterpart_funding_committed": True,
                                 "other_state_funding": False, "eligible_cost_vnd": 100, "learners": 3}})
    assert d.support.amount_vnd == 40


def test_overrides_of_nothing_is_refused(mini: Path) -> None:
    msg = only(broken(mini, "[parameters.max_learners]\n", "[parameters.max_learners]\noverrides = \"national-2012\"\n"))
    assert "overrides nothing" in msg


def test_unknown_criterion_in_activity(mini: Path) -> None:
    msg = only(broken(mini, '"mini.class_size"]\nrequires', '"mini.class_sise"]\nrequires'))
    assert "[activities.training.criteria]" in msg and "did you mean 'mini.class_size'" in msg


def test_support_parameter_of_the_wrong_unit(mini: Path) -> None:
    msg = only(broken(mini, 'caps = ["machinery_cap"]', 'caps = ["machinery_share"]'))
    assert "is in percent, not vnd" in msg


def test_extends_an_unknown_rulebook(mini: Path) -> None:
    msg = only(broken(mini, 'extends = "national-2012"', 'extends = "national-2021"', "rulebook.toml"))
    assert "cannot be found" in msg and "did you mean 'national-2012'" in msg


def test_a_label_needs_both_languages(mini: Path) -> None:
    msg = only(broken(mini, 'label = { vi = "Sĩ số lớp", en = "Class size" }', 'label = { vi = "Sĩ số lớp" }'))
    assert "Vietnamese and an English" in msg


def test_every_problem_is_reported_at_once(mini: Path) -> None:
    path = mini / "rules.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('unit = "count"', 'unit = "counts"').replace('provenance = "program"', 'provenance = "law!"', 1)
    text = text.replace("project.learners <=", "project.learner <=")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        kcrules.load_rulebook(mini)
    assert len(info.value.problems) >= 3
    assert "3 problems" in str(info.value) or "4 problems" in str(info.value)


def test_unknown_rulebook_id_suggests(tmp_path: Path) -> None:
    with pytest.raises(kcrules.UnknownRulebookError) as info:
        kcrules.load_rulebook("hanoi-2016-2021")
    assert info.value.suggestion == "hanoi-2016-2020"


def test_the_national_rulebook_is_abstract() -> None:
    rb = kcrules.load_rulebook("national-2012")
    assert rb.activities == ()
    with pytest.raises(kcrules.ApplicationError) as info:
        rb.evaluate({"application_date": "2017-01-01", "activity": "x", "applicant": {"kind": "establishment"},
                     "project": {"approved": True, "counterpart_funding_committed": True,
                                 "other_state_funding": False, "eligible_cost_vnd": 1}})
    assert "abstract" in str(info.value)


def test_bundled_rules_every_value_is_cited(hanoi: kcrules.Rulebook) -> None:
    for p in hanoi.definition.params.values():
        for v in p.values:
            assert v.cite.document and (v.cite.article or v.cite.section), p.id
            assert v.provenance in ("program", "law", "guidance", "assumption")
            if v.provenance in ("guidance", "assumption"):
                assert v.note, p.id


def test_hanoi_levels_are_never_presented_as_hanoi_law(hanoi: kcrules.Rulebook) -> None:
    # Hanoi's own levels (QĐ 27/2015) are not available: a support level in the Hanoi
    # rulebook must be guidance or an assumption, never "law" or "program".
    for act in hanoi.definition.activities.values():
        for pid in [act.support.share, *act.support.caps, act.support.uplift]:
            if pid is None:
                continue
            for v in hanoi.definition.params[pid].values:
                if v.until is None or v.until.year >= 2016:
                    assert v.provenance in ("guidance", "assumption"), (pid, v)


def test_a_broken_plan_table_fails_at_load(mini: Path) -> None:
    write_rulebook(mini, {"plan.toml": '[plan]\npolicy = "skip"\nqueus = []\n'})
    with pytest.raises(RuleFileError) as info:
        kcrules.load_rulebook(mini)
    assert any("mini/plan.toml" in p.where and "[plan" in p.where for p in info.value.problems)
