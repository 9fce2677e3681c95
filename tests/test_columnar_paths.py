"""Each fast path of the columnar reader and writer gives what the plain path gives.

The columnar path reads Arrow buffers without copying where a column has no nulls, keeps
narrow integers narrow, parses each distinct date text once, computes calendar functions once
per day of the span a column covers and can leave the outcome columns out; each of these is
compared here with the path it shortens (and, through ``assert_same``, with ``evaluate``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kcrules.rulefiles.cond_ast import FUNCTIONS as ROW_FUNCTIONS
from kcrules.testing import generate

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")

from kcrules.columnar.vector import FUNCTIONS  # noqa: E402 (needs the columnar extra)
from tests.test_columnar import HANOI, assert_same, table_of  # noqa: E402

DATES = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))


def _row_values(name: str, args: tuple[list[int], ...]) -> list[int | None]:
    """The row path's function on each row (day ordinals in, day ordinals or numbers out)."""
    out: list[int | None] = []
    for row in zip(*args):
        try:
            out.append(ROW_FUNCTIONS[name][2](*row))
        except (ValueError, OverflowError):  # past the calendar: no value, as compile_value says
            out.append(None)
    return out


def _column_values(name: str, args: tuple[list[int], ...]) -> list[int | None]:
    values, ok = FUNCTIONS[name](*[np.array(a, dtype=np.int64) for a in args])
    return [int(v) if k else None for v, k in zip(values, ok)]


@settings(max_examples=60, deadline=None)
@given(first=DATES, span=st.integers(0, 1200), months=st.integers(0, 130_000), seed=st.integers(0, 2**32 - 1))
def test_calendar_functions_over_a_long_column_are_those_of_the_row_path(first: dt.date, span: int, months: int,
                                                                          seed: int) -> None:
    # 5,000 days within 1,200 days of each other: computed once per day of the span, then looked up.
    rng = np.random.default_rng(seed)
    last = min(first.toordinal() + span, dt.date(9999, 12, 31).toordinal())
    days = rng.integers(first.toordinal(), last + 1, 5000).tolist()
    others = rng.integers(first.toordinal(), last + 1, 5000).tolist()
    counts = rng.integers(-months - 1, months + 1, 5000).tolist()
    cases = {
        "full_years_between": (days, others), "end_of_previous_year": (days,), "year": (days,),
        "add_months": (days, counts), "add_years": (days, [c // 12 for c in counts]), "days_between": (days, others),
    }
    for name, args in cases.items():
        expected = _row_values(name, args)
        assert _column_values(name, args) == expected, name
        # A short column is computed directly: the same values.
        assert _column_values(name, tuple(a[:50] for a in args)) == expected[:50], name


def test_a_long_column_spanning_the_whole_calendar_is_computed_directly() -> None:
    days = [dt.date(1, 1, 1).toordinal(), dt.date(9999, 12, 31).toordinal()] * 1000
    assert _column_values("add_years", (days, [1] * 2000))[:2] == [dt.date(2, 1, 1).toordinal(), None]
    assert _column_values("end_of_previous_year", (days,))[:2] == [None, dt.date(9998, 12, 31).toordinal()]
    assert _column_values("year", (days,)) == _row_values("year", (days,))
