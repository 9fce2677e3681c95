"""The ``[plan]`` table of a rulebook, checked when the rulebook loads.

A broken table is a rule-file error like any other; ``kcrules.planning`` uses the
checked form (:class:`PlanSpec`) to order, cap and report an annual plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kcrules.errors import Problem, RuleFileError
from kcrules.rulefiles.fields import APPLICATION_FIELDS
from kcrules.rulefiles.loader import Cite, Definition
from kcrules.util.words import suggest

POLICIES = ("skip", "partial", "stop")
ORDER_KEYS = ("priority_tiers", "effectiveness_rank", "application_date", "support_vnd", "id")
_DESCENDING_OK = ("application_date", "support_vnd")
_PLAN_KEYS = ("cite", "policy", "assumption", "queues", "targets", "limits")
_QUEUE_KEYS = ("id", "label", "cite", "order", "activities", "cleaner_production", "beneficiary", "assumption")
_TARGET_KEYS = ("bound", "units", "ignore", "assumption")
_LIMIT_KEYS = ("id", "label", "cite", "activities", "max", "used")
_CITE_KEYS = ("source", "article", "clause", "point", "section")


@dataclass(frozen=True)
class PlanQueue:
    id: str
    label: dict[str, str]
    cite: Cite
    order: tuple[str, ...]
    activities: tuple[str, ...] | None
    cleaner_production: bool | None
    beneficiary: bool | None
    assumption: dict[str, str] | None


@dataclass(frozen=True)
class PlanLimit:
    id: str
    label: dict[str, str]
    cite: Cite
    activities: tuple[str, ...]
    max: str
    used: str | None


@dataclass(frozen=True)
class PlanSpec:
    file: str
    cites: tuple[Cite, ...]
    policy: str
    assumption: dict[str, str] | None
    queues: tuple[PlanQueue, ...]
    bound: str
    units: dict[str, str]
    ignore: tuple[str, ...]
    targets_assumption: dict[str, str] | None
    limits: tuple[PlanLimit, ...]


class _Checker:
    """Reads the raw ``[plan]`` table, collecting every problem with file and key."""

    def __init__(self, d: Definition, file: str) -> None:
        self.d = d
        self.file = file
        self.problems: list[Problem] = []

    def add(self, key: str, message: str, given: object = None, allowed: str | None = None,
            suggestion: str | None = None) -> None:
        self.problems.append(Problem(f"{self.file} [plan{'.' + key if key else ''}]", message, given, allowed,
                                     suggestion))

    def keys(self, table: Mapping[str, Any], allowed: tuple[str, ...], required: tuple[str, ...],
             where: str) -> None:
        for k in table:
            if k not in allowed:
                self.add(f"{where}.{k}" if where else k, "unknown key", k, ", ".join(allowed), suggest(k, allowed))
        for k in required:
            if k not in table:
                self.add(f"{where}.{k}" if where else k, "missing required key")

    def label(self, value: Any, where: str) -> dict[str, str]:
        if not isinstance(value, dict) or set(value) != {"vi", "en"} or not all(
                isinstance(v, str) and v.strip() for v in value.values()):
            self.add(where, "needs a Vietnamese and an English text", value, '{ vi = "…", en = "…" }')
            return {"vi": where, "en": where}
        return dict(value)

    def cite(self, value: Any, where: str) -> Cite:
        fallback = Cite("?", "?")
        if not isinstance(value, dict):
            self.add(where, "missing or malformed citation", value,
                     '{ source = "…", article = …, clause = …, point = "…" } or { source, section }')
            return fallback
        bad = [k for k in value if k not in _CITE_KEYS]
        for k in bad:
            self.add(f"{where}.{k}", "unknown key", k, ", ".join(_CITE_KEYS), suggest(k, _CITE_KEYS))
        src = value.get("source")
        if src not in self.d.sources:
            self.add(f"{where}.source", "unknown source document", src, ", ".join(sorted(self.d.sources)),
                     suggest(str(src), self.d.sources))
            return fallback
        parts = {k: (str(value[k]) if k in value else None) for k in _CITE_KEYS[1:]}
        if not any(parts.values()):
            self.add(where, "a citation names an article or a section", value)
        if bad:
            return fallback
        return Cite(src, self.d.sources[src].short, parts["article"], parts["clause"], parts["point"],
                    parts["section"])

    def text(self, value: Any, where: str) -> dict[str, str] | None:
        """An optional bilingual sentence (what a rule assumes)."""
        return None if value is None else self.label(value, where)

    def activity_list(self, value: Any, where: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(where, "must be a list of activity ids", value, ", ".join(self.d.activities))
            return ()
        for v in value:
            if v not in self.d.activities:
                self.add(where, "unknown activity", v, ", ".join(self.d.activities), suggest(v, self.d.activities))
        return tuple(value)

    def field(self, value: Any, where: str) -> str | None:
        ints = [k for k, (kind, *_rest) in APPLICATION_FIELDS.items() if kind == "int"]
        if value not in ints:
            self.add(where, "must be a whole-number field of an application", value, ", ".join(ints),
                     suggest(str(value), ints))
            return None
        return str(value)

    def boolean(self, value: Any, where: str) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            self.add(where, "must be true or false", value)
            return None
        return value


def check_plan_table(d: Definition) -> PlanSpec:
    """The checked ``[plan]`` of a rulebook; RuleFileError lists every problem at once."""
    if d.plan is None:
        raise RuleFileError([Problem(f"{d.id} [plan]", "this rulebook has no [plan] table: the ranking order "
                                     "and the allocation policy are rulebook data",
                                     allowed="a [plan] table in one of its rule files (see docs/planning.md)")])
    file, raw = d.plan
    c = _Checker(d, file)
    if not isinstance(raw, dict):
        raise RuleFileError([Problem(f"{file} [plan]", "must be a table", raw)])
    c.keys(raw, _PLAN_KEYS, ("cite", "policy", "queues"), "")
    cites_raw = raw.get("cite", [])
    cites = tuple(c.cite(v, f"cite[{i}]") for i, v in enumerate(cites_raw)) if isinstance(cites_raw, list) \
        else (c.cite(cites_raw, "cite"),)
    policy = raw.get("policy", "skip")
    if policy not in POLICIES:
        c.add("policy", "unknown policy", policy, ", ".join(POLICIES), suggest(str(policy), POLICIES))
    assumption = c.text(raw.get("assumption"), "assumption")
    queues = _queues(c, raw.get("queues", []))
    bound, units, ignore, targets_assumption = _targets(c, raw.get("targets", {}))
    limits = _limits(c, raw.get("limits", []))
    if c.problems:
        raise RuleFileError(c.problems)
    return PlanSpec(file, cites, str(policy), assumption, queues, bound, units, ignore, targets_assumption, limits)


def _queues(c: _Checker, raw: Any) -> tuple[PlanQueue, ...]:
    """The ``[[plan.queues]]``, each checked; then that every application finds one."""
    if not isinstance(raw, list) or not raw:
        c.add("queues", "needs at least one [[plan.queues]] table", raw if raw else None)
        raw = []
    queues: list[PlanQueue] = []
    seen: set[str] = set()
    for i, q in enumerate(raw):
        if not isinstance(q, dict):
            c.add(f"queues[{i}]", "must be a table", q)
            continue
        queues.append(_queue(c, q, f"queues[{i}]", f"queue{i}", seen))
    # Every application must find a queue: check each (activity, cleaner production) pair.
    if queues:
        uncovered = [f"{a}{' (cleaner production)' if cp else ''}" for a, act in c.d.activities.items()
                     for cp in ((False, True) if act.beneficiary else (False,))
                     if queue_for(queues, a, act.beneficiary, cp) is None]
        if uncovered:
            c.add("queues", "some applications would belong to no queue: add a queue without selectors last",
                  ", ".join(uncovered[:5]) + (" …" if len(uncovered) > 5 else ""))
    return tuple(queues)


def _queue(c: _Checker, q: dict[str, Any], w: str, fallback_id: str, seen: set[str]) -> PlanQueue:
    """One queue: its id (not one of ``seen``), its ranking order (ending with ``id``) and its selectors."""
    c.keys(q, _QUEUE_KEYS, ("id", "label", "cite", "order"), w)
    qid = q.get("id")
    if not isinstance(qid, str) or not qid:
        c.add(f"{w}.id", "must be a text id", qid)
        qid = fallback_id
    elif qid in seen:
        c.add(f"{w}.id", "duplicate queue id", qid)
    seen.add(qid)
    order = q.get("order", [])
    if not isinstance(order, list) or not order or not all(isinstance(k, str) for k in order):
        c.add(f"{w}.order", "must be a list of ranking keys", order, ", ".join(ORDER_KEYS))
        order = ["id"]
    tier_ids = [t.id for t in c.d.tiers]
    allowed = [*ORDER_KEYS, *(f"tier:{t}" for t in tier_ids), *(f"-{k}" for k in _DESCENDING_OK)]
    for k in order:
        if k.startswith("tier:") and k[5:] not in tier_ids:
            c.add(f"{w}.order", "unknown priority tier", k, ", ".join(tier_ids), suggest(k[5:], tier_ids))
        elif not k.startswith("tier:") and k not in allowed:
            c.add(f"{w}.order", "unknown ranking key", k, ", ".join(allowed), suggest(k, allowed))
    if order[-1] != "id":
        c.add(f"{w}.order", "must end with 'id', so that applications equal on every other key are "
              "ordered the same way every time", order[-1], suggestion="id")
    if len(set(order)) != len(order):
        c.add(f"{w}.order", "a ranking key is listed twice", order)
    acts = c.activity_list(q["activities"], f"{w}.activities") if "activities" in q else None
    return PlanQueue(qid, c.label(q.get("label"), f"{w}.label"), c.cite(q.get("cite"), f"{w}.cite"),
                     tuple(order), acts, c.boolean(q.get("cleaner_production"), f"{w}.cleaner_production"),
                     c.boolean(q.get("beneficiary"), f"{w}.beneficiary"),
                     c.text(q.get("assumption"), f"{w}.assumption"))


def _targets(c: _Checker, targets: Any) -> tuple[str, dict[str, str], tuple[str, ...], dict[str, str] | None]:
    """``[plan.targets]``: the bound (count or count_max), units per activity, activities ignored, assumption."""
    if not isinstance(targets, dict):
        c.add("targets", "must be a table", targets)
        targets = {}
    c.keys(targets, _TARGET_KEYS, (), "targets")
    bound = targets.get("bound", "count_max")
    if bound not in ("count", "count_max"):
        c.add("targets.bound", "unknown bound", bound, "count, count_max", suggest(str(bound), ("count", "count_max")))
    units_raw = targets.get("units", {})
    units: dict[str, str] = {}
    if not isinstance(units_raw, dict):
        c.add("targets.units", "must be a table: activity = field", units_raw)
        units_raw = {}
    for act_id, path in units_raw.items():
        if act_id not in c.d.activities:
            c.add(f"targets.units.{act_id}", "unknown activity", act_id, ", ".join(c.d.activities),
                  suggest(act_id, c.d.activities))
        elif c.d.activities[act_id].target is None:
            c.add(f"targets.units.{act_id}", "this activity has no target to count against", act_id)
        got = c.field(path, f"targets.units.{act_id}")
        if got:
            units[act_id] = got
    ignore = c.activity_list(targets.get("ignore", []), "targets.ignore")
    return str(bound), units, ignore, c.text(targets.get("assumption"), "targets.assumption")


def _limits(c: _Checker, raw: Any) -> tuple[PlanLimit, ...]:
    """The ``[[plan.limits]]``: each names a count parameter as its maximum, never a literal."""
    if not isinstance(raw, list):
        c.add("limits", "must be a list of [[plan.limits]] tables", raw)
        raw = []
    limits: list[PlanLimit] = []
    for i, lim in enumerate(raw):
        w = f"limits[{i}]"
        if not isinstance(lim, dict):
            c.add(w, "must be a table", lim)
            continue
        c.keys(lim, _LIMIT_KEYS, ("id", "label", "cite", "activities", "max"), w)
        pid = lim.get("max")
        param = c.d.params.get(pid) if isinstance(pid, str) else None
        if param is None:
            c.add(f"{w}.max", "must name a parameter (a number in a rule file is a cited parameter, never a "
                  "literal)", pid, suggestion=suggest(str(pid), c.d.params))
        elif param.unit != "count":
            c.add(f"{w}.max", f"parameter {pid!r} is in {param.unit}, not count", pid)
        used = c.field(lim["used"], f"{w}.used") if "used" in lim else None
        limits.append(PlanLimit(str(lim.get("id", f"limit{i}")), c.label(lim.get("label"), f"{w}.label"),
                                c.cite(lim.get("cite"), f"{w}.cite"),
                                c.activity_list(lim.get("activities", []), f"{w}.activities"), str(pid), used))
    if len({lim.id for lim in limits}) != len(limits):
        c.add("limits", "duplicate limit id", [lim.id for lim in limits])
    return tuple(limits)


def queue_for(queues: Iterable[PlanQueue], activity: str, beneficiary: bool, cleaner: bool) -> PlanQueue | None:
    for q in queues:
        if q.activities is not None and activity not in q.activities:
            continue
        if q.cleaner_production is not None and q.cleaner_production != cleaner:
            continue
        if q.beneficiary is not None and q.beneficiary != beneficiary:
            continue
        return q
    return None
