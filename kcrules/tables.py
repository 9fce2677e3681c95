"""Applications in a spreadsheet: the column layout, and reading .xlsx or .csv rows as applications.

One application a row, one column a leaf field of the application (``project.eligible_cost_vnd``).
The header row names each column by its field path or by its label in Vietnamese or English
(``kcrules.text.labels``, accents optional); a second header row of labels under the paths, as
``kcrules template`` writes, is recognised and skipped. A row becomes the same nested mapping a
JSON application gives, and goes through the normal reading (``Rulebook.parse_application``),
so every check and every message is the one a JSON application gets; only the place differs:
the row number and the column letter.

A cell is read for what its column holds, and never more than that: an empty cell is a field
left out (never 0 or false); a whole number in a number column is an integer (a number with a
fraction stays as it is, and validation refuses it); true/false, yes/no or có/không in a
yes-or-no column are booleans; an Excel date in a date column is a date. Anything else is given
to validation as written, which says what is wrong and what is allowed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from kcrules.errors import ApplicationError, InputError, Phrase, Problem
from kcrules.rulefiles.fields import APPLICATION_FIELDS
from kcrules.text.labels import FIELD_LABELS
from kcrules.util.catalogue import Catalogue
from kcrules.util.jsonpath import unflatten
from kcrules.util.words import fold, suggest

__all__ = ["FORMULA_STARTS", "SHEET_SUFFIXES", "column_letter", "flatten", "locate", "read_sheet", "require_openpyxl"]

#: The file types read and written as spreadsheets, by their suffix.
SHEET_SUFFIXES = (".csv", ".xlsx")
#: A CSV cell starting with one of these is a formula to Excel; kcrules writes such a text with a
#: leading apostrophe, which the spreadsheet shows as text, and reads it back without it.
FORMULA_STARTS = ("=", "+", "-", "@")

#: What is wrong with a sheet, in both languages.
WORDS = Catalogue("tables", {
    "openpyxl": {"vi": "đọc hay ghi tệp .xlsx cần openpyxl, một phần cài thêm tùy chọn; hãy cài bằng:\n"
                       "    pip install 'kcrules[xlsx]'\nhoặc dùng .csv, không cần cài gì thêm",
                 "en": "reading or writing .xlsx needs openpyxl, an optional extra; install it with:\n"
                       "    pip install 'kcrules[xlsx]'\nor use .csv, which needs nothing more"},
    "header_unreadable": {"vi": "{path}: không đọc được hàng tiêu đề: {detail}",
                          "en": "{path}: the header row cannot be read: {detail}"},
    "no_header": {"vi": "{path} không có hàng tiêu đề: hàng đầu tiên ghi tên các cột (`kcrules template` viết "
                        "sẵn một hàng như vậy)",
                  "en": "{path} holds no header row: the first row names the columns (write one with "
                        "`kcrules template`)"},
    "column": {"vi": "cột {letter}", "en": "column {letter}"},
    "at_column": {"vi": "{where} (cột {letter})", "en": "{where} (column {letter})"},
    "row": {"vi": "(hàng)", "en": "(row)"},
    "row_unreadable": {"vi": "không đọc được hàng {n}", "en": "row {n} cannot be read"},
    "no_header_value": {"vi": "một giá trị ở cột không có tiêu đề", "en": "a value in a column without a header"},
    "no_header_allowed": {"vi": "một cột có tên ở hàng tiêu đề", "en": "a column named in the header row"},
    "not_a_field": {"vi": "không phải một trường của hồ sơ", "en": "not a field of an application"},
    "not_a_field_allowed": {"vi": "một đường dẫn trường như project.eligible_cost_vnd, hoặc nhãn của nó "
                                  "(`kcrules template` viết đủ mọi cột)",
                            "en": "a field path such as project.eligible_cost_vnd, or its label "
                                  "(`kcrules template` writes every column)"},
    "twice": {"vi": "{field} đã là cột {letter}", "en": "{field} is already column {letter}"},
    "twice_allowed": {"vi": "mỗi trường ở một cột", "en": "each field in one column"},
    "bad_header": {"vi": "{path}: hàng tiêu đề (hàng {n}) có cột không đọc được",
                   "en": "{path}: the header row (row {n}) names columns that cannot be read"},
    "not_utf8": {"vi": "{path} không phải văn bản UTF-8 (byte {start}): hãy lưu thành CSV UTF-8",
                 "en": "{path} is not UTF-8 text (byte {start}): save it as CSV UTF-8"},
    "not_utf8_after": {"vi": "{path} không phải văn bản UTF-8 sau hàng {n} ({detail}): hãy lưu thành CSV UTF-8",
                       "en": "{path} is not UTF-8 text after row {n} ({detail}): save it as CSV UTF-8"},
    "bad_csv": {"vi": "không đọc được như CSV: {detail}", "en": "not readable CSV: {detail}"},
    "not_xlsx": {"vi": "{path} không phải sổ tính Excel (.xlsx) mà openpyxl đọc được: {detail}",
                 "en": "{path} is not an Excel workbook (.xlsx) openpyxl can read: {detail}"},
})

_WHOLE = re.compile(r"[+-]?[0-9]+")
_TRUE = {"true", "yes", "co", "1"}
_FALSE = {"false", "no", "khong", "0"}


def require_openpyxl() -> Any:
    """The openpyxl module, or an InputError that says how to install it."""
    try:
        import openpyxl
    except ImportError:
        raise InputError.of("tables:openpyxl") from None
    return openpyxl


def column_letter(index: int) -> str:
    """The spreadsheet name of column ``index`` (0 is A, 26 is AA)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def flatten(application: Mapping[str, Any]) -> dict[str, Any]:
    """An application as JSON gives it (nested) to one value per leaf field path."""
    out: dict[str, Any] = {}

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for key, value in node.items():
            if isinstance(value, Mapping):
                walk(value, f"{prefix}{key}.")
            elif value is not None:
                out[f"{prefix}{key}"] = value

    walk(application, "")
    return out


