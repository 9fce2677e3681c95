"""Outcomes → a Decision: the stage after matching.

:class:`Decider` takes an application, its activity, one outcome code per
criterion (from an engine), the facts read (when explaining) and the law date;
gives the immutable :class:`~kcrules.models.Decision`. In order:

1. ``outcomes.Skeleton.outline`` — failures, priorities met, parameters used, assumptions;
2. ``priority.priority`` — rank key, score, and whether a tier allows the higher ceiling;
3. ``support.Supports`` — the amount in whole đồng and its computation;
4. ``warnings.Warnings`` — every guidance level and assumption used;
5. reasons — one per criterion, written by ``kcrules.text.reasons`` (or bare, unexplained),
   and the summary: written when the decision's reader first reads them (``_Sentences``).

Every part that depends on few inputs is memoised per rulebook (see kcrules.util.memo):
a reason on its criterion, outcome, language and the fact values it reads, a
priority on the criteria met, warnings on the parameter values in force. The
outline is computed for each decision from per-activity tables (no memo).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any

from kcrules.decide import criteria as crit
from kcrules.decide.outcomes import Outline, Skeleton, codes_of
from kcrules.decide.params import LawOnDate
from kcrules.decide.priority import priority
from kcrules.decide.support import Supports
from kcrules.decide.warnings import Warnings
from kcrules.engines import Outcomes
from kcrules.engines.compiled import OUTCOMES
from kcrules.models import (
    Application,
    Decision,
    DecisionWarning,
    Priority,
    Reason,
    RulebookInfo,
    assemble_later,
)
from kcrules.rulefiles.loader import Activity, Criterion, Definition
from kcrules.text import i18n
from kcrules.text.reasons import Explainer, bare_reason
from kcrules.util.memo import MEMO_MAX, remember


class Decider:
    """Builds decisions for one rulebook; thread-safe (memos hold immutable values only)."""

    def __init__(self, definition: Definition, law: LawOnDate) -> None:
        self._d = definition
        self._law = law
        self.generated = crit.generated_criteria(definition)
        self._explainer = Explainer(definition, MEMO_MAX)
        self._support = Supports(definition)
        self._warning = Warnings(definition)
        self._criteria: dict[str, tuple[Criterion, ...]] = {}
        self._skeletons: dict[str, Skeleton] = {}
        self._reasons: dict[tuple[Any, ...], Reason] = {}
        self._reasons_before: dict[tuple[Any, ...], Reason] = {}  # the memo's previous half (see _reason)
        self._numbers: dict[tuple[str, str], int] = {}  # (criterion, language) -> its number in reason keys
        self._tables: dict[tuple[int, str], tuple[Any, ...]] = {}  # (skeleton, language) -> _steps_table
        self._bare: dict[tuple[str, str], tuple[tuple[Reason, ...], ...]] = {}
        self._bare_reasons: dict[tuple[str, str, str], Reason] = {}  # (criterion, outcome, lang): few
        self._priorities: dict[tuple[Any, ...], tuple[Priority, bool]] = {}
        self._warnings: dict[tuple[Any, ...], tuple[DecisionWarning, ...]] = {}
        self._infos: dict[str, RulebookInfo] = {}
        self._summaries: dict[tuple[Any, ...], tuple[str, str]] = {}

    def criteria_of(self, act: Activity) -> tuple[Criterion, ...]:
        found = self._criteria.get(act.id)
        if found is None:
            found = self._criteria[act.id] = crit.activity_criteria(self._d, self.generated, act)
        return found

    def info(self, lang: str) -> RulebookInfo:
        found = self._infos.get(lang)
        if found is None:
            d = self._d
            found = self._infos[lang] = RulebookInfo(id=d.id, version=d.version, title=d.title[lang], chain=d.chain)
        return found

    def decide(self, app: Application, act: Activity, codes: tuple[int, ...], values: Mapping[str, Any] | None,
               law_date: dt.date, lang: str, explain: bool = True) -> Decision:
        """The decision on one outcome code per criterion; ``values`` (the facts read) when explaining."""
        skeleton = self._skeleton(act)
        shape = skeleton.outline(codes)
        eligible = not shape.failed
        prio, uplift = self._priority(act, shape.met, lang, explain)
        params = self._law.values(law_date)
        # The support is computed now: it may refuse the application (an approved level above the maximum).
        amount, read = self._support(app, act, eligible, uplift, params, lang, explain)
        warned = self._warned(act, eligible, shape.used, read, shape.assumed, params, lang)
        # Every part was built and checked by this module: the whole is assembled without validating it
        # again, and the reasons and the summary are written when first read (see models._WrittenLater).
        return assemble_later(
            Decision, _Sentences(self, act, skeleton, shape, codes, values if explain else None, lang, amount.amount_vnd),
            application_id=app.id, activity=act.id, eligible=eligible, support=amount, priority=prio,
            warnings=warned, rulebook=self.info(lang), law_date=law_date, lang=lang,
        )

    def codes(self, act: Activity, outcomes: Outcomes, fact: Mapping[str, Any]) -> tuple[int, ...]:
        """An engine's outcomes as codes (an EvaluationError when a criterion has no single outcome)."""
        return codes_of(self._skeleton(act).steps, outcomes, fact)

    def shown(self, act: Activity) -> tuple[str, ...]:
        """The fact keys an explained decision of ``act`` reads."""
        return tuple(dict.fromkeys(k for step in self._skeleton(act).steps for k in step.keys))

    # ------------------------------------------------------------ the parts, memoised

    def _skeleton(self, act: Activity) -> Skeleton:
        found = self._skeletons.get(act.id)
        if found is None:
            found = self._skeletons[act.id] = Skeleton(crit.steps(self._d, self.criteria_of(act)))
        return found

    def _explained(self, skeleton: Skeleton, codes: tuple[int, ...], shape: Outline, fact: Mapping[str, Any],
                   lang: str) -> tuple[Reason, ...]:
        # A reason is a pure function of its criterion, outcome, language and the fact values it
        # reads, which is the memo's key: (the criterion, language and outcome as one number, the
        # values). Most reasons are memo hits, so the key is what most steps cost.
        memo = self._reasons
        table = self._steps_table(skeleton, lang)
        try:
            keys = [(n + code, read(fact)) for (_, n, read, _), code in zip(table, codes)]
        except KeyError:  # the flat fact holds only the values set (an undecided criterion's path): absent is None
            keys = [(n + code, _values(fact, names)) for (_, n, _, names), code in zip(table, codes)]
        reasons: list[Reason] = []
        for key, (c, _, _, _), code in zip(keys, table, codes):
            reason = memo.get(key)
            if reason is None:
                reason = self._reason(key, c, code, fact, lang)
            reasons.append(reason)
        return tuple([reasons[i] for i in skeleton.order(codes, shape)])

    def _reason(self, key: tuple[int, Any], c: Criterion, code: int, fact: Mapping[str, Any], lang: str) -> Reason:
        """A reason not in the memo: from the memo's previous half, or written now; kept in the memo.

        The memo holds at most MEMO_MAX // 2 reasons; when full it becomes the previous half and a new
        one starts, into which the reasons asked for again are moved. The common reasons (yes/no
        facts, codes) so outlive a turn of the memo, where emptying it had them all written again:
        on varied input a quarter of the reasons written were such. At most MEMO_MAX in all.
        """
        reason = self._reasons_before.get(key)
        if reason is None:
            reason = self._explainer.reason(c, OUTCOMES[code], fact, lang)
        if len(self._reasons) >= MEMO_MAX // 2:
            self._reasons_before, self._reasons = self._reasons, {}
        self._reasons[key] = reason
        return reason

    def _steps_table(self, skeleton: Skeleton, lang: str) -> tuple[tuple[Criterion, int, Callable[[Any], Any],
                                                                         tuple[str, ...]], ...]:
        """Per step of an activity: its criterion, its number in the reason memo's keys (three per
        criterion and language: plus the outcome code), a getter of the values its reason reads,
        and their fact keys."""
        found = self._tables.get((id(skeleton), lang))
        if found is None:
            numbers = self._numbers
            found = self._tables[(id(skeleton), lang)] = tuple(
                (s.criterion, numbers.setdefault((s.criterion.id, lang), 3 * len(numbers)), _getter(s.keys), s.keys)
                for s in skeleton.steps)
        return found

    def _bare_table(self, act: Activity, lang: str) -> tuple[tuple[Reason, ...], ...]:
        """Per step, its reason without sentences for each outcome code."""
        key = (act.id, lang)
        found = self._bare.get(key)
        if found is None:
            found = self._bare[key] = tuple(tuple(self._bare_reason(step.criterion, o, lang) for o in OUTCOMES)
                                            for step in self._skeleton(act).steps)
        return found

    def _bare_reason(self, c: Criterion, outcome: str, lang: str) -> Reason:
        key = (c.id, outcome, lang)
        found = self._bare_reasons.get(key)
        if found is None:
            found = self._bare_reasons[key] = bare_reason(c, outcome, lang)
        return found

    def _priority(self, act: Activity, met: tuple[str, ...], lang: str, explain: bool) -> tuple[Priority, bool]:
        key = (act.id, met, lang, explain)
        found = self._priorities.get(key)
        if found is None:
            prio, uplift = priority(self._d, self.criteria_of(act), met, lang, explain)
            found = remember(self._priorities, key, (prio, uplift))
        return found

    def _warned(self, act: Activity, eligible: bool, used: tuple[str, ...], read: tuple[str, ...],
                assumed: tuple[Criterion, ...], params: dict[str, Any], lang: str) -> tuple[DecisionWarning, ...]:
        """The warnings on the parameters the criteria used and then those the support read (each once,
        in that order) and on the assumed criteria."""
        # Keyed by the law in force (LawOnDate gives one dict per set of parameter values), not the date.
        key = (act.id, eligible, lang, used, read, id(params), tuple([c.id for c in assumed]))
        found = self._warnings.get(key)
        if found is None:
            found = remember(self._warnings, key,
                             self._warning(act, eligible, dict.fromkeys(used + read), assumed, params, lang))
        return found

    def _summary(self, act: Activity, eligible: bool, failed: tuple[str, ...], amount: int, lang: str) -> str:
        # The words of each activity's summaries are written once per language and list of failures
        # (none: eligible, the amount then written between them).
        key = (act.id, lang, failed)
        words = self._summaries.get(key)
        if words is None:
            words = remember(self._summaries, key, self._summary_words(act, failed, lang))
        return f"{words[0]}{i18n.money(amount, lang)}{words[1]}" if eligible else words[0]

    def _summary_words(self, act: Activity, failed: tuple[str, ...], lang: str) -> tuple[str, str]:
        """An eligible decision's summary before and after its amount; an ineligible one's whole (and "")."""
        if not failed:
            return i18n.msg_around("summary_yes", lang, "amount", verdict=i18n.msg("eligible", lang),
                                   activity=act.label[lang])
        labels = {c.id: c.label[lang] for c in self.criteria_of(act) if c.id in failed}
        return i18n.msg("summary_no", lang, verdict=i18n.msg("ineligible", lang),
                        failed="; ".join(labels[f] for f in failed), activity=act.label[lang]), ""


