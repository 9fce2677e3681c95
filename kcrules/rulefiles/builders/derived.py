"""Derived facts: values the rules compute from an application (ages, periods, sums).

Takes the ``[derived.ID]`` tables of every rulebook of the chain, read once the
parameters and code tables are known; gives :class:`Derived` records in the
definition. Derived facts may read each other, so they are checked in dependency
order; those that can never be resolved are reported with why.
"""

from __future__ import annotations

from typing import Any

from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.builders.context import Context, RuleFile
from kcrules.rulefiles.builders.names import condition, resolver
from kcrules.rulefiles.builders.sources import cite
from kcrules.rulefiles.definition import Derived

Pending = tuple[str, str, RuleFile, Any]


def finish_derived(ctx: Context) -> None:
    """Read every pending derived fact, each once the derived facts it reads are known."""
    pending = list(ctx.pending_derived)
    for _ in range(len(pending) + 1):
        if not pending:
            break
        still = [item for item in pending if _read(ctx, *item) == "waits"]
        if len(still) == len(pending):
            for key, _, f, body in still:
                condition(ctx, body.get("expr"), f, "derived", key, "expr", "value")
            break
        pending = still


def _read(ctx: Context, key: str, rb_id: str, f: RuleFile, body: Any) -> str:
    """Read one derived fact: ``done`` (added or refused) or ``waits`` (it reads one not yet known)."""
    d = ctx.d
    if not isinstance(body, dict):
        ctx.p.add(ctx.where(f, "derived", key), "must be a table", body)
        return "done"
    if not ctx.keys(body, ("label", "type", "expr", "cite"), ("label", "type", "expr", "cite"), f, "derived", key):
        return "done"
    try:
        expr = cond.parse(body["expr"], resolver(ctx), "value")
    except cond.ConditionSyntaxError as err:
        if "unknown name 'derived." in err.message:
            return "waits"
        ctx.p.add(ctx.where(f, "derived", key, "expr"), err.message, body["expr"])
        return "done"
    if key in d.derived:
        ctx.p.add(ctx.where(f, "derived", key), "duplicate derived fact id", key)
        return "done"
    if expr.type != body["type"] and not (expr.type == "code" and body["type"] == "str"):
        ctx.p.add(ctx.where(f, "derived", key, "type"), f"the expression is {expr.type}", body["type"])
        return "done"
    d.derived[key] = Derived(key, ctx.label(body["label"], f, "derived", key), body["type"], expr, body["expr"],
                             cite(ctx, body["cite"], f, "derived", key), f.display)
    return "done"