def _header_names() -> dict[str, str]:
    """Every way a header may name a field (its path, its labels, folded) -> the field path."""
    names = {fold(path): path for path in APPLICATION_FIELDS}
    for path, labels in FIELD_LABELS.items():
        if path in APPLICATION_FIELDS:
            for label in labels:
                names.setdefault(fold(label), path)
    return names


def _cell(kind: str, value: Any) -> Any:
    """A cell as its column's field reads it: only the unambiguous spellings become typed values."""
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
            value = value[1:]  # the apostrophe written so that a spreadsheet does not run a text as a formula
        if kind == "int" and _WHOLE.fullmatch(value):
            return int(value)
        if kind == "bool" and fold(value) in _TRUE | _FALSE:
            return fold(value) in _TRUE
        return value
    if kind == "int" and isinstance(value, float) and value.is_integer():
        return int(value)  # Excel keeps every number as a float; a whole one is the integer
    if kind == "date" and isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()  # an Excel date cell is read as midnight of its day
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()  # not a date column, or a time of day: validation says what is allowed
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_sheet(path: str | Path) -> tuple[dict[str, str], Iterator[tuple[int, dict[str, Any] | ApplicationError]]]:
    """The column letter of each field, and each non-empty data row of a .csv or .xlsx file:
    (row number, the application as a nested mapping).

    Reads the header at once and raises ApplicationError naming every header that is not a
    field (with the closest field), or a field named twice, before any row is read. A row that
    cannot be read at all is given as an ApplicationError in its place; the rows after it are
    still read.
    """
    rows = _xlsx_rows(path) if str(path).lower().endswith(".xlsx") else _csv_rows(path)
    for number, cells in rows:
        if isinstance(cells, ApplicationError):
            raise InputError.of("tables:header_unreadable", path=path, detail=cells)
        if not all(_empty(c) for c in cells):
            break
    else:
        raise InputError.of("tables:no_header", path=path)
    columns = _columns(path, number, cells)
    letters = {col: column_letter(i) for i, col in enumerate(columns) if col}
    return letters, _data_rows(columns, rows)


