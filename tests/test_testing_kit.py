"""kcrules.testing: generated applications are valid and reach every threshold; each invariant can fail."""

from __future__ import annotations

import collections
import datetime as dt
import json
from typing import Any

import pytest
from conftest import machinery_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kcrules
import kcrules.testing as kit
from kcrules.testing import (
    InvariantViolation,
    applications,
    check_deterministic,
    check_explained,
    check_ineligible_zero,
    check_invariants,
    check_irrelevant_facts,
    check_json_round_trip,
    check_monotonic_cost,
    check_support_bounds,
    fields_read,
    generate,
    thresholds,
)

RB = kcrules.load_rulebook()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decide(app: dict[str, Any]) -> kcrules.Decision:
    """The decision; every generated application is decidable, inside the program or not."""
    return RB.evaluate(app)


def test_public_api_is_sorted_and_complete() -> None:
    assert kit.__all__ == sorted(kit.__all__)
    for name in kit.__all__:
        assert getattr(kit, name) is not None
    with pytest.raises(AttributeError):
        kit.no_such_helper  # noqa: B018


# ---------------------------------------------------------------- strategies


@SETTINGS
@given(applications(RB))
def test_generated_applications_are_valid(app: dict[str, Any]) -> None:
    parsed = RB.parse_application(app)
    assert parsed.activity in RB.activities
    assert json.loads(json.dumps(app)) == app  # JSON-ready as generated


@SETTINGS
@given(applications(RB, focus="one_unmet"))
def test_aimed_applications_are_valid(app: dict[str, Any]) -> None:
    RB.parse_application(app)


@SETTINGS
@given(applications(RB, "3.1-craft-training"))
def test_one_activity_only(app: dict[str, Any]) -> None:
    assert app["activity"] == "3.1-craft-training"
    RB.parse_application(app)


def test_thresholds_come_from_the_rulebook() -> None:
    t = thresholds(RB)
    assert 35 in t["project.learners"]  # QĐ 4892 §I.1.1
    assert {50, 100, 200, 300} <= set(t["establishment.employees"])  # 50 workers, SME limits
    assert {50_000_000_000, 100_000_000_000} <= set(t["establishment.capital_vnd"])
    assert t["class_months"] == [3] and t["class_days"] == [6]
    days = set(t["application_date"])
    assert {dt.date(2016, 1, 1), dt.date(2021, 1, 1), dt.date(2018, 3, 11), dt.date(2018, 5, 11)} <= days
    assert dt.date(2018, 12, 27) in days  # end of Từ Liêm's 5-year window, a derived date
    # where the machinery ceiling starts to bind: 200M / 50 %, and ×1.5 for priority projects
    assert {400_000_000, 600_000_000, 900_000_000} <= set(t["project.eligible_cost_vnd[3.3-machinery]"])


def test_generated_values_sit_on_both_sides_of_thresholds() -> None:
    apps = generate(RB, 1500, seed=7)
    learners = collections.Counter(a["project"].get("learners") for a in apps)
    assert learners[35] and learners[36] and learners[34]
    employees = collections.Counter(a.get("establishment", {}).get("employees") for a in apps)
    assert employees[50] and employees[49] and employees[200] and employees[201]
    days = collections.Counter(a["application_date"] for a in apps)
    assert days["2018-03-10"] and days["2018-03-11"]
    assert any(a["application_date"] < "2016-01-01" or a["application_date"] > "2020-12-31" for a in apps)
    inside = sum("2016-01-01" <= a["application_date"] <= "2020-12-31" for a in apps)
    assert inside > 0.85 * len(apps)
    lengths = collections.Counter(
        (dt.date.fromisoformat(a["project"]["end_date"]) - dt.date.fromisoformat(a["project"]["start_date"])).days
        for a in apps if a["activity"] == "3.2-management-training")
    assert lengths[4] and lengths[5]  # 5 days (met) and 6 days (not met), first and last day counted


def test_every_activity_gets_eligible_and_ineligible_applications() -> None:
    seen: dict[str, set[bool]] = collections.defaultdict(set)
    for app in generate(RB, 1500, seed=11):
        d = decide(app)
        if d is not None:
            seen[d.activity].add(d.eligible)
    assert set(seen) == set(RB.activities)
    assert all(v == {True, False} for v in seen.values()), dict(seen)


BENEFICIARY = [a for a in RB.activities if RB.definition.activities[a].beneficiary]


