"""Properties every decision of every rulebook must have, as reusable checks.

Each ``check_*`` function takes a rulebook and an application (a dict, JSON
text or :class:`kcrules.Application`), evaluates it as often as the property
needs, and raises :class:`InvariantViolation` (an ``AssertionError``, so
pytest shows it as a test failure) saying what broke, with the numbers.
``check_invariants`` runs them all and reports every violation at once.

The ceilings a decision is checked against are recomputed here from the
rulebook's definition, not read from the decision, so a bug in the support
computation cannot hide itself.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from kcrules.models import MAX_VND, Application, Decision
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS
from kcrules.testing.strategies import _as_rulebook

if TYPE_CHECKING:
    from kcrules.rulebook import Rulebook

AppInput = Application | Mapping[str, Any] | str

#: Amounts added to the eligible cost when checking that support never decreases.
COST_STEPS = (1, 999, 1_000_000, 250_000_000)


class InvariantViolation(AssertionError):
    """A decision breaks a property every decision must have; ``violations`` lists each."""

    def __init__(self, violations: list[str], application: Any = None) -> None:
        self.violations = list(violations)
        self.application = application
        lines = [f"{len(self.violations)} invariant(s) broken:"] + [f"  - {v}" for v in self.violations]
        if application is not None:
            lines.append("application: " + _app_json(application))
        super().__init__("\n".join(lines))


def _app_json(app: Any) -> str:
    if isinstance(app, Application):
        return app.model_dump_json(exclude_none=True)
    if isinstance(app, str):
        return app
    return json.dumps(app, ensure_ascii=False, default=str, sort_keys=True)


def _plain(app: AppInput) -> dict[str, Any] | str:
    """The application as a JSON-ready dict (or the JSON text it was given as)."""
    if isinstance(app, Application):
        return app.model_dump(mode="json", exclude_none=True)
    if isinstance(app, str):
        return app
    return json.loads(json.dumps(app, default=str))


def _dump(decision: Decision, *, drop_id: bool = False) -> dict[str, Any]:
    out = decision.model_dump(mode="json")
    if drop_id:
        out.pop("application_id", None)
    return out


def _fail(violations: list[str], app: Any) -> None:
    if violations:
        raise InvariantViolation(violations, app)


# ---------------------------------------------------------------- one decision


def _ceiling_problems(rulebook: Rulebook, app: Application, d: Decision) -> list[str]:
    """Support never above the eligible cost, the share, any applicable ceiling, the amount asked."""
    out: list[str] = []
    amount = d.support.amount_vnd
    if type(amount) is not int or amount < 0:
        return [f"support {amount!r} is not a whole, non-negative number of đồng"]
    if not d.eligible:
        return out
    act = rulebook.definition.activities[d.activity]
    s = act.support
    base = _get(app, s.base)
    if not isinstance(base, int):
        return [f"eligible, but the support base {s.base} is missing"]
    if amount > base:
        out.append(f"support {amount:,} is above the eligible cost {base:,} ({s.base})")
    params = rulebook.params_at(d.law_date)
    if s.method == "share" and s.share in params:
        share_amount = math.floor(base * params[s.share].value)
        if amount > share_amount:
            out.append(f"support {amount:,} is above {s.share} {params[s.share].raw} of {base:,} = {share_amount:,}")
    # A ceiling is raised only by a priority level the application says was approved
    # (TTLT 26/2014 Điều 6 khoản 2 điểm t), never because priority criteria are met.
    approved = app.project.approved_level_percent
    ratio = Fraction(approved, 100) if approved is not None and s.uplift else Fraction(1)
    for cap in s.caps:
        if cap not in params:
            continue
        ceiling = math.floor(params[cap].value * ratio)
        if amount > ceiling:
            how = f" × {ratio} (approved priority level)" if ratio != 1 else ""
            out.append(f"support {amount:,} is above the ceiling {cap} = {params[cap].value:,}{how} "
                       f"in force on {d.law_date}")
    requested = app.project.amount_requested_vnd
    if requested is not None and amount > requested:
        out.append(f"support {amount:,} is above the amount requested {requested:,}")
    return out


def _zero_problems(d: Decision) -> list[str]:
    """Ineligible means zero; eligible means no eligibility criterion failed."""
    out: list[str] = []
    failed = [r.criterion for r in d.failed]
    if d.eligible and failed:
        out.append(f"eligible although criteria failed: {failed}")
    if not d.eligible and not failed:
        out.append("ineligible but no eligibility criterion is reported as not met")
    if not d.eligible and (d.support.amount_vnd != 0 or d.support.bound != "ineligible"):
        out.append(f"ineligible but support is {d.support.amount_vnd:,} (bound {d.support.bound!r})")
    return out


def _explained_problems(rulebook: Rulebook, d: Decision) -> list[str]:
    """Every criterion has one reason; every unmet one is explained with a real citation."""
    out: list[str] = []
    expected = [c.id for c in rulebook.criteria_of(d.activity)]
    got = [r.criterion for r in d.reasons]
    if sorted(got) != sorted(expected):
        missing = sorted(set(expected) - set(got))
        extra = sorted(set(got) - set(expected))
        repeated = sorted({c for c in got if got.count(c) > 1})
        out.append(f"reasons do not cover the criteria once each (missing {missing}, extra {extra}, "
                   f"repeated {repeated})")
    crits = {c.id: c for c in rulebook.criteria_of(d.activity)}
    for r in d.reasons:
        if r.outcome == "not_met" and r.kind == "eligibility":
            if not r.text.strip() or not r.required.strip():
                out.append(f"unmet criterion {r.criterion} has no explanation")
            cite = r.citation
            if not cite.text.strip() or not cite.document.strip() or cite.document == "?":
                out.append(f"unmet criterion {r.criterion} has no citation ({cite.text!r})")
            elif cite.text not in r.text:
                out.append(f"the explanation of {r.criterion} does not quote its citation {cite.text!r}")
            label = crits[r.criterion].label[d.lang] if r.criterion in crits else r.criterion
            if label not in d.summary:  # by its label: the summary is read by people
                out.append(f"the summary does not name the unmet criterion {r.criterion} ({label!r})")
        c = crits.get(r.criterion)
        if c is not None and c.assumption and r.outcome != "not_applicable" and not r.assumptions:
            out.append(f"criterion {r.criterion} rests on an assumption the reason does not flag")
    return out


def _round_trip_problems(d: Decision) -> list[str]:
    """The decision survives JSON: text -> Decision -> same decision, and the same JSON."""
    out: list[str] = []
    text = d.model_dump_json()
    try:
        back = Decision.model_validate_json(text)
    except ValueError as err:
        return [f"the decision's JSON does not read back: {err}"]
    if back != d:
        out.append("the decision read back from JSON differs from the original")
    plain = d.model_dump(mode="json")
    if json.loads(json.dumps(plain, ensure_ascii=False)) != json.loads(text):
        out.append("model_dump(mode='json') and model_dump_json() disagree")
    return out


def check_support_bounds(rulebook: Any, application: AppInput, decision: Decision | None = None) -> Decision:
    """Support is whole đồng and never above the eligible cost, the share, any ceiling or the amount asked."""
    rb = _as_rulebook(rulebook)
    app = rb.parse_application(application)
    d = decision or rb.evaluate(app)
    _fail(_ceiling_problems(rb, app, d), application)
    return d


def check_ineligible_zero(rulebook: Any, application: AppInput, decision: Decision | None = None) -> Decision:
    """Ineligible means no support; eligible means no eligibility criterion failed."""
    rb = _as_rulebook(rulebook)
    d = decision or rb.evaluate(application)
    _fail(_zero_problems(d), application)
    return d


def check_explained(rulebook: Any, application: AppInput, decision: Decision | None = None) -> Decision:
    """Every criterion has exactly one reason; every unmet one has a text and a citation."""
    rb = _as_rulebook(rulebook)
    d = decision or rb.evaluate(application)
    _fail(_explained_problems(rb, d), application)
    return d


def check_json_round_trip(rulebook: Any, application: AppInput, decision: Decision | None = None) -> Decision:
    """The decision reads back from its JSON unchanged."""
    rb = _as_rulebook(rulebook)
    d = decision or rb.evaluate(application)
    _fail(_round_trip_problems(d), application)
    return d


# ---------------------------------------------------------------- several evaluations


def check_deterministic(rulebook: Any, application: AppInput, decision: Decision | None = None, *,
                        engines: bool = True) -> Decision:
    """Same input, same decision: again, from JSON text, and (``engines``) on the other engine."""
    rb = _as_rulebook(rulebook)
    d = decision or rb.evaluate(application)
    first = _dump(d)
    violations = []
    if _dump(rb.evaluate(application)) != first:
        violations.append("evaluating the same application twice gives different decisions")
    plain = _plain(application)
    text = plain if isinstance(plain, str) else json.dumps(plain, ensure_ascii=False)
    if _dump(rb.evaluate(text)) != first:
        violations.append("the application as JSON text gives a different decision")
    if engines:
        other = "native" if rb.engine == "durable" else "durable"
        if _dump(rb.evaluate(application, engine=other)) != first:  # type: ignore[arg-type]
            violations.append(f"the {rb.engine} and {other} engines give different decisions")
    _fail(violations, application)
    return d


def check_monotonic_cost(rulebook: Any, application: AppInput, decision: Decision | None = None, *,
                         steps: tuple[int, ...] = COST_STEPS) -> Decision:
    """Support never decreases when the eligible cost rises (all else equal)."""
    rb = _as_rulebook(rulebook)
    app = rb.parse_application(application)
    d = decision or rb.evaluate(app)
    base_path = rb.definition.activities[app.activity].support.base
    plain = app.model_dump(mode="json", exclude_none=True)
    head, _, leaf = base_path.partition(".")
    cost = _get(app, base_path)
    if not isinstance(cost, int) or not leaf:
        return d
    violations = []
    for step in steps:
        if cost + step > MAX_VND:
            continue
        bigger = json.loads(json.dumps(plain))
        bigger[head][leaf] = cost + step
        d2 = rb.evaluate(bigger)
        if d2.eligible != d.eligible and base_path not in fields_read(rb, app.activity, criteria_only=True):
            violations.append(f"eligibility changed ({d.eligible} -> {d2.eligible}) when {base_path} rose by "
                              f"{step:,}, though no criterion reads it")
        if d.eligible and d2.eligible and d2.support.amount_vnd < d.support.amount_vnd:
            violations.append(f"support fell from {d.support.amount_vnd:,} to {d2.support.amount_vnd:,} when "
                              f"{base_path} rose from {cost:,} to {cost + step:,}")
    _fail(violations, application)
    return d


def check_irrelevant_facts(rulebook: Any, application: AppInput, decision: Decision | None = None) -> Decision:
    """Changing facts that no rule of the activity reads does not change the decision."""
    rb = _as_rulebook(rulebook)
    app = rb.parse_application(application)
    d = decision or rb.evaluate(app)
    read = fields_read(rb, app.activity)
    plain = app.model_dump(mode="json", exclude_none=True)
    changed, paths = _perturb(rb, plain, read)
    if not paths:
        return d
    d2 = rb.evaluate(changed)
    if _dump(d2, drop_id=True) != _dump(d, drop_id=True):
        diff = _first_difference(_dump(d, drop_id=True), _dump(d2, drop_id=True))
        _fail([f"changing fields no rule reads ({', '.join(paths)}) changed the decision: {diff}"], application)
    return d


CHECKS: dict[str, Callable[..., Decision]] = {
    "support_bounds": check_support_bounds,
    "ineligible_zero": check_ineligible_zero,
    "explained": check_explained,
    "json_round_trip": check_json_round_trip,
    "deterministic": check_deterministic,
    "monotonic_cost": check_monotonic_cost,
    "irrelevant_facts": check_irrelevant_facts,
}


def check_invariants(rulebook: Any, application: AppInput, *, engines: bool = True,
                     skip: tuple[str, ...] = ()) -> Decision:
    """Run every invariant on one application; raise InvariantViolation listing all that broke.

    ``engines=False`` skips comparing with the other matching engine; ``skip``
    names checks to leave out (keys of ``CHECKS``). Returns the decision.
    Invalid applications raise ApplicationError, as ``Rulebook.evaluate`` does.
    """
    rb = _as_rulebook(rulebook)
    unknown = set(skip) - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown checks {sorted(unknown)}; known: {', '.join(CHECKS)}")
    app = rb.parse_application(application)
    d = rb.evaluate(app)
    violations: list[str] = []
    for name, check in CHECKS.items():
        if name in skip:
            continue
        try:
            if name == "deterministic":
                check(rb, application, d, engines=engines)
            else:
                check(rb, app if name != "json_round_trip" else application, d)
        except InvariantViolation as err:
            violations += [f"[{name}] {v}" for v in err.violations]
    _fail(violations, application)
    return d


# ---------------------------------------------------------------- what an activity reads


def fields_read(rulebook: Any, activity: str, *, criteria_only: bool = False) -> frozenset[str]:
    """The application fields (dotted paths) the decision of ``activity`` depends on.

    Criteria conditions and applicability, the derived facts they use, code
    attributes (``establishment.district.unit_type`` reads the district), and
    (unless ``criteria_only``) the date, the support base and the amount asked.
    """
    rb = _as_rulebook(rulebook)
    d = rb.definition
    out: set[str] = set()
    seen: set[str] = set()

    def add(path: str) -> None:
        if path in seen:
            return
        seen.add(path)
        if path.startswith("params."):
            return
        if path.startswith("derived."):
            der = d.derived.get(path[8:])
            for ref in cond.refs_of(der.expr) if der else ():
                add(ref)
            return
        if path in APPLICATION_FIELDS:
            out.add(path)
            return
        base = path.rpartition(".")[0]
        if base in CODE_FIELDS:
            out.add(base)

    for c in rb.criteria_of(activity):
        for expr in (c.condition, c.applies_when):
            if expr is not None:
                for ref in cond.refs_of(expr):
                    add(ref)
    if not criteria_only:
        act = d.activities[activity]
        out |= {"application_date", "activity", act.support.base, "project.amount_requested_vnd"}
    # Without an applicant, the establishment applies for itself (its district too).
    if "applicant.district" in out:
        out.add("establishment.district")
    return frozenset(out)


def _get(app: Application, path: str) -> Any:
    obj: Any = app
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _perturb(rb: Rulebook, plain: dict[str, Any], read: frozenset[str]) -> tuple[dict[str, Any], list[str]]:
    """A copy with every present field no rule reads set to another valid value."""
    out = json.loads(json.dumps(plain))
    changed: list[str] = []
    dates_unread = not ({"project.start_date", "project.end_date"} & read)
    for head in ("applicant", "establishment", "project"):
        part = out.get(head)
        if not isinstance(part, dict):
            continue
        for leaf, value in list(part.items()):
            path = f"{head}.{leaf}"
            if path in read or path not in APPLICATION_FIELDS:
                continue
            kind, _ = APPLICATION_FIELDS[path]
            new: Any = value
            if kind == "bool":
                new = not value
            elif kind == "int":
                top = 100 if path.endswith("_percent") else MAX_VND if path.endswith("_vnd") else 10_000_000
                new = value + 1 if value < top else value - 1
            elif kind == "code":
                table = rb.definition.codes.get(CODE_FIELDS[path])
                others = [c for c in (table.values if table else ()) if c != value]
                new = others[len(others) // 2] if others else value
            elif kind == "date" and dates_unread:
                new = (dt.date.fromisoformat(value) + dt.timedelta(days=1)).isoformat()
            elif kind == "str":
                new = (value + " (2)")[-300:]
            if new != value:
                part[leaf] = new
                changed.append(path)
    return out, changed


def _first_difference(a: Any, b: Any, where: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{where}.{key}" if where else key)
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_difference(x, y, f"{where}[{i}]")
    return f"{where or 'decision'}: {a!r} -> {b!r}"
