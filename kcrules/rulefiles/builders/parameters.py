"""Parameters: the numbers, shares, ceilings and dates of the rules, each dated, cited and of known provenance.

Takes the ``[parameters.ID]`` tables of a rulebook's files (a rulebook replaces
an extended rulebook's parameter only with ``overrides``); gives :class:`Param`
records in the definition, their values exact (whole đồng, Fraction or day
ordinal) and their validity periods checked not to overlap. A refused parameter
is marked broken, so that what refers to it is not reported again.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from itertools import pairwise
from typing import Any

from kcrules.rulefiles.builders.context import Context, RuleFile, origin
from kcrules.rulefiles.builders.sources import cite
from kcrules.rulefiles.definition import PROVENANCES, UNITS, Param, ParamValue
from kcrules.util.words import suggest

_UNIT_HELP = {
    "vnd": "a whole number of đồng, e.g. 200_000_000",
    "percent": "a text like \"50%\" or \"1.5%\"",
    "ratio": "a text like \"1.5\"",
    "count": "a whole number",
    "days": "a whole number",
    "months": "a whole number",
    "years": "a whole number",
    "date": "a date YYYY-MM-DD",
}

_PERCENT = re.compile(r"^(\d{1,3})(?:\.(\d{1,4}))?%$")
_RATIO = re.compile(r"^(\d{1,3})(?:\.(\d{1,4}))?$")


def read_param(ctx: Context, key: str, body: dict[str, Any], f: RuleFile, rb_id: str) -> None:
    if not ctx.check_id(key, f, "parameters"):
        return
    param = _param(ctx, key, dict(body), f, rb_id)
    if param is None:
        ctx.broken.add(f"params.{key}")
    else:
        ctx.d.params[key] = param


def _param(ctx: Context, key: str, body: dict[str, Any], f: RuleFile, rb_id: str) -> Param | None:
    if not ctx.claim("parameter", key, origin(ctx.d.params, key), body, f, "parameters", rb_id):
        return None
    if not ctx.keys(body, ("label", "unit", "values", "description"), ("label", "unit", "values"),
                    f, "parameters", key):
        return None
    label = ctx.label(body["label"], f, "parameters", key)
    unit = body["unit"]
    if unit not in UNITS:
        ctx.p.add(ctx.where(f, "parameters", key, "unit"), "unknown unit", unit, ", ".join(UNITS),
                  suggest(str(unit), UNITS))
        return None
    raw = body["values"]
    if not isinstance(raw, list) or not raw:
        ctx.p.add(ctx.where(f, "parameters", key, "values"), "needs at least one dated value",
                  allowed="[[parameters.ID.values]] tables")
        return None
    values = [pv for i, v in enumerate(raw) if (pv := _dated_value(ctx, v, unit, f, f"{key}.values[{i}]"))]
    values.sort(key=lambda pv: pv.start)
    for a, b in pairwise(values):
        if a.until is None or a.until > b.start:
            ctx.p.add(ctx.where(f, "parameters", key, "values"),
                      f"validity periods overlap: the value from {a.start} must end (until) "
                      f"on or before {b.start}")
    return Param(key, label, unit, tuple(values), rb_id, f.display)


def _dated_value(ctx: Context, v: Any, unit: str, f: RuleFile, rule: str) -> ParamValue | None:
    """One ``[[parameters.ID.values]]`` table, or None (and a problem) when it is refused."""
    if not isinstance(v, dict) or not ctx.keys(
        v, ("from", "until", "value", "provenance", "cite", "note"),
        ("from", "value", "provenance", "cite"), f, "parameters", rule,
    ):
        return None
    start = ctx.date(v["from"], f, "parameters", rule, "from")
    until = ctx.date(v["until"], f, "parameters", rule, "until") if "until" in v else None
    if start and until and until <= start:
        ctx.p.add(ctx.where(f, "parameters", rule, "until"),
                  "validity is [from, until): until must be after from", until.isoformat())
    prov = v["provenance"]
    if prov not in PROVENANCES:
        ctx.p.add(ctx.where(f, "parameters", rule, "provenance"), "unknown provenance", prov,
                  ", ".join(PROVENANCES), suggest(str(prov), PROVENANCES))
        return None
    note = ctx.label(v["note"], f, "parameters", rule, "note") if "note" in v else None
    if prov in ("guidance", "assumption") and note is None:
        ctx.p.add(ctx.where(f, "parameters", rule, "note"),
                  f"a {prov} value must say in a note why it is used and what would confirm it",
                  allowed="{ vi = \"…\", en = \"…\" }")
    value = param_value(v["value"], unit)
    if value is None:
        ctx.p.add(ctx.where(f, "parameters", rule, "value"), f"not a valid {unit} value", v["value"],
                  _UNIT_HELP[unit])
        return None
    value_cite = cite(ctx, v["cite"], f, "parameters", rule)
    if not start:
        return None
    return ParamValue(start, until, value, str(v["value"]), prov, value_cite, note)


def param_value(value: Any, unit: str) -> Any:
    """The exact value of a parameter: int, Fraction (percent/ratio) or date ordinal."""
    if unit == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.toordinal()
        return None
    if unit in ("percent", "ratio"):
        m = (_PERCENT if unit == "percent" else _RATIO).match(str(value)) if isinstance(value, str) else None
        if not m:
            return None
        frac = Fraction(int(m.group(1) + (m.group(2) or "")), 10 ** len(m.group(2) or ""))
        if unit == "percent":
            frac /= 100
            if frac > 1:
                return None
        return frac
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10**16:
        return value
    return None
