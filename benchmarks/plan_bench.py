"""Throughput of the annual plan: rank and allocate a call of 100,000 applications.

Run from a checkout::

    python benchmarks/plan_bench.py            # 100,000 applications
    python benchmarks/plan_bench.py --quick    # 5,000, for a quick look
    python benchmarks/plan_bench.py --engine durable

The applications are the example applications of every activity (examples/*.json)
with their facts varied at random (seeded, so every run plans the same call):
priority areas and sectors, cleaner production, establishment names shared by
several applications (the per-establishment limits bite), costs, dates, and a
few refusals. Evaluation alone is timed first, row by row
(``Rulebook.evaluate_many(explain=False)``) and, with the columnar extra, on the
columnar path the plan itself takes for a large call (``Rulebook.evaluate_table``,
the Arrow table built from the dicts included); then the whole plan. Speed is
measured here, never asserted in a test.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from pathlib import Path

import kcrules

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ("in_highland_border_ethnic_area", "in_poor_district", "in_new_rural_commune", "in_disadvantaged_area",
         "has_export_contract", "typical_product_certified", "key_industry_product", "applies_cleaner_production")


def call_for_proposals(n: int, seed: int = 2017) -> list[dict]:
    rng = random.Random(seed)
    templates = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("3.*.json"))]
    apps = []
    for i in range(n):
        app = copy.deepcopy(rng.choice(templates))
        app["id"] = f"2017-{i:06d}"
        app["application_date"] = f"2017-{rng.randint(1, 9):02d}-{rng.randint(1, 28):02d}"
        project = app["project"]
        project["eligible_cost_vnd"] = rng.randint(1, 80) * 10_000_000
        project["approved"] = rng.random() > 0.03
        for key in ("start_date", "end_date"):
            if key in project:
                project[key] = project[key].replace("2017-", "2018-")  # after every application date
        est = app.get("establishment")
        if est is not None:
            est["name"] = f"Cơ sở {rng.randint(1, n // 3 + 1)}"
            est["employees"] = rng.randint(5, 150)
            for flag in FLAGS:
                est[flag] = rng.random() < (0.05 if flag == "applies_cleaner_production" else 0.2)
        if "overseas_fairs_supported_this_year" in project:
            project["overseas_fairs_supported_this_year"] = rng.randint(0, 1)
        apps.append(app)
    return apps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 applications instead of 100,000")
    parser.add_argument("-n", type=int, default=None, help="number of applications")
    parser.add_argument("--engine", choices=("native", "durable"), default="native")
    parser.add_argument("--budget", type=int, default=32_000_000_000, help="whole đồng (default 32 billion)")
    args = parser.parse_args()
    n = args.n or (5_000 if args.quick else 100_000)
    apps = call_for_proposals(n)
    rb = kcrules.load_rulebook(engine=args.engine)
    kcrules.plan(apps[:50], budget=args.budget, year=2017, rulebook=rb)  # compile matchers, warm caches

    start = time.perf_counter()
    for _ in rb.evaluate_many(apps, explain=False):
        pass
    evaluated = time.perf_counter() - start
    columnar = None
    try:
        import pyarrow as pa
    except ImportError:
        pass
    else:
        start = time.perf_counter()
        rb.evaluate_table(pa.Table.from_struct_array(pa.array(apps)))
        columnar = time.perf_counter() - start

    start = time.perf_counter()
    result = kcrules.plan(apps, budget=args.budget, year=2017, rulebook=rb,
                          achieved={"3.3-machinery": {"count": 20, "amount_vnd": 4_000_000_000}})
    planned = time.perf_counter() - start

    statuses: dict[str, int] = {}
    for e in result.entries:
        statuses[e.status] = statuses.get(e.status, 0) + 1
    print(f"kcrules plan benchmark: {n:,} applications, engine {args.engine}, Python {sys.version.split()[0]}")
    print(f"  evaluation only, row by row : {evaluated:8.2f} s  {n / evaluated:10,.0f} applications/s")
    if columnar is not None:
        print(f"  evaluation only, columnar   : {columnar:8.2f} s  {n / columnar:10,.0f} applications/s"
              "  (what the plan uses for a large call)")
    print(f"  whole plan                  : {planned:8.2f} s  {n / planned:10,.0f} applications/s")
    print(f"  reading, ranking, allocation and explanations: {planned - (columnar or evaluated):6.2f} s")
    print(f"  result: {result.funded:,} funded of {result.eligible:,} eligible, "
          f"{result.allocated_vnd:,} of {result.budget_vnd:,} đồng; {statuses}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
