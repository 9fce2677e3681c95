"""Memory of a long-running process: RSS while deciding many varied applications.

Every application differs in its numbers and dates, so the memos of a rulebook
meet new keys all the time; with bounded memos the RSS levels off. Prints the
RSS (MiB) every tenth of the run.

    python benchmarks/memory.py [-n 200000] [--engine native|durable] [--no-explain]
"""

from __future__ import annotations

import argparse
import copy
import random
import time

import kcrules
from kcrules.testing import generate


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def varied(rb: kcrules.Rulebook, n: int, seed: int = 5):  # type: ignore[no-untyped-def]
    """n applications: generated ones with their numbers and dates redrawn each time."""
    rng = random.Random(seed)
    base = [a for a in generate(rb, 500, seed=seed) if "2016-01-01" <= a["application_date"] <= "2020-12-31"]
    for i in range(n):
        app = copy.deepcopy(rng.choice(base))
        app["id"] = f"m-{i}"
        app["application_date"] = f"{rng.randint(2016, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        est = app.get("establishment")
        if est is not None:
            est["employees"] = rng.randint(1, 400)
            if "capital_vnd" in est:
                est["capital_vnd"] = rng.randint(1, 200_000) * 1_000_000
        project = app["project"]
        project["eligible_cost_vnd"] = rng.randint(1, 2_000_000) * 1_000
        for key in ("learners", "classes", "designs"):
            if key in project:
                project[key] = rng.randint(1, 60)
        yield app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200_000)
    parser.add_argument("--engine", choices=("native", "durable"), default="native")
    parser.add_argument("--no-explain", action="store_false", dest="explain")
    args = parser.parse_args()
    rb = kcrules.load_rulebook(engine=args.engine)
    start = time.perf_counter()
    decided = errors = 0
    step = max(args.n // 10, 1)
    print(f"start: {rss_mib():.0f} MiB")
    for i, result in enumerate(rb.evaluate_many(varied(rb, args.n), explain=args.explain, errors="yield"), 1):
        if isinstance(result, kcrules.KcrulesError):
            errors += 1
        else:
            result.reasons  # noqa: B018 (written when first read: a reader's decisions hold them)
            decided += 1
        if i % step == 0:
            print(f"{i:>9,} applications: {rss_mib():6.0f} MiB  ({time.perf_counter() - start:5.0f} s)", flush=True)
    print(f"decided {decided:,}, errors {errors:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
