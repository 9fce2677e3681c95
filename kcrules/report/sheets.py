"""Decisions, plans and the application template as spreadsheet tables, written to .xlsx or .csv.

Officials keep dossiers and annual plans in spreadsheets, so ``kcrules batch``, ``kcrules
plan`` and ``kcrules template`` write them there. A :class:`Table` is one sheet: its columns
(header, kind of value, width), its rows and a few title lines. :func:`write_xlsx` writes
tables to a workbook (openpyxl, the optional extra ``kcrules[xlsx]``): real numbers with
grouped thousands, real dates, percentages, widths a person can read, headers that stay in
view. :func:`write_csv` writes one table as CSV (the standard library): the same rows, money
as plain whole numbers, dates as YYYY-MM-DD, percentages as numbers of percent, without the
title lines.

Every total is a value, not a formula: openpyxl computes no formula, so a program reading the
file without a spreadsheet program would find the totals empty; the tests check that the
values add up to the plan's own totals.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any, NamedTuple

from kcrules.decide.support import bound_label
from kcrules.errors import KcrulesError
from kcrules.models import Application, Decision
from kcrules.rulebook import Rulebook
from kcrules.rulefiles.codes import code_choices, code_label
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS
from kcrules.tables import FORMULA_STARTS, column_letter, flatten, require_openpyxl
from kcrules.text.i18n import Catalogue
from kcrules.text.labels import FIELD_LABELS

__all__ = ["Column", "DecisionRow", "Table", "application_table", "csv_output", "decision_row", "decision_table",
           "plan_tables", "template_tables", "write_csv", "write_xlsx"]

_W = Catalogue("report.sheets", {
    # decisions
    "decisions": {"vi": "Kết quả xét", "en": "Decisions"},
    "row": {"vi": "Dòng", "en": "Row"},
    "id": {"vi": "Mã hồ sơ", "en": "Application"},
    "establishment": {"vi": "Cơ sở", "en": "Establishment"},
    "beneficiary": {"vi": "Cơ sở (hoặc đơn vị đề nghị)", "en": "Establishment (or applicant)"},
    "district": {"vi": "Quận, huyện", "en": "District"},
    "activity": {"vi": "Mã nội dung", "en": "Activity code"},
    "activity_label": {"vi": "Nội dung khuyến công", "en": "Activity"},
    "eligible": {"vi": "Đủ điều kiện", "en": "Eligible"},
    "yes": {"vi": "Có", "en": "Yes"},
    "no": {"vi": "Không", "en": "No"},
    "amount": {"vi": "Mức hỗ trợ (đồng)", "en": "Support (đồng)"},
    "bound": {"vi": "Giới hạn bởi", "en": "Bounded by"},
    "rank": {"vi": "Thứ tự ưu tiên trong nội dung", "en": "Priority rank within the activity"},
    "failed": {"vi": "Tiêu chí không đạt", "en": "Criteria not met"},
    "warnings": {"vi": "Lưu ý", "en": "Warnings"},
    "error": {"vi": "Lỗi", "en": "Error"},
    # the plan
    "plan": {"vi": "Kế hoạch {year}", "en": "Plan {year}"},
    "plan_title": {"vi": "KẾ HOẠCH KHUYẾN CÔNG NĂM {year}", "en": "KHUYẾN CÔNG PLAN {year}"},
    "plan_money": {"vi": "Ngân sách: {budget} · Đã bố trí: {allocated} · Còn lại: {left} · Cách xử lý: {policy}",
                   "en": "Budget: {budget} · Allocated: {allocated} · Left: {left} · Policy: {policy}"},
    "no_": {"vi": "STT", "en": "No."},
    "plan_rank": {"vi": "Xếp hạng", "en": "Rank"},
    "queue": {"vi": "Nhóm xếp hạng", "en": "Queue"},
    "status": {"vi": "Kết quả", "en": "Outcome"},
    "support": {"vi": "Mức hỗ trợ tính được (đồng)", "en": "Support computed (đồng)"},
    "allocated": {"vi": "Kinh phí bố trí (đồng)", "en": "Allocated (đồng)"},
    "units": {"vi": "Số tính vào chỉ tiêu", "en": "Units towards the target"},
    "target": {"vi": "Chỉ tiêu Chương trình", "en": "Program target"},
    "percent_before": {"vi": "% chỉ tiêu đã đạt trước kế hoạch", "en": "% of target before the plan"},
    "percent_after": {"vi": "% chỉ tiêu sau kế hoạch", "en": "% of target after the plan"},
    "why": {"vi": "Lý do", "en": "Why"},
    "policy_skip": {"vi": "bỏ qua hồ sơ không đủ kinh phí, xét tiếp", "en": "skip what does not fit, go on"},
    "policy_stop": {"vi": "dừng ở hồ sơ không đủ kinh phí", "en": "stop at what does not fit"},
    "policy_partial": {"vi": "hỗ trợ một phần bằng số còn lại", "en": "fund the remainder partly"},
    "subtotal": {"vi": "Cộng {activity}", "en": "Subtotal {activity}"},
    "total": {"vi": "Tổng cộng", "en": "Total"},
    "budget": {"vi": "Ngân sách kế hoạch", "en": "Budget of the plan"},
    "left": {"vi": "Còn lại", "en": "Left"},
    "funded": {"vi": "được hỗ trợ", "en": "funded"},
    "partial": {"vi": "hỗ trợ một phần", "en": "partly funded"},
    "not_funded": {"vi": "không được bố trí", "en": "not funded"},
    "ineligible": {"vi": "không đủ điều kiện", "en": "not eligible"},
    "summary": {"vi": "Tổng hợp", "en": "Summary"},
    "applications": {"vi": "Số hồ sơ", "en": "Applications"},
    "eligible_count": {"vi": "Đủ điều kiện", "en": "Eligible"},
    "funded_count": {"vi": "Được bố trí", "en": "Funded"},
    "achieved": {"vi": "Đã đạt trước kế hoạch", "en": "Achieved before the plan"},
    "planned": {"vi": "Trong kế hoạch", "en": "In this plan"},
    "ranking": {"vi": "Cách xếp hạng", "en": "Ranking"},
    "ranking_head": {"vi": "Thứ tự xếp hạng và cách bố trí", "en": "Ranking order and allocation"},
    "assumptions": {"vi": "Giả định (chưa phải quy định của pháp luật)", "en": "Assumptions (not confirmed as law)"},
    # the template
    "template": {"vi": "Hồ sơ", "en": "Applications"},
    "columns": {"vi": "Giải thích các cột", "en": "Columns"},
    "template_title": {"vi": "Mỗi dòng một hồ sơ. Dòng 1 là tên trường (máy đọc), dòng 2 là tên cột; "
                             "ô để trống là không khai. Xem trang «Giải thích các cột».",
                       "en": "One application a row. Row 1 holds the field names (read by the program), row 2 "
                             "the column names; an empty cell is a fact not given. See the sheet «Columns»."},
    "column": {"vi": "Cột", "en": "Column"},
    "field": {"vi": "Trường", "en": "Field"},
    "label": {"vi": "Tên cột", "en": "Column name"},
    "type": {"vi": "Kiểu giá trị", "en": "Kind of value"},
    "required": {"vi": "Bắt buộc khi có phần chứa nó", "en": "Required when its section is given"},
    "allowed": {"vi": "Mã được phép (mã: tên)", "en": "Allowed codes (code: name)"},
    "type_money": {"vi": "Số nguyên đồng, không có phần lẻ", "en": "Whole đồng, no fraction"},
    "type_int": {"vi": "Số nguyên", "en": "Whole number"},
    "type_bool": {"vi": "Có / Không (hoặc true / false)", "en": "Yes / No (or true / false)"},
    "type_date": {"vi": "Ngày YYYY-MM-DD, hoặc ô ngày của Excel", "en": "Date YYYY-MM-DD, or an Excel date cell"},
    "type_code": {"vi": "Mã hoặc tên (không cần dấu)", "en": "Code or name (accents optional)"},
    "type_str": {"vi": "Văn bản", "en": "Text"},
})

#: Excel number formats by kind of column. "#,##0" groups thousands the way the reader's Excel
#: does (1.500.000 in Vietnamese, 1,500,000 in English); "@" keeps typed digits as text (a tax code).
_FORMATS = {"money": "#,##0", "int": "0", "percent": "0.00%", "date": "yyyy-mm-dd", "code": "@"}


@dataclass(frozen=True)
class Column:
    """A column: its header, the kind of its values (text, wrap, code, int, money, percent, date), its width."""

    header: str
    kind: str = "text"
    width: int = 14


@dataclass
class Table:
    """One sheet: title lines (xlsx only), columns, more header rows under theirs, and rows.

    Each row is its cells and a style: "" a plain row, "section" a heading, "total" a total.
    """

    name: str
    columns: Sequence[Column]
    rows: list[tuple[Sequence[Any], str]] = field(default_factory=list)
    title: Sequence[str] = ()
    headers: Sequence[Sequence[str]] = ()


# ---------------------------------------------------------------- writing


@contextmanager
def csv_output(path: str) -> Iterator[IO[bytes] | IO[str]]:
    """A stream for :func:`write_csv` to the file ``path`` or ("-") to stdout, starting with a byte-order mark.

    Binary (the CSV is written as UTF-8), or stdout's own text stream where it has no byte buffer
    (a notebook's). Excel reads a CSV without a byte-order mark in the computer's legacy code page
    (Windows-1258 in Vietnam), which garbles every accented letter; with it, Excel reads UTF-8.
    kcrules reads either.
    """
    if path == "-":
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:
            sys.stdout.write("\ufeff")
            yield sys.stdout
            sys.stdout.flush()
            return
        sys.stdout.flush()  # what was written before comes first
        buffer.write(codecs.BOM_UTF8)
        yield buffer
        buffer.flush()
        return
    with open(path, "wb") as stream:
        stream.write(codecs.BOM_UTF8)
        yield stream


def write_csv(table: Table, stream: IO[str] | IO[bytes]) -> None:
    """The header rows and the rows of ``table`` as CSV, to a binary stream (as UTF-8) or a text stream
    opened with ``newline=""`` (see csv_output)."""
    binary = isinstance(stream, (io.RawIOBase, io.BufferedIOBase))
    head = io.StringIO()
    out = csv.writer(head)
    out.writerow([c.header for c in table.columns])
    out.writerows(table.headers)
    if len(table.columns) < 2:  # a lone empty field is quoted (""), unlike one among others
        out.writerows([_csv_value(c.kind, v) for c, v in zip(table.columns, cells)] for cells, _style in table.rows)
    stream.write(head.getvalue().encode("utf-8") if binary else head.getvalue())  # type: ignore[arg-type]
    if len(table.columns) < 2:
        return
    # The rows of many applications repeat their cells (labels, warnings): the rows are written a few
    # thousand at a time, column by column, each column keeping the field of each distinct value
    # (_Fields), already encoded for a binary stream; a line is its fields joined, as csv.writer joins
    # them (each field is quoted on its own).
    comma, end = (b",", b"\r\n") if binary else (",", "\r\n")
    columns = [_Fields(c.kind, binary) for c in table.columns]
    width = len(columns)
    for start in range(0, len(table.rows), _ROWS_AT_A_TIME):
        rows = [cells for cells, _style in table.rows[start:start + _ROWS_AT_A_TIME]]
        if min(map(len, rows)) >= width:
            lines = list(map(comma.join, zip(*[f.column(values) for f, values in zip(columns, zip(*rows))])))
        else:  # a row of fewer cells than columns (a plan's totals) has fewer fields, as csv.writer writes it
            lines = [comma.join([f.field(v) for f, v in zip(columns, cells)]) for cells in rows]
        lines.append(end[:0])  # the last line's end
        stream.write(end.join(lines))  # type: ignore[arg-type]
        for f in columns:
            if len(f) > _KEPT:  # a column of distinct values (row numbers, ids): memory stays bounded
                f.clear()


#: Rows turned into CSV at a time, and the distinct values a column keeps the fields of.
_ROWS_AT_A_TIME, _KEPT = 5_000, 100_000
#: A character that makes the csv module quote a field (the delimiter, the quote, a line end).
_QUOTED = re.compile(r'[,"\r\n]')
#: Values whose equal values have equal fields (unlike 1 and True, or Decimal 1.0 and 1.00): kept by value.
_KEYED = frozenset({str, int, dt.date, type(None)})


class _Fields(dict[Any, Any]):
    """One column's CSV fields (text, or UTF-8 bytes), by value: each distinct text, whole number or date made once."""

    def __init__(self, kind: str, binary: bool) -> None:
        super().__init__()
        self.kind = kind
        self.binary = binary

    def __missing__(self, value: Any) -> str | bytes:
        found = self[value] = self.made(value)
        return found

    def made(self, value: Any) -> str | bytes:
        text = _csv_field(self.kind, value)
        return text.encode("utf-8") if self.binary else text

    def column(self, values: Sequence[Any]) -> list[str] | list[bytes]:
        """The fields of a column's values."""
        kinds = set(map(type, values))
        if kinds == {int}:  # row numbers, amounts: mostly distinct, never quoted
            return list(map(b"%d".__mod__ if self.binary else str, values))
        if kinds <= _KEYED:
            return list(map(self.__getitem__, values))
        return [self.field(v) for v in values]

    def field(self, value: Any) -> str | bytes:
        """The field of one value."""
        return self[value] if type(value) in _KEYED else self.made(value)


def _csv_field(kind: str, value: Any) -> str:
    """What the csv module writes for a value among other fields."""
    text = _csv_value(kind, value)
    if type(text) is int or type(text) is str and not _QUOTED.search(text):
        return str(text)  # unquoted; an empty field too, which the csv module quotes only when it is a row's one field
    one = io.StringIO()
    csv.writer(one).writerow([text])
    return one.getvalue()[:-2]  # without the line end, "\r\n"


def _csv_value(kind: str, value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # A text given by an applicant ("=cmd|…") must not run as a formula on an official's computer:
        # a leading apostrophe keeps it text (the usual defence); kcrules.tables reads it back without it.
        return "'" + value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def write_xlsx(tables: Iterable[Table], target: Any) -> None:
    """A workbook of one sheet per table, saved to ``target`` (a path or a binary stream)."""
    openpyxl = require_openpyxl()
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE4EE")
    total_fill = PatternFill("solid", fgColor="F2F2F2")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.name))
        r = 1
        for k, line in enumerate(table.title):
            sheet.cell(r, 1, line).font = Font(bold=True, size=13) if k == 0 else Font(italic=True)
            r += 1
        r += bool(table.title)
        for values in ([c.header for c in table.columns], *table.headers):
            for j, text in enumerate(values, 1):
                cell = sheet.cell(r, j, text)
                cell.font, cell.fill, cell.alignment = bold, head_fill, wrap
            _fit_height(sheet, r, [(c.width, text) for c, text in zip(table.columns, values)])
            r += 1
        sheet.freeze_panes = sheet.cell(r, 1)  # the headers stay in view while scrolling
        # Printed: landscape, the header rows repeated on every page, and as wide as the page
        # when that leaves the text readable (not the template's eighty columns).
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        if sum(c.width for c in table.columns) <= 450:
            sheet.sheet_properties.pageSetUpPr.fitToPage = True
            sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.print_title_rows = f"{r - 1 - len(table.headers)}:{r - 1}"
        for cells, style in table.rows:
            _fit_height(sheet, r, [(c.width, v) for c, v in zip(table.columns, cells) if c.kind == "wrap"])
            for j, (col, value) in enumerate(zip(table.columns, cells), 1):
                if value is None or value == "":
                    continue
                cell = sheet.cell(r, j, _xlsx_value(col.kind, value))
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # a name such as "=HYPERLINK(…)" given by an applicant is text, never a formula
                if col.kind in _FORMATS:
                    cell.number_format = _FORMATS[col.kind]
                cell.alignment = wrap if col.kind == "wrap" else top
                if style:
                    cell.font = bold
                    if style == "total":
                        cell.fill = total_fill
            r += 1
        for j, col in enumerate(table.columns):
            dim = sheet.column_dimensions[column_letter(j)]
            dim.width = col.width
            if col.kind == "code":
                dim.number_format = "@"  # also the empty cells a person fills in later
    book.save(target)


