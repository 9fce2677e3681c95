"""The criteria an activity's decision checks, and what each one reads.

Takes a checked Definition; gives every activity's criteria in order (the
generated program-period and applicant criteria first, then the activity's own),
and per criterion a :class:`Step`: the fact keys its reason shows and the
parameters it uses when it applies and when it does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.loader import Activity, Criterion, Definition
from kcrules.text.i18n import date
from kcrules.text.reasons import PLACEHOLDER


@dataclass(frozen=True)
class Step:
    """One criterion of an activity's decision and what it reads."""

    criterion: Criterion
    keys: tuple[str, ...]          # fact keys its reason shows (the reason memo's key)
    applied: tuple[str, ...]       # parameters used when it applies
    not_applied: tuple[str, ...]   # parameters used to find that it does not apply


def generated_criteria(d: Definition) -> list[Criterion]:
    """Criteria every rulebook has, built from its [program] and activity tables."""
    out: list[Criterion] = []
    if d.program is not None:
        p = d.program
        day = cond.Ref("application_date", "date")
        expr = cond.And((cond.Cmp(">=", day, cond.Lit(p.start.toordinal(), "date")),
                         cond.Cmp("<", day, cond.Lit(p.until.toordinal(), "date"))))
        until = p.until - dt.timedelta(days=1)
        out.append(_criterion(
            "program.period", expr, p.cite, d.id,
            {"vi": f"Hồ sơ nộp trong thời gian chương trình ({date(p.start, 'vi')}–{date(until, 'vi')})",
             "en": f"Application within the program period ({date(p.start, 'en')} to {date(until, 'en')})"},
            f"application_date >= {p.start.isoformat()} and application_date < {p.until.isoformat()}"))
    kinds = d.codes["applicant_kind"]
    for act in d.activities.values():
        ftype = cond.FieldType("code", tuple(kinds.values), False, "applicant_kind")
        expr = cond.Cmp("in", cond.Ref("applicant.kind", "code", ftype),
                        tuple(cond.Lit(k, "str") for k in act.applicants))
        names_vi = ", ".join(kinds.values[k].label["vi"] for k in act.applicants)
        names_en = ", ".join(kinds.values[k].label["en"] for k in act.applicants)
        out.append(_criterion(
            f"{act.id}.applicant", expr, act.cite, act.origin,
            {"vi": f"Đơn vị đề nghị phù hợp nội dung ({names_vi})",
             "en": f"The applicant may carry out this activity ({names_en})"},
            f"applicant.kind in [{', '.join(repr(k) for k in act.applicants)}]", act.applicants_assumption))
    return out


def activity_criteria(d: Definition, generated: list[Criterion], act: Activity) -> tuple[Criterion, ...]:
    """Every criterion an activity's decision checks, in order."""
    own = [c for c in generated if c.id in ("program.period", f"{act.id}.applicant")]
    return tuple(own) + tuple(d.criteria[c] for c in act.criteria)


def steps(d: Definition, criteria: tuple[Criterion, ...]) -> tuple[Step, ...]:
    """Per criterion: the fact keys its reason reads, and the parameters it uses."""
    out = []
    for c in criteria:
        refs = cond.refs_of(c.condition) + cond.refs_of(c.applies_when or cond.Lit(True, "bool"))
        shown = list(refs)
        for template in c.explain.values():
            shown += PLACEHOLDER.findall(template)
        keys = tuple(dict.fromkeys(cond.fact_key(r) for r in shown))
        applied = tuple(dict.fromkeys(p for r in refs for p in params_behind(d, r)))
        not_applied = tuple(dict.fromkeys(
            p for r in (cond.refs_of(c.applies_when) if c.applies_when is not None else [])
            for p in params_behind(d, r)))
        out.append(Step(c, keys, applied, not_applied))
    return tuple(out)


def params_behind(d: Definition, ref: str) -> list[str]:
    """The parameters a name depends on (through derived facts too)."""
    if ref.startswith("params."):
        return [ref[7:]]
    if ref.startswith("derived."):
        der = d.derived.get(ref[8:])
        if der is None:
            return []
        return [p for r in cond.refs_of(der.expr) for p in params_behind(d, r)]
    return []


def _criterion(cid: str, expr: cond.Expr, cite: Any, origin: str, label: dict[str, str], text: str,
               assumption: str | None = None) -> Criterion:
    return Criterion(id=cid, kind="eligibility", label=label, cite=cite, condition=expr, condition_text=text,
                     applies_when=None, applies_text=None, explain={}, assumption=assumption, tier=None, order=0,
                     origin=origin, file="(generated)")
