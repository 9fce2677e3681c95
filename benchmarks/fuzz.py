"""The long fuzz run: hostile inputs by the hundred thousand through the API and the command line.

The inputs are those of the standing fuzz suite (tests/fuzz_strategies.py): a
pool of hostile values and lines is drawn once with Hypothesis, then combined
with generated applications at random, which is fast enough for 100,000 cases
in a few minutes. Every outcome is counted: a decision, a clear error (by
class; exit 2 for the command line), a crash (anything else: another
exception, a traceback, an "internal error", a message that cannot be written)
or a hang (a case still running after --timeout seconds). Crashes and hangs
must be 0; the exit status is 1 otherwise.

    python benchmarks/fuzz.py [--cases 100000] [--cli 400] [--seed 0] [--timeout 10]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzz_strategies import as_line, files, hostile_values, lines  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

import kcrules  # noqa: E402
from kcrules import ApplicationError, EvaluationError, cli  # noqa: E402
from kcrules.testing import generate  # noqa: E402


class Hang(Exception):
    """A case ran longer than the timeout."""


def draw_pool(strategy: Any, n: int) -> list[Any]:
    """n values of a Hypothesis strategy (drawn once; the run then combines them at random)."""
    pool: list[Any] = []

    @settings(max_examples=n, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: Any) -> None:
        pool.append(value)

    collect()
    return pool


def mutate(rng: random.Random, app: dict[str, Any], values: list[Any]) -> dict[str, Any]:
    """A copy of ``app`` with one to three parts replaced, removed or added."""
    app = copy.deepcopy(app)
    for _ in range(rng.randint(1, 3)):
        target = app.get(rng.choice(["project", "establishment", "applicant", ""]))
        if not isinstance(target, dict) or not target:
            target = app
        key = rng.choice(sorted(target))
        action = rng.choice(["replace", "delete", "add"])
        if action == "replace":
            target[key] = rng.choice(values)
        elif action == "delete":
            del target[key]
        else:
            target[rng.choice(["x", "establishment", "emploees", "id ", "x" * 10_000])] = rng.choice(values)
    return app


class Run:
    """Counts of one run."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.tried = 0
        self.decisions = 0
        self.errors: Counter[str] = Counter()
        self.crashes: list[str] = []
        self.hangs: list[str] = []

    def case(self, kind: str, attempt: Callable[[], str | None], shown: Callable[[], str]) -> None:
        """Run one case: ``attempt`` returns None for a decision, an error class name, or raises."""
        self.tried += 1
        signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            outcome = attempt()
        except Hang:
            self.hangs.append(f"{kind}: {shown()}")
            return
        except Exception as err:  # noqa: BLE001 (a crash is what is counted)
            self.crashes.append(f"{kind}: {type(err).__name__}: {str(err)[:200]} <- {shown()}")
            return
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if outcome is None:
            self.decisions += 1
        else:
            self.errors[outcome] += 1


def api_attempt(rb: kcrules.Rulebook, data: Any) -> Callable[[], str | None]:
    def attempt() -> str | None:
        try:
            rb.evaluate(data)
        except (ApplicationError, EvaluationError) as err:
            message = str(err)
            message.encode("utf-8")  # a message that cannot be written is a crash
            if len(message) > 20_000:
                raise AssertionError(f"message of {len(message):,} characters") from None
            return type(err).__name__
        return None

    return attempt


def cli_attempt(argv: list[str], allowed: tuple[int, ...]) -> Callable[[], str | None]:
    def attempt() -> str | None:
        err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # strict, like a UTF-8 terminal
        out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(argv)
            sys.stdout.flush()
            sys.stderr.flush()
        text = err.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
        if code not in allowed or "Traceback" in text or "internal error" in text:
            raise AssertionError(f"exit {code}: {text[-300:]}")
        return f"{argv[0]}: exit 2" if code == 2 else None

    return attempt


def run_api(run: Run, rb: kcrules.Rulebook, rng: random.Random, n: int, bases: list[dict[str, Any]],
            values: list[Any]) -> None:
    for i in range(n):
        form = i % 4
        if form == 3:
            data: Any = rng.choice(values)
        else:
            data = mutate(rng, rng.choice(bases), values)
            if form:
                try:
                    data = as_line(data)
                except (TypeError, ValueError):  # bytes, sets, objects: only a Python caller sends them
                    pass
                else:
                    data = data.encode("utf-8", "surrogatepass") if form == 2 else data
        run.case("api", api_attempt(rb, data), lambda data=data: repr(data)[:300])


def run_cli(run: Run, rng: random.Random, n: int, chunks: list[list[bytes]], folder: Path) -> None:
    commands = {
        "check": (["--no-suggest", "--engine", "native"], (0, 1, 2)),
        "batch": (["-o", str(folder / "out.jsonl"), "--engine", "native", "--no-explain"], (0, 2)),
        "plan": (["--budget", "1000000000", "--year", "2017", "--engine", "native"], (0, 2)),
        "diff": (["--generate", "2"], (0, 2)),
    }
    for i in range(n):
        command = list(commands)[i % len(commands)]
        options, allowed = commands[command]
        body = rng.choice(chunks)
        if command == "check":
            body = body[:1]
        path = folder / ("app.json" if command == "check" else "in.jsonl")
        path.write_bytes(b"".join(c + b"\n" for c in body))
        if command == "diff":
            argv = ["diff", "hanoi-2016-2020", "hanoi-2016-2020", "--corpus", str(path), *options]
        else:
            argv = [command, str(path), *options]
        run.case(f"cli {command}", cli_attempt(argv, allowed), lambda body=body: repr(body)[:300])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="API cases (default 100,000)")
    parser.add_argument("--cli", type=int, default=400, help="command-line runs (default 400)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a case counts as a hang")
    args = parser.parse_args()

    def on_alarm(signum: int, frame: Any) -> None:
        raise Hang

    signal.signal(signal.SIGALRM, on_alarm)
    start = time.perf_counter()
    rng = random.Random(args.seed)
    rb = kcrules.load_rulebook(engine="native")
    bases = generate(rb, 500, seed=args.seed)
    values = draw_pool(hostile_values, 3_000)
    chunks = draw_pool(files, 300) + [[line.encode("utf-8", "surrogatepass")] for line in draw_pool(lines, 300)]
    print(f"pools drawn in {time.perf_counter() - start:.0f} s", flush=True)
    run = Run(args.timeout)
    run_api(run, rb, rng, args.cases, bases, values)
    with tempfile.TemporaryDirectory() as folder:
        run_cli(run, rng, args.cli, chunks, Path(folder))
    print(f"tried {run.tried:,} in {time.perf_counter() - start:.0f} s (seed {args.seed})")
    print(f"decisions {run.decisions:,}")
    for name, count in sorted(run.errors.items()):
        print(f"clean errors, {name}: {count:,}")
    print(f"crashes {len(run.crashes):,}")
    print(f"hangs {len(run.hangs):,}")
    for line in (run.crashes + run.hangs)[:20]:
        print("  " + line)
    return 1 if run.crashes or run.hangs else 0


if __name__ == "__main__":
    raise SystemExit(main())
