"""Outcome codes → the decision's skeleton.

Takes an activity's steps and one outcome code per criterion (met 0, not met 1,
not applicable 2, see ``kcrules.engines.compiled``); gives an :class:`Outline`:
the eligibility criteria failed, the priority criteria met, the parameters used
and the criteria whose reading is an assumption; each step's outcome and the
order reasons are shown in (failures first) are worked out when the reasons are
written. What does not depend on the codes
is worked out once per activity (:class:`Skeleton`), so each decision only
walks the few steps that matter to each part: no memo keyed on the whole
outcome vector. ``codes_of`` reads an engine's outcome lists into codes, or
says why a criterion has no single outcome.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from kcrules.decide.criteria import Step
from kcrules.engines import Outcomes
from kcrules.engines.compiled import CODE_MET, CODE_NA, CODE_NOT_MET, CODES, OUTCOMES
from kcrules.errors import EvaluationError
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.loader import Criterion


class Outline(NamedTuple):
    """What eligibility, priority, support and warnings need of the codes; the reasons' outcomes
    and order are worked out only when the reasons are written (:meth:`Skeleton.outcomes`, :meth:`Skeleton.order`)."""

    failed: tuple[str, ...]         # eligibility criteria not met
    met: tuple[str, ...]            # priority criteria met
    used: tuple[str, ...]           # parameters the decision used
    assumed: tuple[Criterion, ...]  # criteria applied whose rule is an assumption
    failed_at: tuple[int, ...]      # the steps of the failures


class Skeleton:
    """What an activity's outline needs to know of its steps, worked out once."""

    def __init__(self, steps: tuple[Step, ...]) -> None:
        self.steps = steps
        kinds = [s.criterion.kind for s in steps]
        self.eligibility = tuple((i, s.criterion.id) for i, s in enumerate(steps) if kinds[i] == "eligibility")
        self.priority = tuple((i, s.criterion.id) for i, s in enumerate(steps) if kinds[i] != "eligibility")
        self.rest = tuple(i for i, _ in self.priority)
        # Steps using parameters, in order: (index, used when it applies, used when it does not).
        self.params = tuple((i, dict.fromkeys(s.applied), dict.fromkeys(s.not_applied))
                            for i, s in enumerate(steps) if s.applied or s.not_applied)
        self.assumptions = tuple((i, s.criterion) for i, s in enumerate(steps) if s.criterion.assumption)

    def outline(self, codes: tuple[int, ...]) -> Outline:
        """The outline of one decision (every code met, not met or not applicable)."""
        failed = [(i, cid) for i, cid in self.eligibility if codes[i] == CODE_NOT_MET]
        used: dict[str, None] = {}
        for i, applied, not_applied in self.params:
            used.update(not_applied if codes[i] == CODE_NA else applied)
        return Outline(tuple([cid for _, cid in failed]),
                       tuple([cid for i, cid in self.priority if codes[i] == CODE_MET]), tuple(used),
                       tuple([c for i, c in self.assumptions if codes[i] != CODE_NA]), tuple([i for i, _ in failed]))

    @staticmethod
    def outcomes(codes: tuple[int, ...]) -> tuple[str, ...]:
        """Each step's outcome, in the activity's order."""
        return tuple([OUTCOMES[o] for o in codes])

    def order(self, codes: tuple[int, ...], shape: Outline) -> tuple[int, ...]:
        """The steps in the order reasons are shown."""
        # Failures first: that is what a reader looks for (a stable sort by failed
        # eligibility, other eligibility, priority).
        return (*shape.failed_at, *[i for i, _ in self.eligibility if codes[i] != CODE_NOT_MET], *self.rest)


def codes_of(steps: tuple[Step, ...], outcomes: Outcomes, fact: dict[str, Any]) -> tuple[int, ...]:
    """An engine's outcomes as codes; an EvaluationError when a criterion has no single outcome."""
    codes: list[int] = []
    for step in steps:
        c = step.criterion
        got = outcomes.get(c.id, ())
        if len(got) != 1:
            missing = [p for p in cond.refs_of(c.condition) + cond.refs_of(c.applies_when or cond.Lit(True, "bool"))
                       if cond.fact_key(p) not in fact]
            detail = (f"no outcome (facts missing: {', '.join(missing) or 'none'})" if not got
                      else f"contradictory outcomes {got}")
            raise EvaluationError(c.id, c.cite.text(), detail)
        codes.append(CODES[got[0]])
    return tuple(codes)

