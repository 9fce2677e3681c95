"""The parameters and criteria a decision used → its warnings.

Takes the parameters used (with the values in force) and the criteria applied
whose rule is an assumption; gives one :class:`~kcrules.models.DecisionWarning`
per national-guidance or assumed level, per assumed rule, and — for an
eligible activity supported at its approved cost — one saying that no level
was found.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

from kcrules.models import DecisionWarning
from kcrules.rulefiles.loader import Activity, Criterion, Definition
from kcrules.text import i18n
from kcrules.text.reasons import param_value


class Warnings:
    """The warnings of each decision of one rulebook; thread-safe (its memos hold immutable values).

    Each warning depends on one parameter's value in force (or one criterion, or one activity)
    and the language, so each is written once and shared by every decision that has it.
    """

    def __init__(self, definition: Definition) -> None:
        self._d = definition
        self._levels: dict[tuple[str, int, str], DecisionWarning] = {}  # as many as values × languages
        self._rules: dict[tuple[str, str], DecisionWarning] = {}
        self._no_level: dict[tuple[str, str], DecisionWarning] = {}

    def __call__(self, act: Activity, eligible: bool, used: dict[str, None] | tuple[str, ...],
                 assumed: tuple[Criterion, ...], params: dict[str, Any], lang: str) -> tuple[DecisionWarning, ...]:
        out = [self._levels.get((pid, id(params[pid]), lang)) or self._level(pid, params[pid], lang)
               for pid in _levels_warned(used, params)]
        out += [self._rules.get((c.id, lang)) or self._rule(c, lang) for c in assumed]
        if _no_level(act, eligible):
            out.append(self._no_level.get((act.id, lang)) or self._none(act, lang))
        return tuple(out)

    def _level(self, pid: str, pv: Any, lang: str) -> DecisionWarning:
        p = self._d.params[pid]
        value = param_value(p, pv.value, lang)
        text = i18n.msg(f"warning_{pv.provenance}", lang, label=p.label[lang], value=value, note=_in(pv.note, lang))
        found = self._levels[pid, id(pv), lang] = DecisionWarning(
            parameter=pid, provenance=pv.provenance, value=value, note=_in(pv.note, lang), text=text.strip(),
            value_raw=raw_value(p.unit, pv.value))
        return found

    def _rule(self, c: Criterion, lang: str) -> DecisionWarning:
        text = i18n.msg("warning_rule_assumption", lang, label=c.label[lang], note=_in(c.assumption, lang))
        found = self._rules[c.id, lang] = DecisionWarning(
            parameter=c.id, provenance="assumption", value="", note=_in(c.assumption, lang), text=text)
        return found

    def _none(self, act: Activity, lang: str) -> DecisionWarning:
        note = act.support.note.get(lang, "") if act.support.note else ""
        found = self._no_level[act.id, lang] = DecisionWarning(
            parameter=f"{act.id}.support", provenance="assumption", value="", note=note,
            text=i18n.msg("warning_no_level", lang, note=note))
        return found


def warned(act: Activity, eligible: bool, used: dict[str, None] | tuple[str, ...], assumed: tuple[Criterion, ...],
           params: dict[str, Any]) -> list[str]:
    """The parameter (or rule) of each warning ``warnings`` gives, in its order, without writing
    the warnings: what a whole population's decisions keep."""
    ids = _levels_warned(used, params) + [c.id for c in assumed]
    return ids + [f"{act.id}.support"] if _no_level(act, eligible) else ids


def _levels_warned(used: dict[str, None] | tuple[str, ...], params: dict[str, Any]) -> list[str]:
    """The parameters used whose level is national guidance or an assumption."""
    return [pid for pid in used if (pv := params.get(pid)) is not None and pv.provenance in ("guidance", "assumption")]


def _no_level(act: Activity, eligible: bool) -> bool:
    """An eligible activity supported at its approved cost: no level was found to cap it."""
    return eligible and act.support.method == "full"


def raw_value(unit: str, value: Any) -> int | str:
    """A parameter's value (as held: int, Fraction or day ordinal) in its machine form, as JSON keeps it."""
    if unit == "date":
        return dt.date.fromordinal(value).isoformat()
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator) if unit in ("percent", "ratio") else value.numerator
        return str(Decimal(value.numerator) / Decimal(value.denominator))
    return str(value) if unit in ("percent", "ratio") else value


def _in(text: dict[str, str] | None, lang: str) -> str:
    """A bilingual rule-file text in ``lang`` ("" when there is none)."""
    return text[lang] if text else ""
