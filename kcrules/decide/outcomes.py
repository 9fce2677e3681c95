"""Outcome codes → the decision's skeleton.

Takes an activity's steps and one outcome code per criterion (met 0, not met 1,
not applicable 2, see ``kcrules.engines.compiled``); gives an :class:`Outline`:
the eligibility criteria failed, the priority criteria met, the parameters used
and the criteria whose reading is an assumption; each step's outcome and the
order reasons are shown in (failures first) are worked out when the reasons are
written. What does not depend on the codes is worked out once per activity
(:class:`Skeleton`), down to one generated function per activity that tests
only the codes that matter to each part: no memo keyed on the whole outcome
vector. ``codes_of`` reads an engine's outcome lists into codes, or
says why a criterion has no single outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from kcrules.decide.criteria import Step
from kcrules.engines import Outcomes
from kcrules.engines.compiled import CODE_MET, CODE_NA, CODE_NOT_MET, CODES
from kcrules.errors import EvaluationError
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.loader import Criterion
from kcrules.util.memo import remember


class Outline(NamedTuple):
    """What eligibility, priority, support and warnings need of the codes; the reasons' outcomes
    and order are worked out only when the reasons are written (:meth:`Skeleton.order`)."""

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
        #: The outline of one decision (every code met, not met or not applicable): one function
        #: generated per activity, each step a test of its code where one matters.
        self.outline: Callable[[tuple[int, ...]], Outline] = _outline_fn(steps, self.eligibility, self.priority)

    def order(self, codes: tuple[int, ...], shape: Outline) -> tuple[int, ...]:
        """The steps in the order reasons are shown."""
        # Failures first: that is what a reader looks for (a stable sort by failed
        # eligibility, other eligibility, priority).
        return (*shape.failed_at, *[i for i, _ in self.eligibility if codes[i] != CODE_NOT_MET], *self.rest)


def _outline_fn(steps: tuple[Step, ...], eligibility: tuple[tuple[int, str], ...],
                priority: tuple[tuple[int, str], ...]) -> Callable[[tuple[int, ...]], Outline]:
    """The outline of a decision from its codes, as straight-line code over the activity's steps.

    Failed: the eligibility steps not met; met: the priority steps met; used: the parameters of
    each step using some, those it uses when it applies or when it does not, in step order and
    each once; assumed: the criteria whose rule is an assumption, where they apply.
    """
    constants: dict[str, Any] = {"Outline": Outline, "_new": tuple.__new__}
    body = ["def outline(codes):", "    failed, met, assumed, na = [], [], [], 0"]
    if steps:
        body.append(f"    {', '.join(f'o{i}' for i in range(len(steps)))}, = codes")
    for i, _ in eligibility:
        body.append(f"    if o{i} == {CODE_NOT_MET}: failed.append({i})")
    for i, cid in priority:
        body.append(f"    if o{i} == {CODE_MET}: met.append({cid!r})")
    # The parameters used follow from which of the steps using some do not apply: that pattern, as the
    # bits of one number, finds them in a table of the patterns met so far (few: the steps reading
    # parameters are few, and most apply together or not at all).
    using = [(i, s) for i, s in enumerate(steps) if s.applied or s.not_applied]
    for bit, (i, _) in enumerate(using):
        body.append(f"    if o{i} == {CODE_NA}: na |= {1 << bit}")
    for i, s in enumerate(steps):
        if s.criterion.assumption:
            constants[f"C{i}"] = s.criterion
            body.append(f"    if o{i} != {CODE_NA}: assumed.append(C{i})")
    constants["IDS"] = tuple(s.criterion.id for s in steps)
    constants["USED"] = table = {}

    def used_of(na: int) -> tuple[str, ...]:
        used = tuple(dict.fromkeys(p for bit, (_, s) in enumerate(using)
                                   for p in (s.not_applied if na >> bit & 1 else s.applied)))
        return remember(table, na, used)

    constants["used_of"] = used_of
    body += ["    used = USED.get(na)",
             "    if used is None: used = used_of(na)",
             "    return _new(Outline, (tuple([IDS[i] for i in failed]), tuple(met), used, tuple(assumed), "
             "tuple(failed)))"]
    exec(compile("\n".join(body) + "\n", "<kcrules outline>", "exec"), constants)  # noqa: S102
    return constants["outline"]  # type: ignore[no-any-return]


def codes_of(steps: tuple[Step, ...], outcomes: Outcomes, fact: Mapping[str, Any]) -> tuple[int, ...]:
    """An engine's outcomes as codes; an EvaluationError when a criterion has no single outcome
    (a fact key whose value is None is missing)."""
    codes: list[int] = []
    for step in steps:
        c = step.criterion
        got = outcomes.get(c.id, ())
        if len(got) != 1:
            missing = [p for p in cond.refs_of(c.condition) + cond.refs_of(c.applies_when or cond.Lit(True, "bool"))
                       if fact.get(cond.fact_key(p)) is None]
            detail = (f"no outcome (facts missing: {', '.join(missing) or 'none'})" if not got
                      else f"contradictory outcomes {got}")
            raise EvaluationError(c.id, c.cite.text(), detail)
        codes.append(CODES[got[0]])
    return tuple(codes)

