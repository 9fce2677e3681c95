"""The progress line of batch, plan and diff: the library reports, the command shows, only where asked."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from conftest import machinery_app

import kcrules
from kcrules import cli
from kcrules.cli.progress import Progress
from kcrules.diff import diff
from kcrules.testing.strategies import generate

ROOT = Path(__file__).resolve().parent.parent
HANOI = kcrules.load_rulebook(engine="native")


def call(n: int) -> list[dict[str, object]]:
    return [dict(machinery_app(**{"project.eligible_cost_vnd": 100_000_000 + k}), id=f"HS-{k}") for k in range(n)]


def test_plan_reports_each_decision_to_its_callback_and_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[tuple[int, int]] = []
    kcrules.plan(call(5), budget=10**9, year=2017, rulebook=HANOI, on_progress=lambda *a: seen.append(a))
    assert seen == [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    assert capsys.readouterr() == ("", "")


def test_diff_reports_each_application_to_its_callback_and_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[tuple[int, int | None]] = []
    report = diff(HANOI, HANOI, generate(HANOI, 30, seed=1), on_progress=lambda *a: seen.append(a))
    assert seen == [(k, None) for k in range(31)]
    assert report.evaluated + sum(report.refused_counts.values()) == 30
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(("lang", "line"), [
    ("vi", "1.200 hồ sơ, "),
    ("en", "1,200 applications, "),
])
def test_the_last_line_counts_in_the_language_with_share_and_time_left(lang: str, line: str) -> None:
    for rewrite in (True, False):
        out = io.StringIO()
        progress = Progress(out, 1200, True, lang, rewrite=rewrite)
        progress(0, 1200)
        progress(1200, 1200)  # the last application: the final line at once
        progress.finish()  # nothing more: the line is final already
        text = out.getvalue()
        assert text.count(line) == 1 and text.endswith("\n")
        assert ("100%, còn 0:00" if lang == "vi" else "100%, ETA 0:00") in text
        assert text.startswith("\r") == rewrite and ("\033[K" in text) == rewrite


def test_no_line_when_not_asked_and_no_time_left_without_a_total() -> None:
    out = io.StringIO()
    progress = Progress(out, None, False, "en")
    progress(3, 10)
    progress.finish()
    assert out.getvalue() == ""
    out = io.StringIO()
    progress = Progress(out, None, True, "en", rewrite=False)
    progress(0, None)
    progress(7, None)
    progress.finish()
    text = out.getvalue()
    assert text.startswith("7 applications, ") and text.endswith("/s\n") and text.count("\n") == 1


def _jsonl(path: Path, apps: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in apps), encoding="utf-8")
    return path


def test_plan_and_diff_show_progress_only_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _jsonl(tmp_path / "call.jsonl", call(4))
    plan = ["plan", str(src), "--budget", "1000000000", "--year", "2017", "--engine", "native", "--lang", "en"]
    differ = ["diff", "hanoi-2016-2020", "hanoi-2016-2020", "--corpus", str(src)]
    for args in (plan, differ):
        assert cli.main(args) == 0  # stderr is not a terminal here: no line
        out, err = capsys.readouterr()
        assert "applications, " not in err and "hồ sơ, " not in err and "\r" not in out
        assert cli.main([*args, "--progress"]) == 0
        out, err = capsys.readouterr()
        assert "4 applications, " in err or "4 hồ sơ, " in err
        assert "/s" not in out and "/giây" not in out  # the report is the same, without the line
        assert cli.main([*args, "--no-progress"]) == 0
        assert "4 applications" not in capsys.readouterr().err


pexpect = pytest.importorskip("pexpect")


def test_plan_shows_progress_at_a_terminal(tmp_path: Path) -> None:
    src = _jsonl(tmp_path / "call.jsonl", call(300))
    child = pexpect.spawn(sys.executable, ["-m", "kcrules.cli", "plan", str(src), "--budget", "1000000000",
                                           "--year", "2017", "--engine", "native", "--top", "1"],
                          cwd=str(ROOT), encoding="utf-8", timeout=120, dimensions=(40, 160))
    child.expect(r"\r300 hồ sơ, [\d.]+/giây, 100%, còn 0:00\x1b\[K")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
