"""The annual plan: ranking by TT 46/2012 Điều 6 khoản 3, allocation policies, targets, limits, progress.

The allocation properties are checked twice: on the allocator alone (many
cases, fast) and through ``kcrules.plan`` on real applications (fewer cases).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
from conftest import machinery_app, write_rulebook
from fuzz_strategies import mutated
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import kcrules
from kcrules import planning
from kcrules.cli import main
from kcrules.planning import _allocate, _Candidate, _percent, _percent_text

SETTINGS = settings(max_examples=60, deadline=None)
SLOW = settings(max_examples=15, deadline=None)


@pytest.fixture(scope="module")
def rb() -> kcrules.Rulebook:
    return kcrules.load_rulebook(engine="native")


def app(app_id: str, **changes: object) -> dict:
    a = machinery_app(**changes)
    a["id"] = app_id
    return a


def fair(app_id: str, name: str | None, used: int = 0, cost: int = 100_000_000) -> dict:
    a = app(app_id, activity="3.4-overseas-fair", **{
        "project.machinery_new": None, "project.machinery_improves": None, "project.machinery_one_kind": None,
        "project.overseas_fairs_supported_this_year": used, "project.fair_international_handicraft": True,
        "establishment.product_line": "ceramics", "establishment.has_export_contract": True,
        "project.eligible_cost_vnd": cost})
    if name is not None:
        a["establishment"]["name"] = name
    return a


def order(p: kcrules.Plan) -> list[str]:
    return [e.application_id for e in p.entries if e.rank is not None]


def by_id(p: kcrules.Plan) -> dict[str, Any]:
    return {e.application_id: e for e in p.entries}


# ---------------------------------------------------------------- ranking (TT 46/2012 Điều 6 khoản 3)


def test_areas_rank_in_the_order_of_points_a_to_d_then_sectors_b_before_a(rb: kcrules.Rulebook) -> None:
    E = "establishment."
    apps = [
        app("none"),
        app("sector-a", **{E + "sector": "agro_food_processing"}),
        app("sector-b", **{E + "has_export_contract": True}),
        app("area-d", **{E + "in_disadvantaged_area": True}),
        app("area-c", **{E + "in_new_rural_commune": True}),
        app("area-b", **{E + "in_poor_district": True}),
        app("area-a", **{E + "in_highland_border_ethnic_area": True}),
    ]
    p = kcrules.plan(apps, budget=10**12, year=2017, rulebook=rb)
    assert order(p) == ["area-a", "area-b", "area-c", "area-d", "sector-b", "sector-a", "none"]
    placed = by_id(p)["area-c"].placed_by
    assert placed[0].criterion == "priority.area_new_rural_commune"
    assert "Điều 6 khoản 1 điểm c" in placed[0].citation


def test_an_area_outranks_any_sector(rb: kcrules.Rulebook) -> None:
    E = "establishment."
    apps = [app("sector-only", **{E + "has_export_contract": True, E + "typical_product_certified": True}),
            app("area-only", **{E + "in_disadvantaged_area": True})]
    assert order(kcrules.plan(apps, budget=10**12, year=2017, rulebook=rb)) == ["area-only", "sector-only"]


def test_an_activity_without_priority_criteria_does_not_jump_the_queue(rb: kcrules.Rulebook) -> None:
    # Decision.priority.rank_key of such an activity is (1, 1, 0), which would sort before an area-a
    # establishment (1, ...) and before every other: the plan compares on the rulebook's whole scale.
    workshop = {"id": "workshop", "application_date": "2017-01-02", "activity": "3.2-workshop",
                "applicant": {"kind": "industry_trade_department"},
                "project": {"approved": True, "counterpart_funding_committed": True, "other_state_funding": False,
                            "eligible_cost_vnd": 50_000_000}}
    apps = [workshop, app("area-d", **{"establishment.in_disadvantaged_area": True})]
    p = kcrules.plan(apps, budget=10**12, year=2017, rulebook=rb)
    assert order(p) == ["area-d", "workshop"]
    assert by_id(p)["workshop"].placed_by == ()


def test_ties_break_by_date_then_smaller_support_then_id(rb: kcrules.Rulebook) -> None:
    apps = [app("z-late", application_date="2017-06-01"), app("b-big", **{"project.eligible_cost_vnd": 400_000_000}),
            app("c-small"), app("a-small")]
    assert order(kcrules.plan(apps, budget=10**12, year=2017, rulebook=rb)) == ["a-small", "c-small", "b-big",
                                                                                   "z-late"]


def test_cleaner_production_has_its_own_queue_by_the_officials_rank(rb: kcrules.Rulebook) -> None:
    C = {"establishment.applies_cleaner_production": True}
    apps = [app("clean-1", **C), app("clean-2", **C), app("clean-none", **C), app("plain")]
    p = kcrules.plan(apps, budget=10**12, year=2017, rulebook=rb, effectiveness={"clean-2": 1, "clean-1": 2})
    assert order(p) == ["plain", "clean-2", "clean-1", "clean-none"]
    entries = by_id(p)
    assert entries["clean-2"].queue == "cleaner_production"
    assert entries["clean-2"].placed_by[0].criterion == "effectiveness_rank"
    assert "Điều 6 khoản 3 điểm b" in entries["clean-2"].placed_by[0].citation
    assert any("assumption" in a or "giả định" in a for a in entries["clean-2"].assumptions)


def test_ineligible_applications_come_last_with_the_failed_criteria(rb: kcrules.Rulebook) -> None:
    apps = [app("no", **{"project.approved": False}), app("yes")]
    p = kcrules.plan(apps, budget=10**12, year=2017, rulebook=rb, lang="en")
    last = p.entries[-1]
    assert (last.application_id, last.status, last.rank, last.allocated_vnd) == ("no", "ineligible", None, 0)
    assert last.stopped_by is not None and last.stopped_by.kind == "ineligible"
    assert "approved" in last.why.lower()


# ---------------------------------------------------------------- allocation policies


def three(rb: kcrules.Rulebook, policy: str, budget: int) -> dict[str, Any]:
    E = "establishment."
    apps = [app("first", **{E + "in_highland_border_ethnic_area": True, "project.eligible_cost_vnd": 200_000_000}),
            app("big", **{E + "in_poor_district": True, "project.eligible_cost_vnd": 600_000_000}),
            app("small", **{"project.eligible_cost_vnd": 100_000_000})]
    return by_id(kcrules.plan(apps, budget=budget, year=2017, rulebook=rb, policy=policy))  # type: ignore[arg-type]


def test_skip_passes_over_what_does_not_fit_and_goes_on(rb: kcrules.Rulebook) -> None:
    e = three(rb, "skip", 200_000_000)
    assert [e[k].allocated_vnd for k in ("first", "big", "small")] == [100_000_000, 0, 50_000_000]
    e = three(rb, "skip", 250_000_000)  # big gets the normal 200 million ceiling: no level is approved
    assert [e[k].allocated_vnd for k in ("first", "big", "small")] == [100_000_000, 0, 50_000_000]
    assert e["big"].stopped_by.kind == "budget" and "200.000.000" in e["big"].why


def test_stop_funds_nothing_below_the_first_that_does_not_fit(rb: kcrules.Rulebook) -> None:
    e = three(rb, "stop", 250_000_000)
    assert [e[k].allocated_vnd for k in ("first", "big", "small")] == [100_000_000, 0, 0]
    assert e["small"].stopped_by.kind == "stopped" and e["small"].stopped_by.ref == "big"


def test_partial_gives_the_remainder_in_whole_dong_then_stops(rb: kcrules.Rulebook) -> None:
    e = three(rb, "partial", 250_000_001)
    assert [e[k].allocated_vnd for k in ("first", "big", "small")] == [100_000_000, 150_000_001, 0]
    assert e["big"].status == "partial" and e["small"].stopped_by.kind == "stopped"


def test_the_default_policy_is_the_rulebooks(rb: kcrules.Rulebook) -> None:
    assert kcrules.plan([], budget=0, year=2017, rulebook=rb).policy == "skip"


# ---------------------------------------------------------------- targets and limits


def test_the_machinery_target_still_open_bounds_the_plan(rb: kcrules.Rulebook) -> None:
    apps = [app(f"m{i}", application_date="2018-05-10") for i in range(3)]
    p = kcrules.plan(apps, budget=10**12, year=2018, rulebook=rb,
                     achieved={"3.3-machinery": {"count": 48, "amount_vnd": 9_000_000_000}})
    e = by_id(p)
    assert [e[f"m{i}"].status for i in range(3)] == ["funded", "funded", "not_funded"]
    stop = e["m2"].stopped_by
    assert stop.kind == "target" and stop.ref == "3.3-machinery" and stop.citation.endswith("§II.3.3")
    machinery = next(t for t in p.targets if t.activity == "3.3-machinery")
    assert (machinery.open_for_plan, machinery.planned_count, machinery.percent_achieved,
            machinery.percent_after_plan) == (2, 2, "96", "100")
    assert "đạt 96% kế hoạch" in machinery.text and "đạt 100% kế hoạch" in machinery.text


def test_a_target_override_sets_the_units_open_for_the_plan(rb: kcrules.Rulebook) -> None:
    p = kcrules.plan([app("m0"), app("m1")], budget=10**12, year=2017, rulebook=rb, targets={"3.3-machinery": 1})
    assert [e.status for e in p.entries] == ["funded", "not_funded"]


def test_classes_count_towards_a_class_target(rb: kcrules.Rulebook) -> None:
    spec = rb._plan_spec
    assert spec.units["3.1-craft-training"] == "project.classes"


def test_at_most_two_overseas_fairs_per_establishment_and_year(rb: kcrules.Rulebook) -> None:
    apps = [fair("f1", "HTX Thêu Quất Động"), fair("f2", "htx theu  quat dong"), fair("f3", "HTX THÊU QUẤT ĐỘNG"),
            fair("g1", "Cơ sở khác", used=1), fair("g2", "Cơ sở khác", used=1), fair("n1", None), fair("n2", None)]
    p = kcrules.plan(apps, budget=10**12, year=2017, rulebook=rb)
    e = by_id(p)
    assert [e[k].status for k in ("f1", "f2", "f3")] == ["funded", "funded", "not_funded"]
    assert e["f3"].stopped_by.kind == "limit" and e["f3"].stopped_by.ref == "overseas_fairs_per_year"
    assert "Điều 4 khoản 1 điểm b" in e["f3"].stopped_by.citation
    assert [e[k].status for k in ("g1", "g2")] == ["funded", "not_funded"]  # one was used before the plan
    assert e["n1"].status == e["n2"].status == "funded"  # no name: each is its own establishment


def test_a_tax_code_identifies_an_establishment_whatever_its_name(rb: kcrules.Rulebook) -> None:
    apps = [fair("t1", "HTX Thêu Quất Động"), fair("t2", "Hợp tác xã thêu Quất Động"), fair("t3", "Quat Dong")]
    for a in apps:
        a["establishment"]["tax_code"] = "0101234567"
    apps.append(fair("t4", "Quat Dong"))  # same name as t3, no tax code: another establishment
    e = by_id(kcrules.plan(apps, budget=10**12, year=2017, rulebook=rb))
    assert [e[k].status for k in ("t1", "t2", "t3", "t4")] == ["funded", "funded", "not_funded", "funded"]


# ---------------------------------------------------------------- progress, as the program's review tables write it


@pytest.mark.parametrize("key", ["funded", "partial", "budget_skip", "budget_stop", "stopped", "target", "limit"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_ranked_sentence_begins_with_the_rank(key: str, lang: str) -> None:
    # The rest of such a sentence is written once for every application told alike and the
    # rank put in where the sentence splits (planning._Writer.why): no value may come before it.
    import string

    fields = [name for _text, name, _spec, _conv in string.Formatter().parse(planning._MSG[key][lang]) if name]
    assert fields[0] == "rank" and fields.count("rank") == 1


def test_percent_is_written_like_the_program_review_tables() -> None:
    assert _percent_text(_percent(178, 250), "vi") == "71,2%"  # QĐ 4892 §I.1.1: "đạt 71,2% kế hoạch"
    assert _percent_text(_percent(38, 120), "vi") == "31,67%"  # §I: machinery "đạt 31,67% kế hoạch"
    assert _percent_text(_percent(187, 100), "vi") == "187%"
    assert _percent_text(_percent(178, 250), "en") == "71.2%"
    assert _percent_text(_percent(1, 0), "vi") == "—"


def test_progress_without_applications_and_the_program_budget(rb: kcrules.Rulebook) -> None:
    achieved = {"3.1-craft-training": {"count": 450, "amount_vnd": 100_000_000_000}}
    p = kcrules.plan([], budget=0, year=2019, rulebook=rb, achieved=achieved, lang="en")
    craft = next(t for t in p.targets if t.activity == "3.1-craft-training")
    assert craft.percent_achieved == "75" and "450 of 600" in craft.text and "75% of the target" in craft.text
    assert p.program.program_budget_vnd == 163_400_000_000
    assert p.program.percent_achieved == "61.2"  # 100 of 163.4 billion, to two decimals


# ---------------------------------------------------------------- bad input: every problem at once


def test_every_problem_of_the_plan_input_at_once(rb: kcrules.Rulebook) -> None:
    apps = [app("same"), app("same"), {k: v for k, v in app("x").items() if k != "id"}]
    with pytest.raises(kcrules.ApplicationError) as err:
        kcrules.plan(apps, budget=-1, year=2015, rulebook=rb, policy="halt",  # type: ignore[arg-type]
                     achieved={"3.3-machinary": {"count": 1}}, effectiveness={"nobody": 1})
    wheres = {p.where for p in err.value.problems}
    assert {"policy", "budget", "year", "applications[1].id", "applications[2].id", "achieved.3.3-machinary",
            "effectiveness.nobody"} <= wheres
    suggestion = next(p.suggestion for p in err.value.problems if p.where == "achieved.3.3-machinary")
    assert suggestion == "3.3-machinery"


def test_invalid_applications_are_all_named(rb: kcrules.Rulebook) -> None:
    apps = [app("ok"), app("bad1", **{"establishment.employees": "many"}), app("bad2", activity="3.3-machinary")]
    with pytest.raises(kcrules.ApplicationError) as err:
        kcrules.plan(apps, budget=1, year=2017, rulebook=rb)
    wheres = [p.where for p in err.value.problems]
    assert any(w.startswith("applications[1] (bad1).establishment.employees") for w in wheres)
    assert any(w.startswith("applications[2] (bad2).activity") for w in wheres)


BROKEN_PLAN = """
[plan]
cite = { source = "tt46", article = 6, clause = 3 }
polcy = "skip"
policy = "halt"

