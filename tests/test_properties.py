"""Invariants of every decision, over generated applications of every activity."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kcrules

RB = kcrules.load_rulebook()
D = RB.definition
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

money = st.one_of(st.integers(0, 3_000_000_000), st.sampled_from([0, 1, 35_000_000, 70_000_000, 70_000_001,
                                                                  400_000_000, 400_000_001, 600_000_000]))
days = st.dates(dt.date(2015, 10, 1), dt.date(2021, 3, 1)) | st.sampled_from(
    [dt.date(2016, 1, 1), dt.date(2015, 12, 31), dt.date(2020, 12, 31), dt.date(2021, 1, 1),
     dt.date(2018, 3, 10), dt.date(2018, 3, 11), dt.date(2018, 5, 10), dt.date(2018, 5, 11)])


def codes(table: str) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(D.codes[table].values))


@st.composite
def applications(draw: Any, activity: str | None = None) -> dict[str, Any]:
    act = D.activities[activity or draw(st.sampled_from(sorted(D.activities)))]
    start = draw(days)
    app: dict[str, Any] = {"application_date": draw(days).isoformat(), "activity": act.id}
    app["applicant"] = {"kind": draw(st.sampled_from(list(act.applicants) + ["establishment"])),
                        "district": draw(codes("district"))}
    if act.beneficiary:
        app["establishment"] = {
            "kind": draw(codes("establishment_kind")), "district": draw(codes("district")),
            "sector": draw(codes("sector")), "sme_group": draw(codes("sme_group")),
            "employees": draw(st.integers(0, 400) | st.sampled_from([49, 50, 100, 101, 200, 201, 300, 301])),
            "capital_vnd": draw(st.none() | st.sampled_from([20_000_000_000, 100_000_000_000, 100_000_000_001])),
            "revenue_vnd": draw(st.none() | st.integers(0, 400_000_000_000)),
            "product_line": draw(st.none() | codes("product_line")),
            "has_export_contract": draw(st.booleans()), "in_new_rural_commune": draw(st.booleans()),
            "applies_cleaner_production": draw(st.booleans()), "fired_clay_brick_kiln": draw(st.booleans()),
            "local_material_share_percent": draw(st.none() | st.integers(0, 100)),
            "causes_pollution": draw(st.none() | st.booleans()), "produces_for_export": draw(st.booleans()),
            "mechanical_for_agriculture": draw(st.booleans()),
        }
        app["establishment"] = {k: v for k, v in app["establishment"].items() if v is not None}
    project: dict[str, Any] = {
        "approved": draw(st.booleans()), "counterpart_funding_committed": draw(st.booleans()),
        "other_state_funding": draw(st.booleans()), "eligible_cost_vnd": draw(money),
        "amount_requested_vnd": draw(st.none() | money),
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=draw(st.integers(0, 120) | st.sampled_from([4, 5, 89, 90, 91])))).isoformat(),
        "learners": draw(st.integers(1, 60) | st.sampled_from([34, 35, 36, 50, 51])),
        "employment_committed": draw(st.booleans()), "province": draw(codes("province")),
        "machinery_new": draw(st.booleans()), "machinery_improves": draw(st.booleans()),
        "machinery_one_kind": draw(st.booleans()),
        "overseas_fairs_supported_this_year": draw(st.integers(0, 3)),
        "within_craft_village_festival": draw(st.booleans()), "fair_international_handicraft": draw(st.booleans()),
        "craft_small_industry": draw(st.booleans()), "learners_rural_workers": draw(st.booleans()),
        "trainees_managers": draw(st.booleans()), "consultancy_new_designs": draw(st.booleans()),
    }
    if draw(st.integers(0, 3)) == 0:  # now and then a priority level approved by the competent authority
        project.update(approved_level_percent=draw(st.integers(100, 150) | st.sampled_from([100, 120, 150])),
                       approved_by="UBND thành phố Hà Nội", approved_decision="QĐ 1/QĐ-UBND")
    app["project"] = {k: v for k, v in project.items() if v is not None}
    return app


def ceilings(decision: kcrules.Decision, app: dict[str, Any]) -> list[int]:
    """Every applicable upper bound, recomputed from the rulebook, not from the decision."""
    act = D.activities[decision.activity]
    params = RB.params_at(decision.law_date)
    cost = app["project"]["eligible_cost_vnd"]
    bounds = [cost]
    if act.support.share:
        bounds.append(int(cost * params[act.support.share].value))
    approved = app["project"].get("approved_level_percent")
    uplift = Fraction(approved, 100) if approved is not None and act.support.uplift else Fraction(1)
    bounds += [int(params[c].value * uplift) for c in act.support.caps]
    if "amount_requested_vnd" in app["project"]:
        bounds.append(app["project"]["amount_requested_vnd"])
    return bounds


@SETTINGS
@given(applications())
def test_support_is_within_every_ceiling_and_zero_when_ineligible(app: dict[str, Any]) -> None:
    d = RB.evaluate(app)
    assert isinstance(d.support.amount_vnd, int)
    if not d.eligible:
        assert d.support.amount_vnd == 0 and d.support.bound == "ineligible"
        return
    assert 0 <= d.support.amount_vnd <= min(ceilings(d, app))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([a for a in sorted(D.activities) if D.activities[a].support.caps]).flatmap(applications))
def test_no_decision_exceeds_the_normal_ceiling_without_an_approved_level(app: dict[str, Any]) -> None:
    # TTLT 26/2014 Điều 6 khoản 2 điểm t: a higher level is approved case by case, never automatic.
    app["project"].pop("approved_level_percent", None)
    app["project"].pop("approved_by", None)
    app["project"].pop("approved_decision", None)
    d = RB.evaluate(app)
    params = RB.params_at(d.law_date)
    for cap in D.activities[d.activity].support.caps:
        if cap in params:  # outside the program no level is in force, and support is 0
            assert d.support.amount_vnd <= params[cap].value, (cap, d.support.amount_vnd)
        else:
            assert d.support.amount_vnd == 0
    assert not [line for line in d.support.lines if line.step == "approved_level"]


@SETTINGS
@given(applications(), st.integers(1, 500_000_000))
def test_support_never_decreases_as_cost_rises(app: dict[str, Any], more: int) -> None:
    richer = {**app, "project": {**app["project"], "eligible_cost_vnd": app["project"]["eligible_cost_vnd"] + more}}
    if richer["project"]["eligible_cost_vnd"] > 10**13:
        return
    a, b = RB.evaluate(app), RB.evaluate(richer)
    assert a.eligible == b.eligible
    assert b.support.amount_vnd >= a.support.amount_vnd


@SETTINGS
@given(applications())
def test_same_input_same_decision_on_both_engines(app: dict[str, Any]) -> None:
    first = RB.evaluate(app)
    assert RB.evaluate(app) == first
    assert RB.evaluate(app, engine="native") == first


@SETTINGS
@given(applications())
def test_every_unmet_criterion_is_explained_with_a_citation(app: dict[str, Any]) -> None:
    d = RB.evaluate(app, lang="en")
    ids = [c.id for c in RB.criteria_of(d.activity)]
    assert sorted(r.criterion for r in d.reasons) == sorted(ids)
    for r in d.reasons:
        assert r.citation.document and r.citation.text and r.text
        if r.outcome == "not_met":
            assert r.citation.text in r.text
    assert d.eligible == (not d.failed)


@SETTINGS
@given(applications())
def test_the_decision_survives_a_json_round_trip(app: dict[str, Any]) -> None:
    d = RB.evaluate(app)
    assert kcrules.Decision.model_validate_json(d.model_dump_json()) == d


@SETTINGS
@given(applications())
def test_guidance_and_assumptions_used_are_always_warned(app: dict[str, Any]) -> None:
    d = RB.evaluate(app)
    if not d.eligible:
        return
    act = D.activities[d.activity]
    params = RB.params_at(d.law_date)
    warned = {w.parameter for w in d.warnings}
    for pid in [act.support.share, *act.support.caps]:
        if pid and params[pid].provenance in ("guidance", "assumption"):
            assert pid in warned
    if act.support.method == "full":
        assert f"{act.id}.support" in warned
