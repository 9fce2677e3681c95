"""Spreadsheets: applications read from .csv/.xlsx rows, decisions and plans written to them, the template."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import decidable

import kcrules
from kcrules.cli import main
from kcrules.errors import ApplicationError, InputError
from kcrules.planning import plan
from kcrules.report.sheets import application_table, csv_output, write_csv, write_xlsx
from kcrules.tables import read_sheet
from kcrules.testing import generate

openpyxl = pytest.importorskip("openpyxl")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))]


@pytest.fixture(scope="module")
def rb() -> kcrules.Rulebook:
    return kcrules.load_rulebook(engine="native")


def _write(apps: list[dict[str, Any]], path: Path, lang: str = "vi") -> Path:
    table = application_table(apps, lang)
    if path.suffix == ".xlsx":
        write_xlsx([table], path)
    else:
        with csv_output(str(path)) as out:
            write_csv(table, out)
    return path


def _read(path: Path) -> list[tuple[int, Any]]:
    _letters, rows = read_sheet(path)
    return list(rows)



# ---------------------------------------------------------------- round trip


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_examples_round_trip_to_the_same_applications_and_decisions(rb: kcrules.Rulebook, tmp_path: Path,
                                                                    suffix: str, lang: str) -> None:
    path = _write(EXAMPLES, tmp_path / f"apps{suffix}", lang)
    rows = _read(path)
    assert [n for n, _ in rows] == list(range(3, 3 + len(EXAMPLES)))  # rows 1-2: field paths and labels
    for (_n, item), original in zip(rows, EXAMPLES, strict=True):
        assert not isinstance(item, ApplicationError), item
        assert rb.parse_application(item) == rb.parse_application(original)
        assert rb.evaluate(item, lang=lang) == rb.evaluate(original, lang=lang)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_generated_applications_round_trip(rb: kcrules.Rulebook, tmp_path: Path, suffix: str) -> None:
    apps = decidable(rb, generate(None, 60, seed=11))
    assert len(apps) > 20
    rows = _read(_write(apps, tmp_path / f"gen{suffix}"))
    assert len(rows) == len(apps)
    for (_n, item), original in zip(rows, apps, strict=True):
        assert rb.parse_application(item) == rb.parse_application(original)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_text_that_looks_like_a_formula_stays_text(rb: kcrules.Rulebook, tmp_path: Path, suffix: str) -> None:
    names = ["=HYPERLINK(\"http://x\",\"a\")", "-cơ sở", "@x", "+1"]
    apps = [{**EXAMPLES[0], "id": f"a{k}", "establishment": {**EXAMPLES[0]["establishment"], "name": name}}
            for k, name in enumerate(names)]
    path = _write(apps, tmp_path / f"f{suffix}")
    if suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path).worksheets[0]
        column = next(c.column_letter for c in sheet[1] if c.value == "establishment.name")
        cells = sheet[column][2:]
        assert [(c.value, c.data_type) for c in cells] == [(n, "s") for n in names]
    else:
        assert "'=HYPERLINK" in path.read_text(encoding="utf-8-sig")
    assert [rb.parse_application(item).establishment.name for _n, item in _read(path)] == names


def test_template_example_is_read_back_and_decided(rb: kcrules.Rulebook, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    assert main(["template", "-o", str(out), "--activity", "3.3-machinery"]) == 0
    book = openpyxl.load_workbook(out)
    sheet, columns = book.worksheets
    fields = [c.value for c in sheet[1]]
    assert fields[:3] == ["id", "application_date", "activity"]
    assert "project.machinery_new" in fields and "project.learners" not in fields
    assert sheet.cell(3, 2).is_date  # a real Excel date, not text
    explained = [row[1] for row in columns.iter_rows(min_row=4, values_only=True)]
    assert explained == fields
    rows = _read(out)
    assert len(rows) == 1
    decision = rb.evaluate(rows[0][1])
    assert decision.eligible and decision.support.amount_vnd > 0


def test_template_csv_has_every_field_and_a_byte_order_mark(tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    assert main(["template", "-o", str(out), "--lang", "en"]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    head = next(csv.reader(raw.decode("utf-8-sig").splitlines()))
    from kcrules.rulefiles.fields import APPLICATION_FIELDS

    assert head == list(APPLICATION_FIELDS)


def test_template_unknown_activity_suggests(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["template", "-o", str(tmp_path / "t.csv"), "--activity", "3.3-machinary", "--lang", "en"]) == 2
    assert "no activity '3.3-machinary' in the rulebook" in (err := capsys.readouterr().err)
    assert "Did you mean '3.3-machinery'" in err
    assert main(["template", "-o", str(tmp_path / "t.csv"), "--activity", "3.3-machinary", "--lang", "vi"]) == 2
    assert "không có nội dung '3.3-machinary' trong bộ quy tắc" in (err := capsys.readouterr().err)
    assert "Có phải ý bạn là '3.3-machinery'" in err
    assert main(["template", "-o", "-", "--format", "xlsx", "--lang", "vi"]) == 2
    assert "xlsx là tệp nhị phân: hãy ghi ra tệp với -o FILE.xlsx" in capsys.readouterr().err


# ---------------------------------------------------------------- cells


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    return path


MACHINERY_HEAD = ("id,application_date,activity,establishment.kind,establishment.district,establishment.sector,"
                  "establishment.employees,establishment.has_export_contract,project.approved,"
                  "project.counterpart_funding_committed,project.other_state_funding,project.eligible_cost_vnd,"
                  "project.machinery_new,project.machinery_one_kind,project.technology_transfer,"
                  "project.machinery_improves\n")


def test_empty_cells_are_absent_and_words_are_booleans(rb: kcrules.Rulebook, tmp_path: Path) -> None:
    path = _csv(tmp_path, MACHINERY_HEAD +
                "a1,2017-03-01,3.3-machinery,household_business,gia lam,handicraft,12,,Có,yes,KHÔNG,300000000,"
                "true,1,false,có\n")
    [(number, item)] = _read(path)
    assert number == 2
    assert "has_export_contract" not in item["establishment"]  # empty: not given (the model's default applies)
    app = rb.parse_application(item)
    assert app.establishment.district == "gia_lam"
    assert (app.project.approved, app.project.other_state_funding, app.project.machinery_one_kind) == (True, False, True)
    assert app.project.eligible_cost_vnd == 300_000_000


def test_bad_rows_report_every_problem_with_row_and_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, MACHINERY_HEAD +
                "a1,2017-03-01,3.3-machinery,household_business,Gia Lâm,handicraft,12,,có,có,không,300000000,"
                "có,có,không,có\n"
                "\n"
                "a2,2017-03-01,3.3-machinery,household_business,Gia Lom,handicraft,12.5,,có,maybe,không,"
                "3000000.5,có,có,không,có\n"
                "a3,01/03/2017,3.3-machinery,household_business,Gia Lâm,handicraft,,,có,có,không,,có,có,không,có\n")
    out = tmp_path / "out.csv"
    assert main(["batch", str(path), "-o", str(out), "--engine", "native", "--lang", "vi"]) == 2
    err = capsys.readouterr().err
    assert "kcrules: hàng 4: hồ sơ không hợp lệ (4 lỗi)" in err
    assert "establishment.district (cột E): mã không có trong danh mục district; đã nhập 'Gia Lom'" in err
    assert "2 hàng lỗi." in err and "dòng" not in err  # a sheet has rows, not lines
    assert main(["batch", str(path), "-o", str(out), "--engine", "native", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "kcrules: row 4: invalid application (4 problems)" in err  # the blank row 3 is counted, as a spreadsheet does
    assert "2 rows with errors." in err and "lines" not in err
    assert "establishment.district (column E): unknown district; given 'Gia Lom'" in err
    assert "did you mean 'Gia Lâm'" in err
    assert "establishment.employees (column G)" in err and "'12.5'" in err
    assert "project.eligible_cost_vnd (column L)" in err and "'3000000.5'" in err
    assert "row 5: invalid application (3 problems)" in err
    assert "application_date (column B)" in err
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    records = [r for r in rows[1:] if r and r[0].isdigit()]
    assert [(r[0], r[1]) for r in records] == [("2", "a1"), ("4", "a2"), ("5", "a3")]
    assert records[0][7] == "150000000"
    assert "unknown district" in records[1][-1] and "missing required field" in records[2][-1]


@pytest.mark.usefixtures("english_locale")
def test_unknown_and_repeated_headers_are_refused_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = MACHINERY_HEAD.replace("project.approved", "project.aproved").replace("project.machinery_new",
                                                                                 "project.eligible_cost_vnd")
    path = _csv(tmp_path, head + "a1\n")
    assert main(["batch", str(path), "-o", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "(2 problems)" in err
    assert "column I: not a field of an application; given 'project.aproved'" in err
    assert "did you mean 'project.approved'" in err
    assert "column M: project.eligible_cost_vnd is already column L" in err


def test_a_value_under_no_header_is_not_dropped(rb: kcrules.Rulebook, tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,,application_date\na1,oops,2017-03-01,extra\n")
    [(_n, err)] = _read(path)
    assert isinstance(err, ApplicationError)
    assert [p.where for p in err.problems] == ["column B", "column D"]  # English text for a library user
    assert str(err).startswith("row 2 cannot be read (2 problems)")
    assert err.text("vi").startswith("không đọc được hàng 2 (2 lỗi):\n  - cột B: một giá trị ở cột không có tiêu đề")


def test_header_problems_in_vietnamese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = MACHINERY_HEAD.replace("project.approved", "project.aproved").replace("project.machinery_new",
                                                                                 "project.eligible_cost_vnd")
    path = _csv(tmp_path, head + "a1\n")
    assert main(["batch", str(path), "-o", str(tmp_path / "o.jsonl"), "--lang", "vi"]) == 2
    err = capsys.readouterr().err
    assert "hàng tiêu đề (hàng 1) có cột không đọc được (2 lỗi)" in err
    assert "cột I: không phải một trường của hồ sơ; đã nhập 'project.aproved'" in err
    assert "có phải ý bạn là 'project.approved'" in err
    assert "cột M: project.eligible_cost_vnd đã là cột L" in err
    empty = _csv(tmp_path, "\n\n")
    assert main(["plan", str(empty), "--budget", "1", "--year", "2017", "--lang", "vi"]) == 2
    assert "không có hàng tiêu đề" in capsys.readouterr().err


def test_labels_name_columns_too(rb: kcrules.Rulebook, tmp_path: Path) -> None:
    """A sheet with only the labels row (a person deleted the field paths), accents left out."""
    app = next(a for a in EXAMPLES if a["activity"] == "3.4-overseas-fair")
    path = _write([app], tmp_path / "a.csv", "vi")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join([lines[1].replace("Mã hồ sơ", "ma ho so"), *lines[2:]]), encoding="utf-8")
    [(_n, item)] = _read(path)
    assert rb.parse_application(item) == rb.parse_application(app)


def test_xlsx_cells_whole_floats_dates_and_fractions(rb: kcrules.Rulebook, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    head = MACHINERY_HEAD.strip().split(",")
    sheet.append(head)
    good = ["a1", dt.datetime(2017, 3, 1), "3.3-machinery", "household_business", "Gia Lâm", "handicraft", 12.0,
            None, True, True, False, 300_000_000.0, True, True, False, True]
    sheet.append(good)
    sheet.append([*good[:11], 300_000_000.5, *good[12:]])
    path = tmp_path / "in.xlsx"
    book.save(path)
    (n1, first), (n2, second) = _read(path)
    app = rb.parse_application(first)
    assert app.application_date == dt.date(2017, 3, 1) and app.project.eligible_cost_vnd == 300_000_000
    assert type(app.establishment.employees) is int
    with pytest.raises(ApplicationError) as caught:
        rb.parse_application(second)
    assert [p.where for p in caught.value.problems] == ["project.eligible_cost_vnd"]


def test_without_openpyxl_xlsx_names_the_install_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import openpyxl now raises ImportError
    path = _csv(tmp_path, MACHINERY_HEAD)
    assert main(["batch", str(path), "-o", str(tmp_path / "o.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "pip install 'kcrules[xlsx]'" in err and "Traceback" not in err
    with pytest.raises(InputError, match="kcrules\\[xlsx\\]"):
        read_sheet(tmp_path / "o.xlsx")


# ---------------------------------------------------------------- batch and plan output


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_batch_xlsx_and_csv_have_one_row_per_application_with_its_amount(rb: kcrules.Rulebook, tmp_path: Path,
                                                                        lang: str) -> None:
    jsonl = tmp_path / "apps.jsonl"
    jsonl.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in EXAMPLES) + "\n{\"id\": \"broken\"}\n",
                     encoding="utf-8")
    expected = [rb.evaluate(a) for a in EXAMPLES]
    assert main(["batch", str(jsonl), "-o", str(tmp_path / "d.xlsx"), "--lang", lang, "--engine", "native"]) == 2
    assert main(["batch", str(jsonl), "-o", str(tmp_path / "d.csv"), "--lang", lang, "--engine", "native"]) == 2
    sheet = openpyxl.load_workbook(tmp_path / "d.xlsx").worksheets[0]
    xlsx_rows = list(sheet.iter_rows(min_row=2, values_only=True))
    csv_rows = list(csv.reader((tmp_path / "d.csv").read_text(encoding="utf-8-sig").splitlines()))[1:]
    csv_rows = [r for r in csv_rows if r and r[0].isdigit()]  # a warnings cell holds line breaks
    assert len(xlsx_rows) == len(csv_rows) == len(EXAMPLES) + 1
    yes = "Có" if lang == "vi" else "Yes"
    for x, c, d in zip(xlsx_rows, csv_rows, expected):
        assert (x[1], x[4], x[7]) == (d.application_id, d.activity, d.support.amount_vnd)
        assert (c[1], int(c[7])) == (d.application_id, d.support.amount_vnd)
        assert (x[6] == yes) == d.eligible
    missing = "thiếu trường bắt buộc" if lang == "vi" else "missing required field"  # the error in the sheet's language
    assert xlsx_rows[-1][0] == len(EXAMPLES) + 1 and missing in xlsx_rows[-1][-1]
    assert sheet.cell(2, 8).number_format == "#,##0"
    assert sheet.column_dimensions["L"].width >= 40


def test_batch_reads_a_sheet_and_writes_json_lines(rb: kcrules.Rulebook, tmp_path: Path) -> None:
    path = _write(EXAMPLES, tmp_path / "apps.xlsx")
    out = tmp_path / "d.jsonl"
    assert main(["batch", str(path), "-o", str(out), "--engine", "native"]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [x["support"]["amount_vnd"] for x in lines] == [rb.evaluate(a).support.amount_vnd for a in EXAMPLES]


@pytest.fixture(scope="module")
def call(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "call.jsonl"
    apps = [a for a in EXAMPLES if a["application_date"].startswith("2017")]
    path.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in apps), encoding="utf-8")
    return path


def test_plan_xlsx_sums_to_the_plans_totals(rb: kcrules.Rulebook, call: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    budget = 1_000_000_000
    assert main(["plan", str(call), "--budget", str(budget), "--year", "2017", "--format", "xlsx", "-o", str(out),
                 "--engine", "native"]) == 0
    result = plan([json.loads(line) for line in call.read_text(encoding="utf-8").splitlines()], budget=budget,
                  year=2017, rulebook=rb, lang="vi")
    book = openpyxl.load_workbook(out)
    assert [s.title for s in book.worksheets] == ["Kế hoạch 2017", "Tổng hợp", "Cách xếp hạng"]
    main_sheet = book.worksheets[0]
    rows = [r for r in main_sheet.iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r[0] == "STT"))
    body = rows[header + 1:]
    ids = {e.application_id: e for e in result.entries}
    entries = [r for r in body if r[2] in ids]
    assert len(entries) == len(result.entries)
    assert all(r[7] == ids[r[2]].allocated_vnd for r in entries)
    assert sum(r[7] for r in entries) == result.allocated_vnd
    subtotals = [r for r in body if str(r[2]).startswith("Cộng ")]
    assert sum(r[7] for r in subtotals) == result.allocated_vnd
    total, budget_row, left = body[-3:]
    assert (total[2], total[7]) == ("Tổng cộng", result.allocated_vnd)
    assert (budget_row[7], left[7]) == (budget, result.remaining_vnd) and budget_row[7] - total[7] == left[7]
    summary = list(book.worksheets[1].iter_rows(values_only=True))
    per_activity = [r for r in summary if r[0] in {e.activity for e in result.entries}]
    assert sum(r[6] for r in per_activity) == result.allocated_vnd
    assert sum(r[2] for r in per_activity) == result.applications
    sum_row = next(r for r in summary if r[0] == "Tổng cộng")
    assert (sum_row[2], sum_row[3], sum_row[4], sum_row[6]) == (result.applications, result.eligible,
                                                                  result.funded, result.allocated_vnd)
    target = next(t for t in result.targets if t.planned_count)
    row = next(r for r in summary if r[0] == target.activity)
    assert row[11] == pytest.approx(float(target.percent_after_plan) / 100)


def test_plan_csv_and_sheet_input(call: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    apps = [json.loads(line) for line in call.read_text(encoding="utf-8").splitlines()]
    sheet = _write(apps, tmp_path / "call.xlsx")
    assert main(["plan", str(sheet), "--budget", "1000000000", "--year", "2017", "--format", "csv",
                 "--engine", "native", "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("\ufeffNo.,Rank,Application")
    rows = list(csv.reader(text.removeprefix("\ufeff").splitlines()))
    (total,) = [r for r in rows if r and r[2] == "Total"]
    assert int(total[7]) > 0
    assert int(total[7]) == sum(int(r[7]) for r in rows if r and r[2] in {a["id"] for a in apps} and r[7])


def test_plan_sheet_input_names_bad_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, MACHINERY_HEAD +
                "a1,2017-03-01,3.3-machinery,household_business,Gia Lâm,handicraft,12,,có,có,không,300000000,"
                "có,có,không,có\n"
                "a2,2017-03-01,3.3-machinery,household_business,Gia Lom,handicraft,12,,có,có,không,1,có,có,không,có\n")
    assert main(["plan", str(path), "--budget", "1000000000", "--year", "2017", "--engine", "native"]) == 2
    assert "hàng 3 (a2).establishment.district: mã không có trong danh mục district" in capsys.readouterr().err
    assert main(["plan", str(path), "--budget", "1000000000", "--year", "2017", "--engine", "native",
                 "--lang", "en"]) == 2
    assert "row 3 (a2).establishment.district: unknown district" in capsys.readouterr().err


def test_xlsx_needs_a_file(call: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(call), "--budget", "1", "--year", "2017", "--format", "xlsx"]) == 2
    assert "-o FILE.xlsx" in capsys.readouterr().err
