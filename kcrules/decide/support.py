"""Eligibility and the law in force → the support amount, in whole đồng, with its computation.

Takes the application, its activity, whether it is eligible, whether it is a
priority project (which may have a higher level approved), and the parameters
in force; gives a
:class:`~kcrules.models.Support`: the base, the share (or full cost), each
ceiling, the amount asked, and the lowest of them as the amount, every step a
:class:`~kcrules.models.ComputationLine`. Arithmetic is in integers and
Fractions; every product is rounded down to the đồng (support is "up to").
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from kcrules.decide.params import value_for_support
from kcrules.errors import ApplicationError, EvaluationError, Problem
from kcrules.models import Application, ComputationLine, Support, assemble
from kcrules.rulefiles.loader import Activity, Definition
from kcrules.rulefiles.reader import field_value
from kcrules.text import i18n
from kcrules.text.conditions import plain_name


def support(d: Definition, app: Application, act: Activity, eligible: bool, priority_project: bool,
            params: dict[str, Any], lang: str, used: dict[str, None], explain: bool = True) -> Support:
    """The support of one decision; adds the parameters it reads to ``used``.

    ``priority_project``: the project meets a criterion of a priority tier that
    may have a higher level approved (an area or sector tier).
    """
    rounding = i18n.msg("rounding", lang)
    if not eligible:
        line = _line(step="ineligible", amount_vnd=0,
                               text=i18n.msg("not_eligible_zero", lang) if explain else "")
        return assemble(Support, amount_vnd=0, lines=(line,), bound="ineligible", rounding=rounding,
                        bound_label=i18n.msg("bound_ineligible", lang) if explain else "")
    s = act.support
    base = field_value(app, s.base)
    if not isinstance(base, int):
        raise EvaluationError(f"{act.id}.support", s.cite.text(), f"{s.base} is missing")
    lines = [_line(step="base", amount_vnd=base,
                   text=f"{plain_name(d, s.base, lang)}: {i18n.money(base, lang)}" if explain else "")]
    bounds: list[tuple[str, int]] = []
    _share(d, act, base, params, lang, used, explain, lines, bounds)
    _caps(d, app, act, priority_project, params, lang, used, explain, lines, bounds)
    if s.method == "share":
        bounds.append(("eligible_cost", base))
    requested = app.project.amount_requested_vnd
    if requested is not None:
        lines.append(_line(step="requested", amount_vnd=requested,
                                     text=f"{i18n.msg('requested', lang)}: {i18n.money(requested, lang)}"
                                     if explain else ""))
        bounds.append(("requested", requested))
    bound, amount = min(bounds, key=lambda b: b[1])  # first of equal bounds wins: stable and documented
    label = bound_label(d, bound, lang) if explain else ""
    lines.append(_line(step="result", amount_vnd=amount,
                       text=f"{i18n.msg('result', lang, bound=label)}: {i18n.money(amount, lang)}" if explain else ""))
    return assemble(Support, amount_vnd=amount, lines=tuple(lines), bound=bound, rounding=rounding, bound_label=label)


def bound_label(d: Definition, bound: str, lang: str) -> str:
    """What decided the amount, in words: a ceiling's label, or the share, the cost, the amount asked."""
    if bound in d.params:
        return d.params[bound].label[lang]
    return i18n.msg(f"bound_{bound}", lang)


def _share(d: Definition, act: Activity, base: int, params: dict[str, Any], lang: str, used: dict[str, None],
           explain: bool, lines: list[ComputationLine], bounds: list[tuple[str, int]]) -> None:
    """The share of the base the activity supports, or the whole base."""
    s = act.support
    if s.method != "share":
        lines.append(_line(step="full", amount_vnd=base, text=i18n.msg("full", lang) if explain else ""))
        bounds.append(("eligible_cost", base))
        return
    assert s.share is not None
    pv = value_for_support(params, s.share, d, act)
    used.setdefault(s.share, None)
    amount = floor_mul(base, pv.value)
    lines.append(_line(
        step="share", amount_vnd=amount, parameter=s.share,
        text=f"{i18n.msg('share', lang, share=i18n.percent(pv.value, lang), base=i18n.money(base, lang))}"
             f" = {i18n.money(amount, lang)} ({pv.cite.text(lang)})" if explain else ""))
    bounds.append(("share", amount))


def _caps(d: Definition, app: Application, act: Activity, priority_project: bool, params: dict[str, Any],
          lang: str, used: dict[str, None], explain: bool, lines: list[ComputationLine],
          bounds: list[tuple[str, int]]) -> None:
    """Each ceiling in force: the normal one, or raised by a priority level the application says was approved.

    TTLT 26/2014 Điều 6 khoản 2 điểm t: a priority project's level is approved by
    the competent authority, up to a maximum; it is never raised automatically.
    The level applies only when the application states it (with who approved it
    and in which decision), it is within the maximum in force, and the project
    meets a priority area or sector criterion. Without one, a priority project is
    told, as information, how far it could be approved.
    """
    s = act.support
    ratio = None
    if s.uplift and s.caps:
        maximum = value_for_support(params, s.uplift, d, act)
        p = app.project
        cite = maximum.cite.text(lang)
        shown_max = i18n.number(maximum.value, lang)
        if p.approved_level_percent is not None:
            used.setdefault(s.uplift, None)
            approved = Fraction(p.approved_level_percent, 100)
            if approved > maximum.value:
                raise ApplicationError([Problem(
                    "project.approved_level_percent",
                    f"above the legal maximum of {shown_max} × the ceilings in force on this date ({cite})",
                    p.approved_level_percent, f"100 to {int(maximum.value * 100)}")])
            shown = i18n.number(approved, lang)
            if priority_project:
                ratio = approved
                lines.append(_line(step="approved_level", amount_vnd=0, parameter=s.uplift, text=i18n.msg(
                    "approved_level", lang, ratio=shown, by=p.approved_by, decision=p.approved_decision,
                    max=shown_max, cite=cite) if explain else ""))
            else:
                lines.append(_line(step="approved_level_not_applied", amount_vnd=0, parameter=s.uplift,
                                             text=i18n.msg("approved_level_not_priority", lang, ratio=shown,
                                                           by=p.approved_by, decision=p.approved_decision,
                                                           cite=cite) if explain else ""))
        elif priority_project:
            lines.append(_line(step="could_approve", amount_vnd=0, parameter=s.uplift,
                                         text=i18n.msg("could_approve", lang, max=shown_max, cite=cite)
                                         if explain else ""))
    for cap_id in s.caps:
        pv = value_for_support(params, cap_id, d, act)
        used.setdefault(cap_id, None)
        cap = pv.value
        label = d.params[cap_id].label[lang]
        text = ""
        if ratio is not None:
            normal, cap = cap, floor_mul(cap, ratio)
            if explain:  # the arithmetic in full: 200.000.000 ₫ × 1,5 = 300.000.000 ₫
                text = i18n.msg("uplift", lang, label=label, cap=i18n.money(normal, lang),
                                ratio=i18n.number(ratio, lang), amount=i18n.money(cap, lang))
        elif explain:
            text = f"{i18n.msg('cap', lang, label=label)}: {i18n.money(cap, lang)}"
        lines.append(_line(step="cap", amount_vnd=cap, parameter=cap_id,
                           text=f"{text} ({pv.cite.text(lang)})" if explain else ""))
        bounds.append((cap_id, cap))


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
