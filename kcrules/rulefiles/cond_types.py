"""The condition language's type checker.

Takes the nodes the parser has just built (and, for names, the rulebook's
resolver of a name to its :class:`FieldType`); gives the checked node, or raises
:class:`Mistyped` with the message of the rule broken. The parser adds the
position, so every message reads the same wherever it is raised.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

from kcrules.rulefiles.cond_ast import (
    FUNCTIONS,
    MAX_INT,
    Arith,
    Cmp,
    Expr,
    FieldType,
    Func,
    Lit,
    Ref,
    kind_of,
)
from kcrules.util.words import suggest

Resolve = Callable[[str], FieldType | None]


class Mistyped(Exception):
    """A type rule is broken; ``message`` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def need(expr: Expr, want: str, what: str) -> None:
    if kind_of(expr) != want:
        raise Mistyped(f"{what} must be {want}, not {kind_of(expr)}")


def compare(op: str, left: Expr, right: Expr) -> Cmp:
    lk, rk = kind_of(left), kind_of(right)
    if lk != rk:
        raise Mistyped(f"cannot compare {lk} with {rk}")
    if op not in ("==", "!=") and lk not in ("int", "date"):
        raise Mistyped(f"{op!r} compares numbers or dates, not {lk}")
    for side, other in ((left, right), (right, left)):
        if isinstance(side, Ref) and isinstance(other, Lit):
            code_literal(side, other)
    return Cmp(op, left, right)


def membership(op: str, left: Expr, values: tuple[Lit, ...]) -> Cmp:
    for value in values:
        if kind_of(value) != kind_of(left):
            raise Mistyped(f"list value {value.value!r} is {kind_of(value)}, not {kind_of(left)}")
        if isinstance(left, Ref):
            code_literal(left, value)
    return Cmp(op, left, values)


def presence(op: str, left: Expr) -> Cmp:
    if not isinstance(left, Ref):
        raise Mistyped("'is set' tests a name, not a value")
    return Cmp(op, left, ())


def code_literal(ref: Ref, lit: Lit) -> None:
    allowed = ref.ftype.values
    if ref.type in ("code", "str") and allowed and lit.value not in allowed:
        hint = suggest(str(lit.value), allowed)
        extra = f"; did you mean {hint!r}?" if hint else ""
        raise Mistyped(f"{lit.value!r} is not a code of {ref.path} (allowed: {', '.join(allowed)}){extra}")


def arith(kind: str, op: str, left: Expr, right: Expr) -> Arith:
    if kind != "value":
        raise Mistyped("arithmetic belongs in a derived fact, not in a condition")
    need(left, "int", f"left of {op!r}")
    need(right, "int", f"right of {op!r}")
    return Arith(op, left, right)


def function(name: str, kind: str) -> tuple[tuple[str, ...], str]:
    """The argument types and result type of a function a rule calls."""
    if name not in FUNCTIONS:
        allowed = ", ".join(sorted(FUNCTIONS))
        raise Mistyped(f"unknown function {name!r} (allowed: {allowed})")
    if kind != "value":
        raise Mistyped("functions belong in a derived fact, not in a condition")
    argtypes, result, _ = FUNCTIONS[name]
    return argtypes, result


def arity(name: str, args: list[Expr]) -> None:
    argtypes = FUNCTIONS[name][0]
    if len(args) != len(argtypes):
        raise Mistyped(f"{name}() takes {len(argtypes)} arguments, got {len(args)}")


def call(name: str, args: list[Expr]) -> Func:
    argtypes, result, _ = FUNCTIONS[name]
    for arg, want in zip(args, argtypes):
        need(arg, want, f"argument of {name}()")
    return Func(name, tuple(args), result)


def reference(path: str, resolve: Resolve) -> Ref:
    if "__" in path or path.startswith("_"):
        raise Mistyped(f"names may not start with '_' or contain '__': {path!r}")
    ftype = resolve(path)
    if ftype is None:
        raise Mistyped(f"unknown name {path!r}")
    return Ref(path, ftype.kind, ftype)


def integer(text: str) -> Lit:
    value = int(text.replace("_", ""))
    if value > MAX_INT:
        raise Mistyped(f"number {text} is larger than {MAX_INT}")
    return Lit(value, "int")


def date(text: str) -> Lit:
    try:
        return Lit(_dt.date.fromisoformat(text).toordinal(), "date")
    except ValueError:
        raise Mistyped(f"{text} is not a real date") from None


def negative(inner: Expr) -> Lit:
    if isinstance(inner, Lit) and inner.type == "int":
        return Lit(-inner.value, "int")
    raise Mistyped("'-' goes before a number only")


def result(expr: Expr, kind: str) -> None:
    """A condition's whole expression is true or false."""
    if kind == "condition" and kind_of(expr) != "bool":
        raise Mistyped(f"a condition must be true or false, this is {kind_of(expr)}")
