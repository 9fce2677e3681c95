"""The native engine and the durable-rules engine give identical decisions.

Two generators feed the comparison: the project's own
``kcrules.testing.applications`` (concentrated where rules change their
answer), and a plainer one here that draws every code of every table
uniformly and leaves optional facts out at random. Both cover every activity
of the bundled rulebook, with
dates around every parameter change and the program period, and numbers at,
just below and just above every threshold the rulebook holds. Equality is the
decision's JSON (``model_dump(mode="json")``), explained or not, in both
languages; when one engine cannot decide (an EvaluationError), the other must
fail the same way.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kcrules
from kcrules.decide.writer import DecisionWriter, json_line
from kcrules.engines.compiled import CODES, UNDECIDED
from kcrules.errors import EvaluationError
from kcrules.models import Decision
from kcrules.testing import applications as project_applications

DURABLE = kcrules.load_rulebook(engine="durable")
NATIVE = kcrules.load_rulebook(engine="native")
DEF = DURABLE.definition
WRITER = DecisionWriter()


def _codes(table: str) -> list[str]:
    return list(DEF.codes[table].values)


def _thresholds() -> list[int]:
    """Every whole-number parameter value, one below and one above (never negative)."""
    out: set[int] = {0, 1}
    for p in DEF.params.values():
        if p.unit == "date":
            continue
        for v in p.values:
            value = v.value * 100 if isinstance(v.value, Fraction) else v.value
            if isinstance(value, Fraction):
                value = int(value)
            out.update(x for x in (value - 1, value, value + 1) if x >= 0)
    return sorted(out)


def _dates() -> list[dt.date]:
    """Days where the law changes: program edges and every parameter period edge."""
    days: set[dt.date] = set()
    if DEF.program is not None:
        days.update((DEF.program.start, DEF.program.until))
    for p in DEF.params.values():
        for v in p.values:
            days.add(v.start)
            if v.until is not None:
                days.add(v.until)
    out: set[dt.date] = set()
    for d in days:
        out.update((d - dt.timedelta(days=1), d, d + dt.timedelta(days=1)))
    return sorted(d for d in out if dt.date(2013, 1, 1) <= d <= dt.date(2022, 12, 31))


THRESHOLDS = _thresholds()
DATES = _dates()
PERCENT = [t for t in THRESHOLDS if t <= 100]
COUNT = [t for t in THRESHOLDS if t <= 10_000_000]

counts = st.one_of(st.sampled_from(COUNT), st.integers(0, 2_000))
money = st.one_of(st.sampled_from(THRESHOLDS), st.integers(0, 400_000_000_000))
days = st.one_of(st.sampled_from(DATES), st.dates(dt.date(2015, 6, 1), dt.date(2021, 6, 30)))


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def applications(draw: st.DrawFn) -> dict[str, Any]:
    """A valid application of any activity of the bundled rulebook."""
    activity = draw(st.sampled_from(NATIVE.activities))
    act = DEF.activities[activity]
    requires = set(act.requires)
    app: dict[str, Any] = {"id": f"gen-{draw(st.integers(0, 999))}", "application_date": draw(days).isoformat(),
                           "activity": activity}
    applicant_kind = draw(st.sampled_from(act.applicants))
    with_establishment = act.beneficiary or applicant_kind == "establishment" or draw(st.booleans())
    if applicant_kind != "establishment" or draw(st.booleans()):
        applicant: dict[str, Any] = {"kind": applicant_kind}
        district = draw(st.sampled_from(_codes("district")))
        if "applicant.district" in requires or draw(st.booleans()):
            applicant["district"] = district
        app["applicant"] = applicant
    if with_establishment:
        est: dict[str, Any] = {
            "kind": draw(st.sampled_from(_codes("establishment_kind"))),
            "district": draw(st.sampled_from(_codes("district"))),
            "sector": draw(st.sampled_from(_codes("sector"))),
            "sme_group": draw(st.sampled_from(_codes("sme_group"))),
            "employees": draw(counts),
        }
        for key, strategy in (("capital_vnd", money), ("revenue_vnd", money),
                              ("product_line", st.sampled_from(_codes("product_line"))),
                              ("local_material_share_percent", st.sampled_from(PERCENT)),
                              ("registered_district", st.sampled_from(_codes("district")))):
            value = draw(_maybe(strategy))
            if value is not None:
                est[key] = value
        for flag in ("fired_clay_brick_kiln", "applies_cleaner_production", "causes_pollution",
                     "in_highland_border_ethnic_area", "in_poor_district", "in_new_rural_commune",
                     "in_disadvantaged_area", "has_export_contract", "typical_product_certified",
                     "key_industry_product", "supporting_industry_product"):
            if draw(st.booleans()):
                est[flag] = draw(st.booleans())
        app["establishment"] = est
    elif "applicant" not in app:
        app["applicant"] = {"kind": applicant_kind}
    project: dict[str, Any] = {
        "approved": draw(st.booleans()), "counterpart_funding_committed": draw(st.booleans()),
        "other_state_funding": draw(st.booleans()), "eligible_cost_vnd": draw(money),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {
        "amount_requested_vnd": money, "learners": counts, "classes": counts, "designs": counts,
        "overseas_fairs_supported_this_year": counts, "province": st.sampled_from(_codes("province")),
        "employment_committed": st.booleans(), "machinery_new": st.booleans(), "machinery_improves": st.booleans(),
        "machinery_one_kind": st.booleans(), "machinery": st.booleans(),
        "within_craft_village_festival": st.booleans(), "village_without_craft": st.booleans(),
        "fair_international_handicraft": st.booleans(), "craft_small_industry": st.booleans(),
        "learners_rural_workers": st.booleans(), "trainees_managers": st.booleans(),
        "consultancy_new_designs": st.booleans(), "technology_transfer": st.booleans(),
        "technology_on_encouraged_list": st.booleans(), "technology_transfer_lawful": st.booleans(),
    }
    for key, strategy in optional.items():
        if f"project.{key}" in requires or draw(st.booleans()):
            project[key] = draw(strategy)
    if "project.start_date" in requires or draw(st.booleans()):
        start = draw(days)
        project["start_date"] = start.isoformat()
        length = draw(st.one_of(st.sampled_from([0, 4, 5, 6, 7, 89, 90, 91, 92]), st.integers(0, 400)))
        project["end_date"] = (start + dt.timedelta(days=length)).isoformat()
    app["project"] = project
    return app


def _outcome(rulebook: kcrules.Rulebook, app: dict[str, Any], **options: Any) -> Any:
    try:
        decision = rulebook.evaluate(app, **options)
    except EvaluationError as err:
        return ("EvaluationError", str(err))
    # Decisions share memoised parts: an explained reason must never be served
    # to an unexplained decision, nor the reverse.
    texts = [r.text for r in decision.reasons] + [line.text for line in decision.support.lines]
    if options.get("explain", True):
        assert all(texts) and decision.summary
    else:
        assert not any(texts) and not decision.summary and not any(r.actual for r in decision.reasons)
    # Decisions are assembled from checked parts without validating them again: validating the
    # JSON gives the same decision, and the JSON text is the one pydantic writes for it.
    again = Decision.model_validate_json(decision.model_dump_json())
    assert again == decision and again.model_dump_json() == decision.model_dump_json()
    assert WRITER.line(decision) == json_line(decision.model_dump_json().encode())  # the batch writer: the same bytes
    return decision.model_dump(mode="json")


@pytest.mark.parametrize("explain", [True, False])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(app=applications(), lang=st.sampled_from(["vi", "en"]))
def test_native_equals_durable(app: dict[str, Any], lang: str, explain: bool) -> None:
    options = {"lang": lang, "explain": explain}
    assert _outcome(NATIVE, app, **options) == _outcome(DURABLE, app, **options)


@pytest.mark.parametrize("explain", [True, False])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(app=project_applications(NATIVE), lang=st.sampled_from(["vi", "en"]))
def test_native_equals_durable_at_thresholds(app: dict[str, Any], lang: str, explain: bool) -> None:
    options = {"lang": lang, "explain": explain}
    assert _outcome(NATIVE, app, **options) == _outcome(DURABLE, app, **options)


@pytest.mark.parametrize("activity", NATIVE.activities)
def test_every_activity_is_exercised_by_the_generator(activity: str) -> None:
    # A cheap guard that the generator above really reaches each activity with
    # an application both engines accept: otherwise the property proves little.
    app = applications().filter(lambda a: a["activity"] == activity)
    example = _first(app)
    NATIVE.parse_application(example)
    assert _outcome(NATIVE, example) == _outcome(DURABLE, example)


def _first(strategy: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    @settings(max_examples=30, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(strategy)
    def collect(value: dict[str, Any]) -> None:
        if not found:
            found.append(value)

    collect()
    assert found
    return found[0]


def test_engines_disagree_would_be_caught() -> None:
    # The comparison is on the full JSON: a single changed outcome shows up.
    app = {"application_date": "2017-05-10", "activity": "3.3-machinery",
           "establishment": {"kind": "cooperative", "district": "chuong_my", "sector": "handicraft",
                             "employees": 60},
           "project": {"approved": True, "counterpart_funding_committed": True, "other_state_funding": False,
                       "eligible_cost_vnd": 700_000_000, "machinery_new": True, "machinery_improves": False,
                       "machinery_one_kind": True}}
    yes = _outcome(NATIVE, {**app, "project": {**app["project"], "machinery_improves": True}})
    no = _outcome(DURABLE, app)
    assert yes != no
    assert no == _outcome(NATIVE, app)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(app=applications())
def test_durable_outcomes_same_with_the_engines_own_action_dispatch(app: dict[str, Any]) -> None:
    # The durable matcher reads fired rules without durable-rules' per-action
    # Python round trip (see kcrules.engines.durable.DurableMatcher._lean_dispatch); the
    # engine's own dispatch, running the registered actions, must agree.
    from kcrules.engines.durable import DurableMatcher

    parsed = DURABLE.parse_application(app)
    criteria = DURABLE.criteria_of(parsed.activity)
    fact = DURABLE._fact(parsed, parsed.application_date)
    lean = DurableMatcher(parsed.activity, criteria, "lean")
    own = DurableMatcher(parsed.activity, criteria, "own")
    ruleset = own._host.get_ruleset(own.ruleset)
    assert "do_actions" in vars(ruleset)  # the lean dispatch is in place by default
    del ruleset.do_actions  # back to durable.engine.Ruleset.do_actions, which runs our actions
    assert lean.match(fact) == own.match(fact) == NATIVE._matcher(
        NATIVE._activity(parsed.activity), "native").match(fact)


def _compiled_against_fact(app: dict[str, Any]) -> None:
    parsed = NATIVE.parse_application(app)
    act = NATIVE._activity(parsed.activity)
    compiled = NATIVE._matcher(act, "compiled")
    codes, read = compiled.match(parsed, NATIVE._law.fact_items(parsed.application_date))
    fact = NATIVE._fact(parsed, parsed.application_date)
    outcomes = NATIVE._matcher(act, "native").match(fact)
    assert codes == tuple(CODES[got[0]] if len(got) == 1 else UNDECIDED for got in outcomes.values())
    assert dict(zip(compiled.keys, read)) == {k: fact.get(k) for k in compiled.keys}
    # What the durable engine is given from the values read is what it is given from the flat fact.
    durable = DURABLE._matcher(act, "durable")
    sent = durable.sent(fact)
    assert durable.sent(dict(zip(compiled.keys, read))) == sent
    # ... and it carries the flat fact's own presence flags and values, by the engine's names.
    assert {name: sent.get(name) for name in durable.names.values()} == \
        {name: fact.get(key) for key, name in durable.names.items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(app=applications())
def test_compiled_function_equals_the_matcher_on_the_flat_fact(app: dict[str, Any]) -> None:
    # The compiled function reads the Application itself; it must give every criterion the
    # outcome the native matcher gives on the flat fact, and read the same values.
    _compiled_against_fact(app)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(app=project_applications(NATIVE))
def test_compiled_function_equals_the_matcher_at_thresholds(app: dict[str, Any]) -> None:
    _compiled_against_fact(app)


def test_the_compiled_function_is_not_an_engine_to_choose() -> None:
    # engine="native" uses it; asking for it by its internal name is refused like any unknown engine.
    from kcrules.errors import InputError

    app = _first(applications())
    with pytest.raises(InputError, match="engine must be one of"):
        NATIVE.evaluate(app, engine="compiled")  # type: ignore[arg-type]