[[plan.queues]]
id = "all"
label = { vi = "Tất cả", en = "All" }
cite = { source = "tt46", article = 6, clause = 3, point = "a" }
cleaner_production = false
order = ["priority_tier", "support_vnd"]

[plan.targets]
units = { "3.3-machinary" = "project.classes" }
assumption = "English only"

[[plan.limits]]
id = "fairs"
label = { vi = "Hội chợ", en = "Fairs" }
cite = { source = "tt46", article = 4, clause = 1, point = "b" }
activities = ["3.4-overseas-fair"]
max = 2
used = "project.overseas_fairs_used"
"""


def variant(tmp_path: Path, plan_toml: str) -> kcrules.Rulebook:
    head = """
    [rulebook]
    id = "hanoi-variant"
    extends = "hanoi-2016-2020"
    title = { vi = "Biến thể", en = "Variant" }
    """
    folder = write_rulebook(tmp_path / "hanoi-variant", {"rulebook.toml": head, "plan.toml": plan_toml})
    return kcrules.load_rulebook(folder, engine="native")


def test_a_malformed_plan_table_reports_every_problem_with_file_and_key(tmp_path: Path) -> None:
    # Checked when the rulebook loads, like every other table.
    with pytest.raises(kcrules.RuleFileError) as err:
        variant(tmp_path, BROKEN_PLAN)
    problems = {p.where.split(" ", 1)[1]: p for p in err.value.problems}
    assert all(p.where.startswith("hanoi-variant/plan.toml [plan") for p in err.value.problems)
    assert problems["[plan.polcy]"].suggestion == "policy"
    assert problems["[plan.policy]"].given == "halt"
    order_problems = [p for p in err.value.problems if p.where.endswith("[plan.queues[0].order]")]
    assert {p.given for p in order_problems} == {"priority_tier", "support_vnd"}  # unknown key; id not last
    assert next(p for p in order_problems if p.given == "priority_tier").suggestion == "priority_tiers"
    assert "cleaner production" in problems["[plan.queues]"].given  # those applications have no queue
    assert problems["[plan.targets.units.3.3-machinary]"].suggestion == "3.3-machinery"
    assert "Vietnamese and an English" in problems["[plan.targets.assumption]"].message
    assert "parameter" in problems["[plan.limits[0].max]"].message
    assert problems["[plan.limits[0].used]"].suggestion == "project.overseas_fairs_supported_this_year"


def test_a_rulebook_without_a_plan_table_says_so(mini: Path) -> None:
    with pytest.raises(kcrules.RuleFileError, match=r"no \[plan\] table"):
        kcrules.plan([], budget=0, year=2017, rulebook=kcrules.load_rulebook(mini))


def test_another_province_changes_the_order_in_a_file_not_in_code(tmp_path: Path) -> None:
    # Cleaner production first, then larger projects first, ignoring the tiers.
    text = """
    [plan]
    cite = { source = "tt46", article = 6, clause = 3 }
    policy = "stop"
    [[plan.queues]]
    id = "clean"
    label = { vi = "Sạch hơn", en = "Cleaner" }
    cite = { source = "tt46", article = 6, clause = 3, point = "b" }
    cleaner_production = true
    order = ["id"]
    [[plan.queues]]
    id = "rest"
    label = { vi = "Còn lại", en = "The rest" }
    cite = { source = "tt46", article = 6, clause = 3, point = "a" }
    order = ["-support_vnd", "id"]
    """
    rb = variant(tmp_path, text)
    apps = [app("area-a", **{"establishment.in_highland_border_ethnic_area": True}),
            app("big", **{"project.eligible_cost_vnd": 500_000_000}),
            app("clean", **{"establishment.applies_cleaner_production": True})]
    p = kcrules.plan(apps, budget=10**12, year=2017, rulebook=rb)
    assert order(p) == ["clean", "big", "area-a"] and p.policy == "stop"


# ---------------------------------------------------------------- the result is data


def test_the_plan_is_json_and_round_trips(rb: kcrules.Rulebook) -> None:
    p = kcrules.plan([app("a"), fair("f", "X"), app("n", **{"project.approved": False})], budget=150_000_000,
                     year=2017, rulebook=rb)
    data = json.loads(json.dumps(p.model_dump(mode="json")))
    assert planning.Plan.model_validate(data) == p
    assert data["entries"][0]["allocated_vnd"] == 100_000_000 and isinstance(data["budget_vnd"], int)


def test_the_cli_plan_text_json_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kcrules.cli import main

    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(a) for a in (app("a"), fair("f", "X"))) + "\n\n", encoding="utf-8")
    achieved = tmp_path / "achieved.toml"
    achieved.write_text('"3.3-machinery" = { count = 38, amount_vnd = 5_000_000_000 }\n', encoding="utf-8")
    assert main(["plan", str(path), "--budget", "32.000.000.000", "--year", "2017", "--achieved", str(achieved),
                 "--engine", "native"]) == 0
    out = capsys.readouterr().out
    assert "Hạng 1" in out and "đạt 76% kế hoạch" in out and "Giả định" in out
    assert main(["plan", str(path), "--budget", "100000000", "--year", "2017", "--format", "json",
                 "--engine", "native", "--policy", "stop"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["policy"] == "stop" and data["allocated_vnd"] == 100_000_000
    path.write_text(json.dumps(app("a")) + "\n" + json.dumps(app("b", activity="3.3-machinary")) + "\n",
                    encoding="utf-8")
    assert main(["plan", str(path), "--budget", "1", "--year", "2017", "--engine", "native"]) == 2
    err = capsys.readouterr().err
    assert "dòng 2" in err and "3.3-machinery" in err and "Traceback" not in err
    assert main(["plan", str(path), "--budget", "1", "--year", "2017", "--engine", "native", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "3.3-machinery" in err and "Traceback" not in err


@pytest.mark.parametrize("lang, words", [
    ("vi", ["dữ liệu kế hoạch không hợp lệ (7 lỗi)", "không thuộc năm kế hoạch 2031", "year: phải là một năm của Chương trình",
            "dòng 2: không phải JSON hợp lệ", "dòng 3.id: mã trùng (cũng là mã của dòng 1)",
            "achieved.3.3-machinery.count: phải là một số nguyên, từ 0 trở lên",
            "effectiveness.zz: không có hồ sơ nào mang mã này"]),
    ("en", ["invalid plan input (7 problems)", "not in the plan year 2031", "year: must be a year of the program",
            "line 2: not valid JSON", "line 3.id: duplicate id (also line 1)",
            "achieved.3.3-machinery.count: must be a whole number, 0 or more",
            "effectiveness.zz: no application has this id"]),
])
def test_the_plans_input_problems_are_in_the_chosen_language(tmp_path: Path, capsys: Any, lang: str,
                                                              words: list[str], rb: kcrules.Rulebook) -> None:
    path = tmp_path / "call.jsonl"
    path.write_text(json.dumps(app("a")) + "\nnot json\n" + json.dumps(app("a")) + "\n", encoding="utf-8")
    achieved = tmp_path / "achieved.json"
    achieved.write_text('{"3.3-machinery": {"count": -1}}', encoding="utf-8")
    ranks = tmp_path / "ranks.json"
    ranks.write_text('{"zz": 1}', encoding="utf-8")
    assert main(["plan", str(path), "--budget", "1", "--year", "2031", "--engine", "native", "--lang", lang,
                 "--achieved", str(achieved), "--effectiveness", str(ranks)]) == 2
    err = capsys.readouterr().err
    for text in words:
        assert text in err
    # The library's own message stays English, whatever the command's language.
    with pytest.raises(kcrules.ApplicationError) as caught:
        kcrules.plan([app("a"), app("a")], budget=-1, year=2017, rulebook=rb)
    assert "invalid plan input" in str(caught.value) and "duplicate id (also applications[0])" in str(caught.value)
    assert "mã trùng (cũng là mã của applications[0])" in caught.value.text("vi")


# ---------------------------------------------------------------- properties of the allocator


@st.composite
def candidates(draw: Any, bind: bool = True) -> tuple[list[_Candidate], int, dict[str, int]]:
    n = draw(st.integers(0, 12))
    out = []
    for i in range(n):
        activity = draw(st.sampled_from(("a", "b")))
        est = draw(st.sampled_from(("e1", "e2", "e3")))
        limits = ((0, 2, draw(st.integers(0, 2))),) if activity == "b" and bind else ()
        out.append(_Candidate(i, f"id{i}", activity, est, draw(st.integers(0, 100)), draw(st.integers(1, 3)),
                              limits, (i,)))
    budget = draw(st.integers(0, 400))
    open_units = {"a": draw(st.integers(0, 8))} if bind and draw(st.booleans()) else {}
    return out, budget, open_units


def allocations(cands: list[_Candidate], budget: int, policy: str, open_units: dict[str, int]) -> dict[int, int]:
    return {c.index: o.allocated for c, o in zip(cands, _allocate(cands, budget, policy, open_units))}


@SETTINGS
@given(case=candidates(), policy=st.sampled_from(planning.POLICIES))
def test_property_allocated_total_never_exceeds_the_budget(case: Any, policy: str) -> None:
    cands, budget, open_units = case
    outcomes = _allocate(cands, budget, policy, open_units)
    assert sum(o.allocated for o in outcomes) <= budget
    for c, o in zip(cands, outcomes):
        assert 0 <= o.allocated <= c.amount
        assert (o.allocated == c.amount) == (o.status == "funded") or c.amount == 0


@SETTINGS
@given(case=candidates())
def test_property_stop_never_funds_below_an_unexplained_gap(case: Any) -> None:
    cands, budget, open_units = case
    outcomes = _allocate(cands, budget, "stop", open_units)
    funded = [i for i, o in enumerate(outcomes) if o.status == "funded"]
    for i, o in enumerate(outcomes):
        if o.status != "funded" and any(j > i for j in funded):
            assert o.status in ("target", "limit"), (i, o)


@SETTINGS
@given(case=candidates(bind=False), policy=st.sampled_from(("stop", "partial")))
def test_property_removing_an_application_never_lowers_another(case: Any, policy: str) -> None:
    cands, budget, open_units = case
    before = allocations(cands, budget, policy, open_units)
    for k in range(len(cands)):
        after = allocations(cands[:k] + cands[k + 1:], budget, policy, open_units)
        assert all(after[i] >= before[i] for i in after)


@SETTINGS
@given(case=candidates(bind=True), policy=st.sampled_from(("stop", "partial")))
def test_property_with_targets_and_limits_removing_an_unfunded_one_never_lowers_another(case: Any,
                                                                                          policy: str) -> None:
    # A funded application that is removed can free a target slot or a limit for a lower-ranked one of
    # the same activity or establishment, which then takes budget another needed: that is the target
    # or limit at work (docs/planning.md). Removing one that got nothing never lowers anyone.
    # "Got nothing" is by status: one funded with 0 đồng still takes a target unit or a limit.
    cands, budget, open_units = case
    before = allocations(cands, budget, policy, open_units)
    outcomes = _allocate(cands, budget, policy, open_units)
    for k, c in enumerate(cands):
        if outcomes[k].status not in ("funded", "partial"):
            after = allocations(cands[:k] + cands[k + 1:], budget, policy, open_units)
            assert all(after[i] >= before[i] for i in after)


def test_removing_a_funded_one_can_lower_another_through_a_target() -> None:
    """The documented exception to monotonicity, pinned so the docs stay true."""
    x = _Candidate(0, "x", "a", "e1", 10, 1, (), (0,))
    y = _Candidate(1, "y", "a", "e2", 60, 1, (), (1,))
    z = _Candidate(2, "z", "b", "e3", 40, 1, (), (2,))
    assert allocations([x, y, z], 60, "stop", {"a": 1}) == {0: 10, 1: 0, 2: 40}
    assert allocations([y, z], 60, "stop", {"a": 1}) == {1: 60, 2: 0}


# ---------------------------------------------------------------- properties through kcrules.plan


@st.composite
def real_apps(draw: Any) -> list[dict]:
    n = draw(st.integers(1, 10))
    apps = []
    for i in range(n):
        flags = draw(st.sets(st.sampled_from(("in_highland_border_ethnic_area", "in_poor_district",
                                               "in_new_rural_commune", "has_export_contract",
                                               "applies_cleaner_production")), max_size=2))
        changes: dict[str, object] = {f"establishment.{f}": True for f in flags}
        changes["project.eligible_cost_vnd"] = draw(st.integers(0, 6)) * 100_000_000
        changes["application_date"] = f"2017-0{draw(st.integers(1, 3))}-01"
        changes["project.approved"] = draw(st.booleans()) or draw(st.booleans())
        if draw(st.booleans()):
            a = fair(f"f{i}", draw(st.sampled_from(("A", "B", None))), used=draw(st.integers(0, 1)),
                     cost=draw(st.integers(0, 3)) * 50_000_000)
            a["project"]["approved"] = changes["project.approved"]
        else:
            a = app(f"m{i}", **changes)
            a["establishment"]["name"] = draw(st.sampled_from(("A", "B", "C")))
        apps.append(a)
    return apps


@SLOW
@given(apps=real_apps(), budget=st.integers(0, 20).map(lambda n: n * 50_000_000), policy=st.sampled_from(planning.POLICIES),
       seed=st.integers(0, 2**16))
def test_property_plan_is_independent_of_input_order_and_within_budget(rb: kcrules.Rulebook, apps: list[dict],
                                                                         budget: int, policy: str, seed: int) -> None:
    achieved = {"3.3-machinery": {"count": 47, "amount_vnd": 0}}
    p = kcrules.plan(apps, budget=budget, year=2017, rulebook=rb, policy=policy, achieved=achieved)  # type: ignore[arg-type]
    shuffled = list(apps)
    random.Random(seed).shuffle(shuffled)
    q = kcrules.plan(shuffled, budget=budget, year=2017, rulebook=rb, policy=policy, achieved=achieved)  # type: ignore[arg-type]
    assert p == q
    assert p.allocated_vnd == sum(e.allocated_vnd for e in p.entries) <= budget
    if policy == "stop":
        funded_ranks = [e.rank for e in p.entries if e.status == "funded"]
        for e in p.entries:
            if e.eligible and e.status == "not_funded" and any(r > e.rank for r in funded_ranks):
                assert e.stopped_by.kind in ("target", "limit")


def test_deeply_nested_json_is_a_clear_error_not_a_crash(rb: kcrules.Rulebook, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from kcrules.cli import main

    nested = "[" * 100_000 + "]" * 100_000
    with pytest.raises(kcrules.ApplicationError, match="nested too deeply"):
        kcrules.plan([nested], budget=0, year=2017, rulebook=rb)
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(app("a")) + "\n" + "{\"a\": " * 100_000 + "\n", encoding="utf-8")
    assert main(["plan", str(path), "--budget", "1", "--year", "2017", "--engine", "native"]) == 2
    err = capsys.readouterr().err
    assert "dòng 2: không phải JSON hợp lệ: lồng quá sâu" in err and "Traceback" not in err


# ---------------------------------------------------------------- the columnar path against the row path


def call_of(rb: kcrules.Rulebook, n: int, seed: int) -> list[dict]:
    return [dict(a, id=f"c{seed}-{i}", application_date=f"2017-{1 + i % 12:02d}-{1 + i % 28:02d}")
            for i, a in enumerate(kcrules.testing.generate(rb, n, seed=seed))]


def outcome(rb: kcrules.Rulebook, apps: list[Any], **options: Any) -> Any:
    """The plan as data, or the error: its kind, every problem, and its text in both languages."""
    try:
        return kcrules.plan(apps, budget=20_000_000_000, year=2017, rulebook=rb, **options).model_dump()
    except kcrules.KcrulesError as err:
        problems = [(p.where, p.message, repr(p.given), p.allowed, p.suggestion, p.key, repr(p.values))
                    for p in getattr(err, "problems", ())]
        return type(err).__name__, problems, str(err), err.text("vi") if hasattr(err, "text") else ""


@pytest.fixture
def on_columns(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Calls of 100 applications or more are decided on the columnar path; how many each time."""
    pytest.importorskip("pyarrow")
    monkeypatch.setattr(planning, "COLUMNAR_FROM", 100)
    decided: list[int] = []
    columns = planning._decide_columns
    monkeypatch.setattr(planning, "_decide_columns", lambda *a: decided.append(columns(*a)) or decided[-1])
    return decided


