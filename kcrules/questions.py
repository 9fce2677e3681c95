"""Which questions an application for an activity needs, and how each is worded.

Derived from the rulebook: the fields the activity's criteria read (conditions
and ``applies_when``, through derived facts and code attributes), the fields it
``requires``, its support base, and the fields an application must have. A
field read only by criteria that cannot apply given the answers so far
(three-valued evaluation of ``applies_when``: unknown until answered) is not
needed, nor is a field required under a condition (``requires`` with ``when``)
that the answers so far make false. So a changed rulebook changes the
questions; only the wording of a field lives here (with the labels of
kcrules.text.labels).

Shared by the terminal interview (``kcrules check --interactive``) and the web
form (``kcrules serve``), so both ask the same questions in the same words.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS, field_info
from kcrules.text.labels import FIELD_LABELS
from kcrules.whatif import apply_changes

__all__ = ["Plan", "build_application", "label_of", "model_required", "partial_fact", "three_valued"]

def label_of(path: str, lang: str) -> str:
    """The question for a field: its plain name, with how to answer where that helps."""
    pair = FIELD_LABELS.get(path)
    if pair:
        text = pair[0 if lang == "vi" else 1]
        kind = APPLICATION_FIELDS.get(path, ("str", False))[0]
        if kind == "bool":
            return text + "?"
        if kind == "date":
            return text + (" (YYYY-MM-DD hoặc DD/MM/YYYY)" if lang == "vi" else " (YYYY-MM-DD or DD/MM/YYYY)")
        if path.endswith("_vnd"):
            return text + " (đồng)"
        return text
    # A field added to the model before it was worded: its description, else its name.
    info = field_info(path)
    leaf = path.rpartition(".")[2]
    return (info.description if info is not None and info.description else leaf.replace("_", " ")).rstrip(".")


def model_required(path: str) -> bool:
    """The field must be given whenever its parent object is (no default)."""
    return bool(field_info(path).is_required())


def _fields_of_ref(rulebook: Any, ref: str, depth: int = 0) -> list[str]:
    if ref in APPLICATION_FIELDS:
        return [ref]
    if ref.startswith("params."):
        return []
    if ref.startswith("derived.") and depth < 10:
        der = rulebook.definition.derived.get(ref[8:])
        if der is None:
            return []
        return [f for r in cond.refs_of(der.expr) for f in _fields_of_ref(rulebook, r, depth + 1)]
    base, _, _attr = ref.rpartition(".")
    return [base] if base in CODE_FIELDS else []


class Plan:
    """The questions an activity needs, in order, and which criteria read each field."""

    def __init__(self, rulebook: Any, activity: str) -> None:
        self.rb = rulebook
        self.act = rulebook.definition.activities[activity]
        act = self.act
        self.criteria = rulebook.criteria_of(activity)
        self.users: dict[str, list[Any]] = {}
        for c in self.criteria:
            refs = cond.refs_of(c.condition) + (cond.refs_of(c.applies_when) if c.applies_when is not None else [])
            for ref in refs:
                for f in _fields_of_ref(rulebook, ref):
                    users = self.users.setdefault(f, [])
                    if c not in users:
                        users.append(c)
        self.always: set[str] = set(act.always_required) | {act.support.base, "project.amount_requested_vnd"}
        #: Fields required only under a condition: each with its requirements.
        self.conditional: dict[str, list[Any]] = {}
        for r in act.requirements:
            if r.when is not None:
                self.conditional.setdefault(r.field, []).append(r)
        for path in APPLICATION_FIELDS:
            head = path.split(".")[0]
            if head == "project" or (head == "establishment" and act.beneficiary):
                if model_required(path):
                    self.always.add(path)
        candidates = set(self.users) | self.always | set(self.conditional)
        candidates.discard("activity")
        candidates.discard("application_date")
        candidates.discard("applicant.kind")  # asked on its own, from the activity's applicants
        if not act.beneficiary:
            candidates = {p for p in candidates if not p.startswith("establishment.")}
        gates = {f for c in self.criteria if c.applies_when is not None
                 for r in cond.refs_of(c.applies_when) for f in _fields_of_ref(rulebook, r)}
        gates |= {f for rs in self.conditional.values() for r in rs for f in cond.refs_of(r.when)}
        self.order = ["activity", "application_date", "applicant.kind"] + sorted(
            candidates, key=lambda p: self._rank(p, gates))

    @staticmethod
    def _rank(path: str, gates: set[str]) -> tuple[int, int, int]:
        section = {"applicant": 0, "establishment": 1, "project": 2}.get(path.split(".")[0], 3)
        kind = APPLICATION_FIELDS[path][0]
        if kind == "code":
            group = 0
        elif kind == "bool" and path in gates:
            group = 1  # a fact that decides whether other criteria apply: ask it early
        elif kind == "int":
            group = 2
        elif kind == "date":
            group = 3
        elif kind == "str":
            group = 5
        else:
            group = 4
        return section, group, list(APPLICATION_FIELDS).index(path)

    def needed(self, path: str, answers: dict[str, Any]) -> bool:
        if path in ("activity", "application_date"):
            return True
        if path == "applicant.kind":
            return True
        if path.startswith("applicant.") and answers.get("applicant.kind") in (None, "establishment") \
                and path not in self.act.requires:
            return False
        if path in self.always:
            return True
        fact = partial_fact(self.rb, answers)
        asked = set(answers)
        for r in self.conditional.get(path, []):
            if three_valued(r.when, fact, asked, self.rb) is not False:
                return True
        for c in self.users.get(path, []):
            if c.applies_when is None or three_valued(c.applies_when, fact, asked, self.rb) is not False:
                return True
        return False

    def required(self, path: str, answers: dict[str, Any]) -> bool:
        """Whether the activity requires the field, given the answers so far (a condition not yet
        decided by them does not require it yet)."""
        if path in self.act.always_required:
            return True
        rs = self.conditional.get(path)
        if not rs:
            return False
        fact = partial_fact(self.rb, answers)
        return any(three_valued(r.when, fact, set(answers), self.rb) is True for r in rs)


def partial_fact(rulebook: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """The fact the conditions read, from the answers so far (unanswered fields are absent)."""
    d = rulebook.definition
    fact: dict[str, Any] = {}
    for path, value in answers.items():
        if value is None:
            continue
        if APPLICATION_FIELDS.get(path, ("",))[0] == "date":
            value = dt.date.fromisoformat(value).toordinal()
        fact[cond.fact_key(path)] = value
    if answers.get("applicant.kind") is None and "establishment.district" in answers:
        fact.setdefault("applicant__kind", "establishment")
    for path, table in CODE_FIELDS.items():
        code = fact.get(cond.fact_key(path))
        tbl = d.codes.get(table)
        if code is None or tbl is None or code not in tbl.values:
            continue
        for attr, value in tbl.values[code].attrs.items():
            if value is not None:
                fact[f"{cond.fact_key(path)}__{attr}"] = value
    if answers.get("application_date"):
        day = dt.date.fromisoformat(answers["application_date"])
        for pid, pv in rulebook.params_at(day).items():
            value = pv.value
            if isinstance(value, Fraction):
                scaled = value * 100
                if d.params[pid].unit != "percent" or scaled.denominator != 1:
                    continue
                value = int(scaled)
            fact["params__" + pid] = value
    for der in d.derived.values():
        value = cond.compile_value(der.expr)(fact)
        if value is not None:
            fact["derived__" + der.id] = value
    return fact


def three_valued(expr: Any, fact: dict[str, Any], asked: set[str], rulebook: Any) -> bool | None:
    """True, False, or None when it depends on a field not asked yet."""
    if isinstance(expr, cond.Lit):
        return bool(expr.value)
    if isinstance(expr, cond.Not):
        inner = three_valued(expr.item, fact, asked, rulebook)
        return None if inner is None else not inner
    if isinstance(expr, cond.And):
        values = [three_valued(i, fact, asked, rulebook) for i in expr.items]
        if False in values:
            return False
        return True if all(v is True for v in values) else None
    if isinstance(expr, cond.Or):
        values = [three_valued(i, fact, asked, rulebook) for i in expr.items]
        if True in values:
            return True
        return False if all(v is False for v in values) else None
    for ref in cond.refs_of(expr):
        if cond.fact_key(ref) in fact:
            continue
        fields = _fields_of_ref(rulebook, ref)
        if ref.startswith("params."):
            continue
        if not fields or any(f not in asked for f in fields):
            return None
    if isinstance(expr, cond.Ref):
        return fact.get(cond.fact_key(expr.path)) is True
    if isinstance(expr, cond.Cmp) and expr.op in ("is set", "is not set"):
        present = cond.fact_key(expr.left.path) in fact  # type: ignore[union-attr]
        return present if expr.op == "is set" else not present
    return bool(cond.compile_python(expr)(fact))


def build_application(answers: dict[str, Any], plan: Plan | None) -> dict[str, Any]:
    """An application dict from the answers (unanswered fields left out)."""
    changes = [(p, v) for p, v in answers.items() if v is not None]
    if answers.get("applicant.kind") == "establishment":
        changes = [(p, v) for p, v in changes if not p.startswith("applicant.")]
    data = apply_changes({}, changes)
    data.setdefault("project", {})
    if plan is not None and plan.act.beneficiary:
        data.setdefault("establishment", {})
    return data
