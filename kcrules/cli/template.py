"""``kcrules template``: the spreadsheet an official fills in, one application a row, for ``kcrules batch``.

Writes the column layout of ``kcrules.tables`` (row 1 the field paths, row 2 their names in
the chosen language), one example row, and, in .xlsx, a second sheet explaining each column:
its name, the kind of value, whether it is required and the codes allowed. ``--activity``
keeps the columns that activity asks for.

Exit codes: 0 written, 2 usage (an unknown activity, xlsx without openpyxl).
"""

from __future__ import annotations

import argparse
from typing import Any

from kcrules.cli import EXIT_OK, check_xlsx_output, help_lang
from kcrules.text.i18n import Catalogue

_T = Catalogue("cli.template", {
    "help": {"vi": "ghi bảng tính mẫu (xlsx, csv) để khai hồ sơ, mỗi dòng một hồ sơ, cho kcrules batch",
             "en": "write the spreadsheet template (xlsx, csv) for applications, one a row, for kcrules batch"},
    "description": {"vi": "Ghi bảng tính mẫu: dòng 1 là tên trường, dòng 2 là tên cột, một dòng ví dụ; "
                          "bản xlsx có thêm trang giải thích từng cột (kiểu giá trị, mã được phép). "
                          "Mã thoát: 0 đã ghi, 2 lỗi dùng lệnh.",
                    "en": "Write the spreadsheet template: row 1 the field names, row 2 the column names, one "
                          "example row; the xlsx also has a sheet explaining each column (kind of value, codes "
                          "allowed). Exit codes: 0 written, 2 usage error."},
    "format": {"vi": "xlsx (cần pip install 'kcrules[xlsx]') hoặc csv; mặc định theo đuôi của FILE, nếu không thì xlsx",
               "en": "xlsx (needs pip install 'kcrules[xlsx]') or csv; default: by FILE's extension, else xlsx"},
    "output": {"vi": "tệp cần ghi (csv: '-' ghi ra màn hình)", "en": "the file to write (csv: '-' writes to stdout)"},
    "activity": {"vi": "chỉ các cột nội dung này cần (vd. 3.3-machinery)",
                 "en": "only the columns this activity needs (e.g. 3.3-machinery)"},
    "lang": {"vi": "ngôn ngữ của tên cột và phần giải thích (mặc định vi)",
             "en": "language of the column names and the explanations (default vi)"},
    "rulebook": {"vi": "mã sách luật có sẵn hoặc thư mục sách luật (mặc định hanoi-2016-2020)",
                 "en": "bundled rulebook id or rulebook folder (default hanoi-2016-2020)"},
    "unknown_activity": {"vi": "không có nội dung {given} trong sách luật; có: {allowed}",
                         "en": "no activity {given} in the rulebook; allowed: {allowed}"},
})


def add_parser(subparsers: Any) -> None:
    h = help_lang()
    p = subparsers.add_parser("template", help=_T("help", h), description=_T("description", h))
    p.add_argument("-o", "--output", metavar="FILE", required=True, help=_T("output", h))
    p.add_argument("--format", choices=("xlsx", "csv"), default=None, help=_T("format", h))
    p.add_argument("--activity", metavar="ID", default=None, help=_T("activity", h))
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help=_T("lang", h))
    p.add_argument("--rulebook", metavar="ID_OR_PATH", default=None, help=_T("rulebook", h))
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kcrules.errors import InputError
    from kcrules.report.sheets import csv_output, template_tables, write_csv, write_xlsx
    from kcrules.rulebook import load_rulebook
    from kcrules.rulefiles.codes import find_code
    from kcrules.util.words import suggest

    fmt = args.format or ("csv" if args.output.lower().endswith(".csv") else "xlsx")
    check_xlsx_output(fmt, args.output)
    rulebook = load_rulebook(args.rulebook)
    activity = args.activity
    if activity is not None:
        found = find_code(rulebook.definition, "activity", activity)
        if found is None:
            ids = list(rulebook.definition.activities)
            near = suggest(activity, ids)
            raise InputError(_T("unknown_activity", args.lang, given=repr(activity), allowed=", ".join(ids))
                             + (f"; did you mean {near!r}?" if near else ""))
        activity = found
    tables = template_tables(rulebook, args.lang, activity)
    if fmt == "xlsx":
        write_xlsx(tables, args.output)
    else:
        with csv_output(args.output) as out:
            write_csv(tables[0], out)
    return EXIT_OK
