"""The standing fuzz suite: hostile inputs through the API and the command line.

Every outcome is a decision or a clear error: through the API a Decision or an
ApplicationError / EvaluationError with a short message; at the command line an
exit code the command documents, with no traceback and no "internal error".
Bounded so the whole file runs in seconds; ``python benchmarks/fuzz.py`` runs
the same inputs by the hundred thousand and counts the outcomes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fuzz_strategies import files, hostile_values, json_values, mutated
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kcrules
from kcrules import ApplicationError, EvaluationError, cli

RB = kcrules.load_rulebook(engine="native")
API = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
CLI = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
#: A clear message is short whatever the input: long values are cut.
MESSAGE_MAX = 20_000


def decided_or_clear(data: Any) -> kcrules.Decision | kcrules.KcrulesError:
    try:
        return RB.evaluate(data)
    except (ApplicationError, EvaluationError) as err:
        assert len(str(err)) < MESSAGE_MAX, str(err)[:500]
        json.dumps([p.as_dict() for p in getattr(err, "problems", ())])  # a batch can write it
        return err


def assert_clean(capsys: pytest.CaptureFixture[str], code: int, allowed: tuple[int, ...]) -> str:
    out = capsys.readouterr()
    assert code in allowed, out.err[-2000:]
    assert "Traceback" not in out.err and "internal error" not in out.err, out.err[-2000:]
    assert len(out.err) < 60 * MESSAGE_MAX
    return out.out


# ---------------------------------------------------------------- the API


@API
@given(st.one_of(hostile_values, mutated()))
def test_any_input_gives_a_decision_or_a_clear_error(data: Any) -> None:
    decided_or_clear(data)
    try:
        text = json.dumps(data)
    except (TypeError, ValueError):
        return
    decided_or_clear(text)
    decided_or_clear(text.encode("utf-8", "surrogatepass"))


@API
@given(st.lists(st.one_of(json_values, mutated(json_values)), max_size=5))
def test_evaluate_many_gives_one_result_per_input_and_goes_on(items: list[Any]) -> None:
    results = list(RB.evaluate_many(items, errors="yield", explain=False))
    assert len(results) == len(items)
    assert all(isinstance(r, (kcrules.Decision, ApplicationError, EvaluationError)) for r in results)


# ---------------------------------------------------------------- the command line


def _is_utf8(chunk: bytes) -> bool:
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def write(path: Path, chunks: list[bytes]) -> Path:
    path.write_bytes(b"".join(chunk + b"\n" for chunk in chunks))
    return path


what_if = st.lists(st.one_of(
    st.sampled_from(["establishment.employees=40", "project.machinery_new=có", "application_date=10/05/2017",
                     "establishment.district=Gia Lam", "project.learners=", "x=1", "establishment.employees=-1",
                     "project.eligible_cost_vnd=1e9", "=", "establishment.kind=null"]),
    st.text(max_size=20).filter(lambda t: not t.startswith("-"))), max_size=3)


@CLI
@given(chunks=files, changes=what_if, as_toml=st.booleans())
def test_check_never_prints_a_traceback(tmp_path_factory: pytest.TempPathFactory,
                                        capsys: pytest.CaptureFixture[str], chunks: list[bytes],
                                        changes: list[str], as_toml: bool) -> None:
    path = write(tmp_path_factory.mktemp("check") / ("app.toml" if as_toml else "app.json"), chunks[:1])
    args = ["check", str(path), "--no-suggest", "--engine", "native"]
    code = cli.main(args + (["--what-if", *changes] if changes else []))
    assert_clean(capsys, code, (0, 1, 2))


@CLI
@given(chunks=files)
def test_batch_decides_or_reports_every_line(tmp_path_factory: pytest.TempPathFactory,
                                             capsys: pytest.CaptureFixture[str], chunks: list[bytes]) -> None:
    folder = tmp_path_factory.mktemp("batch")
    source, out = write(folder / "in.jsonl", chunks), folder / "out.jsonl"
    code = cli.main(["batch", str(source), "-o", str(out), "--engine", "native", "--no-explain"])
    assert_clean(capsys, code, (0, 2))
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(written) == sum(1 for chunk in chunks if chunk.strip())
    assert (code == 2) == any("error" in record for record in written)


@CLI
@given(chunks=files, year=st.sampled_from(["2017", "2015", "0"]))
def test_plan_never_prints_a_traceback(tmp_path_factory: pytest.TempPathFactory,
                                       capsys: pytest.CaptureFixture[str], chunks: list[bytes], year: str) -> None:
    path = write(tmp_path_factory.mktemp("plan") / "call.jsonl", chunks)
    code = cli.main(["plan", str(path), "--budget", "1000000000", "--year", year, "--engine", "native"])
    assert_clean(capsys, code, (0, 2))


@CLI
@given(chunks=files)
def test_diff_never_prints_a_traceback(tmp_path_factory: pytest.TempPathFactory,
                                       capsys: pytest.CaptureFixture[str], chunks: list[bytes]) -> None:
    corpus = write(tmp_path_factory.mktemp("diff") / "corpus.jsonl", chunks)
    code = cli.main(["diff", "hanoi-2016-2020", "hanoi-2016-2020", "--corpus", str(corpus), "--generate", "2"])
    # The same rulebook twice changes no decision: the only refusal is a corpus that is not UTF-8 text.
    assert_clean(capsys, code, (0,) if all(_is_utf8(c) for c in chunks) else (0, 2))
