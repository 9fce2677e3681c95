"""What-if and the smallest changes as a library: typed results, JSON forms, errors that name the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import kcrules
import kcrules.whatif
from kcrules.whatif import DEFAULT_FIXED

ROOT = Path(__file__).resolve().parents[1]
MACHINERY = json.loads((ROOT / "examples" / "machinery-gia-lam.json").read_text(encoding="utf-8"))
REFUSED = json.loads((ROOT / "examples" / "3.3-machinery-refused.json").read_text(encoding="utf-8"))


def _with(app: dict[str, Any], part: str, **values: Any) -> dict[str, Any]:
    return dict(app, **{part: dict(app[part], **values)})


# ---------------------------------------------------------------- what_if


def test_the_module_names_its_public_parts_sorted() -> None:
    for name in kcrules.whatif.__all__:  # sorted: tests/test_layers.py checks every __all__
        assert hasattr(kcrules.whatif, name), name
    assert {"Change", "Difference", "Suggestion", "WhatIf", "parse_changes", "smallest_changes",
            "what_if"} <= set(kcrules.__all__)


def test_what_if_gives_the_new_application_decision_and_difference(hanoi: kcrules.Rulebook) -> None:
    result = kcrules.what_if(hanoi, REFUSED, {"project.machinery_new": True}, lang="en")
    assert isinstance(result, kcrules.WhatIf)
    assert result.changes == (kcrules.Change(field="project.machinery_new", old=False, new=True),)
    assert result.application.project.machinery_new is True
    assert result.before == hanoi.evaluate(REFUSED, lang="en")
    assert result.after == hanoi.evaluate(result.application, lang="en")
    diff = result.difference
    assert (diff.eligible.before, diff.eligible.after) == (False, True)
    assert (diff.amount_vnd.before, diff.amount_vnd.after) == (0, 150_000_000)  # 50 % of 300 million
    assert [(c.criterion, c.before, c.after) for c in diff.criteria] == [("activity.machinery_new", "not_met", "met")]
    assert diff.criteria[0].label == "The machinery is new"
    assert not diff.unchanged


def test_what_if_names_normalised_codes_and_removed_fields(hanoi: kcrules.Rulebook) -> None:
    result = kcrules.what_if(hanoi, MACHINERY, {"establishment.district": "Thường Tín",
                                                "establishment.capital_vnd": None})
    by_field = {c.field: c for c in result.changes}
    assert by_field["establishment.district"].old == "gia_lam"
    assert by_field["establishment.district"].new == "thuong_tin"  # the code the name means
    assert by_field["establishment.capital_vnd"].new is None
    assert result.application.establishment.capital_vnd is None


def test_a_change_that_changes_nothing(hanoi: kcrules.Rulebook) -> None:
    result = kcrules.what_if(hanoi, MACHINERY, {"establishment.name": "Another name"})
    assert result.difference.unchanged
    assert result.difference.criteria == ()
    assert not result.difference.amount_vnd.changed


def test_what_if_is_json_serialisable_and_reads_back(hanoi: kcrules.Rulebook) -> None:
    result = kcrules.what_if(hanoi, MACHINERY, {"project.eligible_cost_vnd": 100_000_000}, lang="en")
    data = json.loads(result.model_dump_json())
    assert data["changes"] == [{"field": "project.eligible_cost_vnd", "old": 700_000_000,
                                "new": 100_000_000, "one_of": []}]
    assert data["difference"]["amount_vnd"] == {"before": 200_000_000, "after": 50_000_000}
    assert data["application"]["project"]["eligible_cost_vnd"] == 100_000_000
    assert kcrules.WhatIf.model_validate_json(result.model_dump_json()).difference == result.difference
    assert "difference" in kcrules.WhatIf.model_json_schema()["properties"]


def test_what_if_refuses_unknown_fields_all_at_once(hanoi: kcrules.Rulebook) -> None:
    with pytest.raises(kcrules.InputError) as caught:
        kcrules.what_if(hanoi, MACHINERY, {"establishment.employes": 5, "project.aproved": True})
    problems = {p.where: p for p in caught.value.problems}
    assert problems["establishment.employes"].suggestion == "establishment.employees"
    assert problems["project.aproved"].suggestion == "project.approved"
    assert problems["project.aproved"].allowed
    assert "did you mean 'establishment.employees'?" in str(caught.value)


def test_what_if_refuses_a_change_that_makes_the_application_invalid(hanoi: kcrules.Rulebook) -> None:
    with pytest.raises(kcrules.ApplicationError) as caught:
        kcrules.what_if(hanoi, MACHINERY, {"establishment.employees": "forty"})
    assert [p.where for p in caught.value.problems] == ["establishment.employees"]
    with pytest.raises(kcrules.InputError):
        kcrules.what_if(hanoi, MACHINERY, ["establishment.employees=40"])  # type: ignore[arg-type]


# ---------------------------------------------------------------- parse_changes


def test_parse_changes_reads_text_as_typed_values(hanoi: kcrules.Rulebook) -> None:
    changes = kcrules.parse_changes(hanoi, ["establishment.employees=1.200", "project.approved=không",
                                            "establishment.district=gia lam", "application_date=10/05/2017",
                                            "establishment.capital_vnd="])
    assert changes == {"establishment.employees": 1200, "project.approved": False,
                       "establishment.district": "gia_lam", "application_date": "2017-05-10",
                       "establishment.capital_vnd": None}
    assert kcrules.parse_changes(hanoi, {"project.eligible_cost_vnd": "700.000.000 đ"}) == \
        {"project.eligible_cost_vnd": 700_000_000}
    assert kcrules.parse_changes(hanoi, "project.approved=yes") == {"project.approved": True}


def test_parse_changes_names_every_bad_item(hanoi: kcrules.Rulebook) -> None:
    with pytest.raises(kcrules.InputError) as caught:
        kcrules.parse_changes(hanoi, ["establishment.employes=5", "employees", "project.approved=maybe",
                                      "establishment.district=Gia Lamm", "project.eligible_cost_vnd=12.5",
                                      "project.approved=yes", "activity="])
    problems = caught.value.problems
    assert [p.where for p in problems] == ["establishment.employes", "employees", "project.approved",
                                           "establishment.district", "project.eligible_cost_vnd",
                                           "project.approved", "activity"]
    assert problems[0].suggestion == "establishment.employees"
    assert "FIELD=VALUE" in problems[1].message
    assert problems[2].given == "maybe" and "yes or no" in problems[2].message
    district = problems[3]
    assert district.given == "Gia Lamm" and district.suggestion == "Gia Lâm"
    assert district.allowed is not None and "gia_lam" in district.allowed.split(", ")
    assert problems[4].given == "12.5"  # never read as 125
    assert "more than once" in problems[5].message
    assert "required" in problems[6].message
    assert str(caught.value).startswith("invalid changes (7 problems):")
    assert all(p.as_dict()["where"] for p in problems)  # JSON-ready


# ---------------------------------------------------------------- smallest_changes


def _too_big_and_unapproved() -> dict[str, Any]:
    # An enterprise too big for an SME (no capital given: 320 workers > 300) whose project is not approved.
    app = _with(MACHINERY, "project", approved=False)
    return dict(app, establishment={"kind": "enterprise", "district": "Chuong My", "sector": "handicraft",
                                    "employees": 320})


def test_smallest_changes_are_typed_exact_and_verified(hanoi: kcrules.Rulebook) -> None:
    app = _too_big_and_unapproved()
    found = kcrules.smallest_changes(hanoi, app)
    assert found and all(isinstance(s, kcrules.Suggestion) for s in found)
    first = found[0]
    assert {(c.field, c.old, c.new) for c in first.changes} == {("establishment.employees", 320, 300),
                                                                 ("project.approved", False, True)}
    sizes = [len(s.changes) for s in found]
    assert sizes == sorted(sizes)  # fewest fields first
    for suggestion in found:
        result = kcrules.what_if(hanoi, app, {c.field: c.new for c in suggestion.changes})
        assert result.after.eligible
        assert result.after.support.amount_vnd == suggestion.amount_vnd
        assert not any(c.field in DEFAULT_FIXED for c in suggestion.changes)


def test_smallest_changes_offer_the_codes_any_of_which_would_do(hanoi: kcrules.Rulebook) -> None:
    urban = _with(MACHINERY, "establishment", district="Hoan Kiem")
    assert kcrules.smallest_changes(hanoi, urban) == ()  # the district is held fixed by default
    found = kcrules.smallest_changes(hanoi, urban, fixed=("establishment.kind",), limit=1)
    assert len(found) == 1
    (change,) = found[0].changes
    assert change.field == "establishment.district" and change.old == "hoan_kiem"
    assert "soc_son" in change.one_of and "hoan_kiem" not in change.one_of  # rural districts only
    assert change.new == change.one_of[0]
    assert json.loads(found[0].model_dump_json())["changes"][0]["one_of"] == list(change.one_of)


def test_smallest_changes_of_an_eligible_application_is_empty(hanoi: kcrules.Rulebook) -> None:
    assert kcrules.smallest_changes(hanoi, MACHINERY) == ()


def test_a_held_part_holds_all_its_fields(hanoi: kcrules.Rulebook) -> None:
    found = kcrules.smallest_changes(hanoi, _too_big_and_unapproved(), fixed=("establishment",))
    assert found == ()  # the size test reads only the establishment


@pytest.mark.parametrize("kwargs, where, suggestion", [
    ({"fixed": ("establishment.distrct",)}, "fixed", "establishment.district"),
    ({"fixed": ("projet",)}, "fixed", "project"),
])
def test_smallest_changes_refuse_unknown_fixed_facts(hanoi: kcrules.Rulebook, kwargs: dict[str, Any],
                                                     where: str, suggestion: str) -> None:
    with pytest.raises(kcrules.InputError) as caught:
        kcrules.smallest_changes(hanoi, REFUSED, **kwargs)
    (problem,) = caught.value.problems
    assert (problem.where, problem.suggestion) == (where, suggestion)


@pytest.mark.parametrize("kwargs", [{"limit": 0}, {"limit": True}, {"fixed": "establishment.kind"}])
def test_smallest_changes_refuse_bad_arguments(hanoi: kcrules.Rulebook, kwargs: dict[str, Any]) -> None:
    with pytest.raises(kcrules.InputError):
        kcrules.smallest_changes(hanoi, REFUSED, **kwargs)
