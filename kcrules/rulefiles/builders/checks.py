"""The program table, and the checks made once the whole chain is read.

Takes the definition with everything else read, and the last ``[program]`` table
of the chain; gives the definition's :class:`Program` (its period and budget
parameter), and a problem for each thing a usable (not abstract) rulebook lacks:
the code tables the application needs, a program, at least one activity.
"""

from __future__ import annotations

from typing import Any

from kcrules.rulefiles.builders.context import Context, RuleFile
from kcrules.rulefiles.builders.sources import cite
from kcrules.rulefiles.definition import Program
from kcrules.rulefiles.fields import REQUIRED_TABLES
from kcrules.util.words import suggest


def check_required_tables(ctx: Context) -> None:
    d = ctx.d
    for table in REQUIRED_TABLES if not d.abstract else ():
        if table not in d.codes:
            ctx.p.add(d.id, f"the rulebook chain defines no code table {table!r}")


def finish_program(ctx: Context) -> None:
    d = ctx.d
    if ctx.pending_program:
        read_program(ctx, *ctx.pending_program)
    elif not d.abstract:
        ctx.p.add(d.id, "a rulebook that is not abstract needs a [program] table")
    if not d.abstract and not d.activities:
        ctx.p.add(d.id, "a rulebook that is not abstract needs at least one activity")


def read_program(ctx: Context, rb_id: str, f: RuleFile, body: Any) -> None:
    d = ctx.d
    if not isinstance(body, dict) or not ctx.keys(body, ("from", "until", "budget", "cite"),
                                                  ("from", "until", "budget", "cite"), f, "program", None):
        return
    start = ctx.date(body["from"], f, "program", None, "from")
    until = ctx.date(body["until"], f, "program", None, "until")
    if not isinstance(body["budget"], str) or d.params.get(body["budget"]) is None:
        ctx.p.add(ctx.where(f, "program", None, "budget"), "unknown parameter", body["budget"],
                  suggestion=suggest(str(body["budget"]), d.params))
    if start and until:
        d.program = Program(start, until, body["budget"], cite(ctx, body["cite"], f, "program", "program"))