def _fit_height(sheet: Any, r: int, cells: list[tuple[int, Any]]) -> None:
    """Row ``r`` as tall as its longest wrapped text: openpyxl does not fit it, nor does every program on opening."""
    lines = max((sum(-(-len(part) // max(width - 2, 1)) or 1 for part in str(text).split("\n"))
                 for width, text in cells if text), default=1)
    if lines > 1:
        sheet.row_dimensions[r].height = min(409, 15 * lines)  # 409 points: Excel's tallest row


def _xlsx_value(kind: str, value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value / 100) if kind == "percent" else float(value)
    if kind == "date" and isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value)
    return value


def _sheet_name(name: str) -> str:
    """Excel's rule for a sheet name: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", name)[:31]


# ---------------------------------------------------------------- decisions


class DecisionRow(NamedTuple):
    """One application's line of the decisions sheet: what :func:`decision_table` shows of it.

    Made from a decision by :func:`decision_row`, or from the columnar path's columns by
    ``kcrules batch``; ``error`` is set (and the decision's fields are None) when the
    application could not be decided.
    """

    number: int
    app_id: str | None
    name: str | None
    district: str | None  # a district code
    activity: str | None
    eligible: bool | None
    amount_vnd: int | None
    bound: str | None
    rank_key: tuple[int, ...] | None
    failed: tuple[str, ...]  # criterion ids
    warnings: tuple[str, ...]  # each warning's text, or its parameter where it has none
    error: str | None


def decision_row(number: int, app_id: str | None, app: Application | None, result: Decision | KcrulesError,
                 lang: str) -> DecisionRow:
    """The sheet's line for an application (None if it could not be read) and its decision or error."""
    who = (app.establishment or app.applicant) if app is not None else None
    name, district = (who.name, who.district) if who is not None else (None, None)
    if not isinstance(result, Decision):
        return DecisionRow(number, app_id, name, district, app.activity if app else None, None, None, None, None,
                           (), (), result.text(lang))
    return DecisionRow(number, result.application_id, name, district, result.activity, result.eligible,
                       result.support.amount_vnd, result.support.bound, tuple(result.priority.rank_key),
                       tuple(r.criterion for r in result.failed),
                       tuple(w.text or w.parameter for w in result.warnings), None)


def decision_table(rows: Iterable[DecisionRow], rulebook: Rulebook, lang: str) -> Table:
    """One row per application in input order: its decision, or the error that kept it from one.

    The priority rank is the application's place among the eligible applications of the same
    activity in this file by ``Decision.priority.rank_key`` (the priority tiers of TT 46/2012
    Điều 6 khoản 3), 1 first; equal keys share a rank. ``kcrules plan`` ranks a call with the
    dates and the budget too. Labels are looked up once per distinct code.
    """
    rows = list(rows)
    ranks = _ranks(rows)
    d = rulebook.definition
    columns = [Column(_W("row", lang), "int", 7), Column(_W("id", lang), "text", 32),
               Column(_W("beneficiary", lang), "text", 30), Column(_W("district", lang), "text", 16),
               Column(_W("activity", lang), "text", 22), Column(_W("activity_label", lang), "wrap", 36),
               Column(_W("eligible", lang), "text", 10), Column(_W("amount", lang), "money", 16),
               Column(_W("bound", lang), "wrap", 30), Column(_W("rank", lang), "int", 12),
               Column(_W("failed", lang), "wrap", 50), Column(_W("warnings", lang), "wrap", 70),
               Column(_W("error", lang), "wrap", 70)]
    table = Table(_W("decisions", lang), columns)
    labels: dict[tuple[str, ...], str] = {}

    def label(*key: str) -> str:
        found = labels.get(key)
        if found is None:
            kind, code = key[0], key[-1]
            found = labels[key] = (bound_label(d, code, lang) if kind == "bound" else
                                   _criterion_label(rulebook, key[1], code, lang) if kind == "criterion" else
                                   code_label(d, kind, code, lang))
        return found

    # Rows share their lists of failed criteria and of warnings: each list's cell is made once, and
    # the rows hold the same text (which the CSV writer then finds by identity).
    failed: dict[tuple[str, tuple[str, ...]], str] = {}
    warnings: dict[tuple[str, ...], str] = {}
    yes, no = _W("yes", lang), _W("no", lang)
    for k, r in enumerate(rows):
        district = label("district", r.district) if r.district else None
        if r.error is not None:
            table.rows.append(((r.number, r.app_id, r.name, district, r.activity, None, None, None, None, None,
                                None, None, r.error), ""))
            continue
        assert r.activity is not None  # a decided row names its activity
        why = failed.get((r.activity, r.failed))
        if why is None:
            why = failed[r.activity, r.failed] = "; ".join(label("criterion", r.activity, f) for f in r.failed)
        warned = warnings.get(r.warnings)
        if warned is None:
            warned = warnings[r.warnings] = "\n".join(r.warnings)
        table.rows.append(((
            r.number, r.app_id, r.name, district, r.activity, label("activity", r.activity),
            yes if r.eligible else no, r.amount_vnd, label("bound", str(r.bound)) if r.eligible else None,
            ranks.get(k), why, warned, None), ""))
    return table


def _ranks(rows: list[DecisionRow]) -> dict[int, int]:
    """Competition ranks (1, 2, 2, 4) by rank key within each activity of the eligible rows, by position."""
    out: dict[int, int] = {}
    by_activity: dict[str, list[int]] = {}
    for k, r in enumerate(rows):
        if r.eligible and r.error is None and r.activity is not None:
            by_activity.setdefault(r.activity, []).append(k)
    for group in by_activity.values():
        group.sort(key=lambda k: rows[k].rank_key or ())
        for j, k in enumerate(group):
            same = j and rows[group[j - 1]].rank_key == rows[k].rank_key
            out[k] = out[group[j - 1]] if same else j + 1
    return out


def _criterion_label(rulebook: Rulebook, activity: str, cid: str, lang: str) -> str:
    c = next((x for x in rulebook.criteria_of(activity) if x.id == cid), None) or rulebook.definition.criteria.get(cid)
    return c.label[lang] if c is not None else cid


# ---------------------------------------------------------------- the plan


def plan_tables(result: Any, rulebook: Rulebook) -> list[Table]:
    """The plan as an annual plan table (by activity: its applications in rank order, a subtotal; the
    total, the budget and what is left), a summary by activity, and the ranking order with its assumptions."""
    lang = result.lang
    d = rulebook.definition
    money = _money_text(lang)
    targets = {t.activity: t for t in result.targets}
    activities = [a for a in d.activities if any(e.activity == a for e in result.entries)]
    columns = [Column(_W("no_", lang), "text", 6), Column(_W("plan_rank", lang), "int", 8),
               Column(_W("id", lang), "text", 30), Column(_W("establishment", lang), "text", 28),
               Column(_W("queue", lang), "wrap", 22), Column(_W("status", lang), "text", 18),
               Column(_W("support", lang), "money", 17), Column(_W("allocated", lang), "money", 17),
               Column(_W("units", lang), "int", 11), Column(_W("target", lang), "wrap", 22),
               Column(_W("percent_after", lang), "percent", 13), Column(_W("why", lang), "wrap", 90)]
    queues = {q.id: q.label[lang] for q in _plan_queues(rulebook)}
    main = Table(_W("plan", lang, year=result.year), columns, title=(
        f"{_W('plan_title', lang, year=result.year)} — {result.rulebook.title}",
        _W("plan_money", lang, budget=money(result.budget_vnd), allocated=money(result.allocated_vnd),
           left=money(result.remaining_vnd), policy=_W(f"policy_{result.policy}", lang)),
        result.summary))
    for k, act in enumerate(activities, 1):
        entries = [e for e in result.entries if e.activity == act]
        main.rows.append(((_roman(k), None, f"{act} — {code_label(d, 'activity', act, lang)}"), "section"))
        for n, e in enumerate(entries, 1):
            main.rows.append(((str(n), e.rank, e.application_id, e.establishment, queues.get(e.queue or "", e.queue),
                               _W(e.status, lang), e.support_vnd, e.allocated_vnd, e.units if _counts(e) else None,
                               None, None, e.why), ""))
        t = targets.get(act)
        main.rows.append(((None, None, _W("subtotal", lang, activity=act), None, None, None,
                           sum(e.support_vnd for e in entries), sum(e.allocated_vnd for e in entries),
                           sum(e.units for e in entries if _counts(e)),
                           _target_text(t), _decimal(t.percent_after_plan) if t else None, None), "total"))
    eligible = [e for e in result.entries if e.eligible]
    main.rows.append(((None, None, _W("total", lang), None, None, None, sum(e.support_vnd for e in eligible),
                       sum(e.allocated_vnd for e in result.entries), None, None, None, result.summary), "total"))
    main.rows.append(((None, None, _W("budget", lang), None, None, None, None, result.budget_vnd), "total"))
    main.rows.append(((None, None, _W("left", lang), None, None, None, None, result.remaining_vnd), "total"))
    return [main, _plan_summary(result, rulebook, activities), _plan_ranking(result)]


def _counts(entry: Any) -> bool:
    """Whether a plan entry counts towards its activity's target: it is funded, or given part of its support."""
    return bool(entry.allocated_vnd) or entry.status == "funded"


def _plan_summary(result: Any, rulebook: Rulebook, activities: list[str]) -> Table:
    lang = result.lang
    d = rulebook.definition
    targets = {t.activity: t for t in result.targets}
    columns = [Column(_W("activity", lang), "text", 24), Column(_W("activity_label", lang), "wrap", 44),
               Column(_W("applications", lang), "int", 10), Column(_W("eligible_count", lang), "int", 11),
               Column(_W("funded_count", lang), "int", 11), Column(_W("support", lang), "money", 17),
               Column(_W("allocated", lang), "money", 17), Column(_W("target", lang), "wrap", 22),
               Column(_W("achieved", lang), "int", 12), Column(_W("planned", lang), "int", 11),
               Column(_W("percent_before", lang), "percent", 13), Column(_W("percent_after", lang), "percent", 13)]
    table = Table(_W("summary", lang), columns, title=(_W("plan_title", lang, year=result.year), result.summary))
    for act in [*activities, *(t.activity for t in result.targets if t.activity not in activities)]:
        entries = [e for e in result.entries if e.activity == act]
        t = targets.get(act)
        table.rows.append(((act, code_label(d, "activity", act, lang), len(entries),
                            sum(1 for e in entries if e.eligible),
                            sum(1 for e in entries if e.status in ("funded", "partial")),
                            sum(e.support_vnd for e in entries if e.eligible), sum(e.allocated_vnd for e in entries),
                            _target_text(t), t.achieved_count if t else None, t.planned_count if t else None,
                            _decimal(t.percent_achieved) if t else None,
                            _decimal(t.percent_after_plan) if t else None), ""))
    p = result.program
    table.rows.append(((_W("total", lang), None, result.applications, result.eligible, result.funded,
                        sum(e.support_vnd for e in result.entries if e.eligible), result.allocated_vnd), "total"))
    table.rows.append(((_W("budget", lang), None, None, None, None, None, result.budget_vnd), "total"))
    table.rows.append(((_W("left", lang), None, None, None, None, None, result.remaining_vnd), "total"))
    table.rows.append(((None, p.text, None, None, None, None, None, None, None, None,
                        _decimal(p.percent_achieved), _decimal(p.percent_after_plan)), ""))
    return table


def _plan_ranking(result: Any) -> Table:
    lang = result.lang
    table = Table(_W("ranking", lang), [Column(_W("ranking_head", lang), "wrap", 120)])
    table.rows += [((line,), "") for line in result.ranking]
    if result.assumptions:
        table.rows.append(((_W("assumptions", lang),), "section"))
        table.rows += [((line,), "") for line in result.assumptions]
    return table


def _plan_queues(rulebook: Rulebook) -> list[Any]:
    from kcrules.rulefiles.plantable import check_plan_table

    return list(check_plan_table(rulebook.definition).queues)  # the plan was made, so the table is valid


def _target_text(t: Any) -> str | None:
    if t is None or t.target is None:
        return None
    span = f"{t.target}–{t.target_max}" if t.target_max and t.target_max != t.target else f"{t.target}"
    return f"{span} {t.unit}"


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def _money_text(lang: str) -> Any:
    from kcrules.text import i18n

    return lambda amount: i18n.money(amount, lang)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        count, n = divmod(n, value)
        out += letters * count
    return out


# ---------------------------------------------------------------- applications and the template


def _kind(path: str) -> str:
    kind = APPLICATION_FIELDS[path][0]
    if kind == "int":
        return "money" if path.endswith("_vnd") else "int"
    return {"date": "date", "bool": "text"}.get(kind, "code")


def application_table(applications: Iterable[Mapping[str, Any]], lang: str, fields: Sequence[str] | None = None,
                      ) -> Table:
    """Applications (as JSON gives them) in the column layout ``kcrules batch`` reads: row 1 the field
    paths, row 2 their labels, then one application a row. ``fields``: the columns (default: every field)."""
    rows = [flatten(app) for app in applications]
    fields = list(fields) if fields is not None else list(APPLICATION_FIELDS)
    missing = sorted({p for row in rows for p in row} - set(fields))
    if missing:
        raise ValueError(f"no column for the fields {missing}")
    columns = [Column(path, _kind(path), max(12, min(40, len(_label(path, lang)) // 2 + 4))) for path in fields]
    table = Table(_W("template", lang), columns, title=(), headers=[[_label(p, lang) for p in fields]])
    for row in rows:
        table.rows.append(([_application_cell(p, row.get(p), lang) for p in fields], ""))
    return table


def _application_cell(path: str, value: Any, lang: str) -> Any:
    if isinstance(value, bool):
        return _W("yes" if value else "no", lang)  # the reader takes Có/Không, Yes/No and true/false
    return value


def _label(path: str, lang: str) -> str:
    pair = FIELD_LABELS.get(path)
    return pair[0 if lang == "vi" else 1] if pair else path


def template_tables(rulebook: Rulebook, lang: str, activity: str | None = None) -> list[Table]:
    """The empty application sheet with one example row, and a sheet explaining each column.

    Without ``activity`` every field of an application is a column; with it, the fields that
    activity's questions ask (``kcrules.questions``), the id and the establishment's name. The
    example is the first eligible case of the rulebook's own scenario tests
    (``rules/<rulebook>/tests/<activity>.toml``): it is checked by the test suite, and it ships
    with the rulebook, so an installed kcrules has it too.
    """
    from kcrules.questions import Plan as Questions
    from kcrules.questions import model_required

    d = rulebook.definition
    example = _example(rulebook, activity)
    if activity is None:
        fields = list(APPLICATION_FIELDS)
    else:
        wanted = {"id", "application_date", "activity", *Questions(rulebook, activity).order,
                  *(["establishment.name"] if d.activities[activity].beneficiary else []),
                  *(flatten(example) if example else ())}
        fields = [p for p in APPLICATION_FIELDS if p in wanted]
    sheet = application_table([example] if example else [], lang, fields)
    sheet.title = ()
    explain = Table(_W("columns", lang), [
        Column(_W("column", lang), "text", 7), Column(_W("field", lang), "text", 40),
        Column(_W("label", lang), "wrap", 50), Column(_W("type", lang), "wrap", 28),
        Column(_W("required", lang), "text", 14), Column(_W("allowed", lang), "wrap", 90)],
        title=(_W("template_title", lang),))
    for j, path in enumerate(fields):
        kind = APPLICATION_FIELDS[path][0]
        type_key = "type_money" if path.endswith("_vnd") else f"type_{kind}"
        table = CODE_FIELDS.get(path)
        allowed = "; ".join(f"{code}: {name}" for code, name in code_choices(d, table, lang)) if table else None
        explain.rows.append(((column_letter(j), path, _label(path, lang), _W(type_key, lang),
                              _W("yes" if model_required(path) else "no", lang), allowed), ""))
    return [sheet, explain]


def _example(rulebook: Rulebook, activity: str | None) -> dict[str, Any] | None:
    """The first eligible scenario case of ``activity`` (or of the first activity that has one), with an id."""
    d = rulebook.definition
    folder = d.folder / "tests"
    for act in [activity] if activity else list(d.activities):
        path = folder / f"{act}.toml"
        if not path.is_file():
            continue
        with open(path, "rb") as stream:
            cases = tomllib.load(stream).get("case", [])
        for case in cases:
            app = case.get("application")
            if isinstance(app, dict) and case.get("expect", {}).get("eligible") is True:
                return {"id": f"example-{act}", **app}
    return None