@pytest.mark.parametrize("activity", BENEFICIARY)
def test_about_half_the_applications_are_eligible(activity: str) -> None:
    # The properties of eligible decisions (ceilings, monotone support, warnings)
    # need eligible applications: the plain spread draw made about 1 in 10.
    decisions = [d for app in generate(RB, 400, seed=5, activity=activity) if (d := decide(app)) is not None]
    share = sum(d.eligible for d in decisions) / len(decisions)
    assert 0.25 <= share <= 0.80, f"{activity}: {share:.0%} eligible"
    # ... and eligible ones where the ceiling or the share decides, with and without priority
    if RB.definition.activities[activity].support.caps:
        bounds = {d.support.bound for d in decisions if d.eligible}
        assert {"share", *RB.definition.activities[activity].support.caps} <= bounds, bounds


@pytest.mark.parametrize("activity", BENEFICIARY + ["3.4-district-fair"])
def test_one_unmet_applications_fail_one_criterion_each(activity: str) -> None:
    decisions = [d for app in generate(RB, 150, seed=6, activity=activity, focus="one_unmet")
                 if (d := decide(app)) is not None]
    single = [d for d in decisions if len(d.failed) == 1]
    assert len(single) >= 0.9 * len(decisions), collections.Counter(len(d.failed) for d in decisions)
    causes = collections.Counter(d.failed[0].criterion for d in single)
    assert len(causes) >= 4, causes  # the cause varies: not always the same easy criterion
    aimed = [d for app in generate(RB, 150, seed=6, activity=activity, focus="eligible")
             if (d := decide(app)) is not None]
    assert sum(d.eligible for d in aimed) >= 0.9 * len(aimed)


def test_the_area_rule_picks_rural_districts_from_the_codes() -> None:
    # Aimed applications read the area criterion: a district whose unit type it accepts.
    unit = {c: v.attrs.get("unit_type") for c, v in RB.definition.codes["district"].values.items()}
    apps = generate(RB, 300, seed=8, activity="3.3-machinery", focus="eligible")
    kinds = collections.Counter(unit.get(a["establishment"]["district"]) for a in apps)
    assert kinds["huyen"] > 0.6 * len(apps) and kinds["quan"] < 0.1 * len(apps), kinds
    with pytest.raises(ValueError, match="one_unmet"):
        generate(RB, 1, focus="refused")


def test_generate_is_reproducible() -> None:
    assert generate(RB, 50, seed=3) == generate(RB, 50, seed=3)
    assert generate(RB, 50, seed=3) != generate(RB, 50, seed=4)
    assert [a["id"] for a in generate(RB, 3, seed=9)] == ["gen-9-0", "gen-9-1", "gen-9-2"]
    assert {a["activity"] for a in generate(RB, 30, activity="3.3-machinery")} == {"3.3-machinery"}
    with pytest.raises(ValueError, match="3.3-machinery"):
        generate(RB, 5, activity="3.3-machines")
    for focus in kit.strategies.FOCUS:
        assert generate(RB, 20, seed=3, focus=focus) == generate(RB, 20, seed=3, focus=focus)


def test_generated_applications_use_a_province_rulebook_codes(mini: Any) -> None:
    rb = kcrules.load_rulebook(mini)
    apps = generate(rb, 40, seed=1)
    assert {a["activity"] for a in apps} == {"training"}
    assert 35 in thresholds(rb)["project.learners"]
    for app in apps:
        rb.parse_application(app)


# ---------------------------------------------------------------- the invariants hold


@pytest.mark.parametrize("activity", RB.activities)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_invariants_hold_for_every_activity(activity: str, data: st.DataObject) -> None:
    app = data.draw(applications(RB, activity))
    if decide(app) is not None:
        check_invariants(RB, app)


@SETTINGS
@given(applications(RB, ["3.3-machinery", "3.6-design-consultancy"]))
def test_invariants_hold_where_ceilings_bind(app: dict[str, Any]) -> None:
    if decide(app) is not None:
        check_invariants(RB, app, engines=False)


def test_invariants_accept_json_text_and_models(hanoi: kcrules.Rulebook) -> None:
    app = machinery_app()
    d = check_invariants(hanoi, json.dumps(app))
    assert d.eligible
    check_invariants("hanoi-2016-2020", hanoi.parse_application(app))


def test_fields_read_follow_derived_facts_and_code_attributes() -> None:
    machinery = fields_read(RB, "3.3-machinery")
    assert "establishment.district" in machinery  # through establishment.district.unit_type
    assert "project.learners" not in machinery and "establishment.name" not in machinery
    craft = fields_read(RB, "3.1-craft-training")
    assert "project.start_date" in craft  # through derived.craft_class_deadline
    assert "project.eligible_cost_vnd" not in fields_read(RB, "3.3-machinery", criteria_only=True)


# ---------------------------------------------------------------- each invariant can fail


def _with_support(d: kcrules.Decision, amount: int, bound: str | None = None) -> kcrules.Decision:
    return d.model_copy(update={"support": d.support.model_copy(
        update={"amount_vnd": amount, "bound": bound or d.support.bound})})