class _Sentences:
    """A decision's reasons and summary, written when the decision's reader first reads them.

    Holds only what writing them needs; without ``values`` (``explain=False``) the reasons
    are the bare ones and the summary is empty. Writing twice (two threads at once) gives
    equal parts, so no lock is needed.
    """

    names = frozenset({"reasons", "summary"})
    __slots__ = ("_decider", "_act", "_skeleton", "_shape", "_codes", "_values", "_lang", "_amount")

    def __init__(self, decider: Decider, act: Activity, skeleton: Skeleton, shape: Outline, codes: tuple[int, ...],
                 values: Mapping[str, Any] | None, lang: str, amount: int) -> None:
        self._decider, self._act, self._skeleton, self._shape = decider, act, skeleton, shape
        self._codes, self._values, self._lang, self._amount = codes, values, lang, amount

    def build(self) -> dict[str, Any]:
        d, act, shape, lang, codes = self._decider, self._act, self._shape, self._lang, self._codes
        if self._values is None:
            bare = d._bare_table(act, lang)
            return {"reasons": tuple([bare[i][codes[i]] for i in self._skeleton.order(codes, shape)]), "summary": ""}
        return {"reasons": d._explained(self._skeleton, codes, shape, self._values, lang),
                "summary": d._summary(act, not shape.failed, shape.failed, self._amount, lang)}



def _getter(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], Any]:
    """The values of ``names`` in a fact holding every one: what ``_values`` gives, made in C."""
    return itemgetter(*names) if names else _nothing


def _values(fact: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    """The values of ``names`` in any fact, None for an absent one: a value alone, or a tuple of two or more."""
    return fact.get(names[0]) if len(names) == 1 else tuple([fact.get(n) for n in names])


def _nothing(fact: Mapping[str, Any]) -> tuple[()]:
    return ()
