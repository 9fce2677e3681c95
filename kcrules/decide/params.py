"""The law in force on a day: every parameter's value, and the parameters' part of a fact.

Takes a checked :class:`~kcrules.rulefiles.loader.Definition`; gives, for a date,
each parameter's :class:`~kcrules.rulefiles.loader.ParamValue` (exact: int,
Fraction or day ordinal, with its citation and provenance) and the flat
``params__ID`` items the engines match. Both are worked out once per period in which
no parameter changes value, and found by date.
"""

from __future__ import annotations

import bisect
import datetime as dt
from fractions import Fraction
from typing import Any

from kcrules.errors import EvaluationError, InputError
from kcrules.rulefiles.loader import Activity, Definition

#: Days memoised: a decade of dates at one entry each, then the memo starts again.
_DAYS_MAX = 8192


class LawOnDate:
    """Parameter values by date, for one rulebook."""

    def __init__(self, definition: Definition) -> None:
        self._d = definition
        # Every parameter keeps one value between two of these dates (a value's start or end): the
        # law of a day is that of its period, found by bisection and worked out once per period.
        self._bounds = sorted({b for p in definition.params.values() for v in p.values
                               for b in (v.start, v.until) if b is not None})
        self._periods: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}  # values, fact items
        self._days: dict[dt.date, tuple[dict[str, Any], dict[str, Any]]] = {}
        self._versions: dict[tuple[int, ...], dict[str, Any]] = {}

    def coverage(self) -> tuple[dt.date | None, dt.date | None]:
        """The half-open period [from, until) the rulebook has law for (None: unbounded).

        A program rulebook covers its program's period; an abstract layer covers
        the span of its parameters' values.
        """
        if self._d.program is not None:
            return self._d.program.start, self._d.program.until
        values = [v for p in self._d.params.values() for v in p.values]
        starts = [v.start for v in values]
        untils = [v.until for v in values]
        return (min(starts) if starts else None), (None if None in untils or not untils else max(untils))

    def check_in_force(self, day: dt.date) -> None:
        """Refuse a law date on which the rulebook has no law in force, saying which dates it covers."""
        start, until = self.coverage()
        if (start is not None and day < start) or (until is not None and day >= until):
            last = (until - dt.timedelta(days=1)).isoformat() if until else "…"
            first = start.isoformat() if start else "…"
            raise InputError(f"the rulebook has no law in force on {day.isoformat()}; it covers {first} to {last}")

    def values(self, day: dt.date) -> dict[str, Any]:
        """Every parameter's value in force on ``day`` (parameters without one are absent)."""
        found = self._days.get(day)
        if found is None:
            found = self._day(day)
        return found[0]

    def fact_items(self, day: dt.date) -> dict[str, Any]:
        """The parameters' part of a fact on ``day``: whole numbers and whole percents only.

        Ratios and fractional percents are for computing support, never matched.
        """
        found = self._days.get(day)
        if found is None:
            found = self._day(day)
        return found[1]

    def _day(self, day: dt.date) -> tuple[dict[str, Any], dict[str, Any]]:
        """A day not seen lately: the law of its period (worked out once per period), remembered by day."""
        period = bisect.bisect_right(self._bounds, day)
        found = self._periods.get(period)
        if found is None:
            values = {}
            for p in self._d.params.values():
                v = p.at(day)
                if v is not None:
                    values[p.id] = v
            # Periods under the same law share one dict: its identity names the law in force, a
            # cheap memo key for what depends on it (warnings, support terms).
            values = self._versions.setdefault(tuple(map(id, values.values())), values)
            found = self._periods[period] = (values, self._facts_of(values))
        if len(self._days) > _DAYS_MAX:
            self._days.clear()
        self._days[day] = found
        return found

    def _facts_of(self, values: dict[str, Any]) -> dict[str, Any]:
        facts = {}
        for pid, pv in values.items():
            value = pv.value
            if isinstance(value, Fraction):
                scaled = value * 100
                if self._d.params[pid].unit != "percent" or scaled.denominator != 1:
                    continue
                value = int(scaled)
            facts["params__" + pid] = value
        return facts


def value_for_support(params: dict[str, Any], pid: str, definition: Definition, act: Activity) -> Any:
    """A parameter's value that an activity's support needs, or an EvaluationError saying when it has one."""
    pv = params.get(pid)
    if pv is None:
        p = definition.params[pid]
        periods = ", ".join(f"[{v.start}, {v.until or '…'})" for v in p.values)
        raise EvaluationError(f"{act.id}.support", act.support.cite.text(),
                              f"parameter {pid} has no value on this date (it has values for {periods})")
    return pv
