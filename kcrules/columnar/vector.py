"""The condition language over columns: each expression gives values and a presence mask per row.

A :class:`Col` is what one fact key holds for every row: ``values`` (a numpy
array, or a scalar for a literal) and ``present`` (a bool array: the row has
the fact). The semantics are exactly those of ``conditions.compile_python``:
conditions are put in negation normal form and a comparison reading a missing
fact is false, and so is its negation. Functions are the FUNCTIONS of the
condition language, written over day ordinals in numpy; arithmetic is in int64
and a row whose result might not fit is marked (``Evaluator.overflow``) so the
caller decides it row by row instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from kcrules.rulefiles import conditions as cond

#: Day ordinal (Python's date.toordinal) of 1970-01-01, numpy's day zero.
EPOCH_ORDINAL = 719_163
#: Largest magnitude an int64 product is trusted with; beyond it the row is decided row by row.
_SAFE = 2**62


@dataclass
class Col:
    values: Any          # np.ndarray or a scalar
    present: np.ndarray  # bool, one per row
    #: For codes and other texts held as integers: the text of each index (values index into it).
    vocab: tuple[str, ...] | None = None

    def texts(self) -> Any:
        """The values as text (a code column decoded)."""
        if self.vocab is None:
            return self.values
        return np.array(self.vocab + ("",), dtype=str)[self.values]


def _index_of(vocab: tuple[str, ...], value: Any) -> int:
    """A literal's index in a vocabulary; -2 (never a row's value) when it is not there."""
    try:
        return vocab.index(value)
    except ValueError:
        return -2


class Evaluator:
    """Evaluates parsed expressions over a dict of columns (fact key → Col) of ``n`` rows."""

    def __init__(self, columns: dict[str, Col], n: int) -> None:
        self.columns = columns
        self.n = n
        self.overflow = np.zeros(n, dtype=bool)
        self._all = np.ones(n, dtype=bool)
        self._none = np.zeros(n, dtype=bool)
        # Criteria share comparisons (and a condition's negation repeats some): each is made once.
        self._compared: dict[cond.Cmp, np.ndarray] = {}

    # ------------------------------------------------------------ values

    def value(self, expr: cond.Expr) -> Col:
        if isinstance(expr, cond.Lit):
            return Col(expr.value, self._all)
        if isinstance(expr, cond.Ref):
            found = self.columns.get(cond.fact_key(expr.path))
            if found is None:  # no row has it: a typed placeholder that every comparison finds missing
                return Col("" if expr.type in ("code", "str") else False if expr.type == "bool" else 0, self._none)
            return found
        if isinstance(expr, cond.Arith):
            return self._arith(expr)
        if isinstance(expr, cond.Func):
            args = [self.value(a) for a in expr.args]
            present = np.logical_and.reduce([a.present for a in args]) if args else self._all
            if all(np.ndim(a.values) == 0 for a in args):  # one value for every row (a law's dates): computed once
                values, ok = FUNCTIONS[expr.name](*[np.reshape(a.values, (1,)) for a in args])
                return Col(values[0], present & ok[0])
            values, ok = FUNCTIONS[expr.name](*[np.broadcast_to(a.values, (self.n,)) for a in args])
            return Col(values, present & ok)
        return Col(self.predicate(expr), self._all)

    def _arith(self, expr: cond.Arith) -> Col:
        a, b = self.value(expr.left), self.value(expr.right)
        av = np.asarray(a.values, dtype=np.int64)
        bv = np.asarray(b.values, dtype=np.int64)
        # The rule engines compute in unbounded integers; int64 is exact while
        # the result is well inside its range, which floats can tell cheaply.
        approx = {"+": np.add, "-": np.subtract, "*": np.multiply}[expr.op](av.astype(float), bv.astype(float))
        self.overflow |= np.broadcast_to(np.abs(approx) >= _SAFE, (self.n,)) & a.present & b.present
        with np.errstate(over="ignore"):
            values = {"+": np.add, "-": np.subtract, "*": np.multiply}[expr.op](av, bv)
        return Col(values, a.present & b.present)

    # ------------------------------------------------------------ conditions

    def predicate(self, expr: cond.Expr) -> np.ndarray:
        """Rows where a condition holds (as compile_python decides it)."""
        return self._nnf(cond.nnf(expr))

    def _nnf(self, expr: cond.Expr) -> np.ndarray:
        if isinstance(expr, cond.And):
            return np.logical_and.reduce([self._nnf(i) for i in expr.items])
        if isinstance(expr, cond.Or):
            return np.logical_or.reduce([self._nnf(i) for i in expr.items])
        if isinstance(expr, cond.Lit):
            return self._all.copy() if expr.value else self._none.copy()
        if isinstance(expr, cond.Cmp):
            if expr not in self._compared:
                self._compared[expr] = self._compare(expr)
            return self._compared[expr]
        raise TypeError(f"not a condition: {expr!r}")

    def _compare(self, c: cond.Cmp) -> np.ndarray:
        left = self.value(c.left)
        if c.op in ("is set", "is not set"):
            return left.present.copy() if c.op == "is set" else ~left.present
        if c.op in ("in", "not in"):
            assert isinstance(c.right, tuple)
            members = [v.value for v in c.right]
            if left.vocab is not None:
                members = [_index_of(left.vocab, m) for m in members]
            inside = np.isin(np.broadcast_to(left.values, (self.n,)), members) if members else self._none
            return left.present & (inside if c.op == "in" else ~inside)
        assert isinstance(c.right, cond.Expr)
        right = self.value(c.right)
        op: Callable[[Any, Any], Any] = _OPS[c.op]
        a, b = _comparable(left, right, c)
        present = left.present if right.present is self._all else left.present & right.present  # a literal: always
        return present & np.broadcast_to(op(a, b), (self.n,))


def _comparable(left: Col, right: Col, c: cond.Cmp) -> tuple[Any, Any]:
    """Both sides in one representation: indices of one vocabulary where equality allows, else texts."""
    if left.vocab is None and right.vocab is None:
        return left.values, right.values
    equality = c.op in ("==", "!=")
    if equality and left.vocab is not None and isinstance(c.right, cond.Lit):
        return left.values, _index_of(left.vocab, right.values)
    if equality and right.vocab is not None and isinstance(c.left, cond.Lit):
        return _index_of(right.vocab, left.values), right.values
    if equality and left.vocab is not None and left.vocab == right.vocab:
        return left.values, right.values
    return left.texts(), right.texts()


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
}


# ---------------------------------------------------------------- functions over day ordinals

def _per_day(fn: Callable[[np.ndarray], Any]) -> Callable[[np.ndarray], Any]:
    """``fn`` (elementwise over whole numbers) computed once per number of the span the column
    covers, then looked up, when the span is shorter than the column: a million applications
    fall on a few thousand days, and calendar arithmetic costs far more than a lookup."""
    def per_day(values: np.ndarray) -> Any:
        values = np.asarray(values, dtype=np.int64)
        if len(values) >= 1024:
            low, high = int(values.min()), int(values.max())
            if high - low < len(values) // 4:
                got = fn(np.arange(low, high + 1, dtype=np.int64))
                at = values - low
                return tuple(g[at] for g in got) if isinstance(got, tuple) else got[at]
        return fn(values)
    return per_day


@_per_day
def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d64 = (days - EPOCH_ORDINAL).astype("datetime64[D]")
    years = d64.astype("datetime64[Y]").astype(np.int64) + 1970
    months = d64.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (d64 - d64.astype("datetime64[M]")).astype(np.int64) + 1
    return years, months, day


@_per_day
def _month_start(months: np.ndarray) -> np.ndarray:
    """Day ordinal of the first day of each month, counted as year * 12 + month - 1."""
    return (months - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + EPOCH_ORDINAL


def _in_calendar(years: np.ndarray) -> np.ndarray:
    return (years >= 1) & (years <= 9999)


def _full_years_between(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ay, am, ad = _ymd(start)
    by, bm, bd = _ymd(end)
    earlier = (bm < am) | ((bm == am) & (bd < ad))
    return by - ay - earlier.astype(np.int64), np.ones(len(start), dtype=bool)


def _end_of_previous_year(day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    years, _, _ = _ymd(day)
    return _month_start(years * 12) - 1, _in_calendar(years - 1)


def _year(day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    years, _, _ = _ymd(day)
    return years, np.ones(len(day), dtype=bool)


def _add_months(day: np.ndarray, months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y, m, d = _ymd(day)
    big = np.abs(months.astype(np.int64)) > 12 * 10_000
    index = y * 12 + m - 1 + np.where(big, 0, months.astype(np.int64))
    # As the row path computes it, December 9999 has no value either (its month end is past the calendar).
    ok = _in_calendar(index // 12) & (index < 9999 * 12 + 11) & ~big
    index = np.where(ok, index, 2000 * 12)
    first = _month_start(index)
    last = _month_start(index + 1) - first  # the month's length: the day is kept within it
    return first + np.minimum(d, last) - 1, ok


def _add_years(day: np.ndarray, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    big = np.abs(years.astype(np.int64)) > 10_000
    values, ok = _add_months(day, np.where(big, 0, years.astype(np.int64)) * 12)
    return values, ok & ~big


def _days_between(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return end.astype(np.int64) - start.astype(np.int64), np.ones(len(start), dtype=bool)


def _min(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.minimum(a, b), np.ones(len(a), dtype=bool)


def _max(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.maximum(a, b), np.ones(len(a), dtype=bool)


#: The condition language's functions over columns: args -> (values, rows that have a value).
FUNCTIONS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "full_years_between": _full_years_between,
    "end_of_previous_year": _end_of_previous_year,
    "year": _year,
    "add_months": _add_months,
    "add_years": _add_years,
    "days_between": _days_between,
    "min": _min,
    "max": _max,
}
assert set(FUNCTIONS) == set(cond.FUNCTIONS), "every function of the condition language has a column form"
