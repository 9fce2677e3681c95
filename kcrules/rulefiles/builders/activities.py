"""Activities: what may be supported, by whom, under which criteria, with how much support.

Takes the ``[activities.ID]`` tables of every rulebook of the chain, read once
the criteria and groups are known; gives :class:`Activity` records in the
definition: applicants checked against the applicant kinds, criteria (``@group``
expanded, inline ``conditions`` read as criteria ``ACTIVITY.ID``), required
fields (each always, or under a condition on the application's own fields:
:class:`Requirement`), the support computation (:class:`SupportDef`, each parameter of the
right unit) and the program's target (:class:`Target`).
"""

from __future__ import annotations

from typing import Any

from kcrules.rulefiles.builders.context import Context, RuleFile, origin
from kcrules.rulefiles.builders.criteria import expand, read_criterion
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.builders.names import code_ids, condition
from kcrules.rulefiles.builders.sources import cite
from kcrules.rulefiles.definition import PROVENANCES, Activity, Requirement, SupportDef, Target
from kcrules.rulefiles.fields import APPLICATION_FIELDS
from kcrules.util.words import suggest

_ACTIVITY_KEYS = ("label", "cite", "applicants", "applicants_assumption", "beneficiary", "criteria", "conditions",
                  "requires", "support", "target")


def finish_activities(ctx: Context) -> None:
    for key, rb_id, f, body in ctx.pending_activities:
        read_activity(ctx, key, body, f, rb_id)


def read_activity(ctx: Context, key: str, body: Any, f: RuleFile, rb_id: str) -> None:
    d = ctx.d
    if not isinstance(body, dict):
        ctx.p.add(ctx.where(f, "activities", key), "must be a table", body)
        return
    body = dict(body)
    if not ctx.check_id(key, f, "activities"):
        return
    if not ctx.claim("activity", key, origin(d.activities, key), body, f, "activities", rb_id):
        return
    if not ctx.keys(body, _ACTIVITY_KEYS, ("label", "cite", "applicants", "beneficiary", "support"), f,
                    "activities", key):
        return
    applicants = _applicants(ctx, body["applicants"], f, key)
    beneficiary = body["beneficiary"]
    if not isinstance(beneficiary, bool):
        ctx.p.add(ctx.where(f, "activities", key, "beneficiary"),
                  "true when an establishment benefits directly, false otherwise", beneficiary)
    criteria = _criteria(ctx, body, f, key, rb_id)
    requires = _requires(ctx, body.get("requires", []), f, key)
    support = read_support(ctx, body["support"], f, key)
    target = read_target(ctx, body.get("target"), f, key) if "target" in body else None
    if support is None:
        return
    d.activities[key] = Activity(
        key, ctx.label(body["label"], f, "activities", key), cite(ctx, body["cite"], f, "activities", key),
        tuple(applicants), bool(beneficiary), tuple(criteria), tuple(dict.fromkeys(r.field for r in requires)),
        support, target, rb_id, f.display,
        ctx.label(body["applicants_assumption"], f, "activities", key, "applicants_assumption")
        if "applicants_assumption" in body else None,
        tuple(requires),
    )


_REQUIRES_HELP = '"project.x", or { field = "project.x", when = "<condition on the application\'s fields>" }'


def _requires(ctx: Context, value: Any, f: RuleFile, key: str) -> list[Requirement]:
    """The facts an application must give: plain field names, or ``{ field, when }`` for a fact
    needed only when a condition on the application's own fields holds."""
    if not isinstance(value, list):
        ctx.p.add(ctx.where(f, "activities", key, "requires"), "must be a list", value, _REQUIRES_HELP)
        return []
    out = []
    # Problems name the key (its line is found); the entry at fault is shown as given.
    at = "requires"
    for item in value:
        when, text = None, None
        if isinstance(item, dict):
            if not ctx.keys(item, ("field", "when"), ("field", "when"), f, "activities", f"{key}.{at}"):
                continue
            text = item["when"]
            when = condition(ctx, text, f, "activities", key, at)
            if when is None:
                continue
            others = [r for r in cond.refs_of(when) if r not in APPLICATION_FIELDS or r.startswith("applicant.")]
            if others:
                # Requirements are checked as the application is read, before the law of its date,
                # derived facts or the applicant's default (the establishment itself) are known.
                ctx.p.add(ctx.where(f, "activities", key, at),
                          "a requirement's condition reads only the application's project and establishment "
                          "fields, not " + ", ".join(others), text)
                continue
            item = item["field"]
        if not isinstance(item, str):
            ctx.p.add(ctx.where(f, "activities", key, at), "not a field name or { field, when }", item,
                      _REQUIRES_HELP)
        elif item not in APPLICATION_FIELDS:
            ctx.p.add(ctx.where(f, "activities", key, at), "not a field of an application", item,
                      suggestion=suggest(item, APPLICATION_FIELDS))
        else:
            out.append(Requirement(item, when, text if when is not None else None))
    return out


def _applicants(ctx: Context, applicants: Any, f: RuleFile, key: str) -> list[Any]:
    known_applicants = code_ids(ctx, "applicant_kind")
    if not isinstance(applicants, list) or not applicants:
        ctx.p.add(ctx.where(f, "activities", key, "applicants"), "must list applicant kinds", applicants,
                  ", ".join(known_applicants))
        applicants = []
    for a in applicants:
        if a not in known_applicants:
            ctx.p.add(ctx.where(f, "activities", key, "applicants"), "unknown applicant kind", a,
                      ", ".join(known_applicants), suggest(str(a), known_applicants))
    return applicants


