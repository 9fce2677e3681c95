"""Regressions for bad inputs found by fuzzing: each one is decided or refused with a clear error.

Every test here failed on the code before its fix.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import machinery_app

import kcrules
from kcrules import ApplicationError

RB = kcrules.load_rulebook(engine="native")


def problems_of(app: Any) -> dict[str, Any]:
    with pytest.raises(ApplicationError) as info:
        RB.evaluate(app)
    return {p.where: p for p in info.value.problems}


# ---------------------------------------------------------------- 1: text is text


@pytest.mark.parametrize("path", ["establishment.sme_group", "establishment.district", "establishment.kind",
                                  "establishment.sector", "establishment.registered_district",
                                  "establishment.name", "id", "activity"])
def test_a_text_field_given_as_bytes_is_refused(path: str) -> None:
    app = machinery_app(**{path: b"zzz", "establishment.employees": 5000,
                           "establishment.capital_vnd": 900_000_000_000})
    found = problems_of(app)
    assert path in found and "string" in found[path].message


@pytest.mark.parametrize("value", [b"2017-05-10", 1494374400, 1494374400.0, "1494374400", "2017-05-10T00:00:00"])
def test_a_date_is_a_date_or_iso_text_only(value: Any) -> None:
    found = problems_of(machinery_app(application_date=value))
    assert "YYYY-MM-DD" in found["application_date"].message


def test_iso_text_and_date_objects_are_still_dates() -> None:
    import datetime as dt

    assert RB.parse_application(machinery_app(application_date="2017-05-10")).application_date == dt.date(2017, 5, 10)
    assert RB.parse_application(machinery_app(application_date=dt.date(2017, 5, 10))).application_date.year == 2017


# ---------------------------------------------------------------- 8: every problem at once


def test_type_errors_do_not_hide_missing_facts() -> None:
    app = machinery_app(**{"activity": "3.1-craft-training", "project.eligible_cost_vnd": -1,
                           "project.start_date": "10 May"})
    found = problems_of(app)
    assert {"project.eligible_cost_vnd", "project.start_date", "project.learners"} <= set(found)
    assert "required" in found["project.learners"].message