@pytest.mark.parametrize(("seed", "lang"), [(1, "vi"), (2, "en")])
def test_a_large_call_decided_on_the_columnar_path_gives_the_same_plan(rb: kcrules.Rulebook, seed: int, lang: str,
                                                                      on_columns: list[int]) -> None:
    apps = call_of(rb, 400, seed)
    named = next(a for a in apps[7:] if a.get("establishment"))  # not a seed's luck: one that has an establishment
    named["establishment"] = dict(named["establishment"], name=" Cơ sở Đông Anh ")  # read by the model
    got = outcome(rb, apps, lang=lang)
    assert on_columns[0] >= 390, "the columnar path did not decide the call"
    assert got == outcome(rb, apps, lang=lang, engine="native")  # an engine asked for: row by row
    assert got["funded"] > 0 and got["eligible"] < len(apps)  # both outcomes were compared
    entry = by_id(kcrules.plan(apps, budget=1, year=2017, rulebook=rb))[named["id"]]
    assert entry.establishment == "Cơ sở Đông Anh"  # as the model strips it


class Count(int):
    pass


def _numpy_int(value: int) -> Any:
    import numpy as np

    return np.int64(value)


#: Ways to make one application of a call wrong, or right in a way Arrow cannot hold as it is given:
#: (object, field, the new value or a function of the old one); DELETE removes the field.
DELETE = object()
SPOILS: dict[str, tuple[str, str, Any]] = {
    "null_flag": ("establishment", "in_poor_district", None),  # None is not false
    "null_optional": ("establishment", "registered_district", None),  # None is absent
    "empty_applicant": ("", "applicant", {}),
    "applicant_of_nulls": ("", "applicant", {"name": None, "district": None}),
    "no_applicant": ("", "applicant", None),
    "numpy_int": ("establishment", "employees", _numpy_int),
    "int_subclass": ("establishment", "employees", Count),
    "float": ("establishment", "employees", float),
    "bool_for_int": ("establishment", "employees", True),
    "text_for_int": ("establishment", "employees", str),
    "most_employees": ("establishment", "employees", 10_000_000),
    "too_many_employees": ("establishment", "employees", 10_000_001),
    "huge_int": ("project", "eligible_cost_vnd", 2**70),
    "nan": ("project", "eligible_cost_vnd", float("nan")),
    "negative_cost": ("project", "eligible_cost_vnd", -1),
    "bytes_name": ("establishment", "name", b"Co so"),
    "spaced_name": ("establishment", "name", "  Cơ sở A "),
    "name_300": ("establishment", "name", "x" * 300),
    "name_301": ("establishment", "name", "x" * 301),
    "spaced_tax_code": ("establishment", "tax_code", " 0101234567"),
    "bad_tax_code": ("establishment", "tax_code", "12AB"),
    "spaced_id": ("", "id", lambda old: f" {old} "),
    "id_ends_in_unit_separator": ("", "id", lambda old: old + "\x1f"),  # Python strips it, the model does not
    "unknown_field": ("project", "machinery_color", "red"),
    "unknown_object": ("", "extra", {"a": 1}),
    "approved_level_alone": ("project", "approved_level_percent", 150),
    "unknown_district": ("establishment", "district", "Paris"),
    "district_by_name": ("establishment", "district", "Chuong My"),
    "out_of_year": ("", "application_date", "2018-01-05"),
    "first_day": ("", "application_date", "1990-01-01"),
    "before_first_day": ("", "application_date", "1989-12-31"),
    "not_a_day": ("", "application_date", "2017-02-30"),
    "not_a_start_day": ("project", "start_date", "2017-02-30"),
    "reversed_dates": ("project", "end_date", "2016-12-31"),
    "slashed_day": ("", "application_date", "05/03/2017"),
    "date_time": ("", "application_date", dt.datetime(2017, 5, 3, 10, 30)),
    "date": ("", "application_date", dt.date(2017, 5, 3)),
    "list": ("project", "classes", [1]),
    "no_project": ("", "project", DELETE),
}


