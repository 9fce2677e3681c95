"""Application → fact: the flat dict both engines match.

Takes an :class:`~kcrules.models.Application` and the parameters' fact items of
its law date; gives one flat dict holding the application's fields (dates as
day ordinals), the attributes of its codes (a district's area, a sector's
group), the parameters, the derived facts, and a presence flag for every key a
condition tests for presence. The builder is one straight-line generated
function per rulebook.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kcrules.models import Application
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS
from kcrules.rulefiles.loader import Criterion, Definition

FactFn = Callable[[Application, dict[str, Any]], dict[str, Any]]


def build_fact_fn(definition: Definition, criteria: Iterable[Criterion]) -> tuple[FactFn, str]:
    """Generate the fact builder for a rulebook whose conditions are ``criteria``; returns it and its source.

    The source is made from the Application model's field names (Python
    identifiers) and fact keys, never from rule text; code attributes,
    derived-fact functions and presence flags enter as named constants.
    """
    lines = ["def fact(app, params):", "    f = {'kc__true': True}"]
    lines += _field_lines()
    lines += ["    if app.applicant is None and app.establishment is not None:",
              "        f['applicant__kind'] = 'establishment'",
              "        f['applicant__district'] = app.establishment.district"]
    constants: dict[str, Any] = {}
    for i, (key, attrs) in enumerate(_code_attributes(definition)):
        constants[f"A{i}"] = attrs
        lines += [f"    v = f.get({key!r})", "    if v is not None:", f"        a = A{i}.get(v)",
                  "        if a: f.update(a)"]
    lines.append("    f.update(params)")
    for i, derived in enumerate(definition.derived.values()):
        constants[f"D{i}"] = cond.compile_value(derived.expr)
        lines += [f"    v = D{i}(f)", f"    if v is not None: f[{'derived__' + derived.id!r}] = v"]
    presence = sorted({k for c in criteria for e in (c.condition, c.applies_when) for k in cond.presence_keys(e)})
    for key in presence:
        lines.append(f"    f[{cond.PRESENT + key!r}] = {key!r} in f")
    lines.append("    return f")
    source = "\n".join(lines) + "\n"
    namespace = dict(constants)
    exec(compile(source, f"<kcrules fact builder {definition.id}>", "exec"), namespace)  # noqa: S102
    return namespace["fact"], source


def _field_lines() -> list[str]:
    """Copy every application field that is set into the fact, under its fact key."""
    lines: list[str] = []
    groups: dict[str, list[tuple[str, str, bool]]] = {}
    for path, (kind, _) in APPLICATION_FIELDS.items():
        head, _, leaf = path.partition(".")
        groups.setdefault(head, []).append((leaf, cond.fact_key(path), kind == "date"))
    for head, leaves in groups.items():
        if not head.isidentifier():
            raise ValueError(f"not a field name: {head!r}")
        if leaves == [("", head, leaves[0][2])]:
            value = "v.toordinal()" if leaves[0][2] else "v"
            lines += [f"    v = app.{head}", f"    if v is not None: f[{head!r}] = {value}"]
            continue
        lines += [f"    o = app.{head}", "    if o is not None:"]
        for leaf, key, is_date in leaves:
            if not leaf.isidentifier():
                raise ValueError(f"not a field name: {leaf!r}")
            value = "v.toordinal()" if is_date else "v"
            lines += [f"        v = o.{leaf}", f"        if v is not None: f[{key!r}] = {value}"]
    return lines


def _code_attributes(definition: Definition) -> list[tuple[str, dict[str, dict[str, Any]]]]:
    """Per code field: its fact key and, per code, that code's attributes as fact items."""
    out: list[tuple[str, dict[str, dict[str, Any]]]] = []
    for path, table in CODE_FIELDS.items():
        tbl = definition.codes.get(table)
        if tbl is not None:
            key = cond.fact_key(path)
            out.append((key, {code: {f"{key}__{attr}": value for attr, value in v.attrs.items() if value is not None}
                              for code, v in tbl.values.items()}))
    return out
