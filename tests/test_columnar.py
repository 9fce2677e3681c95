"""The columnar path (Rulebook.evaluate_table) decides every row as Rulebook.evaluate does."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kcrules
from kcrules.testing import applications, generate

pa = pytest.importorskip("pyarrow")

HANOI = kcrules.load_rulebook(engine="native")


def table_of(apps: list[dict[str, Any]]) -> Any:
    """A table whose columns are inferred from every row (Table.from_pylist reads the first row's keys only)."""
    return pa.Table.from_struct_array(pa.array(apps))


def expected(rb: kcrules.Rulebook, app: dict[str, Any], on: dt.date | None = None) -> dict[str, Any]:
    """What the row-by-row path decides, in the columnar result's terms."""
    try:
        d = rb.evaluate(app, explain=False, on=on)
    except kcrules.KcrulesError as err:
        return {"error_kind": type(err).__name__, "error": str(err)}
    return {
        "eligible": d.eligible, "amount_vnd": d.support.amount_vnd, "bound": d.support.bound,
        "score": d.priority.score, "rank_key": list(d.priority.rank_key),
        "failed": [r.criterion for r in d.reasons if r.kind == "eligibility" and r.outcome == "not_met"],
        "warnings": [w.parameter for w in d.warnings],
        "outcomes": {r.criterion: r.outcome for r in d.reasons},
    }


def got(row: dict[str, Any]) -> dict[str, Any]:
    if row["error"] is not None:
        return {"error_kind": row["error_kind"], "error": row["error"]}
    keep = ("eligible", "amount_vnd", "bound", "score", "rank_key", "failed", "warnings")
    out = {k: row[k] for k in keep}
    out["outcomes"] = {k[len("outcome/"):]: v for k, v in row.items() if k.startswith("outcome/") and v is not None}
    return out


def assert_same(rb: kcrules.Rulebook, apps: list[dict[str, Any]], table: Any = None,
                on: dt.date | None = None) -> Any:
    result = rb.evaluate_table(table_of(apps) if table is None else table, on=on)
    assert result.num_rows == len(apps)
    rows = result.to_pylist()
    for i, (app, row) in enumerate(zip(apps, rows)):
        assert row["row"] == i
        assert got(row) == expected(rb, app, on), (i, app)
    return result


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_populations_decide_the_same_on_both_paths(seed: int) -> None:
    apps = list(generate(HANOI, 1500, seed=seed))
    result = assert_same(HANOI, apps)
    assert 0 < sum(result.column("eligible").to_pylist()) < len(apps)  # both verdicts exercised


def test_the_durable_rulebook_gives_the_same_table() -> None:
    apps = list(generate(HANOI, 300, seed=3))
    durable = kcrules.load_rulebook()
    assert durable.evaluate_table(table_of(apps)).equals(HANOI.evaluate_table(table_of(apps)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(apps=st.lists(applications(), min_size=1, max_size=12))
def test_any_valid_population_decides_the_same(apps: list[dict[str, Any]]) -> None:
    assert_same(HANOI, apps)


def _spoil(app: dict[str, Any], how: str) -> dict[str, Any]:
    bad = copy.deepcopy(app)
    if how == "district":
        bad["establishment"]["district"] = "Paris"
    elif how == "negative_cost":
        bad["project"]["eligible_cost_vnd"] = -5
    elif how == "old_date":
        bad["application_date"] = "1980-01-01"
    elif how == "no_project":
        del bad["project"]
    elif how == "dates_reversed":
        bad["project"]["start_date"], bad["project"]["end_date"] = "2017-06-01", "2017-05-01"
    elif how == "unknown_activity":
        bad["activity"] = "3.9-teleport"
    elif how == "spaced_id":
        bad["id"] = "  HS-1  "
    elif how == "bad_tax_code":
        bad["establishment"]["tax_code"] = "12AB"
    return bad


@pytest.mark.parametrize("how", ["district", "negative_cost", "old_date", "no_project", "dates_reversed",
                                 "unknown_activity", "spaced_id", "bad_tax_code"])
def test_a_bad_row_gets_the_row_paths_error_and_the_others_are_decided(how: str) -> None:
    apps = [a for a in generate(HANOI, 40, seed=5) if a.get("establishment")][:6]
    apps[2] = _spoil(apps[2], how)
    result = assert_same(HANOI, apps)
    errors = result.column("error").to_pylist()
    assert sum(e is not None for e in errors) <= 1
    if how not in ("spaced_id",):
        assert errors[2] is not None


def test_codes_by_name_without_accents_and_dictionary_columns() -> None:
    app = {"id": "a", "application_date": "2017-05-10", "activity": "3.3-machinery",
           "establishment": {"kind": "cooperative", "district": "Chuong My", "sector": "handicraft",
                             "employees": 20, "capital_vnd": 5_000_000_000},
           "project": {"approved": True, "counterpart_funding_committed": True, "other_state_funding": False,
                       "eligible_cost_vnd": 700_000_000, "machinery_new": True, "machinery_improves": True,
                       "machinery_one_kind": True}}
    table = table_of([app, dict(app, id="b")])
    flat = table.flatten()
    district = flat.column("establishment.district").dictionary_encode()
    flat = flat.set_column(flat.column_names.index("establishment.district"), "establishment.district", district)
    one = assert_same(HANOI, [app, dict(app, id="b")], table=flat)
    assert one.column("amount_vnd").to_pylist() == [HANOI.evaluate(app).support.amount_vnd] * 2


def test_an_approved_priority_level_is_decided_as_the_row_path_decides_it() -> None:
    plain = {"id": "a", "application_date": "2017-05-10", "activity": "3.3-machinery",
             "establishment": {"kind": "cooperative", "district": "Chuong My", "sector": "handicraft",
                               "employees": 60, "has_export_contract": True},
             "project": {"approved": True, "counterpart_funding_committed": True, "other_state_funding": False,
                         "eligible_cost_vnd": 700_000_000, "machinery_new": True, "machinery_improves": True,
                         "machinery_one_kind": True}}
    approved = dict(plain, id="b", project=dict(plain["project"], approved_level_percent=150,
                                                  approved_by="UBND thành phố Hà Nội", approved_decision="QĐ 1"))
    result = assert_same(HANOI, [plain, approved])
    assert result.column("amount_vnd").to_pylist() == [200_000_000, 300_000_000]


def test_typed_columns_dates_and_a_record_batch() -> None:
    apps = list(generate(HANOI, 50, seed=8))
    table = table_of(apps)
    dates = pa.array([dt.date.fromisoformat(a["application_date"]) for a in apps], pa.date32())
    typed = table.set_column(table.column_names.index("application_date"), "application_date", dates)
    assert_same(HANOI, apps, table=typed.to_batches()[0] if typed.num_rows else typed)


def test_a_column_of_the_wrong_type_is_reported_per_row_as_the_row_path_does() -> None:
    apps = list(generate(HANOI, 20, seed=9))
    table = table_of(apps).flatten()
    name = "establishment.employees"
    as_text = pa.array([None if v is None else str(v) for v in table.column(name).to_pylist()], pa.string())
    table = table.set_column(table.column_names.index(name), name, as_text)
    result = HANOI.evaluate_table(table)
    for app, row in zip(apps, result.to_pylist()):
        if "establishment" in app:
            assert row["error_kind"] == "ApplicationError"
            assert "establishment.employees" in row["error"]


def test_an_unknown_column_is_refused_with_a_suggestion() -> None:
    table = pa.table({"application_date": ["2017-05-10"], "activty": ["3.3-machinery"]})
    with pytest.raises(kcrules.InputError, match="did you mean 'activity'"):
        HANOI.evaluate_table(table)


def test_evaluating_on_a_date_uses_that_law() -> None:
    apps = list(generate(HANOI, 200, seed=10))
    assert_same(HANOI, apps, on=dt.date(2019, 6, 1))


class DecidePartition:
    """Decides one pandas partition; dask names the task by the rulebook's version, not by pickling it."""

    def __init__(self, rulebook: kcrules.Rulebook) -> None:
        self.rulebook = rulebook

    def __dask_tokenize__(self) -> tuple[str, str]:
        return (self.rulebook.id, self.rulebook.version)

    def __call__(self, part: Any) -> Any:
        out = self.rulebook.evaluate_table(pa.Table.from_pandas(part, preserve_index=False)).to_pandas()
        out["row"] = part.index.to_numpy()  # the partition's rows, numbered in the whole frame
        return out


def test_pandas_and_dask_partitions_give_the_whole_tables_result() -> None:
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    apps = list(generate(HANOI, 240, seed=12))
    flat = table_of(apps).flatten()
    whole = HANOI.evaluate_table(flat).to_pandas()
    decide = DecidePartition(HANOI)
    # Arrow-backed pandas columns keep whole numbers whole where some are missing (NumPy-backed ones turn
    # them into floats, which an application refuses).
    frame = dd.from_pandas(flat.to_pandas(types_mapper=pd.ArrowDtype), npartitions=4)
    meta = decide(flat.slice(0, 2).to_pandas(types_mapper=pd.ArrowDtype))
    parts = frame.map_partitions(decide, meta=meta).compute(scheduler="sync")
    parts = parts.sort_values("row").reset_index(drop=True)
    assert frame.npartitions == 4
    assert whole["error"].isna().all()  # every row decided, so the comparison below compares decisions
    for column in ("eligible", "amount_vnd", "bound", "score", "error"):
        assert parts[column].astype(str).tolist() == whole[column].astype(str).tolist(), column
    assert isinstance(parts, pd.DataFrame)


def test_an_activity_whose_every_row_lacks_a_needed_fact_is_left_to_the_row_path() -> None:
    # Table.from_pylist takes the first row's keys only: a later row loses facts its activity
    # needs, so none of that activity's rows is decided column-wise, and the row path says why.
    table = pa.Table.from_pylist(generate(None, 3, seed=1))
    result = assert_same(HANOI, table.to_pylist(), table)
    assert any(error is not None for error in result.column("error").to_pylist())
