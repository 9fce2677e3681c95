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

from kcrules.cli import EXIT_OK, check_xlsx_output
from kcrules.text.i18n import Catalogue

_T = Catalogue("cli.template", {
    "unknown_activity": {"vi": "không có nội dung {given} trong bộ quy tắc; có: {allowed}.{hint}",
                         "en": "no activity {given} in the rulebook; allowed: {allowed}.{hint}"},
})


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "template", help="write the spreadsheet template (xlsx, csv) for applications, one a row, for kcrules batch",
        description="Write the spreadsheet template: row 1 the field names, row 2 the column names, one example "
                    "row; the xlsx also has a sheet explaining each column (kind of value, codes allowed). "
                    "Exit codes: 0 written, 2 usage error.")
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="the file to write (csv: '-' writes to stdout)")
    p.add_argument("--format", choices=("xlsx", "csv"), default=None,
                   help="xlsx (needs pip install 'kcrules[xlsx]') or csv; default: by FILE's extension, else xlsx")
    p.add_argument("--activity", metavar="ID", default=None,
                   help="only the columns this activity needs (e.g. 3.3-machinery)")
    p.add_argument("--rulebook", metavar="ID_OR_PATH", default=None,
                   help="bundled rulebook id or rulebook folder (default hanoi-2016-2020)")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kcrules.errors import InputError, Said
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
            raise InputError.of("cli.template:unknown_activity", given=repr(activity), allowed=", ".join(ids),
                                hint=Said("errors:unknown_rulebook_hint", (("suggestion", repr(near)),)) if near
                                else "")
        activity = found
    tables = template_tables(rulebook, args.lang, activity)
    if fmt == "xlsx":
        write_xlsx(tables, args.output)
    else:
        with csv_output(args.output) as out:
            write_csv(tables[0], out)
    return EXIT_OK
