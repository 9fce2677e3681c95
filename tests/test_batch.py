"""Streaming evaluation: ``Rulebook.evaluate_many`` and ``kcrules batch``."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import decidable

import kcrules
from kcrules.cli import main
from kcrules.errors import ApplicationError
from kcrules.testing import generate

ROOT = Path(__file__).resolve().parent.parent
APPS = generate(None, 120, seed=7)


@pytest.fixture(scope="module")
def native() -> kcrules.Rulebook:
    return kcrules.load_rulebook(engine="native")



# ---------------------------------------------------------------- evaluate_many


def test_evaluate_many_is_lazy_one_in_one_out(native: kcrules.Rulebook) -> None:
    apps = decidable(native, APPS)[:10]
    pulled: list[int] = []

    def source() -> Iterator[dict[str, Any]]:
        for i, app in enumerate(apps):
            pulled.append(i)
            yield app

    stream = native.evaluate_many(source(), explain=False)
    assert pulled == []  # nothing is read before a decision is asked for
    first = next(stream)
    assert pulled == [0]
    assert first == native.evaluate(apps[0], explain=False)
    rest = list(stream)
    assert len(rest) == len(apps) - 1
    assert [d.application_id for d in [first, *rest]] == [a.get("id") for a in apps]


def test_evaluate_many_memory_stays_bounded(native: kcrules.Rulebook) -> None:
    # Decisions are dropped as they are consumed: peak memory for 3,000 applications
    # is about the same as for 300 (the rulebook's memos are warmed first).
    apps = decidable(native, APPS)

    def feed(n: int) -> Iterator[dict[str, Any]]:
        for i in range(n):
            yield apps[i % len(apps)]

    def peak(n: int) -> int:
        tracemalloc.start()
        for _ in native.evaluate_many(feed(n), explain=True):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    # Warm the rulebook's memos and the interpreter's free lists (freed tuples kept
    # for reuse still count as allocated): only then is growth a leak.
    for _ in native.evaluate_many(feed(3000)):
        pass
    small, large = peak(300), peak(3000)
    assert large < small * 1.5 + 200_000


def test_evaluate_many_raises_at_the_bad_application(native: kcrules.Rulebook) -> None:
    good = decidable(native, APPS)[:2]
    stream = native.evaluate_many([good[0], {"activity": "3.3-machinery"}, good[1]])
    assert next(stream).application_id == good[0].get("id")
    with pytest.raises(ApplicationError):
        next(stream)


# ---------------------------------------------------------------- kcrules batch


def _write_jsonl(path: Path, rows: list[Any]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")


def test_batch_writes_one_decision_per_line_equal_to_the_library(tmp_path: Path, capsys: Any,
                                                                  native: kcrules.Rulebook) -> None:
    apps = decidable(native, APPS)[:40]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_jsonl(src, apps)
    code = main(["batch", str(src), "-o", str(out), "--engine", "native", "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(apps)
    for line, app in zip(lines, apps):
        assert json.loads(line) == native.evaluate(app, lang="en").model_dump(mode="json")
    eligible = sum(native.evaluate(a).eligible for a in apps)
    assert f"{len(apps) - eligible:,} not eligible; 0 lines with errors" in err
    assert f"Decided {len(apps):,} applications: {eligible:,} eligible" in err
    assert "\r" not in err  # stderr is not a terminal: no progress line


def test_batch_reports_bad_lines_with_their_number_and_goes_on(tmp_path: Path, capsys: Any,
                                                               native: kcrules.Rulebook) -> None:
    apps = decidable(native, APPS)[:5]
    bad_code = json.loads(json.dumps(apps[1]))
    bad_code["activity"] = "3.3-machinry"
    rows: list[Any] = [apps[0], "{not json", "", bad_code, apps[2], "[" * 100_000, apps[3]]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_jsonl(src, rows)
    code = main(["batch", str(src), "-o", str(out), "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2  # some lines could not be decided
    assert "line 2: invalid application" in err and "not valid JSON" in err
    assert "line 4: invalid application" in err and "did you mean '3.3-machinery'" in err
    assert "line 6: " in err
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 6  # the blank line gives nothing; every other line gives one record
    assert [r.get("line") for r in records] == [None, 2, 4, None, 6, None]
    assert records[2]["error"]["code"] == "application_error"
    assert records[2]["application_id"] == bad_code.get("id")
    assert records[2]["error"]["problems"][0]["suggestion"] == "3.3-machinery"
    assert [r["application_id"] for r in (records[0], records[3], records[5])] == \
        [apps[0].get("id"), apps[2].get("id"), apps[3].get("id")]
    assert "3 lines with errors" in err


def test_batch_summary_totals_support_by_activity(tmp_path: Path, capsys: Any, native: kcrules.Rulebook) -> None:
    apps = decidable(native, APPS)[:60]
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, apps)
    assert main(["batch", str(src), "-o", str(tmp_path / "out.jsonl"), "--no-explain", "--lang", "en"]) == 0
    err = capsys.readouterr().err
    totals: dict[str, int] = {}
    for app in apps:
        d = native.evaluate(app)
        totals[d.activity] = totals.get(d.activity, 0) + d.support.amount_vnd
    for activity, total in totals.items():
        row = next(line for line in err.splitlines() if line.strip().startswith(activity + " "))
        assert row.rstrip().endswith(f"₫{total:,}")
    assert f"₫{sum(totals.values()):,}" in err.splitlines()[-1]


def test_batch_reads_stdin_and_writes_stdout(tmp_path: Path, native: kcrules.Rulebook) -> None:
    apps = decidable(native, APPS)[:3]
    text = "".join(json.dumps(a) + "\n" for a in apps)
    result = subprocess.run([sys.executable, "-m", "kcrules.cli", "batch", "-", "--no-explain"], input=text,
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    decisions = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["application_id"] for d in decisions] == [a.get("id") for a in apps]
    assert all(r["text"] == "" for d in decisions for r in d["reasons"])


def test_batch_missing_input_is_one_message(tmp_path: Path, capsys: Any) -> None:
    assert main(["batch", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "nope.jsonl" in err and "Traceback" not in err


pexpect = pytest.importorskip("pexpect")


def test_batch_shows_progress_at_a_terminal(tmp_path: Path, native: kcrules.Rulebook) -> None:
    apps = decidable(native, APPS)
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_jsonl(src, apps * 5)
    child = pexpect.spawn(sys.executable, ["-m", "kcrules.cli", "batch", str(src), "-o", str(out), "--lang", "en"],
                          cwd=str(ROOT), encoding="utf-8", timeout=60, dimensions=(40, 160))
    child.expect(r"([\d,]+) applications, ([\d,]+)/s, +[\d.]+%, ETA \d+:\d\d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert f"{len(apps) * 5:,} applications" in (child.before or "")
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(apps) * 5


def test_every_output_record_is_one_line_for_every_line_splitter(tmp_path: Path) -> None:
    # U+0085, U+2028 and U+2029 end a line for str.splitlines and JavaScript, though JSON keeps them
    # raw: in error records and in decisions alike.
    decided = json.loads((ROOT / "examples" / "machinery-gia-lam.json").read_text(encoding="utf-8"))
    decided["id"] = "c\u2028d\u2029e\u0085f"
    src = tmp_path / "in.jsonl"
    src.write_text('{"\\u0085": null}\n{"id": "a\\u2028b", "activity": "3.3-machinery"}\n'
                   + json.dumps(decided) + "\n", encoding="utf-8")
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl"
        subprocess.run([sys.executable, "-m", "kcrules.cli", "batch", str(src), "-o", str(out), "--jobs", jobs],
                       capture_output=True)
        lines = out.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 3
        assert [json.loads(line).get("line") for line in lines] == [1, 2, None]
        assert json.loads(lines[1])["application_id"] == "a\u2028b"
        assert json.loads(lines[2])["application_id"] == decided["id"]
        assert json.loads(lines[2])["eligible"] is True


def test_the_writer_escapes_line_ends_in_shared_parts_and_in_a_decisions_own_values() -> None:
    from kcrules.decide.writer import DecisionWriter, json_line

    rb = kcrules.load_rulebook(engine="native")
    decision = rb.evaluate(json.loads((ROOT / "examples" / "machinery-gia-lam.json").read_text(encoding="utf-8")))
    reason = decision.reasons[0].model_copy(update={"text": "a\u2028b\u0085c"})
    odd = decision.model_copy(update={"reasons": (reason, *decision.reasons[1:]), "summary": "d\u2029e"})
    writer = DecisionWriter()
    for d in (decision, odd, odd):  # the second time from the writer's fragments
        line = writer.line(d)
        assert line == json_line(d.model_dump_json().encode())
        assert line.decode().splitlines() == [line.decode()[:-1]]
        assert json.loads(line) == json.loads(d.model_dump_json())


# ---------------------------------------------------------------- --jobs


def _batch(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kcrules.cli", "batch", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


@pytest.mark.parametrize("engine", ["native", "durable"])
def test_batch_in_several_processes_writes_what_one_process_writes(tmp_path: Path, engine: str) -> None:
    from kcrules.cli.batch import CHUNK

    # More lines than two chunks, with every kind of bad line among them: each worker's chunk
    # comes back in place, line numbers and the first 50 errors on stderr included.
    apps: list[Any] = generate(None, 2 * CHUNK + 40, seed=11)
    bad = json.loads(json.dumps(apps[3]))
    bad["activity"] = "3.3-machinry"
    for at, row in ((5, "{not json"), (CHUNK, ""), (CHUNK + 1, bad), (2 * CHUNK + 7, "[1]")):
        apps.insert(at, row)
    apps += ["{}"] * 60  # more bad lines than stderr describes
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, apps)
    one = _batch(str(src), "-o", str(tmp_path / "one.jsonl"), "--engine", engine, "--lang", "en")
    two = _batch(str(src), "-o", str(tmp_path / "two.jsonl"), "--engine", engine, "--lang", "en", "--jobs", "2")
    assert (one.returncode, two.returncode) == (2, 2)
    assert two.stderr == one.stderr and "more than 50 bad lines" in one.stderr
    assert (tmp_path / "two.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert len((tmp_path / "one.jsonl").read_bytes().splitlines()) == len(apps) - 1  # the blank line gives none


def test_batch_in_several_processes_reads_stdin(tmp_path: Path) -> None:
    text = "".join(json.dumps(a) + "\n" for a in APPS)
    assert _batch("-", "--engine", "native", "--jobs", "3", stdin=text).stdout == \
        _batch("-", "--engine", "native", stdin=text).stdout


@pytest.mark.parametrize(("jobs", "lang", "said"), [
    ("0", "en", "argument --jobs: '0' is not a whole number of 1 or more, e.g. 2"),
    ("two", "vi", "tham số --jobs: 'two' không phải một số nguyên từ 1 trở lên, ví dụ 2"),
])
def test_a_bad_jobs_count_is_refused_in_the_users_language(tmp_path: Path, jobs: str, lang: str, said: str) -> None:
    result = _batch(str(tmp_path / "in.jsonl"), "--jobs", jobs, "--lang", lang)
    assert result.returncode == 2 and said in result.stderr and "Traceback" not in result.stderr


def test_jobs_with_a_spreadsheet_says_it_streams_json_lines_only(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, APPS[:2])
    result = _batch(str(src), "-o", str(tmp_path / "out.csv"), "--jobs", "2", "--lang", "en")
    assert result.returncode == 2
    assert "--jobs works only with JSON Lines in and out" in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_batch_writes_to_a_standard_output_without_a_byte_buffer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  native: kcrules.Rulebook) -> None:
    import io

    # A notebook's or an embedding program's stdout may be text only: the decisions still reach it, whole.
    apps = decidable(native, APPS)[:3]
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, apps)
    text = io.StringIO()
    monkeypatch.setattr(sys, "stdout", text)
    assert main(["batch", str(src), "--engine", "native", "--no-explain"]) == 0
    lines = text.getvalue().splitlines()
    assert [json.loads(line)["application_id"] for line in lines] == [a.get("id") for a in apps]


# ---------------------------------------------------------------- a large file to a sheet: the columnar path


def _sheet_lines() -> list[Any]:
    """2,400 lines: generated applications (some refused by the model or the rulebook), and lines
    each path must leave to the row path or report alike: bad JSON, a blank line, an unknown code,
    a name with white space around it, a day not of the calendar, a null where a default is given,
    an unknown field, a name typed for a code, a line too deep to read, a number beyond int64, a
    key given twice, NaN, a lone surrogate."""
    apps: list[Any] = [json.loads(json.dumps(a, default=str)) for a in generate(None, 2_400, seed=23)]
    est = next(k for k, a in enumerate(apps) if a.get("establishment"))
    odd = json.loads(json.dumps(apps[est]))
    odd["establishment"]["name"] = "  Cơ sở có khoảng trắng  "
    odd["id"] = "odd-name"
    typed = json.loads(json.dumps(apps[est]))
    typed["establishment"]["district"] = "chuong my"  # a name without accents: the model reads it as a code
    typed["id"] = "typed-district"
    null_default = json.loads(json.dumps(apps[est]))
    null_default["establishment"]["in_poor_district"] = None  # the model refuses it: the default is false
    null_default["id"] = "null-default"
    bad_day = dict(apps[3], application_date="2017-02-30", id="bad-day")
    unknown = dict(apps[4], extra_field=1, id="unknown-field")
    bad_code = dict(apps[5], activity="3.3-machinry", id="bad-code")
    big = json.loads(json.dumps(apps[est]))
    big["project"] = dict(big.get("project") or {}, amount_requested_vnd=10**30)  # beyond int64
    big["id"] = "big-number"
    twice = json.dumps(dict(apps[6], id="first"), ensure_ascii=False)[:-1] + ', "id": "second"}'  # the last one counts
    nan = json.dumps(dict(apps[7], id="nan", application_date=float("nan")))
    surrogate = json.dumps(dict(apps[8], id="lone-surrogate")).replace("lone-surrogate", "\\ud800")
    apps[10:10] = ["{not json", "", odd, typed, null_default, bad_day, unknown, bad_code, "[" * 100_000, big, twice,
                   nan, surrogate]
    return apps


@pytest.mark.parametrize(("lang", "suffix", "on"), [("vi", "csv", None), ("en", "csv", "2018-06-01"),
                                                    ("vi", "xlsx", None)])
def test_a_large_file_to_a_sheet_is_decided_on_columns_as_row_by_row(
        tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch, lang: str, suffix: str, on: str | None) -> None:
    pytest.importorskip("pyarrow")
    if suffix == "xlsx":
        pytest.importorskip("openpyxl")
    from kcrules.cli import batch

    src = tmp_path / "in.jsonl"
    _write_jsonl(src, _sheet_lines())
    args = ["batch", str(src), "--engine", "native", "--lang", lang, *(["--on", on] if on else [])]
    used: list[int] = []
    decide_on_columns = batch._decide_on_columns

    def spy(*a: Any) -> dict[int, Any]:
        found = decide_on_columns(*a)
        used.append(len(found))
        return found

    monkeypatch.setattr(batch, "_decide_on_columns", spy)
    code = main([*args, "-o", str(tmp_path / f"columns.{suffix}")])
    columns_err = capsys.readouterr().err
    monkeypatch.setattr(batch, "COLUMNAR_FROM", 10**9)  # the row path for every line
    assert main([*args, "-o", str(tmp_path / f"rows.{suffix}")]) == code == 2
    rows_err = capsys.readouterr().err
    assert used[0] > 2_000  # most lines were decided on columns (the others by the row path)
    assert columns_err == rows_err  # the same errors, in line order, and the same summary
    if suffix == "csv":
        assert (tmp_path / "columns.csv").read_bytes() == (tmp_path / "rows.csv").read_bytes()
    else:
        import openpyxl

        def cells(path: Path) -> list[tuple[Any, ...]]:
            return list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))

        assert cells(tmp_path / "columns.xlsx") == cells(tmp_path / "rows.xlsx")
    assert (tmp_path / f"columns.{suffix}").stat().st_size > 100_000  # a row for every line


@pytest.mark.parametrize("binary", [False, True], ids=["text", "bytes"])
@pytest.mark.parametrize("at_a_time", [5_000, 4], ids=["one-chunk", "chunks-of-4"])
def test_the_csv_writer_writes_what_the_csv_module_writes(binary: bool, at_a_time: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import csv
    import datetime as dt
    import io
    from decimal import Decimal

    from kcrules.report import sheets
    from kcrules.report.sheets import Column, Table, _csv_value, write_csv

    # Few rows at a time and few fields kept: chunk boundaries and a column's memo emptied mid-table.
    monkeypatch.setattr(sheets, "_ROWS_AT_A_TIME", at_a_time)
    monkeypatch.setattr(sheets, "_KEPT", 3 if at_a_time == 4 else 100_000)
    # Equal values whose fields differ (1, True, 1.0; Decimal 1.0 and 1.00; 0.0 and -0.0) share a column.
    values = ["", "plain", "a,b", 'say "hi"', "two\nlines", "\r", " lead", 0, 12, -3, True, False, "=1+1",
              "Chương Mỹ", "'quoted'", None, "\t", "\x00", "\u2028", "a;b", 1.5, "x\x0by", "-7", 1, 1.0,
              Decimal("1.0"), Decimal("1.00"), 0.0, -0.0, dt.date(2019, 6, 1), "2019-06-01", "+1", "@x"]
    table = Table("t", [Column("a", "text", 5), Column("b", "text", 5), Column("c", "int", 5)])
    table.rows = [((a, b, c), "") for a, b, c in zip(values, values[3:] + values[:3], values[7:] + values[:7])]
    table.rows += table.rows  # repeated cells come from the memo
    table.rows += [((7, "x"), "total"), ((), ""), ((8, "y", 9, "beyond the columns"), "")]  # fewer, more cells
    table.rows += [((n, f"id-{n}", n * 1000), "") for n in range(10)]  # one kind a column
    reference = io.StringIO()
    writer = csv.writer(reference)
    writer.writerow(["a", "b", "c"])
    for cells, _style in table.rows:
        writer.writerow([_csv_value(c.kind, v) for c, v in zip(table.columns, cells)])
    ours: Any = io.BytesIO() if binary else io.StringIO()
    write_csv(table, ours)
    assert ours.getvalue() == (reference.getvalue().encode("utf-8") if binary else reference.getvalue())


@pytest.mark.parametrize("binary", [False, True], ids=["text", "bytes"])
def test_a_one_column_csv_quotes_its_empty_fields_as_the_csv_module_does(binary: bool) -> None:
    import io

    from kcrules.report.sheets import Column, Table, write_csv

    table = Table("t", [Column("Thứ tự", "wrap", 5)], rows=[(("a",), ""), (("",), ""), ((None,), ""), (("b,c",), "")])
    ours: Any = io.BytesIO() if binary else io.StringIO()
    write_csv(table, ours)
    expected = 'Thứ tự\r\na\r\n""\r\n""\r\n"b,c"\r\n'
    assert ours.getvalue() == (expected.encode("utf-8") if binary else expected)


def test_a_csv_sheet_to_stdout_is_the_file_written(tmp_path: Path) -> None:
    lines = tmp_path / "in.jsonl"
    lines.write_text("".join(json.dumps(app, ensure_ascii=False) + "\n" for app in APPS[:30]), encoding="utf-8")
    assert main(["batch", str(lines), "--engine", "native", "-o", str(tmp_path / "out.csv")]) == 0
    shown = subprocess.run([sys.executable, "-m", "kcrules.cli", "batch", str(lines), "--engine", "native",
                            "--format", "csv"], capture_output=True, check=True).stdout
    assert shown.startswith(b"\xef\xbb\xbf") and shown == (tmp_path / "out.csv").read_bytes()


def test_the_cycle_collector_is_paused_inside_and_left_as_it_was() -> None:
    import gc

    from kcrules.util.cycles import no_cycle_collection

    assert gc.isenabled()
    with pytest.raises(KeyError), no_cycle_collection():
        assert not gc.isenabled()
        raise KeyError("a batch that fails still gives the collector back")
    assert gc.isenabled()
    gc.disable()
    try:
        with no_cycle_collection():
            pass
        assert not gc.isenabled()  # a caller that paused it keeps it paused
    finally:
        gc.enable()
