"""Criteria, groups of criteria, and the priority tiers.

Takes the ``[criteria.ID]`` tables (and an activity's inline ``conditions``), the
``[groups.ID]`` lists and the ``[priority]`` table; gives :class:`Criterion`
records (condition and ``applies_when`` parsed and type-checked), the groups
(``@name`` references checked) and the :class:`Tier` order of the definition.
A refused criterion is marked broken, so that groups and activities naming it
are not reported again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kcrules.rulefiles.builders.context import Context, RuleFile, origin
from kcrules.rulefiles.builders.names import condition, template
from kcrules.rulefiles.builders.sources import cite
from kcrules.rulefiles.definition import LANGS, Criterion, Tier
from kcrules.util.words import suggest

_CRITERION_KEYS = ("kind", "label", "cite", "condition", "applies_when", "explain", "assumption", "tier", "order")


def finish_criteria(ctx: Context) -> None:
    """Read the criteria put aside until every name they may read is known."""
    d = ctx.d
    for key, rb_id, f, body, section in ctx.pending_criteria:
        crit = read_criterion(ctx, key, body, f, rb_id, section, None)
        if crit is not None:
            d.criteria[key] = crit
        elif key not in d.criteria:
            ctx.broken.add(key)


def read_criterion(ctx: Context, key: str, body: Any, f: RuleFile, rb_id: str, section: str,
                   activity: str | None) -> Criterion | None:
    """One criterion (of ``activity`` when it is written inline), or None (and problems) when refused."""
    d = ctx.d
    if not isinstance(body, dict):
        ctx.p.add(ctx.where(f, section, key), "must be a table", body)
        return None
    body = dict(body)
    if activity is None:
        if not ctx.check_id(key, f, section):
            return None
        if not ctx.claim("criterion", key, origin(d.criteria, key), body, f, section, rb_id):
            return None
    if not ctx.keys(body, _CRITERION_KEYS, ("label", "cite", "condition"), f, section, key):
        return None
    kind = body.get("kind", "eligibility")
    if kind not in ("eligibility", "priority"):
        ctx.p.add(ctx.where(f, section, key, "kind"), "unknown kind", kind, "eligibility, priority")
        return None
    tier = body.get("tier")
    order = body.get("order", 0)
    if not isinstance(order, int) or isinstance(order, bool):
        ctx.p.add(ctx.where(f, section, key, "order"), "must be a whole number", order)
        return None
    if kind == "priority" and not any(t.id == tier for t in d.tiers):
        ctx.p.add(ctx.where(f, section, key, "tier"), "a priority criterion names its tier", tier,
                  ", ".join(t.id for t in d.tiers), suggest(str(tier), [t.id for t in d.tiers]))
    explain = body.get("explain", {})
    if explain and (not isinstance(explain, dict) or set(explain) - set(LANGS)):
        ctx.p.add(ctx.where(f, section, key, "explain"), "must be { vi = \"…\", en = \"…\" }", explain)
        explain = {}
    explained = [template(ctx, text, f, section, key, f"explain.{lang}") for lang, text in explain.items()]
    assumption = ctx.label(body["assumption"], f, section, key, "assumption") if "assumption" in body else None
    expr = condition(ctx, body["condition"], f, section, key, "condition")
    applies = None
    if "applies_when" in body:
        applies = condition(ctx, body["applies_when"], f, section, key, "applies_when")
        if applies is None:
            return None
    if expr is None or not all(explained):
        return None
    return Criterion(
        id=key if activity is None else f"{activity}.{key}", kind=kind,
        label=ctx.label(body["label"], f, section, key), cite=cite(ctx, body["cite"], f, section, key),
        condition=expr, condition_text=body["condition"], applies_when=applies,
        applies_text=body.get("applies_when"), explain=dict(explain), assumption=assumption,
        tier=tier, order=order, origin=rb_id, file=f.display,
    )


def read_group(ctx: Context, key: str, body: Any, f: RuleFile, rb_id: str) -> None:
    if not isinstance(body, dict) or not ctx.keys(body, ("criteria", "overrides"), ("criteria",), f, "groups", key):
        return
    body = dict(body)
    if not ctx.claim("group", key, ctx.group_origin.get(key), body, f, "groups", rb_id):
        return
    items = body["criteria"]
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        ctx.p.add(ctx.where(f, "groups", key, "criteria"), "must be a list of criterion ids", items)
        return
    ctx.d.groups[key] = tuple(items)
    ctx.group_origin[key] = rb_id
    ctx.group_file[key] = f


def finish_groups(ctx: Context) -> None:
    """Check that every member of every group is a criterion or a group."""
    d = ctx.d
    for key, items in d.groups.items():
        at = ctx.group_file[key].where("groups", key, "criteria")
        for item in items:
            if item.startswith("@"):
                if item[1:] not in d.groups:
                    ctx.p.add(at, "unknown group", item, suggestion=suggest(item[1:], d.groups))
            elif item not in d.criteria and item not in ctx.broken:
                ctx.p.add(at, "unknown criterion", item, suggestion=suggest(item, d.criteria))


def expand(ctx: Context, items: Iterable[str], depth: int = 0) -> list[str]:
    """Criterion ids, each ``@group`` replaced by its members (in order, without repeats)."""
    out: list[str] = []
    for item in items:
        if item.startswith("@") and depth < 10:
            out += expand(ctx, ctx.d.groups.get(item[1:], ()), depth + 1)
        elif item not in out:
            out.append(item)
    return out


def read_priority(ctx: Context, body: Any, f: RuleFile) -> None:
    """The ``[priority]`` tiers; a later rulebook's table replaces the whole order."""
    if not isinstance(body, dict) or not ctx.keys(body, ("tiers",), ("tiers",), f, "priority", None):
        return
    if not isinstance(body["tiers"], list):
        ctx.p.add(ctx.where(f, "priority", "tiers"), "must be a list of tiers", body["tiers"],
                  "[{ id = \"…\", label = …, mode = \"first_met\" or \"count\", cite = … }, …]")
        return
    tiers = []
    for i, t in enumerate(body["tiers"]):
        rule = f"tiers[{i}]"
        if not isinstance(t, dict) or not ctx.keys(t, ("id", "label", "mode", "cite", "uplift"),
                                                   ("id", "label", "mode", "cite"), f, "priority", rule):
            continue
        if t["mode"] not in ("first_met", "count"):
            ctx.p.add(ctx.where(f, "priority", rule, "mode"), "unknown mode", t["mode"], "first_met, count")
            continue
        if not isinstance(t.get("uplift", False), bool):
            ctx.p.add(ctx.where(f, "priority", rule, "uplift"), "must be true or false", t["uplift"])
        tiers.append(Tier(str(t["id"]), ctx.label(t["label"], f, "priority", rule), t["mode"],
                          cite(ctx, t["cite"], f, "priority", rule), t.get("uplift") is True))
    ctx.d.tiers = tuple(tiers)
