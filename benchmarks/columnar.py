"""Measure the columnar path (Rulebook.evaluate_table) beside the row-by-row path, in one run.

    python benchmarks/columnar.py               # 1,000,000 rows (about a minute)
    python benchmarks/columnar.py --rows 100000 # a quicker run

Inputs: distinct applications from ``kcrules.testing.generate`` (seeded),
repeated to the row count, as one Arrow table with struct columns (what
``pa.Table.from_struct_array(pa.array(rows))`` makes). Printed, each the median
of ``--repeat`` runs of wall time:

- floor: reading every column of the table into numpy, the least any columnar
  path over this table does;
- the same table stored as a census would be in Parquet or Arrow IPC: code
  columns dictionary-encoded and dates as ``date32`` (the issue's "codes
  dictionary-encoded"; Parquet keeps both), read by ``evaluate_table`` as they
  are — its floor and its rate are printed too;
- columnar: ``evaluate_table`` on the whole table (conversion from Arrow
  included), rows per second, and its ratio to the floor; then the same with
  ``outcomes=False`` (no per-criterion outcome columns);
- row by row: ``evaluate(explain=False)`` on a sample, rows per second, and the
  columnar path's speed-up over it;
- equality on the sample: rows whose columnar result differs from the row path
  (must be 0).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from typing import Any

import pyarrow as pa

import kcrules
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS
from kcrules.testing import generate


def timed(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--distinct", type=int, default=20_000, help="distinct generated applications")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rb = kcrules.load_rulebook(engine="native")
    apps = list(generate(rb, args.distinct, seed=2024))
    one = pa.Table.from_struct_array(pa.array(apps))
    table = pa.concat_tables([one] * (args.rows // len(apps) + 1)).slice(0, args.rows).combine_chunks()
    print(f"kcrules columnar benchmark — {table.num_rows:,} rows ({len(apps):,} distinct), "
          f"Python {platform.python_version()}, {os.cpu_count()} cores, pyarrow {pa.__version__}")

    floor = timed(lambda: _to_numpy(table), args.repeat)
    rb.evaluate_table(one.slice(0, 1000))  # warm: compiled conditions, memos of the law by date
    columnar = timed(lambda: rb.evaluate_table(table), args.repeat)
    lean = timed(lambda: rb.evaluate_table(table, outcomes=False), args.repeat)
    encoded = table.cast(_encoded(table.schema))
    encoded_floor = timed(lambda: _to_numpy(encoded), args.repeat)
    rb.evaluate_table(encoded.slice(0, 1000))
    encoded_rate = timed(lambda: rb.evaluate_table(encoded), args.repeat)
    same = rb.evaluate_table(encoded).equals(rb.evaluate_table(table))
    sample = apps[:5000]
    rowwise = timed(lambda: [_quiet(rb, a) for a in sample], 1)

    result = rb.evaluate_table(pa.Table.from_struct_array(pa.array(sample))).to_pylist()
    differing = sum(1 for a, r in zip(sample, result) if not _same(rb, a, r))
    n = table.num_rows
    print(f"{'floor (columns to numpy)':<34}{n / floor:>14,.0f} rows/s   1.00×")
    print(f"{'columnar evaluate_table':<34}{n / columnar:>14,.0f} rows/s   {floor / columnar:.2f}× floor")
    print(f"{'  the same, outcomes=False':<34}{n / lean:>14,.0f} rows/s   {floor / lean:.2f}× floor")
    print(f"{'floor, codes and dates encoded':<34}{n / encoded_floor:>14,.0f} rows/s   1.00×")
    print(f"{'columnar, codes and dates encoded':<34}{n / encoded_rate:>14,.0f} rows/s   "
          f"{encoded_floor / encoded_rate:.2f}× floor; result equal to the text table's: {same}")
    print(f"{'row by row evaluate(explain=False)':<34}{len(sample) / rowwise:>14,.0f} rows/s   "
          f"columnar is {(n / columnar) / (len(sample) / rowwise):.1f}× faster")
    print(f"{'rows differing (sample of 5,000)':<34}{differing:>14}")


def _to_numpy(table: pa.Table) -> list[Any]:
    return [c.to_numpy(zero_copy_only=False) for c in table.flatten().columns]


def _encoded(schema: pa.Schema) -> pa.Schema:
    """The schema with every code column dictionary-encoded and every date column ``date32``."""
    def typed(path: str, field: pa.Field) -> pa.Field:
        if pa.types.is_struct(field.type):
            return field.with_type(pa.struct([typed(f"{path}.{f.name}", f) for f in field.type]))
        if path in CODE_FIELDS:
            return field.with_type(pa.dictionary(pa.int32(), pa.string()))
        if APPLICATION_FIELDS.get(path, ("",))[0] == "date":
            return field.with_type(pa.date32())
        return field
    return pa.schema([typed(f.name, f) for f in schema])


def _quiet(rb: kcrules.Rulebook, app: dict[str, Any]) -> Any:
    try:
        return rb.evaluate(app, explain=False)
    except kcrules.KcrulesError as err:
        return err


def _same(rb: kcrules.Rulebook, app: dict[str, Any], row: dict[str, Any]) -> bool:
    d = _quiet(rb, app)
    if isinstance(d, kcrules.KcrulesError):
        return row["error"] == str(d)
    return (row["eligible"], row["amount_vnd"], row["bound"], row["rank_key"]) == \
        (d.eligible, d.support.amount_vnd, d.support.bound, list(d.priority.rank_key))


if __name__ == "__main__":
    main()
