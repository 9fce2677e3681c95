"""The durable-rules engine used right: independence, identity, threads, errors surfaced."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import machinery_app

import kcrules
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.loader import bundled_root


def test_both_engines_agree_on_the_example(hanoi: kcrules.Rulebook) -> None:
    app = machinery_app()
    assert hanoi.evaluate(app, engine="durable") == hanoi.evaluate(app, engine="native")


def test_two_versions_of_a_rulebook_in_one_process_stay_independent(tmp_path: Path) -> None:
    # A copy of the Hanoi rulebook with a lower machinery share, loaded beside the original.
    copy = tmp_path / "hanoi-2016-2020"
    shutil.copytree(bundled_root() / "hanoi-2016-2020", copy)
    params = copy / "parameters.toml"
    text = params.read_text(encoding="utf-8")
    marker = '[[parameters.machinery_share.values]]\nfrom = 2016-01-01\nuntil = 2018-05-11\nvalue = "50%"'
    assert marker in text
    params.write_text(text.replace(marker, marker.replace('"50%"', '"40%"')), encoding="utf-8")
    original, changed = kcrules.load_rulebook(), kcrules.load_rulebook(copy)
    assert original.version != changed.version
    app = machinery_app()
    for _ in range(3):  # interleaved, on the engine both share
        assert original.evaluate(app).support.amount_vnd == 150_000_000
        assert changed.evaluate(app).support.amount_vnd == 120_000_000


def test_identical_applications_are_distinct_facts(hanoi: kcrules.Rulebook) -> None:
    # durable-rules identifies a fact by a hash of its content; kcrules gives each its own id.
    app = machinery_app()
    first = hanoi.evaluate(app)
    second = hanoi.evaluate(app)
    assert first == second and first.eligible


def test_no_facts_are_left_in_the_engine(hanoi: kcrules.Rulebook) -> None:
    hanoi.evaluate(machinery_app())
    matcher = hanoi._matchers[("3.3-machinery", "durable")]
    for i in range(3):
        hanoi.evaluate(machinery_app(id=f"leak-{i}"))
    last = f"{matcher.ruleset}.{next(matcher._sessions) - 1}"
    # The session of the last evaluation is gone: the engine reports "no such session" (309) ...
    with pytest.raises(Exception, match="309"):
        matcher._host.get_facts(matcher.ruleset, last)
    # ... whereas a session that keeps its fact is still there, with the fact.
    with matcher._lock:
        app = hanoi.parse_application(machinery_app())
        fact = dict(matcher.sent(hanoi._fact(app, app.application_date)), sid="kept", kc__id="kept")
        matcher._host.assert_fact(matcher.ruleset, fact)
        assert len(matcher._host.get_facts(matcher.ruleset, "kept")) == 1
        matcher._host.delete_state(matcher.ruleset, "kept")
        matcher._sink.clear()


def test_concurrent_evaluations_are_correct_and_independent(hanoi: kcrules.Rulebook) -> None:
    apps = [machinery_app(id=str(i), **{"project.eligible_cost_vnd": 100_000 * (i + 1),
                                        "project.machinery_new": i % 3 != 0}) for i in range(120)]
    expected = [hanoi.evaluate(a, engine="native") for a in apps]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda a: hanoi.evaluate(a, engine="durable"), apps))
    assert got == expected
    assert [d.eligible for d in got] == [i % 3 != 0 for i in range(120)]


def test_an_undecidable_criterion_is_an_error_not_a_silent_pass(mini: Path) -> None:
    # A criterion reading an optional fact the application lacks gets no outcome.
    rules = mini / "rules.toml"
    rules.write_text(rules.read_text(encoding="utf-8").replace('requires = ["project.learners"]', "requires = []"),
                     encoding="utf-8")
    rb = kcrules.load_rulebook(mini)
    app = {"application_date": "2017-01-02", "activity": "training", "applicant": {"kind": "industry_trade_department"},
           "project": {"approved": True, "counterpart_funding_committed": True, "other_state_funding": False,
                       "eligible_cost_vnd": 100}}
    for engine in ("durable", "native"):
        with pytest.raises(kcrules.EvaluationError) as info:
            rb.evaluate(app, engine=engine)
        assert info.value.rule_id == "mini.class_size" and "project.learners" in str(info.value)
        assert info.value.citation == "QĐ 1/2016 §II.1"


def test_or_conditions_and_presence_tests_terminate(hanoi: kcrules.Rulebook) -> None:
    # durable-rules loops forever on a "not exists" test inside an "or"; presence flags avoid it.
    app = machinery_app(**{"establishment.local_material_share_percent": 80})
    decision = hanoi.evaluate(app)
    assert "priority.sector_local_materials" in decision.priority.criteria_met


def test_durable_expression_of_presence_uses_flags() -> None:
    expr = cond.parse("project.learners is not set or project.learners > 3",
                      lambda p: cond.FieldType("int", optional=True))
    text = repr(cond.to_durable(expr))
    assert "$nex" not in text and "$ex" not in text and cond.PRESENT in text
