"""Measure kcrules' throughput, start-up and memory beside a baseline measured in the same run.

    python benchmarks/run.py             # 100,000 generated applications (several minutes)
    python benchmarks/run.py --quick     # a smoke run (under a minute)
    python benchmarks/run.py --profile   # also show where an explained native decision spends its time
    python benchmarks/run.py --rss 1000000   # also: resident memory over a stream of varied applications

What is measured (decisions per second of CPU time, one process, one core),
every figure with its ratio to the baseline:

- the baseline: a hand-written plain Python function of the machinery-support
  decision (3.3-machinery: the same criteria and the capped share), dict in,
  dict out, timed over at least 300,000 calls (median of three runs);
- pydantic validation alone: ``Application.model_validate`` (dict) and
  ``model_validate_json`` (a JSON line);
- each engine (native: the compiled functions; durable: durable-rules),
  explained (the default) with every text then read, explained with only what a
  screening caller reads (eligibility, amount, rank: the sentences, written when
  first read, are then never written) and ``explain=False``, on validated
  Application objects, and explained on dict and JSON input;
- the JSON text of explained decisions (``DecisionWriter``, as ``kcrules batch``);
- ``kcrules batch`` end to end on a JSON Lines file (a fresh process, wall time), to JSON
  Lines (explained, ``--jobs``, ``--no-explain``) and to a CSV sheet (the columnar path);
- the annual plan of 100,000 applications (``kcrules.plan``, evaluation included);
- the columnar path: ``Rulebook.evaluate_table`` over one Arrow table of the same applications
  (with the ``columnar`` extra), reading the table's columns included;
- start-up: ``import kcrules``, loading the bundled rulebook, and
  ``kcrules check examples/machinery-gia-lam.json`` from a cold process;
- equality: the native and durable engines' decision JSON compared on a
  seeded sample, the batch writer's line against pydantic's JSON, and the columnar path's
  table against the compiled row path on every application (mismatches must be 0);
- with ``--rss N`` (``--durable-rss N``: by durable-rules): resident memory while N varied
  applications are decided (explained), generated and decided in chunks so the input is
  never held.

Inputs are distinct applications from ``kcrules.testing.generate`` (seeded), so
the decision memos see realistic variety rather than one record repeated.
Rates use CPU time (``time.process_time``), which a busy machine disturbs less
than wall time; wall time is shown too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "machinery-gia-lam.json"

COLUMNAR = "kcrules columnar evaluate_table (an Arrow table in, conversion included)"
TARGETS = {
    "kcrules native, explain=False (validated input)": 150_000,
    "kcrules native, explained, text read (validated input)": 50_000,
    "kcrules durable, explained, text read (validated input)": 10_000,
    COLUMNAR: 1_000_000,
}
BASELINE = "baseline: hand-written Python, 3.3-machinery"
BASELINE_CALLS = 300_000


# ---------------------------------------------------------------- timing


def measure(name: str, run: Callable[[], int], rows: list[tuple[str, int, float, float]]) -> float:
    """Run once (it returns how many records it handled); record records per CPU second."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    count = run()
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    rate = count / cpu if cpu > 0 else float("inf")
    rows.append((name, count, rate, count / wall if wall > 0 else float("inf")))
    print(f"  {name}: {rate:,.0f}/s ({count:,} in {cpu:.2f} s CPU, {wall:.2f} s wall)", file=sys.stderr)
    return rate


def cold(command: list[str], repeats: int) -> float:
    """Best wall time in ms of a fresh process running ``command``."""
    best = float("inf")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        best = min(best, time.perf_counter() - start)
    return best * 1000


# ---------------------------------------------------------------- the floor and the ceiling


def durable_floor(n: int) -> int:
    """durable-rules with the simplest possible ruleset: one rule, one post per record."""
    from kcrules.engines.durable import _QuietHost

    host = _QuietHost.make()
    hits = [0]

    def action(c: Any) -> None:
        hits[0] += 1

    host.register_rulesets({"bench_floor": {"r": {"all": [{"m": {"x": 1}}], "run": action}}})
    for i in range(n):
        host.post("bench_floor", {"sid": "s", "x": 1, "i": i})
    assert hits[0] == n
    return n


_CNNT_FORMS = {"enterprise", "cooperative", "cooperative_group", "household_business"}
_AREAS = {"huyen", "thi_xa", "city_class_2_3"}


