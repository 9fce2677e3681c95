"""The condition language of rule files: parse, type-check, compile.

A condition is a small boolean expression over the application's facts, the
rulebook's parameters and its derived facts, e.g.::

    project.learners_per_class <= params.max_learners_per_class
    establishment.kind in ["enterprise", "cooperative"] and not project.machinery_used

Grammar (lowest precedence first)::

    expr    := and ("or" and)*
    and     := unary ("and" unary)*
    unary   := "not" unary | compare
    compare := sum (("=="|"!="|"<"|"<="|">"|">=") sum | ["not"] "in" list
                    | "is" ["not"] "set")?
    sum     := product (("+"|"-") product)*
    product := atom ("*" atom)*
    atom    := INT | DATE | STRING | "true" | "false" | NAME | FUNC "(" args ")"
             | "(" expr ")"
    list    := "[" literal ("," literal)* "]"

Names are dotted paths: ``params.NAME`` is a parameter, ``derived.NAME`` a
derived fact, anything else a field of the application (``project.x``,
``establishment.district.unit_type`` reads an attribute of a code). There is no
attribute access beyond those paths, no calls beyond FUNCTIONS, no eval.

Arithmetic and functions are allowed only in derived facts (``kind="value"``);
a criterion's condition is pure matching, which is what the rule engine does.
``x is set`` / ``x is not set`` test whether an optional fact was given.
Comparisons that read a missing (optional, absent) fact are false, and so are
their negations: negation is pushed down to the comparisons (negation normal
form) so that both engines agree, and a criterion whose condition and negation
are both false is reported as undecidable rather than silently failing.

The language lives in four small modules: :mod:`~kcrules.rulefiles.cond_ast` (types,
nodes, functions), :mod:`~kcrules.rulefiles.cond_tokens` (tokenizer),
:mod:`~kcrules.rulefiles.cond_parser` (parser) and
:mod:`~kcrules.rulefiles.cond_types` (type checker). This module is their one
entry point, and turns a checked expression into its negation, a Python
predicate or the rule engine's JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kcrules.rulefiles.cond_ast import (
    FUNCTIONS,
    MAX_DEPTH,  # noqa: F401 (the limits are read from here too)
    MAX_INT,  # noqa: F401
    MAX_TEXT,  # noqa: F401
    And,
    Arith,
    Cmp,
    ConditionSyntaxError,
    Expr,
    FieldType,
    Func,
    Lit,
    Not,
    Or,
    Ref,
    _add_months,  # noqa: F401 (kcrules.testing computes dates with it)
)
from kcrules.rulefiles.cond_parser import parse

__all__ = [
    "And",
    "Cmp",
    "ConditionSyntaxError",
    "Expr",
    "FieldType",
    "Func",
    "Lit",
    "Or",
    "Ref",
    "compile_python",
    "compile_value",
    "negate",
    "parse",
    "presence_keys",
    "refs_of",
    "to_durable",
]

def refs_of(expr: Expr | tuple[Lit, ...]) -> list[str]:
    """Every name the expression reads, in order of appearance, without repeats."""
    seen: dict[str, None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, Ref):
            seen.setdefault(node.path, None)
        elif isinstance(node, Cmp):
            walk(node.left)
            walk(node.right)
        elif isinstance(node, (And, Or)):
            for item in node.items:
                walk(item)
        elif isinstance(node, Not):
            walk(node.item)
        elif isinstance(node, Arith):
            walk(node.left)
            walk(node.right)
        elif isinstance(node, Func):
            for arg in node.args:
                walk(arg)
        elif isinstance(node, tuple):
            for item in node:
                walk(item)

    walk(expr)
    return list(seen)


_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<", "in": "not in", "not in": "in",
            "is set": "is not set", "is not set": "is set"}


def negate(expr: Expr) -> Expr:
    """The negation of a boolean expression, in negation normal form."""
    if isinstance(expr, Not):
        return nnf(expr.item)
    if isinstance(expr, And):
        return Or(tuple(negate(i) for i in expr.items))
    if isinstance(expr, Or):
        return And(tuple(negate(i) for i in expr.items))
    if isinstance(expr, Cmp):
        return Cmp(_NEGATED[expr.op], expr.left, expr.right)
    if isinstance(expr, Lit):
        return Lit(not expr.value, "bool")
    if isinstance(expr, Ref):  # a bool fact
        return Cmp("==", expr, Lit(False, "bool"))
    raise TypeError(f"cannot negate {expr!r}")


def nnf(expr: Expr) -> Expr:
    """Push every ``not`` down to the comparisons; bool facts become ``x == true``."""
    if isinstance(expr, Not):
        return negate(expr.item)
    if isinstance(expr, And):
        return And(tuple(nnf(i) for i in expr.items))
    if isinstance(expr, Or):
        return Or(tuple(nnf(i) for i in expr.items))
    if isinstance(expr, Ref):
        return Cmp("==", expr, Lit(True, "bool"))
    return expr


# ---------------------------------------------------------------- compile to Python

Fact = Mapping[str, Any]

_PY_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def fact_key(path: str) -> str:
    """The flat key of a name in a fact (the rule engine matches flat JSON keys)."""
    return path.replace(".", "__")


def compile_value(expr: Expr) -> Callable[[Fact], Any]:
    """A function fact -> value for a value expression (None when a fact is missing)."""
    if isinstance(expr, Lit):
        value = expr.value
        return lambda f: value
    if isinstance(expr, Ref):
        key = fact_key(expr.path)
        return lambda f: f.get(key)
    if isinstance(expr, Arith):
        left, right = compile_value(expr.left), compile_value(expr.right)
        op = {"+": int.__add__, "-": int.__sub__, "*": int.__mul__}[expr.op]

        def arith(f: Fact) -> Any:
            a, b = left(f), right(f)
            return None if a is None or b is None else op(a, b)

        return arith
    if isinstance(expr, Func):
        impl = FUNCTIONS[expr.name][2]
        args = [compile_value(a) for a in expr.args]

        def call(f: Fact) -> Any:
            values = [a(f) for a in args]
            if any(v is None for v in values):
                return None
            try:
                return impl(*values)
            except (ValueError, OverflowError):  # a date past the calendar's end: no value
                return None

        return call
    predicate = compile_python(expr)
    return predicate


def compile_python(expr: Expr) -> Callable[[Fact], bool]:
    """A predicate fact -> bool; comparisons on a missing fact are false (see module doc)."""
    expr = nnf(expr)
    return _compile_nnf(expr)


def _compile_nnf(expr: Expr) -> Callable[[Fact], bool]:
    if isinstance(expr, And):
        parts = [_compile_nnf(i) for i in expr.items]
        return lambda f: all(p(f) for p in parts)
    if isinstance(expr, Or):
        parts = [_compile_nnf(i) for i in expr.items]
        return lambda f: any(p(f) for p in parts)
    if isinstance(expr, Lit):
        value = bool(expr.value)
        return lambda f: value
    if isinstance(expr, Cmp):
        left = compile_value(expr.left)
        if expr.op in ("is set", "is not set"):
            key = fact_key(expr.left.path)  # type: ignore[attr-defined]
            wanted = expr.op == "is set"
            return lambda f: (key in f) == wanted
        if expr.op in ("in", "not in"):
            assert isinstance(expr.right, tuple)
            members = frozenset(v.value for v in expr.right)
            inside = expr.op == "in"

            def member(f: Fact) -> bool:
                value = left(f)
                return value is not None and (value in members) == inside

            return member
        assert isinstance(expr.right, Expr)
        right = compile_value(expr.right)
        op = _PY_OPS[expr.op]

        def compare(f: Fact) -> bool:
            a, b = left(f), right(f)
            return a is not None and b is not None and op(a, b)

        return compare
    raise TypeError(f"not a condition: {expr!r}")


# ---------------------------------------------------------------- compile to durable-rules JSON

#: Prefix of the presence flags a fact carries for keys that conditions test for presence.
PRESENT = "kc__set__"
TRUE = "kc__true"  # the key every fact carries, True: what a literal true or false is compared with

_DURABLE_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def to_durable(expr: Expr, name: Callable[[str], str] | None = None) -> dict[str, Any]:
    """The durable-rules JSON expression of a condition (in negation normal form).

    Comparisons against a missing key do not match in durable-rules, which is the
    same rule compile_python follows. ``true``/``false`` literals become
    comparisons on the constant key ``kc__true`` that every fact carries.
    ``name`` gives the engine's key for each flat fact key (presence flags and
    ``kc__true`` included); by default the flat key itself.
    """
    return _durable(nnf(expr), name or _same)


def _same(key: str) -> str:
    return key


def _durable(expr: Expr, name: Callable[[str], str]) -> dict[str, Any]:
    if isinstance(expr, And):
        return {"$and": [_durable(i, name) for i in expr.items]}
    if isinstance(expr, Or):
        return {"$or": [_durable(i, name) for i in expr.items]}
    if isinstance(expr, Lit):
        return {name(TRUE): True} if expr.value else {"$neq": {name(TRUE): True}}
    if isinstance(expr, Cmp):
        if expr.op in ("is set", "is not set"):
            # durable-rules' $nex inside $or loops forever, so presence is a
            # flag the fact carries (see presence_keys), never $ex/$nex.
            key = fact_key(expr.left.path)  # type: ignore[attr-defined]
            return {name(PRESENT + key): expr.op == "is set"}
        if expr.op in ("in", "not in"):
            assert isinstance(expr.right, tuple)
            if expr.op == "in":
                return {"$or": [_cmp_durable("==", expr.left, v, name) for v in expr.right]}
            return {"$and": [_cmp_durable("!=", expr.left, v, name) for v in expr.right]}
        assert isinstance(expr.right, Expr)
        return _cmp_durable(expr.op, expr.left, expr.right, name)
    raise TypeError(f"not a condition: {expr!r}")


def _cmp_durable(op: str, left: Expr, right: Expr, name: Callable[[str], str]) -> dict[str, Any]:
    if isinstance(left, Lit) and isinstance(right, Ref):
        left, right, op = right, left, _FLIPPED[op]
    if not isinstance(left, Ref):
        # Literal against literal: decided now; keep it an engine condition anyway.
        value = _PY_OPS[op](getattr(left, "value", None), getattr(right, "value", None))
        return _durable(Lit(value, "bool"), name)
    key = fact_key(left.path)
    if isinstance(right, Lit):
        if op == "==":
            return {name(key): right.value}
        return {_DURABLE_OPS[op]: {name(key): right.value}}
    if not isinstance(right, Ref):
        raise TypeError(f"cannot compile {right!r} for the rule engine")
    other = fact_key(right.path)
    operand = {"$m": name(other)}
    if op == "==":
        # durable-rules has no equality on references: a == b is a >= b and a <= b.
        test: dict[str, Any] = {"$and": [{"$gte": {name(key): operand}}, {"$lte": {name(key): operand}}]}
    elif op == "!=":
        test = {"$or": [{"$gt": {name(key): operand}}, {"$lt": {name(key): operand}}]}
    else:
        test = {_DURABLE_OPS[op]: {name(key): operand}}
    # A reference to an absent key matches in durable-rules (unlike a literal
    # comparison), so both sides are required to exist, as in compile_python.
    return {"$and": [{name(PRESENT + key): True}, {name(PRESENT + other): True}, test]}


def presence_keys(expr: Expr | None) -> set[str]:
    """Fact keys whose presence flag (PRESENT + key) the durable form of ``expr`` reads."""
    out: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Cmp):
            if node.op in ("is set", "is not set"):
                out.add(fact_key(node.left.path))  # type: ignore[attr-defined]
            elif isinstance(node.left, Ref) and isinstance(node.right, Ref):
                out.update((fact_key(node.left.path), fact_key(node.right.path)))
        elif isinstance(node, (And, Or)):
            for item in node.items:
                walk(item)
        elif isinstance(node, Not):
            walk(node.item)

    if expr is not None:
        walk(expr)
    return out
