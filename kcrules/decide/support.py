"""Eligibility and the law in force → the support amount, in whole đồng, with its computation.

:class:`Supports` takes the application, its activity, whether it is eligible,
whether it is a priority project (which may have a higher level approved), and
the parameters in force; gives a :class:`~kcrules.models.Support`: the base,
the share (or full cost), each ceiling, the amount asked, and the lowest of
them as the amount, every step a :class:`~kcrules.models.ComputationLine`.
Arithmetic is in integers and Fractions; every product is rounded down to the
đồng (support is "up to").
"""

from __future__ import annotations

from fractions import Fraction
from operator import itemgetter
from typing import Any, NamedTuple

from kcrules.decide.params import value_for_support
from kcrules.errors import ApplicationError, EvaluationError, Problem
from kcrules.models import Application, ComputationLine, Support, assemble, assemble_later
from kcrules.rulefiles.loader import Activity, Definition
from kcrules.rulefiles.reader import field_value
from kcrules.text import i18n
from kcrules.text.conditions import plain_name


class _Cap(NamedTuple):
    """A ceiling in force: its parameter, value, label and citation, and its line when not raised."""

    id: str
    value: int
    label: str
    cite: str
    line: ComputationLine


class _Terms(NamedTuple):
    """What an activity's support takes from the law in force, in one language, explained or not."""

    rounding: str
    base_label: str
    share: tuple[str, Fraction | int, tuple[str, str], str] | None  # id, value, text around the base, citation
    full: str                                           # the text of an activity without a share
    uplift: tuple[str, Fraction | int, str, str] | None  # id, maximum, citation, the maximum written
    caps: tuple[_Cap, ...]
    reads: tuple[str, ...]         # the parameters an amount reads, in order: share, ceilings
    reads_approved: tuple[str, ...]  # the same, with the maximum level after the share (a level approved)


_AMOUNT = itemgetter(1)


class Supports:
    """The support of each decision of one rulebook; thread-safe (its memos hold immutable values).

    What depends only on the activity, the law in force (one parameters' dict per set of values,
    see :class:`~kcrules.decide.params.LawOnDate`), the language and whether the decision is
    explained is worked out once: the share and each ceiling with its line, the words around the
    amounts, an ineligible decision's whole support. A decision computes only its own amounts.
    """

    def __init__(self, definition: Definition) -> None:
        self._d = definition
        self._terms: dict[tuple[str, int, str, bool], _Terms] = {}
        self._ineligible: dict[tuple[str, bool], Support] = {}
        self._labels: dict[tuple[str, str], str] = {}

    def __call__(self, app: Application, act: Activity, eligible: bool, priority_project: bool,
                 params: dict[str, Any], lang: str, explain: bool = True) -> tuple[Support, tuple[str, ...]]:
        """The support of one decision, and the parameters it read (in order; none when ineligible).

        ``priority_project``: the project meets a criterion of a priority tier that
        may have a higher level approved (an area or sector tier).
        """
        if not eligible:
            found = self._ineligible.get((lang, explain))
            if found is None:
                found = self._ineligible[lang, explain] = _ineligible(lang, explain)
            return found, ()
        s = act.support
        base = field_value(app, s.base)
        if not isinstance(base, int):
            raise EvaluationError(f"{act.id}.support", s.cite.text(), f"{s.base} is missing")
        t = self._terms.get((act.id, id(params), lang, explain)) or self._terms_of(act, params, lang, explain)
        bound, amount = _computed(app, base, t, priority_project, lang, explain, None)
        label = ""
        if explain:
            label = self._labels.get((bound, lang)) or self._labels.setdefault((bound, lang),
                                                                              bound_label(self._d, bound, lang))
        # The computation lines are written when first read (see models._WrittenLater), by the same
        # steps: a screening caller reads the amount and the bound only.
        reads = t.reads if t.uplift is None or app.project.approved_level_percent is None else t.reads_approved
        return assemble_later(Support, _Lines(app, base, t, priority_project, lang, explain, label),
                              amount_vnd=amount, bound=bound, rounding=t.rounding, bound_label=label), reads

    def _terms_of(self, act: Activity, params: dict[str, Any], lang: str, explain: bool) -> _Terms:
        """An activity's terms under the law in force; an EvaluationError when a parameter it needs has no value."""
        d, s = self._d, act.support
        share = uplift = None
        full = ""
        if s.method == "share":
            assert s.share is not None
            pv = value_for_support(params, s.share, d, act)
            words = i18n.msg_around("share", lang, "base", share=i18n.percent(pv.value, lang)) if explain else ("", "")
            share = (s.share, pv.value, words, pv.cite.text(lang))
        elif explain:
            full = i18n.msg("full", lang)
        if s.uplift and s.caps:
            maximum = value_for_support(params, s.uplift, d, act)
            uplift = (s.uplift, maximum.value, maximum.cite.text(lang), i18n.number(maximum.value, lang))
        caps = []
        for cap_id in s.caps:
            pv = value_for_support(params, cap_id, d, act)
            label, cite = d.params[cap_id].label[lang], pv.cite.text(lang)
            text = f"{i18n.msg('cap', lang, label=label)}: {i18n.money(pv.value, lang)} ({cite})" if explain else ""
            caps.append(_Cap(cap_id, pv.value, label, cite, _line("cap", pv.value, text, cap_id)))
        first = (share[0],) if share is not None else ()
        terms = _Terms(i18n.msg("rounding", lang), plain_name(d, s.base, lang) if explain else "", share, full,
                       uplift, tuple(caps), (*first, *s.caps),
                       (*first, *([uplift[0]] if uplift is not None else ()), *s.caps))
        self._terms[act.id, id(params), lang, explain] = terms  # as many as activities × laws × languages × 2
        return terms


