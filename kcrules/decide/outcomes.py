"""Outcomes → the decision's skeleton.

Takes an activity's steps and the outcome each criterion got from the engine;
gives an :class:`Outline`: each step's outcome, the eligibility criteria failed,
the priority criteria met, the parameters used, the criteria whose reading is an
assumption, and the order reasons are shown in (failures first). It depends on
the outcomes only, never on the facts, except to say which facts were missing
when a criterion got no outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kcrules.decide.criteria import Step
from kcrules.engines import NA, NOT_MET, Outcomes
from kcrules.errors import EvaluationError
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.loader import Criterion


@dataclass(frozen=True)
class Outline:
    outcomes: tuple[str, ...]       # per step, in the activity's order
    failed: tuple[str, ...]         # eligibility criteria not met
    met: tuple[str, ...]            # priority criteria met
    used: tuple[str, ...]           # parameters the decision used
    assumed: tuple[Criterion, ...]  # criteria applied whose rule is an assumption
    order: tuple[int, ...]          # step indexes in the order reasons are shown


def outline(steps: tuple[Step, ...], outcomes: Outcomes, fact: dict[str, Any]) -> Outline:
    """What an outcome vector implies; an EvaluationError when a criterion has no single outcome."""
    outs: list[str] = []
    failed: list[str] = []
    met: list[str] = []
    used: dict[str, None] = {}
    assumed: list[Criterion] = []
    for step in steps:
        c = step.criterion
        got = outcomes.get(c.id, ())
        if len(got) != 1:
            missing = [p for p in cond.refs_of(c.condition) + cond.refs_of(c.applies_when or cond.Lit(True, "bool"))
                       if cond.fact_key(p) not in fact]
            detail = (f"no outcome (facts missing: {', '.join(missing) or 'none'})" if not got
                      else f"contradictory outcomes {got}")
            raise EvaluationError(c.id, c.cite.text(), detail)
        outcome = got[0]
        outs.append(outcome)
        if outcome != NA:
            used.update(dict.fromkeys(step.applied))
            if c.assumption:
                assumed.append(c)
            if outcome == NOT_MET:
                if c.kind == "eligibility":
                    failed.append(c.id)
            elif c.kind == "priority":
                met.append(c.id)
        else:
            used.update(dict.fromkeys(step.not_applied))
    # Failures first: that is what a reader looks for (a stable sort by failed
    # eligibility, other eligibility, priority).
    eligibility = [step.criterion.kind == "eligibility" for step in steps]
    order = [i for i, e in enumerate(eligibility) if e and outs[i] == NOT_MET] + \
            [i for i, e in enumerate(eligibility) if e and outs[i] != NOT_MET] + \
            [i for i, e in enumerate(eligibility) if not e]
    return Outline(tuple(outs), tuple(failed), tuple(met), tuple(used), tuple(assumed), tuple(order))
