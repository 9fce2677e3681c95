"""Regressions for bad inputs found by fuzzing: each one is decided or refused with a clear error.

Every test here failed on the code before its fix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import machinery_app

import kcrules
from kcrules import ApplicationError, cli

RB = kcrules.load_rulebook(engine="native")


pytestmark = pytest.mark.usefixtures("english_locale")


def problems_of(app: Any) -> dict[str, Any]:
    with pytest.raises(ApplicationError) as info:
        RB.evaluate(app)
    return {p.where: p for p in info.value.problems}


# ---------------------------------------------------------------- 1: text is text


@pytest.mark.parametrize("path", ["establishment.sme_group", "establishment.district", "establishment.kind",
                                  "establishment.sector", "establishment.registered_district",
                                  "establishment.name", "id", "activity"])
def test_a_text_field_given_as_bytes_is_refused(path: str) -> None:
    app = machinery_app(**{path: b"zzz", "establishment.employees": 5000,
                           "establishment.capital_vnd": 900_000_000_000})
    found = problems_of(app)
    assert path in found and "string" in found[path].message


@pytest.mark.parametrize("value", [b"2017-05-10", 1494374400, 1494374400.0, "1494374400", "2017-05-10T00:00:00"])
def test_a_date_is_a_date_or_iso_text_only(value: Any) -> None:
    found = problems_of(machinery_app(application_date=value))
    assert "YYYY-MM-DD" in found["application_date"].message


def test_iso_text_and_date_objects_are_still_dates() -> None:
    import datetime as dt

    assert RB.parse_application(machinery_app(application_date="2017-05-10")).application_date == dt.date(2017, 5, 10)
    assert RB.parse_application(machinery_app(application_date=dt.date(2017, 5, 10))).application_date.year == 2017


# ---------------------------------------------------------------- 8: every problem at once


def test_type_errors_do_not_hide_missing_facts() -> None:
    app = machinery_app(**{"activity": "3.1-craft-training", "project.eligible_cost_vnd": -1,
                           "project.start_date": "10 May"})
    found = problems_of(app)
    assert {"project.eligible_cost_vnd", "project.start_date", "project.learners"} <= set(found)
    assert "required" in found["project.learners"].message


# ---------------------------------------------------------------- 2 and 10: a stream goes on


def test_evaluate_many_can_yield_the_error_and_go_on() -> None:
    stream = RB.evaluate_many([machinery_app(id="a"), {"activity": "3.3-machinery"}, machinery_app(id="c")],
                              errors="yield")
    first, second, third = list(stream)
    assert first.application_id == "a" and third.application_id == "c"
    assert isinstance(second, ApplicationError)


def test_evaluate_many_refuses_an_unknown_errors_mode_at_once() -> None:
    with pytest.raises(kcrules.InputError):
        RB.evaluate_many([], errors="skip")  # type: ignore[arg-type]


def test_batch_goes_on_after_a_lone_surrogate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    lines = [json.dumps(machinery_app(id="HS-\ud800-1")), json.dumps(machinery_app(id="HS-2")),
             json.dumps({"HS-\udc80": 1})]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = cli.main(["batch", str(source), "-o", str(out), "--engine", "native"])
    err = capsys.readouterr().err
    assert code == 2 and "internal error" not in err
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r.get("line") for r in records] == [1, None, 3]
    assert records[0]["error"]["code"] == "application_error"
    assert records[1]["application_id"] == "HS-2" and records[1]["eligible"]


# ---------------------------------------------------------------- 13: diff names lines as the file does


def test_diff_names_a_refused_application_by_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus.jsonl"
    lines = [json.dumps(machinery_app(id="a")), "", json.dumps(machinery_app(**{"establishment.district": "Atlantis"}))]
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = cli.main(["diff", "hanoi-2016-2020", "hanoi-2016-2020", "--corpus", str(corpus), "--generate", "0"])
    out = capsys.readouterr().out
    assert code == 0
    refused = [line for line in out.splitlines() if "Atlantis" in line]
    assert refused and refused[0].split()[0] == "corpus.jsonl:3", refused


# ---------------------------------------------------------------- 12: FILE after --what-if


def test_check_takes_the_file_after_what_if_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "app.json"
    path.write_text(json.dumps(machinery_app()), encoding="utf-8")
    code = cli.main(["check", "--lang", "en", "--what-if", "establishment.employees=40",
                     "project.machinery_new=false", str(path)])
    out = capsys.readouterr()
    assert code == 1, out.err  # a machine that is not new is not supported
    # Both changes were read, and applied to the file given after them.
    assert "What if: Average number of workers = 40" in out.out
    assert "What if: The machinery is new = no" in out.out


# ---------------------------------------------------------------- 9: kcrules plan, every problem by line


def test_plan_reports_every_problem_by_line_in_one_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [json.dumps(machinery_app(id="a")), "{not json", json.dumps(machinery_app(id="c", **{
        "establishment.district": "Atlantis"})), json.dumps(machinery_app(id="a")),
        json.dumps(machinery_app(id="e", application_date="2018-05-10")), json.dumps(machinery_app(id=None))]
    path = tmp_path / "call.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code = cli.main(["plan", str(path), "--budget", "1000000000", "--year", "2017", "--engine", "native"])
    err = capsys.readouterr().err
    assert code == 2
    for expected in ("line 2: not valid JSON", "line 3 (c).establishment.district", "line 4.id: duplicate id (also line 1)",
                     "line 5 (e).application_date: not in the plan year 2017"):
        assert expected in err, err
    assert "line 6" not in err  # no id: named by its place in the file


def test_plan_takes_an_application_saved_by_the_interview(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "saved.json"
    path.write_text(json.dumps(machinery_app(id=None), indent=2), encoding="utf-8")
    code = cli.main(["plan", str(path), "--budget", "1000000000", "--year", "2017", "--engine", "native",
                     "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert [e["application_id"] for e in json.loads(out.out)["entries"]] == ["saved.json:1"]


def test_plan_refuses_an_application_of_another_year() -> None:
    with pytest.raises(ApplicationError) as info:
        kcrules.plan([machinery_app(id="x", application_date="2016-12-30")], budget=10**9, year=2017, rulebook=RB)
    assert [p.where for p in info.value.problems] == ["applications[0] (x).application_date"]


# ---------------------------------------------------------------- 11: long values are cut, huge inputs refused


def test_a_huge_value_is_cut_in_the_message() -> None:
    with pytest.raises(ApplicationError) as info:
        RB.evaluate(machinery_app(id="x" * 5_000_000, **{"establishment." + "k" * 100_000: 1}))
    message = str(info.value)
    assert len(message) < 2_000 and "… (5,000,000 characters)" in message


@pytest.mark.parametrize("app", [machinery_app(**{"establishment.employees": 10**5000}),
                                 '{"id": ' + "9" * 5000 + "}"], ids=["int", "json-number"])
def test_a_number_of_thousands_of_digits_is_an_application_error(app: Any) -> None:
    with pytest.raises(ApplicationError) as info:
        RB.evaluate(app)
    assert len(str(info.value)) < 1_000


@pytest.mark.parametrize("name", ["/dev/zero", "big.json"])
def test_check_refuses_a_huge_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    if name == "big.json":
        name = str(tmp_path / name)
        Path(name).write_bytes(b" " * (1 << 20) + b"{}")
    elif not Path(name).exists():
        pytest.skip("no /dev/zero here")
    assert cli.main(["check", name]) == 2
    assert "larger than 1 MiB" in capsys.readouterr().err


def test_batch_refuses_a_huge_line_and_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"7" * (3 << 20) + b"\n" + json.dumps(machinery_app()).encode() + b"\n")
    out = tmp_path / "out.jsonl"
    assert cli.main(["batch", str(source), "-o", str(out), "--engine", "native"]) == 2
    first, second = (json.loads(line) for line in out.read_text(encoding="utf-8").splitlines())
    assert first["line"] == 1 and "longer than 1 MiB" in first["error"]["message"]
    assert second["eligible"]
    assert len(capsys.readouterr().err) < 2_000


def test_diff_refuses_a_corpus_larger_than_it_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kcrules import diff

    monkeypatch.setattr(diff, "MAX_CORPUS_BYTES", 100, raising=False)
    corpus = tmp_path / "big.jsonl"
    corpus.write_text(json.dumps(machinery_app()) + "\n", encoding="utf-8")
    with pytest.raises(kcrules.InputError, match="larger than"):
        list(diff.read_corpus(corpus))


# ---------------------------------------------------------------- 14: memos stay small


def test_the_memos_of_a_long_running_process_stay_small() -> None:
    import gc
    import sys
    import tracemalloc

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from memory import varied

    from kcrules.util import memo

    rb = kcrules.load_rulebook(engine="native")
    apps = list(varied(rb, 1_500, seed=3))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for decision in rb.evaluate_many(apps):
        decision.reasons  # noqa: B018 (written when first read, and memoised)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    # The largest memo: one entry per new reason, in two halves (the current one and the one before).
    entries = len(rb._decider._reasons) + len(rb._decider._reasons_before)
    assert 0 < entries <= memo.MEMO_MAX
    # At the bound, the memos would hold about this much (every memo grows slower than the reasons').
    assert grown / entries * memo.MEMO_MAX < 128 * 2**20, (grown, entries)


# ---------------------------------------------------------------- found by the standing fuzz suite


def test_check_reads_a_number_of_thousands_of_digits_as_bad_json(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    for name, text in (("big.json", '{"id": ' + "9" * 5000 + "}"), ("big.toml", "id = " + "9" * 5000)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert cli.main(["check", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert "internal error" not in err
        assert ("not readable JSON" if name.endswith(".json") else "not valid TOML") in err


def test_diff_counts_a_line_with_a_huge_number_as_refused(tmp_path: Path) -> None:
    from kcrules.diff import read_corpus

    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"id": ' + "9" * 5000 + "}\n", encoding="utf-8")
    [(where, bad)] = list(read_corpus(corpus))
    assert where == "c.jsonl:1" and "not readable JSON" in bad.said.text()


def test_a_lone_surrogate_is_shown_as_its_escape() -> None:
    from kcrules import Problem

    problem = Problem("line 1 (HS-\ud800)", "bad", "x\udc80y")
    assert str(problem).encode("utf-8") and "\\ud800" in problem.where and problem.given == "x\\udc80y"


def test_diff_writes_an_id_with_a_lone_surrogate_as_its_escape(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "HS-\ud800-1"}) + "\n", encoding="utf-8")
    assert cli.main(["diff", "hanoi-2016-2020", "hanoi-2016-2020", "--corpus", str(corpus), "--generate", "0"]) == 0
    assert "HS-\\ud800-1" in capsys.readouterr().out


def test_diff_refuses_a_line_with_an_unknown_field_and_decides_the_rest(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyarrow")  # the columnar path, taken for more than one application
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join([json.dumps(machinery_app(id="a")), '{"": null}', json.dumps(machinery_app(id="b"))])
                      + "\n", encoding="utf-8")
    code = cli.main(["diff", "hanoi-2016-2020", "hanoi-2016-2020", "--corpus", str(corpus), "--generate", "0",
                     "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    report = json.loads(out.out)
    assert report["evaluated"] == 2 and report["refused_counts"] == {"both": 1}