@pytest.mark.parametrize("how", SPOILS)
def test_the_columnar_path_names_every_problem_as_the_row_path_does(rb: kcrules.Rulebook, how: str,
                                                                    on_columns: list[int]) -> None:
    # Each way an application can be wrong, or right in a way Arrow cannot hold as it is given,
    # in a call of valid ones: the plan, or every problem, must be the row path's.
    apps = [a for a in call_of(rb, 300, 3) if a.get("establishment")][:120]
    head, key, value = SPOILS[how]
    for i in (5, 70):
        part = apps[i][head] if head else apps[i]
        if value is DELETE:
            del part[key]
        else:
            part[key] = value(part[key]) if callable(value) else value
    got = outcome(rb, apps)
    assert on_columns, "the columnar path was not tried"
    assert got == outcome(rb, apps, engine="native")


# Found by the property below: an activity requiring the applicant's district, an application with an
# establishment and no applicant. The fact's applicant district takes the establishment's; the reader
# asks for the applicant's own, so the columnar path must leave the row to it.
NO_APPLICANT = {
    "application_date": "2016-01-01", "activity": "3.4-district-fair", "id": "app-0",
    "establishment": {"kind": "enterprise", "district": "Ba Đình", "employees": 50, "capital_vnd": 100_000_000_000,
                      "sector": "Chế biến nông - lâm - thủy sản và thực phẩm", "name": "HTX Mây tre đan Phú Vinh",
                      "sme_group": "Nông, lâm, thủy sản; công nghiệp và xây dựng", "product_line": "Dệt may",
                      "fired_clay_brick_kiln": True, "in_highland_border_ethnic_area": True,
                      "in_poor_district": True, "in_new_rural_commune": True},
    "project": {"approved": True, "counterpart_funding_committed": True, "other_state_funding": False,
                "eligible_cost_vnd": 1000000, "start_date": "2016-01-01", "end_date": "2016-04-01",
                "within_craft_village_festival": True, "fair_international_handicraft": True,
                "learners_rural_workers": True, "province": "ha_giang"}}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(bad=st.lists(mutated(), min_size=1, max_size=3), at=st.lists(st.integers(0, 110), min_size=3, max_size=3))