def _computed(app: Application, base: int, t: _Terms, priority_project: bool, lang: str, explain: bool,
              lines: list[ComputationLine] | None) -> tuple[str, int]:
    """The bound and the amount of an eligible application's support (the parameters it reads are
    the terms' ``reads``); adds each step's line to ``lines`` unless it is None."""
    if lines is not None:
        lines.append(_line("base", base, f"{t.base_label}: {i18n.money(base, lang)}" if explain else ""))
    if t.share is None:
        if lines is not None:
            lines.append(_line("full", base, t.full))
        bounds = [("eligible_cost", base)]
    else:
        pid, value, (before, after), cite = t.share
        amount = floor_mul(base, value)
        if lines is not None:
            lines.append(_line("share", amount, f"{before}{i18n.money(base, lang)}{after} = "
                                                f"{i18n.money(amount, lang)} ({cite})" if explain else "", pid))
        bounds = [("share", amount)]
    ratio = None
    if t.uplift is not None and (priority_project or app.project.approved_level_percent is not None):
        ratio = _uplift(app, t.uplift, priority_project, lang, explain, lines)
    for cap in t.caps:
        if ratio is None:
            if lines is not None:
                lines.append(cap.line)
            bounds.append((cap.id, cap.value))
            continue
        raised = floor_mul(cap.value, ratio)
        if lines is not None:
            # The arithmetic in full: 200.000.000 ₫ × 1,5 = 300.000.000 ₫
            text = i18n.msg("uplift", lang, label=cap.label, cap=i18n.money(cap.value, lang),
                            ratio=i18n.number(ratio, lang), amount=i18n.money(raised, lang)) if explain else ""
            lines.append(_line("cap", raised, f"{text} ({cap.cite})" if explain else "", cap.id))
        bounds.append((cap.id, raised))
    if t.share is not None:
        bounds.append(("eligible_cost", base))
    requested = app.project.amount_requested_vnd
    if requested is not None:
        if lines is not None:
            lines.append(_line("requested", requested,
                               f"{i18n.msg('requested', lang)}: {i18n.money(requested, lang)}" if explain else ""))
        bounds.append(("requested", requested))
    return min(bounds, key=_AMOUNT)  # first of equal bounds wins: stable and documented