def test_support_above_the_ceiling_is_caught(hanoi: kcrules.Rulebook) -> None:
    app = machinery_app(**{"project.eligible_cost_vnd": 2_000_000_000})
    d = hanoi.evaluate(app)
    assert d.support.amount_vnd == 200_000_000
    with pytest.raises(InvariantViolation, match="ceiling machinery_cap"):
        check_support_bounds(hanoi, app, _with_support(d, 200_000_001))
    with pytest.raises(InvariantViolation, match="above the eligible cost"):
        check_support_bounds(hanoi, machinery_app(), _with_support(d, 300_000_001))
    with pytest.raises(InvariantViolation, match="amount requested"):
        check_support_bounds(hanoi, machinery_app(**{"project.amount_requested_vnd": 10}), d)


def test_ineligible_with_money_is_caught(hanoi: kcrules.Rulebook) -> None:
    app = machinery_app(**{"project.approved": False})
    d = hanoi.evaluate(app)
    assert not d.eligible
    with pytest.raises(InvariantViolation, match="ineligible but support is 5"):
        check_ineligible_zero(hanoi, app, _with_support(d, 5))
    with pytest.raises(InvariantViolation, match="eligible although criteria failed"):
        check_ineligible_zero(hanoi, app, d.model_copy(update={"eligible": True}))


def test_unexplained_or_uncited_failure_is_caught(hanoi: kcrules.Rulebook) -> None:
    app = machinery_app(**{"project.approved": False})
    d = hanoi.evaluate(app)
    failed = d.failed[0]
    uncited = failed.model_copy(update={"citation": failed.citation.model_copy(update={"text": "", "document": ""})})
    reasons = tuple(uncited if r is failed else r for r in d.reasons)
    with pytest.raises(InvariantViolation, match="has no citation"):
        check_explained(hanoi, app, d.model_copy(update={"reasons": reasons}))
    with pytest.raises(InvariantViolation, match="missing"):
        check_explained(hanoi, app, d.model_copy(update={"reasons": d.reasons[1:]}))


def test_decision_that_does_not_survive_json_is_caught(hanoi: kcrules.Rulebook) -> None:
    app = machinery_app()
    d = hanoi.evaluate(app)
    reason = d.reasons[0].model_copy(update={"actual": {"when": dt.date(2017, 1, 1)}})
    with pytest.raises(InvariantViolation, match="read back from JSON differs"):
        check_json_round_trip(hanoi, app, d.model_copy(update={"reasons": (reason, *d.reasons[1:])}))


class _Sabotaged:
    """Wraps a fresh rulebook so its evaluate misbehaves in one chosen way."""

    @staticmethod
    def make(change: Any) -> kcrules.Rulebook:
        rb = kcrules.load_rulebook()
        real = rb.evaluate
        calls = collections.Counter()

        def evaluate(application: Any, **kwargs: Any) -> kcrules.Decision:
            calls["n"] += 1
            return change(real(application, **kwargs), rb.parse_application(application), calls["n"])

        rb.evaluate = evaluate  # type: ignore[method-assign]
        return rb


def test_nondeterminism_is_caught() -> None:
    rb = _Sabotaged.make(lambda d, app, n: _with_support(d, d.support.amount_vnd - n))
    with pytest.raises(InvariantViolation, match="twice gives different decisions"):
        check_deterministic(rb, machinery_app())


def test_support_falling_with_cost_is_caught() -> None:
    def shrink(d: kcrules.Decision, app: kcrules.Application, n: int) -> kcrules.Decision:
        return _with_support(d, max(0, 400_000_000 - app.project.eligible_cost_vnd // 2))

    rb = _Sabotaged.make(shrink)
    with pytest.raises(InvariantViolation, match="support fell"):
        check_monotonic_cost(rb, machinery_app())


def test_a_decision_reading_an_unread_fact_is_caught() -> None:
    def leak(d: kcrules.Decision, app: kcrules.Application, n: int) -> kcrules.Decision:
        name = app.establishment.name if app.establishment else None
        return d.model_copy(update={"summary": f"{d.summary} {name}"})

    rb = _Sabotaged.make(leak)
    with pytest.raises(InvariantViolation, match="establishment.name"):
        check_irrelevant_facts(rb, machinery_app(**{"establishment.name": "HTX A"}))


def test_check_invariants_reports_every_violation_at_once() -> None:
    rb = _Sabotaged.make(lambda d, app, n: _with_support(d, 10**12 + n))
    with pytest.raises(InvariantViolation) as info:
        check_invariants(rb, machinery_app(), engines=False)
    text = str(info.value)
    assert "[support_bounds]" in text and "[deterministic]" in text
    assert '"activity": "3.3-machinery"' in text  # the application, to reproduce
    with pytest.raises(ValueError, match="unknown checks"):
        check_invariants(RB, machinery_app(), skip=("speed",))
