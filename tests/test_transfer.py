"""Activity 3.3: a technology transfer, machinery, or both (TT 46/2012 Điều 4 khoản 3 and 4), and the
``requires`` entries with a condition (``{ field, when }``) that make its facts depend on the project."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import machinery_app
from test_cli_check import run_cli
from test_loader import broken, only

import kcrules
from kcrules.questions import Plan
from kcrules.rulefiles.loader import Requirement
from kcrules.testing import generate

ROOT = Path(__file__).resolve().parent.parent
HANOI = kcrules.load_rulebook(engine="native")
MACHINERY_FACTS = ("project.machinery_new", "project.machinery_improves", "project.machinery_one_kind")
TRANSFER_FACTS = ("project.technology_on_encouraged_list", "project.technology_transfer_lawful")


def transfer_only(**changes: object) -> dict[str, Any]:
    """An eligible project that transfers a technology and applies no machinery."""
    return machinery_app(**{**{p: None for p in MACHINERY_FACTS}, "project.machinery": False,
                            "project.technology_transfer": True, "project.technology_on_encouraged_list": True,
                            "project.technology_transfer_lawful": True, **changes})


def wheres(app: dict[str, Any]) -> list[str]:
    with pytest.raises(kcrules.ApplicationError) as info:
        HANOI.parse_application(app)
    return [p.where for p in info.value.problems]


# ---------------------------------------------------------------- the decisions


@pytest.mark.parametrize("engine", ["native", "durable"])
def test_a_transfer_only_project_is_held_to_the_transfer_conditions_only(engine: str) -> None:
    rb = kcrules.load_rulebook(engine=engine)
    d = rb.evaluate(transfer_only(**{"project.eligible_cost_vnd": 500_000_000}), lang="en")
    assert d.eligible and d.support.amount_vnd == 200_000_000 and d.support.bound == "machinery_cap"
    outcome = {r.criterion: r.outcome for r in d.reasons}
    assert {c: outcome[c] for c in ("activity.machinery_one_kind", "activity.machinery_new",
                                    "activity.machinery_improves")} == dict.fromkeys(
        ("activity.machinery_one_kind", "activity.machinery_new", "activity.machinery_improves"), "not_applicable")
    assert outcome["activity.technology_encouraged"] == outcome["activity.technology_transfer_lawful"] == "met"
    # The reading of TT 46/2012 Điều 4.3.a is warned about, quoting the sentence.
    warning = next(w for w in d.warnings if w.parameter == "activity.technology_encouraged")
    assert "thuộc danh mục công nghệ khuyến khích chuyển giao" in warning.note and "reading of this rulebook" in warning.note


def test_a_project_of_neither_kind_is_refused_with_its_citation() -> None:
    app = machinery_app(**{p: None for p in MACHINERY_FACTS}, **{"project.machinery": False,
                                                                  "project.technology_transfer": False})
    for lang, words in (("vi", "Đề án chuyển giao công nghệ hoặc ứng dụng máy móc thiết bị tiên tiến"),
                        ("en", "The project transfers a technology or applies advanced machinery")):
        d = HANOI.evaluate(app, lang=lang)
        failed = [r for r in d.reasons if r.outcome == "not_met" and r.kind == "eligibility"]
        assert [r.criterion for r in failed] == ["activity.transfer_or_machinery"]
        assert failed[0].text.startswith(words), failed[0].text
        assert "46/2012" in failed[0].citation.text and "45/2012" in failed[0].citation.text
    # Not saying whether it transfers a technology is not transferring one: still refused.
    d = HANOI.evaluate(machinery_app(**{p: None for p in MACHINERY_FACTS}, **{"project.machinery": False}))
    assert [r.criterion for r in d.reasons if r.outcome == "not_met" and r.kind == "eligibility"] == ["activity.transfer_or_machinery"]


def test_an_application_that_does_not_say_is_decided_as_before() -> None:
    old = machinery_app(**{"project.machinery_new": False})
    said = machinery_app(**{"project.machinery_new": False, "project.machinery": True})
    a, b = HANOI.evaluate(old), HANOI.evaluate(said)
    assert not a.eligible and [r.criterion for r in a.reasons if r.outcome == "not_met" and r.kind == "eligibility"] == ["activity.machinery_new"]
    assert (a.eligible, a.support, [(r.criterion, r.outcome) for r in a.reasons]) == \
        (b.eligible, b.support, [(r.criterion, r.outcome) for r in b.reasons])
    assert {r.criterion: r.outcome for r in a.reasons}["activity.transfer_or_machinery"] == "not_applicable"


# ---------------------------------------------------------------- what an application must give


def test_the_facts_required_follow_what_the_project_is() -> None:
    HANOI.parse_application(transfer_only())  # no machinery facts needed
    assert wheres(transfer_only(**{"project.machinery": True})) == list(MACHINERY_FACTS)
    assert wheres(transfer_only(**dict.fromkeys(TRANSFER_FACTS))) == list(TRANSFER_FACTS)
    # Not saying whether it applies machinery: the machinery facts, as before, and no transfer fact.
    old = transfer_only(**{"project.machinery": None})
    assert wheres(old) == list(MACHINERY_FACTS)
    HANOI.parse_application(machinery_app(**{"project.technology_transfer": True}))


def test_a_missing_fact_is_reported_beside_a_wrong_value_elsewhere() -> None:
    # The application does not validate (employees is text): the facts it must give are read from the raw data.
    app = transfer_only(**{"project.technology_on_encouraged_list": None, "establishment.employees": "many"})
    assert set(wheres(app)) == {"establishment.employees", "project.technology_on_encouraged_list"}
    # A wrong-typed value of the fact a condition reads counts as not given: machinery facts are asked.
    app = transfer_only(**{"project.machinery": "no"})
    assert set(wheres(app)) == {"project.machinery", *MACHINERY_FACTS}


def test_a_requirement_holds_as_the_condition_language_reads_it() -> None:
    req = next(r for r in HANOI.definition.activities["3.3-machinery"].requirements
               if r.field == "project.technology_transfer_lawful")
    values = {"project.machinery": False, "project.technology_transfer": True}
    assert req.holds(values.get)
    assert not req.holds({**values, "project.technology_transfer": None}.get)
    assert not req.holds({**values, "project.machinery": None}.get)  # an older application
    assert Requirement("project.learners").holds(lambda path: None)  # no condition: always


def test_requires_keeps_every_field_an_application_may_have_to_give() -> None:
    act = HANOI.definition.activities["3.3-machinery"]
    assert act.requires == MACHINERY_FACTS + TRANSFER_FACTS
    assert act.always_required == ()
    assert [r.when_text for r in act.requirements][:1] == ["project.machinery is not set or project.machinery == true"]


# ---------------------------------------------------------------- load errors


@pytest.mark.parametrize(("entry", "message"), [
    ('{ field = "project.learners", when = "project.machinery ==" }', "project.machinery =="),
    ('{ field = "project.learners", when = "project.learners <= params.max_learners" }',
     "reads only the application's project and establishment fields, not params.max_learners"),
    ('{ field = "project.learners", when = "applicant.kind == \'association\'" }', "not applicant.kind"),
    ('{ field = "project.learners", when = "project.learners" }', "project.learners"),
    ('{ field = "project.learner", when = "project.machinery == true" }', "did you mean 'project.learners'"),
    ('{ field = "project.learners" }', "missing required key"),
    ('{ field = "project.learners", when = "project.machinery == true", if = "x" }', "unknown key"),
    ("3", "not a field name or { field, when }"),
])
def test_a_bad_requirement_is_a_load_error_naming_its_line(mini: Path, entry: str, message: str) -> None:
    msg = only(broken(mini, 'requires = ["project.learners"]', f"requires = [{entry}]"))
    assert "[activities.training.requires" in msg and message in msg, msg


def test_a_good_conditional_requirement_loads_and_is_checked(mini: Path) -> None:
    rules = mini / "rules.toml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        'requires = ["project.learners"]',
        'requires = [{ field = "project.learners", when = "project.classes is set and project.classes > 1" }]'),
        encoding="utf-8")
    rb = kcrules.load_rulebook(mini)
    app = {"application_date": "2017-01-02", "activity": "training", "applicant": {"kind": "industry_trade_department"},
           "project": {"approved": True, "counterpart_funding_committed": True, "other_state_funding": False,
                       "eligible_cost_vnd": 100, "classes": 1}}
    rb.parse_application(app)
    app["project"]["classes"] = 2
    with pytest.raises(kcrules.ApplicationError) as info:
        rb.parse_application(app)
    assert [p.where for p in info.value.problems] == ["project.learners"]


# ---------------------------------------------------------------- questions, form, reference


def test_the_interview_asks_machinery_facts_only_of_a_machinery_project() -> None:
    plan = Plan(HANOI, "3.3-machinery")
    assert plan.order.index("project.machinery") < plan.order.index("project.machinery_new")  # asked first
    for path in MACHINERY_FACTS:
        assert plan.needed(path, {})  # not answered yet: it may be needed
        assert plan.needed(path, {"project.machinery": None})  # not known: held to khoản 4, as before
        assert plan.required(path, {"project.machinery": None})
        assert not plan.needed(path, {"project.machinery": False})
        assert plan.required(path, {"project.machinery": True})
    for path in TRANSFER_FACTS:
        assert not plan.needed(path, {"project.machinery": True, "project.technology_transfer": False})
        assert plan.required(path, {"project.machinery": False, "project.technology_transfer": True})
        assert not plan.required(path, {"project.machinery": None, "project.technology_transfer": True})


def test_the_web_form_says_when_a_fact_is_required() -> None:
    pytest.importorskip("fastapi")
    from kcrules.web.pages import questions

    for lang, words in (("vi", "không khai Đề án có ứng dụng máy móc thiết bị"),
                        ("en", "The project applies machinery or equipment is not given")):
        q = {q.path: q for q in questions(HANOI, "3.3-machinery", lang)}
        assert not q["project.machinery_new"].required and words in q["project.machinery_new"].required_when
        assert q["project.eligible_cost_vnd"].required and not q["project.eligible_cost_vnd"].required_when


def test_the_reference_and_rules_show_list_a_fact_under_its_condition() -> None:
    from kcrules.report.activity import describe_activity

    info = describe_activity(HANOI, "3.3-machinery", "en")
    assert info["requires"] == []
    assert [r["field"] for r in info["requires_when"]] == list(MACHINERY_FACTS + TRANSFER_FACTS)
    reference = (ROOT / "docs" / "reference" / "hanoi-2016-2020.en.md").read_text(encoding="utf-8")
    assert "Facts the application must give when" in reference
    vi = (ROOT / "docs" / "reference" / "hanoi-2016-2020.vi.md").read_text(encoding="utf-8")
    assert "Dữ liệu bắt buộc phải khai khi" in vi


# ---------------------------------------------------------------- the columnar path


def test_the_columnar_path_decides_every_kind_of_project_as_the_row_path() -> None:
    pytest.importorskip("pyarrow")
    from test_columnar import assert_same

    apps = [
        transfer_only(),
        transfer_only(**{"project.technology_on_encouraged_list": False}),
        transfer_only(**{"project.technology_transfer": False}),  # neither
        transfer_only(**{"project.technology_transfer": None}),  # neither, not saying
        transfer_only(**{"project.technology_transfer_lawful": None}),  # a missing transfer fact: an error
        transfer_only(**{"project.machinery": True}),  # a missing machinery fact: an error
        transfer_only(**{"project.machinery": None}),  # not saying: the machinery facts are missing
        machinery_app(),
        machinery_app(**{"project.machinery": True, "project.technology_transfer": True,
                         "project.technology_on_encouraged_list": False, "project.technology_transfer_lawful": True}),
        machinery_app(**{"project.technology_transfer": True}),  # an older application: decided, refused
    ]
    for i, app in enumerate(apps):
        app["id"] = f"t-{i}"
    assert_same(HANOI, apps)
    # And generated applications of 3.3, which now say (or not) whether they apply machinery.
    generated = generate(HANOI, 300, seed=33, activity="3.3-machinery")
    assert {a["project"].get("machinery") for a in generated} == {None, True, False}
    assert_same(HANOI, generated)


# ---------------------------------------------------------------- at the terminal


@pytest.mark.parametrize(("lang", "words"), [
    ("vi", "Công nghệ chuyển giao thuộc danh mục công nghệ khuyến khích chuyển giao"),
    ("en", "The technology transferred is on the list of technologies encouraged for transfer"),
])
def test_check_a_transfer_only_application(tmp_path: Path, lang: str, words: str) -> None:
    path = tmp_path / "transfer.json"
    path.write_text(json.dumps(transfer_only(**{"project.eligible_cost_vnd": 500_000_000})), encoding="utf-8")
    result = run_cli("check", str(path), "--lang", lang, "--all")
    assert result.returncode == 0, result.stderr
    assert words in result.stdout and "Traceback" not in result.stderr
    assert ("200.000.000" if lang == "vi" else "200,000,000") in result.stdout
