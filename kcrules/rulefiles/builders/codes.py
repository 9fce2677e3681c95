"""Code tables: the closed lists of codes a field may hold (districts, sectors, kinds…).

Takes the ``[codes.ID]`` tables of a rulebook's files, in chain order (a later
rulebook adds codes to a table with ``extend = true``); gives :class:`CodeTable`
records in the definition: each code's labels, aliases and typed attributes.
"""

from __future__ import annotations

from typing import Any

from kcrules.rulefiles.builders.context import Context, RuleFile
from kcrules.rulefiles.builders.sources import cite
from kcrules.rulefiles.definition import CodeTable, CodeValue
from kcrules.util.words import suggest

Attributes = dict[str, tuple[str, bool, str | None]]  # name -> (kind, optional, code table)


def read_codes(ctx: Context, key: str, body: dict[str, Any], f: RuleFile) -> None:
    d = ctx.d
    if not ctx.check_id(key, f, "codes"):
        return
    extend = body.get("extend", False)
    if not ctx.keys(body, ("label", "attributes", "values", "cite", "extend"), ("values",), f, "codes", key):
        return
    if key in d.codes and not extend:
        ctx.p.add(ctx.where(f, "codes", key), "code table already defined; to add codes write extend = true")
        return
    if extend and key not in d.codes:
        ctx.p.add(ctx.where(f, "codes", key, "extend"), "no such code table to extend", key,
                  ", ".join(sorted(d.codes)), suggest(key, d.codes))
        return
    old = d.codes.get(key)
    attributes = _attributes(ctx, dict(old.attributes) if old else {}, body, f, key)
    label = ctx.label(body.get("label"), f, "codes", key) if not old else old.label
    values = dict(old.values) if old else {}
    raw_values = body.get("values")
    if not isinstance(raw_values, dict):
        ctx.p.add(ctx.where(f, "codes", key, "values"), "must be a table of codes", raw_values)
        return
    for code, vbody in raw_values.items():
        value = _code_value(ctx, code, vbody, values, attributes, f, key)
        if value is not None:
            values[code] = value
    table_cite = cite(ctx, body["cite"], f, "codes", key) if "cite" in body else (old.cite if old else None)
    d.codes[key] = CodeTable(key, label, attributes, values, table_cite)


def _attributes(ctx: Context, attributes: Attributes, body: dict[str, Any], f: RuleFile, key: str) -> Attributes:
    """The table's attributes: those it had, and those ``body`` declares (``int``, ``code:TABLE?``…)."""
    declared = body.get("attributes") or {}
    if not isinstance(declared, dict):
        ctx.p.add(ctx.where(f, "codes", key, "attributes"), "must be a table of attribute types", declared,
                  "name = \"int\", \"bool\", \"date\", \"str\" or \"code:TABLE\", with ? when optional")
        return attributes
    for name, spec in declared.items():
        text = str(spec)
        optional = text.endswith("?")
        kind = text.rstrip("?")
        table = None
        if kind.startswith("code:"):
            kind, table = "code", kind[5:]
        if kind not in ("int", "bool", "date", "str", "code"):
            ctx.p.add(ctx.where(f, "codes", key, f"attributes.{name}"), "unknown attribute type", spec,
                      "int, bool, date, str, code:TABLE, with ? when optional")
            continue
        attributes[name] = (kind, optional, table)
    return attributes


def _code_value(ctx: Context, code: str, vbody: Any, values: dict[str, CodeValue], attributes: Attributes,
                f: RuleFile, key: str) -> CodeValue | None:
    """One code of the table, or None (and a problem) when it is refused."""
    rule = f"{key}.values.{code}"
    if not ctx.check_id(code, f, "codes"):
        return None
    if code in values:
        ctx.p.add(ctx.where(f, "codes", rule), "duplicate code", code)
        return None
    if not isinstance(vbody, dict):
        ctx.p.add(ctx.where(f, "codes", rule), "must be a table", vbody)
        return None
    allowed = ("vi", "en", "aliases", *attributes)
    if not ctx.keys(vbody, allowed, ("vi", "en"), f, "codes", rule):
        return None
    attrs: dict[str, Any] = {}
    for name, (kind, optional, _table) in attributes.items():
        if name not in vbody:
            if not optional:
                ctx.p.add(ctx.where(f, "codes", rule, name), "missing required attribute")
            continue
        value = vbody[name]
        if kind == "date":
            parsed = ctx.date(value, f, "codes", rule, name)
            attrs[name] = parsed.toordinal() if parsed else None
        elif not _is_kind(value, kind):
            ctx.p.add(ctx.where(f, "codes", rule, name), f"must be {kind}", value)
        else:
            attrs[name] = value
    aliases = vbody.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        ctx.p.add(ctx.where(f, "codes", rule, "aliases"), "must be a list of texts", aliases)
        aliases = []
    return CodeValue(code, {"vi": str(vbody["vi"]), "en": str(vbody["en"])}, tuple(aliases), attrs)


def _is_kind(value: Any, kind: str) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)
