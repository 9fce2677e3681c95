"""The names a rule may read, and the check of the conditions and templates that read them.

Takes the definition so far (application fields, parameters, derived facts, code
tables and their attributes, the activities still to read); gives the type of a
name for the condition type checker (:func:`resolve`), every known name (for
"did you mean"), the codes of a table, :func:`condition`, which parses and
type-checks one condition of a rule file or reports why it cannot, and
:func:`template`, the same for an explanation template.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles import templates
from kcrules.rulefiles.builders.context import Context, RuleFile
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS
from kcrules.util.words import suggest


def condition(ctx: Context, text: Any, f: RuleFile, section: str, rule: str, key: str,
              kind: str = "condition") -> cond.Expr | None:
    """The checked expression of ``text``, or None (and a problem) when it does not parse or type-check."""
    if not isinstance(text, str):
        ctx.p.add(ctx.where(f, section, rule, key), "must be a condition written as text", text)
        return None
    try:
        return cond.parse(text, resolver(ctx), kind)
    except cond.ConditionSyntaxError as err:
        hint = None
        m = re.search(r"unknown name '([^']+)'", err.message)
        if m and m.group(1) in ctx.broken:
            return None  # its own definition was already reported
        if m:
            hint = suggest(m.group(1), names(ctx))
        ctx.p.add(ctx.where(f, section, rule, key), err.message, text, suggestion=hint)
        return None


def template(ctx: Context, text: Any, f: RuleFile, section: str, rule: str, key: str) -> bool:
    """Whether ``text`` is a template that names only known facts (a problem says why not)."""
    try:
        templates.parse(text, resolver(ctx))
        return True
    except templates.TemplateError as err:
        if err.name is not None and err.name in ctx.broken:
            return False  # its own definition was already reported
        hint = suggest(err.name, names(ctx)) if err.name else None
        ctx.p.add(ctx.where(f, section, rule, key), err.message, text, suggestion=hint)
        return False


def names(ctx: Context) -> list[str]:
    """Every name a rule may read (what "did you mean" suggests from)."""
    d = ctx.d
    out = list(APPLICATION_FIELDS)
    out += [f"params.{p}" for p in d.params]
    out += [f"derived.{p}" for p in d.derived]
    for path, table in CODE_FIELDS.items():
        tbl = d.codes.get(table)
        if tbl:
            out += [f"{path}.{a}" for a in tbl.attributes]
    return out


def resolver(ctx: Context) -> Callable[[str], cond.FieldType | None]:
    return lambda path: resolve(ctx, path)


def resolve(ctx: Context, path: str) -> cond.FieldType | None:
    """The type of a name, for the condition type checker."""
    d = ctx.d
    if path.startswith("params."):
        param = d.params.get(path[7:])
        if param is None:
            return None
        kind = {"date": "date", "percent": "int"}.get(param.unit, "int")
        if param.unit == "ratio":
            return None  # ratios are used in support computations, not conditions
        return cond.FieldType(kind)
    if path.startswith("derived."):
        der = d.derived.get(path[8:])
        return cond.FieldType(der.type, optional=True) if der else None
    if path in APPLICATION_FIELDS:
        kind, optional = APPLICATION_FIELDS[path]
        if kind == "code":
            table = CODE_FIELDS[path]
            values = tuple(code_ids(ctx, table))
            return cond.FieldType("code", values, optional, table)
        return cond.FieldType(kind, optional=optional)
    base, _, attr = path.rpartition(".")
    if base in CODE_FIELDS and CODE_FIELDS[base] in d.codes:
        spec = d.codes[CODE_FIELDS[base]].attributes.get(attr)
        if spec:
            kind, optional, table = spec
            values = tuple(code_ids(ctx, table)) if table else ()
            return cond.FieldType(kind, values, True, table)
    return None


def code_ids(ctx: Context, table: str) -> list[str]:
    """The codes of a table; for ``activity``, those defined and those still to read."""
    d = ctx.d
    if table == "activity":
        return sorted({a[0] for a in ctx.pending_activities} | set(d.activities))
    tbl = d.codes.get(table)
    return sorted(tbl.values) if tbl else []
