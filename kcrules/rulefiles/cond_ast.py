"""The condition language's vocabulary: its types, the nodes of a parsed condition, its functions.

Takes nothing; gives what the tokenizer, parser, type checker and compilers share:
:class:`ConditionSyntaxError`, :class:`FieldType`, the expression nodes
(:class:`Lit`, :class:`Ref`, :class:`Cmp`, :class:`And`, :class:`Or`, :class:`Not`,
:class:`Arith`, :class:`Func`) and :data:`FUNCTIONS`, the only functions a rule may call.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

MAX_TEXT = 2000
MAX_DEPTH = 40
MAX_INT = 10**18


class ConditionSyntaxError(ValueError):
    """A condition does not parse or does not type-check; ``message`` says why."""

    def __init__(self, message: str, text: str, position: int | None = None) -> None:
        self.message = message
        self.text = text
        self.position = position
        where = f" at column {position + 1}" if position is not None else ""
        super().__init__(f"{message}{where} in {text!r}")


@dataclass(frozen=True, slots=True)
class FieldType:
    """The type of a name: ``int``, ``bool``, ``date``, ``str`` or ``code``.

    ``values`` lists the allowed codes of a ``code`` (for checking literals);
    ``optional`` says the fact may be absent.
    """

    kind: str
    values: tuple[str, ...] = ()
    optional: bool = False
    table: str | None = None


class Expr:
    """A node of a parsed condition."""

    type: str


@dataclass(frozen=True, slots=True)
class Lit(Expr):
    value: Any
    type: str


@dataclass(frozen=True, slots=True)
class Ref(Expr):
    path: str
    type: str
    ftype: FieldType = field(compare=False, repr=False, default=FieldType("int"))


@dataclass(frozen=True, slots=True)
class Cmp(Expr):
    op: str  # ==, !=, <, <=, >, >=, in, not in
    left: Expr
    right: Expr | tuple[Lit, ...]
    type: str = "bool"


@dataclass(frozen=True, slots=True)
class And(Expr):
    items: tuple[Expr, ...]
    type: str = "bool"


@dataclass(frozen=True, slots=True)
class Or(Expr):
    items: tuple[Expr, ...]
    type: str = "bool"


@dataclass(frozen=True, slots=True)
class Not(Expr):
    item: Expr
    type: str = "bool"


@dataclass(frozen=True, slots=True)
class Arith(Expr):
    op: str
    left: Expr
    right: Expr
    type: str = "int"


@dataclass(frozen=True, slots=True)
class Func(Expr):
    name: str
    args: tuple[Expr, ...]
    type: str


# The date functions are pure functions of day ordinals, and an application's dates are few and
# repeated (application dates, foundations, project dates): each result is kept, within a bound.
_DAYS = lru_cache(maxsize=16_384)


@_DAYS
def _full_years_between(start: int, end: int) -> int:
    """Whole years from day ordinal ``start`` to ``end`` (negative if end < start)."""
    a, b = _dt.date.fromordinal(start), _dt.date.fromordinal(end)
    years = b.year - a.year - ((b.month, b.day) < (a.month, a.day))
    return years


@_DAYS
def _end_of_previous_year(day: int) -> int:
    return _dt.date(_dt.date.fromordinal(day).year - 1, 12, 31).toordinal()


@_DAYS
def _year(day: int) -> int:
    return _dt.date.fromordinal(day).year


@_DAYS
def _add_months(day: int, months: int) -> int:
    """The same day ``months`` later (clamped to the month's last day)."""
    d = _dt.date.fromordinal(day)
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (_dt.date(year + month // 12, month % 12 + 1, 1) - _dt.timedelta(days=1)).day
    return _dt.date(year, month, min(d.day, last)).toordinal()


def _add_years(day: int, years: int) -> int:
    return _add_months(day, 12 * years)


def _days_between(start: int, end: int) -> int:
    return end - start


#: The only functions a rule may call: name -> (argument types, result type, impl).
FUNCTIONS: dict[str, tuple[tuple[str, ...], str, Callable[..., Any]]] = {
    "full_years_between": (("date", "date"), "int", _full_years_between),
    "end_of_previous_year": (("date",), "date", _end_of_previous_year),
    "year": (("date",), "int", _year),
    "add_months": (("date", "int"), "date", _add_months),
    "add_years": (("date", "int"), "date", _add_years),
    "days_between": (("date", "date"), "int", _days_between),
    "min": (("int", "int"), "int", min),
    "max": (("int", "int"), "int", max),
}


def kind_of(expr: Expr) -> str:
    """The type an expression is checked as: a code compares like a text."""
    kind = expr.type
    return "str" if kind == "code" else kind