class _Lines:
    """An eligible support's computation lines, written when first read: the same steps again."""

    names = frozenset({"lines"})
    __slots__ = ("_app", "_base", "_terms", "_priority", "_lang", "_explain", "_label")

    def __init__(self, app: Application, base: int, terms: _Terms, priority_project: bool, lang: str, explain: bool,
                 label: str) -> None:
        self._app, self._base, self._terms, self._priority = app, base, terms, priority_project
        self._lang, self._explain, self._label = lang, explain, label

    def build(self) -> dict[str, Any]:
        lines: list[ComputationLine] = []
        lang = self._lang
        _, amount = _computed(self._app, self._base, self._terms, self._priority, lang, self._explain, lines)
        lines.append(_line("result", amount, f"{i18n.msg('result', lang, bound=self._label)}: "
                                             f"{i18n.money(amount, lang)}" if self._explain else ""))
        return {"lines": tuple(lines)}


def _ineligible(lang: str, explain: bool) -> Support:
    line = _line("ineligible", 0, i18n.msg("not_eligible_zero", lang) if explain else "")
    return assemble(Support, amount_vnd=0, lines=(line,), bound="ineligible", rounding=i18n.msg("rounding", lang),
                    bound_label=i18n.msg("bound_ineligible", lang) if explain else "")


def _uplift(app: Application, uplift: tuple[str, Fraction | int, str, str], priority_project: bool, lang: str,
            explain: bool, lines: list[ComputationLine] | None) -> Fraction | None:
    """The level a priority project's ceilings are raised by, or None; adds its lines (unless None).

    TTLT 26/2014 Điều 6 khoản 2 điểm t: a priority project's level is approved by
    the competent authority, up to a maximum; it is never raised automatically.
    The level applies only when the application states it (with who approved it
    and in which decision), it is within the maximum in force, and the project
    meets a priority area or sector criterion. Without one, a priority project is
    told, as information, how far it could be approved.
    """
    pid, maximum, cite, shown_max = uplift
    p = app.project
    if p.approved_level_percent is None:  # a priority project (the caller asks only then)
        if lines is not None:
            lines.append(_line("could_approve", 0, i18n.msg("could_approve", lang, max=shown_max, cite=cite)
                               if explain else "", pid))
        return None
    approved = Fraction(p.approved_level_percent, 100)
    if approved > maximum:
        raise ApplicationError([Problem(
            "project.approved_level_percent",
            f"above the legal maximum of {shown_max} × the ceilings in force on this date ({cite})",
            p.approved_level_percent, f"100 to {int(maximum * 100)}")])
    if lines is None:
        return approved if priority_project else None
    shown = i18n.number(approved, lang)
    if priority_project:
        lines.append(_line("approved_level", 0, i18n.msg(
            "approved_level", lang, ratio=shown, by=p.approved_by, decision=p.approved_decision,
            max=shown_max, cite=cite) if explain else "", pid))
        return approved
    lines.append(_line("approved_level_not_applied", 0, i18n.msg(
        "approved_level_not_priority", lang, ratio=shown, by=p.approved_by, decision=p.approved_decision,
        cite=cite) if explain else "", pid))
    return None


def bound_label(d: Definition, bound: str, lang: str) -> str:
    """What decided the amount, in words: a ceiling's label, or the share, the cost, the amount asked."""
    if bound in d.params:
        return d.params[bound].label[lang]
    return i18n.msg(f"bound_{bound}", lang)


def _line(step: str, amount_vnd: int, text: str, parameter: str | None = None) -> ComputationLine:
    """A computation line (built here from checked values: not validated again)."""
    return assemble(ComputationLine, step=step, amount_vnd=amount_vnd, text=text, parameter=parameter)


def floor_mul(amount: int, factor: Fraction | int) -> int:
    """amount × factor rounded down to the whole đồng, in integers.

    Support is "up to" a share, so it is never rounded up.
    """
    if isinstance(factor, Fraction):
        return (amount * factor.numerator) // factor.denominator
    return int(amount * factor)
