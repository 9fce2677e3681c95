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
    assert "machinery_new" in out.out or "new" in out.out