def _data_rows(columns: list[str | None], rows: Iterator[tuple[int, list[Any] | ApplicationError]],
               ) -> Iterator[tuple[int, dict[str, Any] | ApplicationError]]:
    first = True
    for number, cells in rows:
        if isinstance(cells, ApplicationError):
            yield number, cells
            continue
        if all(_empty(c) for c in cells):
            continue
        if first and _labels_row(columns, cells):
            first = False
            continue  # the labels under the field paths, as the template writes them
        first = False
        extra = [i for i, c in enumerate(cells) if i >= len(columns) and not _empty(c)]
        extra += [i for i, c in enumerate(cells[:len(columns)]) if columns[i] is None and not _empty(c)]
        if extra:
            # Nothing silently dropped: a value under no header is refused, not ignored.
            yield number, ApplicationError([Problem.of(_column(i), "tables:no_header_value", _shown_cell(cells[i]),
                                                       allowed_key="tables:no_header_allowed")
                                            for i in sorted(extra)], _row_unreadable(number))
            continue
        yield number, unflatten({path: _cell(APPLICATION_FIELDS[path][0], cell)
                                 for path, cell in zip(columns, cells) if path and not _empty(cell)})


def _shown_cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.time) else value


def _columns(path: str | Path, number: int, header: list[Any]) -> list[str | None]:
    """The field path of each column (None for an empty header over an empty column); every bad header at once."""
    names = _header_names()
    columns: list[str | None] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for i, cell in enumerate(header):
        letter = column_letter(i)
        if _empty(cell):
            columns.append(None)
            continue
        text = str(cell).strip()
        field = names.get(fold(text))
        if field is None:
            problems.append(Problem.of(_column(i), "tables:not_a_field", text, None,
                                       suggest(text, [*APPLICATION_FIELDS, *(lb for p in FIELD_LABELS.values() for lb in p)]),
                                       allowed_key="tables:not_a_field_allowed"))
        elif field in seen:
            problems.append(Problem.of(_column(i), "tables:twice", text, allowed_key="tables:twice_allowed",
                                       field=field, letter=seen[field]))
        else:
            seen[field] = letter
        columns.append(field)
    if problems:
        raise ApplicationError(problems, Phrase("tables:bad_header", path=str(path), n=number))
    return columns


def _labels_row(columns: list[str | None], cells: list[Any]) -> bool:
    """Whether a row names the same field as the header in every column it fills (a second header row)."""
    names = _header_names()
    filled = [(col, cell) for col, cell in zip(columns, cells) if not _empty(cell)]
    return bool(filled) and all(isinstance(cell, str) and col is not None and names.get(fold(cell)) == col
                                for col, cell in filled)


def locate(err: ApplicationError, columns: Mapping[str, str]) -> ApplicationError:
    """``err`` with each problem's field followed by its column letter, e.g. ``project.learners (column R)``."""
    return err.with_problems([
        replace(p, where=Phrase("tables:at_column", where=p.where, letter=columns[p.where]))
        if p.where in columns else p for p in err.problems])


def _column(index: int) -> Phrase:
    return Phrase("tables:column", letter=column_letter(index))


def _row_unreadable(number: int) -> Phrase:
    return Phrase("tables:row_unreadable", n=number)


def _csv_rows(path: str | Path) -> Iterator[tuple[int, list[Any] | ApplicationError]]:
    # utf-8-sig: a file saved by Excel starts with a byte-order mark, which is not part of the first header.
    with open(path, encoding="utf-8-sig", newline="") as stream:
        try:
            first = stream.readline()
        except UnicodeDecodeError as err:
            raise InputError.of("tables:not_utf8", path=path, start=err.start) from None
        # Excel in a locale whose decimal comma is taken writes ';' between cells: the header tells which.
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.reader(io.StringIO(first), delimiter=delimiter)
        number = 1
        for cells in reader:
            yield number, list(cells)
        reader = csv.reader(stream, delimiter=delimiter)
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as err:
                raise InputError.of("tables:not_utf8_after", path=path, n=number - 1, detail=err.reason) from None
            except csv.Error as err:
                yield number, ApplicationError([Problem.of(Phrase("tables:row"), "tables:bad_csv", detail=err)],
                                               _row_unreadable(number))
                continue
            yield number, list(cells)  # a record, as a spreadsheet numbers its rows (a cell may hold line breaks)


def _xlsx_rows(path: str | Path) -> Iterator[tuple[int, list[Any] | ApplicationError]]:
    openpyxl = require_openpyxl()
    from zipfile import BadZipFile

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise InputError.of("tables:not_xlsx", path=path, detail=err) from None
    try:
        sheet = book.worksheets[0]  # the applications; a template's second sheet only explains the columns
        for number, cells in enumerate(sheet.iter_rows(values_only=True), 1):
            yield number, list(cells)
    finally:
        book.close()