@example(bad=[NO_APPLICANT], at=[0, 0, 0])
def test_property_a_call_with_hostile_applications_gets_the_row_paths_plan_or_problems(
        rb: kcrules.Rulebook, bad: list[dict], at: list[int]) -> None:
    pytest.importorskip("pyarrow")
    apps: list[Any] = call_of(rb, 110, 4)
    for app, i in zip(bad, at):
        apps.insert(i, app)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(planning, "COLUMNAR_FROM", 100)
        got = outcome(rb, apps)
    assert got == outcome(rb, apps, engine="native")


def test_applications_that_are_not_mappings_are_decided_row_by_row(rb: kcrules.Rulebook,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyarrow")
    apps = [rb.parse_application(a) for a in call_of(rb, 30, 5)]
    monkeypatch.setattr(planning, "COLUMNAR_FROM", 10)
    monkeypatch.setattr(type(rb), "evaluate_table", lambda *a, **k: pytest.fail("an Application went to Arrow"))
    assert kcrules.plan(apps, budget=10_000_000_000, year=2017, rulebook=rb).applications == 30


def test_entries_built_without_validation_equal_validated_ones(rb: kcrules.Rulebook) -> None:
    # The plan assembles its entries and stops from checked values (no second validation):
    # each must be exactly what pydantic would make of its own JSON.
    apps = [dict(a, id=f"v{i}", application_date="2017-06-01")
            for i, a in enumerate(kcrules.testing.generate(rb, 300, seed=11))]
    result = kcrules.plan(apps, budget=5_000_000_000, year=2017, rulebook=rb, policy="partial")
    assert {e.status for e in result.entries} >= {"funded", "not_funded", "ineligible"}
    for entry in result.entries:
        again = planning.PlanEntry.model_validate_json(entry.model_dump_json())
        assert again == entry and type(again.rank_key) is type(entry.rank_key)
    assert planning.Plan.model_validate_json(result.model_dump_json()) == result
