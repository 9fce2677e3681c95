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


# ---------------------------------------------------------------- the same table, read another way

APPS = [a for a in generate(HANOI, 400, seed=21)]


def _retyped(table: Any, name: str, typ: Any) -> Any:
    flat = table.flatten()
    return flat.set_column(flat.column_names.index(name), name, flat.column(name).cast(typ))


def test_columns_without_nulls_sliced_and_in_chunks_read_as_one_whole_column() -> None:
    # Buffers are read directly: a slice starts at an offset into them, a chunked column is joined,
    # and a column with no nulls has no validity bitmap at all.
    table = table_of(APPS)
    whole = HANOI.evaluate_table(table)
    chunked = pa.concat_tables([table.slice(0, 150), table.slice(150)])
    assert chunked.column("project").num_chunks == 2
    assert HANOI.evaluate_table(chunked).drop_columns(["row"]).equals(whole.drop_columns(["row"]))
    sliced = table_of(APPS).slice(37, 200)
    assert_same(HANOI, APPS[37:237], table=sliced)
    complete = [a for a in APPS if "establishment" in a and "employees" in a["establishment"]]
    table = table_of(complete)
    assert table.column("establishment").null_count == 0
    assert_same(HANOI, complete, table=table)


@pytest.mark.parametrize(("name", "typ"), [("establishment.employees", "int32"),
                                         ("establishment.employees", "uint16"),
                                         ("project.eligible_cost_vnd", "uint64"),
                                         ("project.learners", "int8")])
def test_narrow_and_unsigned_integers_decide_as_int64_does(name: str, typ: str) -> None:
    table = _retyped(table_of(APPS), name, getattr(pa, typ)())  # every value fits (the cast checks it)
    assert table.schema.field(name).type == getattr(pa, typ)()
    assert_same(HANOI, APPS, table=table)


def test_an_unsigned_integer_past_int64_gets_the_row_paths_error() -> None:
    apps = APPS[:5]
    table = table_of(apps).flatten()
    name = "project.eligible_cost_vnd"
    costs = pa.array([2**64 - 1] + table.column(name).to_pylist()[1:], pa.uint64())
    result = HANOI.evaluate_table(table.set_column(table.column_names.index(name), name, costs))
    assert result.column("error_kind").to_pylist()[0] == "ApplicationError"
    assert "eligible_cost_vnd" in result.column("error").to_pylist()[0]
    assert result.column("error").null_count == 4


def test_dates_as_text_as_date32_and_dictionary_encoded_text_decide_the_same() -> None:
    apps = [dict(a) for a in APPS]
    apps[3] = dict(apps[3], application_date="2017-02-30")  # no such day: the row path's error
    apps[4] = dict(apps[4], application_date="2017-5-1")    # not YYYY-MM-DD: the row path's answer
    text = table_of(apps)
    expected = assert_same(HANOI, apps, table=text)
    flat = text.flatten()
    encoded = flat.set_column(flat.column_names.index("application_date"), "application_date",
                              flat.column("application_date").dictionary_encode())
    assert HANOI.evaluate_table(encoded).equals(expected)
    good = [a for i, a in enumerate(apps) if i not in (3, 4)]
    typed = table_of(good).flatten()
    for name in ("application_date", "project.start_date", "project.end_date"):
        days = pa.array([None if v is None else dt.date.fromisoformat(v) for v in typed.column(name).to_pylist()],
                        pa.date32())
        typed = typed.set_column(typed.column_names.index(name), name, days)
    assert HANOI.evaluate_table(typed).equals(HANOI.evaluate_table(table_of(good)))


def test_names_are_checked_by_characters_and_ids_may_be_dictionary_encoded() -> None:
    apps = [dict(a, id=f"HS-{i}") for i, a in enumerate(APPS[:30])]
    long_name = "Hợp tác xã Hà Nội " * 16  # 288 characters, more than 300 bytes: within the limit
    apps[1] = dict(apps[1], applicant=dict(apps[1].get("applicant", {"kind": "establishment"}), name=long_name))
    apps[2] = dict(apps[2], applicant=dict(apps[2].get("applicant", {"kind": "establishment"}), name="ồ" * 301))
    apps[3] = dict(apps[3], id="x" * 121)
    table = table_of(apps)
    result = assert_same(HANOI, apps, table=table)
    errors = result.column("error").to_pylist()
    assert errors[1] is None and errors[2] is not None and errors[3] is not None
    flat = table.flatten()
    encoded = flat.set_column(flat.column_names.index("id"), "id", flat.column("id").dictionary_encode())
    assert HANOI.evaluate_table(encoded).drop_columns(["id"]).equals(result.drop_columns(["id"]))


def test_outcomes_left_out_change_no_other_column() -> None:
    apps = APPS + [dict(APPS[0], activity="3.9-teleport")]
    full = HANOI.evaluate_table(table_of(apps))
    lean = HANOI.evaluate_table(table_of(apps), outcomes=False)
    kept = [c for c in full.column_names if not c.startswith("outcome/")]
    assert lean.column_names == kept and len(kept) < len(full.column_names)
    assert lean.equals(full.select(kept))
    assert lean.column("error").null_count == len(apps) - 1


def test_warnings_and_failures_are_lists_of_texts() -> None:
    result = assert_same(HANOI, APPS)
    for name in ("failed", "warnings"):
        assert pa.types.is_string(result.schema.field(name).type.value_type.value_type)
        assert all(isinstance(t, str) for row in result.column(name).to_pylist() for t in row)
    assert sum(len(w) for w in result.column("warnings").to_pylist()) > len(APPS)


def test_outcome_columns_hold_one_byte_indices_null_where_not_checked() -> None:
    apps = generate(None, 300, seed=41)
    result = HANOI.evaluate_table(table_of(apps))
    columns = [name for name in result.column_names if name.startswith("outcome/")]
    assert columns
    for name in columns:
        assert result.schema.field(name).type == pa.dictionary(pa.int8(), pa.string())
    for app, row in zip(apps, result.to_pylist()):
        if row["activity"] is None:
            continue
        checked = {c.id for c in HANOI.criteria_of(row["activity"])}
        for name in columns:  # a criterion of another activity was not checked: null, not an outcome
            assert (row[name] is None) == (name.removeprefix("outcome/") not in checked), (app.get("id"), name)
            assert row[name] in (None, "met", "not_met", "not_applicable")