def _criteria(ctx: Context, body: dict[str, Any], f: RuleFile, key: str, rb_id: str) -> list[str]:
    """The activity's criteria: those it names (``@group`` expanded), then those it writes inline."""
    d = ctx.d
    refs = body.get("criteria", [])
    if not isinstance(refs, list):
        ctx.p.add(ctx.where(f, "activities", key, "criteria"), "must be a list", refs)
        refs = []
    for r in refs:
        name = r[1:] if isinstance(r, str) and r.startswith("@") else r
        if isinstance(r, str) and r in ctx.broken:
            continue
        if not isinstance(r, str) or (name not in (d.groups if r.startswith("@") else d.criteria)):
            pool = d.groups if isinstance(r, str) and r.startswith("@") else d.criteria
            ctx.p.add(ctx.where(f, "activities", key, "criteria"), "unknown criterion or @group", r,
                      suggestion=suggest(str(name), pool))
    criteria = expand(ctx, [r for r in refs if isinstance(r, str)])
    inline = body.get("conditions", {})
    for ckey, cbody in (inline.items() if isinstance(inline, dict) else []):
        crit = read_criterion(ctx, ckey, cbody, f, rb_id, f"activities.{key}.conditions", key)
        if crit is not None:
            if crit.id in d.criteria:
                ctx.p.add(ctx.where(f, "activities", key, f"conditions.{ckey}"), "duplicate criterion id")
            d.criteria[crit.id] = crit
            criteria.append(crit.id)
    return criteria


def read_support(ctx: Context, body: Any, f: RuleFile, act: str) -> SupportDef | None:
    rule = f"{act}.support"
    if not isinstance(body, dict) or not ctx.keys(
        body, ("method", "base", "share", "caps", "priority_uplift", "cite", "note"),
        ("method", "base", "cite"), f, "activities", rule,
    ):
        return None
    method = body["method"]
    if method not in ("share", "full"):
        ctx.p.add(ctx.where(f, "activities", rule, "method"), "unknown method", method, "share, full")
        return None
    base = body["base"]
    if not isinstance(base, str) or APPLICATION_FIELDS.get(base, ("",))[0] != "int":
        ctx.p.add(ctx.where(f, "activities", rule, "base"), "must be a money field of the application",
                  base, suggestion=suggest(str(base), [k for k, v in APPLICATION_FIELDS.items()
                                                       if k.endswith("_vnd")]))
    share = body.get("share")
    if method == "share":
        _param_ref(ctx, share, "percent", f, rule, "share")
    elif share is not None:
        ctx.p.add(ctx.where(f, "activities", rule, "share"), "method 'full' takes no share", share)
    caps = _texts(ctx, body.get("caps", []), f, rule, "caps")
    for cap in caps:
        _param_ref(ctx, cap, "vnd", f, rule, "caps")
    uplift = body.get("priority_uplift")
    if uplift is not None:
        _param_ref(ctx, uplift, "ratio", f, rule, "priority_uplift")
    note = body.get("note", {})
    if note:
        note = ctx.label(note, f, "activities", rule, "note")
    return SupportDef(method, base, share, tuple(caps), uplift, cite(ctx, body["cite"], f, "activities", rule), note)


def _texts(ctx: Context, value: Any, f: RuleFile, rule: str, key: str) -> list[str]:
    """A list of texts, or [] (and a problem) when ``value`` is anything else."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    ctx.p.add(ctx.where(f, "activities", rule, key), "must be a list of texts", value)
    return []


def _param_ref(ctx: Context, ref: Any, unit: str, f: RuleFile, rule: str, key: str) -> None:
    """Check that ``ref`` names a parameter in ``unit``."""
    d = ctx.d
    param = d.params.get(ref) if isinstance(ref, str) else None
    if param is None and f"params.{ref}" in ctx.broken:
        return
    if param is None:
        ctx.p.add(ctx.where(f, "activities", rule, key), "unknown parameter", ref,
                  suggestion=suggest(str(ref), d.params))
    elif param.unit != unit:
        ctx.p.add(ctx.where(f, "activities", rule, key), f"parameter {ref!r} is in {param.unit}, not {unit}")


def read_target(ctx: Context, body: Any, f: RuleFile, act: str) -> Target | None:
    rule = f"{act}.target"
    if not isinstance(body, dict) or not ctx.keys(
        body, ("count", "count_max", "unit", "cite", "provenance"), ("unit", "cite", "provenance"),
        f, "activities", rule,
    ):
        return None
    if body["provenance"] not in PROVENANCES:
        ctx.p.add(ctx.where(f, "activities", rule, "provenance"), "unknown provenance", body["provenance"],
                  ", ".join(PROVENANCES))
    for k in ("count", "count_max"):
        if k in body and not (isinstance(body[k], int) and not isinstance(body[k], bool) and body[k] > 0):
            ctx.p.add(ctx.where(f, "activities", rule, k), "must be a positive whole number", body[k])
    return Target(body.get("count"), body.get("count_max"), ctx.label(body["unit"], f, "activities", rule, "unit"),
                  cite(ctx, body["cite"], f, "activities", rule), body["provenance"])