def machinery_by_hand(rb: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The 3.3-machinery decision written by hand: the ceiling kcrules is compared with.

    Same eligibility criteria as the rulebook for a non-enterprise beneficiary
    outside the special cases (period, applicant, form, area, sector, funding,
    machinery), the 50% share, the dated ceiling, the amount asked; no
    explanations, no priorities, no SME tests.
    """
    codes = rb.definition.codes
    unit_type = {k: v.attrs.get("unit_type") for k, v in codes["district"].values.items()}
    listed = {k: bool(v.attrs.get("listed")) for k, v in codes["sector"].values.items()}
    start, until, switch = dt.date(2016, 1, 1), dt.date(2021, 1, 1), dt.date(2018, 5, 11)

    def decide(app: dict[str, Any]) -> dict[str, Any]:
        est = app["establishment"]
        project = app["project"]
        day = dt.date.fromisoformat(app["application_date"])
        failed = []
        if not start <= day < until:
            failed.append("program.period")
        if est["kind"] not in _CNNT_FORMS:
            failed.append("beneficiary.kind")
        if unit_type.get(est["district"]) not in _AREAS:
            failed.append("beneficiary.area")
        if not listed.get(est["sector"], False):
            failed.append("sector.listed")
        if not project["approved"]:
            failed.append("funding.approved")
        if not project["counterpart_funding_committed"]:
            failed.append("funding.counterpart")
        if project["other_state_funding"]:
            failed.append("funding.no_double_funding")
        if not project.get("machinery_new"):
            failed.append("activity.machinery_new")
        if not project.get("machinery_improves"):
            failed.append("activity.machinery_improves")
        if not project.get("machinery_one_kind"):
            failed.append("activity.machinery_one_kind")
        amount = 0
        if not failed:
            cost = project["eligible_cost_vnd"]
            cap = 200_000_000 if day < switch else 300_000_000
            amount = min(cost // 2, cap, cost, project.get("amount_requested_vnd", cost))
        return {"id": app.get("id"), "eligible": not failed, "failed": failed, "support_vnd": amount}

    return decide


# ---------------------------------------------------------------- kcrules


def evaluate_all(rb: Any, apps: Iterable[Any], read_text: bool = False, **options: Any) -> Callable[[], int]:
    """Decide every application and read what a screening caller reads (eligibility, amount, rank
    key); with ``read_text`` also every reason's, computation line's and the summary's text.

    A decision writes its reasons and summary when they are first read, so a rate without
    reading them would time less than a caller gets: something is always read.
    """
    def run() -> int:
        n = 0
        for decision in rb.evaluate_many(apps, **options):
            decision.eligible, decision.support.amount_vnd, decision.priority.rank_key  # noqa: B018
            if read_text:
                for reason in decision.reasons:
                    reason.text  # noqa: B018 (read, as a reader of the decision would)
                for line in decision.support.lines:
                    line.text  # noqa: B018
                decision.summary  # noqa: B018
            n += 1
        return n

    return run


def decidable(rb: Any, apps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop generated applications the rulebook cannot decide (EvaluationError): none are expected."""
    from kcrules.errors import KcrulesError

    out = []
    for app in apps:
        try:
            rb.parse_application(app)
        except KcrulesError:
            continue
        out.append(app)
    return out


def mismatches(native: Any, durable: Any, apps: list[dict[str, Any]]) -> tuple[int, int, list[str]]:
    """Compare both engines' decision JSON (explained, and unexplained on every 4th) and the batch
    writer's line with pydantic's JSON; return (compared, bad, examples)."""
    from kcrules.decide.writer import DecisionWriter, json_line
    from kcrules.errors import EvaluationError

    writer = DecisionWriter()
    bad: list[str] = []
    compared = 0
    for i, app in enumerate(apps):
        for explain in (True, False) if i % 4 == 0 else (True,):
            outcome = []
            for rb in (native, durable):
                try:
                    decision = rb.evaluate(app, explain=explain, lang="en" if i % 2 else "vi")
                    text = decision.model_dump_json()
                    outcome.append(text if writer.line(decision) == json_line(text.encode()) else "writer differs")
                except EvaluationError as err:
                    outcome.append(str(err))
            compared += 1
            if outcome[0] != outcome[1] or "writer differs" in outcome:
                bad.append(str(app.get("id")))
    return compared, len(bad), bad[:10]


def columnar_mismatches(native: Any, apps: list[dict[str, Any]]) -> tuple[int, int, list[str]]:
    """Compare the columnar path's table with the compiled row path on every application (eligibility,
    amount, bound, score, rank key, failed criteria, warnings, every criterion's outcome); return
    (compared, bad, examples). (0, 0, []) without the columnar extra."""
    try:
        import pyarrow as pa
    except ImportError:
        return 0, 0, []
    table = native.evaluate_table(pa.Table.from_struct_array(pa.array(apps))).to_pylist()
    bad: list[str] = []
    for app, row in zip(apps, table):
        d = native.evaluate(app, explain=False)
        expected = (d.eligible, d.support.amount_vnd, d.support.bound, d.priority.score, list(d.priority.rank_key),
                    [r.criterion for r in d.failed], [w.parameter for w in d.warnings],
                    {r.criterion: r.outcome for r in d.reasons})
        got = (row["eligible"], row["amount_vnd"], row["bound"], row["score"], row["rank_key"], row["failed"],
               row["warnings"], {k[8:]: v for k, v in row.items() if k.startswith("outcome/") and v is not None})
        if row["error"] is not None or got != expected:
            bad.append(str(app.get("id")))
    return len(table), len(bad), bad[:10]


def baseline(apps: list[dict[str, Any]], decide: Callable[[dict[str, Any]], Any]) -> tuple[int, float, float]:
    """The hand-written decision over the records, cycled to at least 300,000 calls: median of 3 runs."""
    rounds = max(1, -(-BASELINE_CALLS // len(apps)))
    rates, walls = [], []
    for _ in range(3):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(rounds):
            for app in apps:
                decide(app)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        rates.append(rounds * len(apps) / cpu)
        walls.append(rounds * len(apps) / wall)
    return rounds * len(apps), statistics.median(rates), statistics.median(walls)


def batch_end_to_end(apps: list[dict[str, Any]], engine: str, explain: bool, jobs: int = 1,
                     out: str = "out.jsonl") -> tuple[int, float]:
    """``kcrules batch`` in a fresh process on a JSON Lines file, to ``out`` (its suffix names the format):
    (lines, wall seconds incl. start-up)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.jsonl"
        with source.open("w", encoding="utf-8") as f:
            for app in apps:
                f.write(json.dumps(app, ensure_ascii=False) + "\n")
        command = [sys.executable, "-m", "kcrules.cli", "batch", str(source), "-o", str(Path(tmp) / out),
                   "--engine", engine, "--no-progress", "--jobs", str(jobs), *([] if explain else ["--no-explain"])]
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return len(apps), time.perf_counter() - start


def plan_of(n: int) -> float:
    """Wall seconds of ``kcrules.plan`` on n applications (benchmarks/plan_bench.py's call), evaluation included."""
    sys.path.insert(0, str(Path(__file__).parent))
    from plan_bench import call_for_proposals

    import kcrules

    apps = call_for_proposals(n)
    rb = kcrules.load_rulebook(engine="native")
    kcrules.plan(apps[:50], budget=32_000_000_000, year=2017, rulebook=rb)  # compile, warm
    start = time.perf_counter()
    kcrules.plan(apps, budget=32_000_000_000, year=2017, rulebook=rb)
    return time.perf_counter() - start


def rss_over(n: int, seed: int, engine: str = "native") -> list[tuple[int, float]]:
    """Resident memory (MB) every tenth of n varied applications decided, explained, by ``engine``."""
    import kcrules
    from kcrules.errors import KcrulesError
    from kcrules.testing import generate

    def now_mb() -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    rb = kcrules.load_rulebook(engine=engine)
    points, done, chunk = [(0, now_mb())], 0, 10_000
    step = max(n // 10, chunk)
    while done < n:
        for app in generate(rb, min(chunk, n - done), seed=seed + 1000 + done // chunk):
            try:
                rb.evaluate(app).reasons  # noqa: B018 (the sentences written, and memoised, as a reader's are)
            except KcrulesError:
                pass
            done += 1
        if done % step == 0 or done >= n:
            points.append((done, now_mb()))
            print(f"  rss after {done:,}: {points[-1][1]:,.0f} MB", file=sys.stderr)
    return points


# ---------------------------------------------------------------- the run


def main(argv: list[str] | None = None) -> int:  # noqa: C901 (one run, in the order the table prints)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: few records, one cold start each")
    parser.add_argument("--records", type=int, default=None, help="applications per fast configuration "
                                                                   "(default 100,000; --quick 2,000)")
    parser.add_argument("--durable-records", type=int, default=None,
                        help="applications for the durable-rules configurations and the equality check "
                             "(default 10,000; --quick 300)")
    parser.add_argument("--plan", type=int, default=None, help="applications in the plan (default 100,000; "
                                                                "--quick 5,000)")
    parser.add_argument("--rss", type=int, default=0, metavar="N", help="also measure memory over N applications")
    parser.add_argument("--durable-rss", type=int, default=0, metavar="N",
                        help="also measure memory over N applications decided by durable-rules")
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--profile", action="store_true", help="profile explained native decisions")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    n = args.records or (2_000 if args.quick else 100_000)
    nd = args.durable_records or (300 if args.quick else 10_000)
    n_plan = args.plan or (5_000 if args.quick else 100_000)
    repeats = 1 if args.quick else 5

    import pydantic

    import kcrules
    from kcrules.decide.writer import DecisionWriter
    from kcrules.models import Application
    from kcrules.testing import generate

    load = os.getloadavg()
    print(f"kcrules {kcrules.__version__}, Python {platform.python_version()}, pydantic {pydantic.VERSION}, "
          f"{platform.machine()} {os.cpu_count()} cores, {platform.platform()}; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}", file=sys.stderr)
    print(f"generating {n:,} applications (seed {args.seed})…", file=sys.stderr)
    native = kcrules.load_rulebook(engine="native")
    durable = kcrules.load_rulebook(engine="durable")
    apps = decidable(native, generate(native, n, seed=args.seed))
    parsed = [native.parse_application(a) for a in apps]
    lines = [json.dumps(a, ensure_ascii=False).encode() for a in apps]
    sample, sample_parsed = apps[:nd], parsed[:nd]
    machinery = [a for a in apps if a["activity"] == "3.3-machinery" and "establishment" in a]
    # The inputs are held in memory only to time the engines, not the generator: move them out of
    # the cyclic garbage collector's sight, or every full collection would walk the 100,000
    # applications (a streaming caller holds one at a time).
    gc.collect()
    gc.freeze()
    by_hand = machinery_by_hand(native)

    rows: list[tuple[str, int, float, float]] = []
    print("throughput:", file=sys.stderr)
    calls, rate, wall = baseline(machinery, by_hand)
    rows.append((BASELINE, calls, rate, wall))
    print(f"  {BASELINE}: {rate:,.0f}/s (median of 3 × {calls:,} calls)", file=sys.stderr)
    measure("pydantic Application.model_validate alone (dict)",
            lambda: sum(1 for a in apps if Application.model_validate(a)), rows)
    measure("pydantic Application.model_validate_json alone (JSON line)",
            lambda: sum(1 for b in lines if Application.model_validate_json(b)), rows)
    measure("durable-rules floor (1 trivial rule, 1 post/record)", lambda: durable_floor(nd * 4), rows)
    warm = decidable(native, generate(native, 300 if args.quick else 2_000, seed=args.seed + 1))

    def fresh(engine: str) -> Any:
        """A new rulebook, warmed on other applications (another seed), as a server would be:
        compiled matchers and memos hold what earlier traffic left, never the measured records."""
        rb = kcrules.load_rulebook(engine=engine)
        for a in warm if engine == "native" else warm[:300]:
            rb.evaluate(a)
            rb.evaluate(a, explain=False)
        return rb

    measure("kcrules durable, explained, text read (validated input)",
            evaluate_all(fresh("durable"), sample_parsed, read_text=True), rows)
    measure("kcrules durable, explain=False (validated input)",
            evaluate_all(fresh("durable"), sample_parsed, explain=False), rows)
    measure("kcrules durable, explained, text read (dict input)",
            evaluate_all(fresh("durable"), sample, read_text=True), rows)
    measure("kcrules native, explained, text read (validated input)",
            evaluate_all(fresh("native"), parsed, read_text=True), rows)
    measure("kcrules native, explained, text not read (validated input)", evaluate_all(fresh("native"), parsed), rows)
    measure("kcrules native, explain=False (validated input)",
            evaluate_all(fresh("native"), parsed, explain=False), rows)
    measure("kcrules native, explained, text read (dict input)",
            evaluate_all(fresh("native"), apps, read_text=True), rows)
    measure("kcrules native, explain=False (dict input)", evaluate_all(fresh("native"), apps, explain=False), rows)
    measure("kcrules native, explained, text read (JSON line input)",
            evaluate_all(fresh("native"), lines, read_text=True), rows)
    again = fresh("native")
    evaluate_all(again, parsed, read_text=True)()
    measure("kcrules native, explained, text read, second pass (memos warm on these records)",
            evaluate_all(again, parsed, read_text=True), rows)
    json_rb, writer = fresh("native"), DecisionWriter()
    measure("kcrules native, explained + JSON text (validated input)",
            lambda: sum(1 for d in json_rb.evaluate_many(parsed) if writer.line(d)), rows)
    try:
        import pyarrow as pa
    except ImportError:
        print("  (the columnar path is not measured: pip install 'kcrules[columnar]')", file=sys.stderr)
    else:
        table = pa.Table.from_struct_array(pa.array(apps))
        columnar_rb = fresh("native")
        columnar_rb.evaluate_table(table.slice(0, 2_000))  # its vectorised checks compiled, as a server's would be
        measure(COLUMNAR, lambda: columnar_rb.evaluate_table(table).num_rows, rows)

    print("end to end…", file=sys.stderr)
    ends: list[tuple[str, int, float]] = []
    jobs = os.cpu_count() or 1
    for engine, explain, count, j, out in (
            ("native", True, n, 1, "out.jsonl"), ("native", True, n, jobs, "out.jsonl"),
            ("native", False, n, 1, "out.jsonl"), ("native", True, n, 1, "out.csv"),
            ("durable", True, nd, 1, "out.jsonl"), ("durable", True, nd, jobs, "out.jsonl")):
        lines_done, seconds = batch_end_to_end(apps[:count], engine, explain, j, out)
        name = (f"kcrules batch, {engine}, "
                f"{'to a CSV sheet' if out.endswith('.csv') else 'explained' if explain else '--no-explain'}"
                f"{f', --jobs {j}' if j > 1 else ''} (fresh process)")
        ends.append((name, lines_done, seconds))
        print(f"  {name}: {lines_done:,} lines in {seconds:.2f} s", file=sys.stderr)
    plan_seconds = plan_of(n_plan)
    ends.append((f"kcrules.plan of {n_plan:,} applications (evaluation included)", n_plan, plan_seconds))
    print(f"  plan of {n_plan:,}: {plan_seconds:.2f} s", file=sys.stderr)

    print("equality of the engines…", file=sys.stderr)
    compared, bad, examples = mismatches(native, durable, sample)
    columnar_compared, columnar_bad, columnar_examples = columnar_mismatches(native, apps)
    bad += columnar_bad

    print("start-up…", file=sys.stderr)
    python = sys.executable
    startup = {
        "python -c pass": cold([python, "-c", "pass"], repeats),
        "import kcrules": cold([python, "-c", "import kcrules"], repeats),
        "import kcrules + load_rulebook()": cold([python, "-c", "import kcrules; kcrules.load_rulebook()"], repeats),
        "kcrules check examples/machinery-gia-lam.json": cold(
            [python, "-m", "kcrules.cli", "check", str(EXAMPLE.relative_to(ROOT))], repeats),
        "kcrules check … --format json": cold(
            [python, "-m", "kcrules.cli", "check", str(EXAMPLE.relative_to(ROOT)), "--format", "json"], repeats),
    }
    load_times = []
    for _ in range(3 if args.quick else 10):
        start = time.perf_counter()
        kcrules.load_rulebook()
        load_times.append((time.perf_counter() - start) * 1000)

    rss = rss_over(args.rss, args.seed) if args.rss else []
    durable_rss = rss_over(args.durable_rss, args.seed, "durable") if args.durable_rss else []

    base = rows[0][2]
    print()
    print("| configuration | records | decisions/s (CPU) | decisions/s (wall) | ÷ baseline | target |")
    print("|---|---:|---:|---:|---:|---|")
    for name, count, rate, wall in rows:
        target = TARGETS.get(name)
        verdict = "" if target is None else f"≥ {target:,} {'✓' if rate >= target else '✗'}"
        print(f"| {name} | {count:,} | {rate:,.0f} | {wall:,.0f} | {rate / base:.3f} | {verdict} |")
    print()
    print("| end to end (wall) | records | s | per second | ÷ baseline | target |")
    print("|---|---:|---:|---:|---:|---|")
    for name, count, seconds in ends:
        per_s = count / seconds
        scaled = seconds * 100_000 / count  # the targets are for 100,000 records
        target = "≤ 4 s / 100k" if name.startswith(("kcrules batch, native, explained",
                                                     "kcrules batch, native, to a CSV")) else \
            "≤ 3 s / 100k" if name.startswith("kcrules.plan") else ""
        if target:
            target += f" {'✓' if scaled <= float(target.split()[1]) else '✗'} ({scaled:.1f} s / 100k)"
        print(f"| {name} | {count:,} | {seconds:.2f} | {per_s:,.0f} | {per_s / base:.3f} | {target} |")
    print()
    print("| start-up | ms (best of %d) | ÷ one baseline call | target |" % repeats)
    print("|---|---:|---:|---|")
    startup_targets = {"import kcrules": 50, "kcrules check examples/machinery-gia-lam.json": 300}
    for name, ms in startup.items():
        target = startup_targets.get(name)
        verdict = "" if target is None else f"≤ {target} {'✓' if ms <= target else '✗'}"
        print(f"| {name} | {ms:,.0f} | {ms / 1000 * base:,.0f} | {verdict} |")
    print(f"| load_rulebook() in a warm process (median) | {statistics.median(load_times):,.1f} | "
          f"{statistics.median(load_times) / 1000 * base:,.0f} | |")
    print()
    print(f"engine equality: {compared:,} decisions compared (native vs durable JSON, and the batch writer's "
          f"line vs pydantic's JSON), {bad - columnar_bad} mismatches" + (f" e.g. {', '.join(examples)}" if examples else ""))
    print(f"columnar equality: {columnar_compared:,} applications compared (evaluate_table's row against the "
          f"compiled path's decision: eligibility, amount, bound, score, rank key, failed criteria, warnings, every "
          f"outcome), {columnar_bad} mismatches" + (f" e.g. {', '.join(columnar_examples)}" if columnar_bad else ""))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this run: {peak:,.0f} MB (includes the {len(apps):,} generated applications held)")
    for engine, points in (("native", rss), ("durable", durable_rss)):
        if points:
            growth = points[-1][1] - min(mb for _, mb in points[1:2] or points)
            print(f"resident memory over {points[-1][0]:,} varied applications (explained, {engine}): "
                  + ", ".join(f"{k:,}: {mb:,.0f} MB" for k, mb in points)
                  + f"; growth after the first tenth {growth:,.0f} MB (target: flat within 150 MB "
                  + ("✓)" if growth <= 150 else "✗)"))

    if args.profile:
        import cProfile
        import pstats

        print("\nprofile: explained native decisions (validated input), top 15 by own time")
        rb = kcrules.load_rulebook(engine="native")
        profile = cProfile.Profile()
        profile.enable()
        for decision in rb.evaluate_many(parsed[: min(len(parsed), 20_000)]):
            decision.reasons  # noqa: B018 (written when first read)
        profile.disable()
        pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(15)

    if args.json:
        Path(args.json).write_text(json.dumps({
            "python": platform.python_version(), "machine": platform.platform(), "cores": os.cpu_count(),
            "load_average": load,
            "throughput": [{"name": r[0], "records": r[1], "per_s_cpu": r[2], "per_s_wall": r[3],
                            "to_baseline": r[2] / base} for r in rows],
            "end_to_end": [{"name": e[0], "records": e[1], "seconds": e[2]} for e in ends],
            "startup_ms": startup, "load_ms_median": statistics.median(load_times),
            "rss_mb": rss, "durable_rss_mb": durable_rss,
            "equality": {"compared": compared, "mismatches": bad - columnar_bad,
                         "columnar_compared": columnar_compared, "columnar_mismatches": columnar_bad},
        }, indent=2), encoding="utf-8")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
