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
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

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

MAX_TEXT = 2000
MAX_DEPTH = 40
MAX_INT = 10**18

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\w-])
  | (?P<int>\d[\d_]*)(?![\w.])
  | (?P<str>"[^"\\\n]*"|'[^'\\\n]*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,|\+|-|\*)
    """,
    re.VERBOSE,
)

_KEYWORDS = {"and", "or", "not", "in", "is", "set", "true", "false"}


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


# ---------------------------------------------------------------- the AST


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


def _full_years_between(start: int, end: int) -> int:
    """Whole years from day ordinal ``start`` to ``end`` (negative if end < start)."""
    a, b = _dt.date.fromordinal(start), _dt.date.fromordinal(end)
    years = b.year - a.year - ((b.month, b.day) < (a.month, a.day))
    return years


def _end_of_previous_year(day: int) -> int:
    return _dt.date(_dt.date.fromordinal(day).year - 1, 12, 31).toordinal()


def _year(day: int) -> int:
    return _dt.date.fromordinal(day).year


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


# ---------------------------------------------------------------- parsing


class _Parser:
    def __init__(self, text: str, resolve: Callable[[str], FieldType | None], kind: str):
        self.text = text
        self.resolve = resolve
        self.kind = kind
        self.tokens: list[tuple[str, str, int]] = []
        self.i = 0
        self.depth = 0
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:
                raise ConditionSyntaxError(f"unexpected character {text[pos]!r}", text, pos)
            if m.lastgroup != "ws":
                self.tokens.append((m.lastgroup or "", m.group(), pos))
            pos = m.end()
        self.tokens.append(("end", "", len(text)))

    def error(self, message: str) -> ConditionSyntaxError:
        return ConditionSyntaxError(message, self.text, self.tokens[self.i][2])

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        if value is not None and tok[1] != value:
            shown = tok[1] or "end of condition"
            raise self.error(f"expected {value!r}, found {shown!r}")
        self.i += 1
        return tok

    def at(self, value: str) -> bool:
        kind, text, _ = self.tokens[self.i]
        return text == value and kind in ("op", "name")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"condition nested deeper than {MAX_DEPTH} levels")

    def parse(self) -> Expr:
        expr = self.parse_or()
        if self.peek()[0] != "end":
            raise self.error(f"unexpected {self.peek()[1]!r}")
        return expr

    def parse_or(self) -> Expr:
        self.enter()
        items = [self.parse_and()]
        while self.at("or"):
            self.take()
            items.append(self.parse_and())
        self.depth -= 1
        if len(items) > 1:
            for item in items:
                self.need(item, "bool", "operand of 'or'")
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Expr:
        items = [self.parse_unary()]
        while self.at("and"):
            self.take()
            items.append(self.parse_unary())
        if len(items) > 1:
            for item in items:
                self.need(item, "bool", "operand of 'and'")
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self) -> Expr:
        if self.at("not"):
            self.take()
            self.enter()
            item = self.parse_unary()
            self.depth -= 1
            self.need(item, "bool", "operand of 'not'")
            return Not(item)
        return self.parse_compare()

    def parse_compare(self) -> Expr:
        left = self.parse_sum()
        kind, text, _ = self.peek()
        if text in ("==", "!=", "<", "<=", ">", ">=") and kind == "op":
            self.take()
            right = self.parse_sum()
            return self.check_compare(text, left, right)
        if self.at("is"):
            self.take()
            op = "is set"
            if self.at("not"):
                self.take()
                op = "is not set"
            self.take("set")
            if not isinstance(left, Ref):
                raise self.error("'is set' tests a name, not a value")
            return Cmp(op, left, ())
        if self.at("in") or (self.at("not") and self.tokens[self.i + 1][1] == "in"):
            op = "in"
            if self.at("not"):
                self.take()
                op = "not in"
            self.take("in")
            values = self.parse_list()
            return self.check_in(op, left, values)
        return left

    def parse_list(self) -> tuple[Lit, ...]:
        self.take("[")
        values = [self.parse_literal()]
        while self.at(","):
            self.take()
            values.append(self.parse_literal())
        self.take("]")
        return tuple(values)

    def parse_literal(self) -> Lit:
        atom = self.parse_atom()
        if not isinstance(atom, Lit):
            raise self.error("a list holds literal values only")
        return atom

    def parse_sum(self) -> Expr:
        left = self.parse_product()
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            op = self.take()[1]
            right = self.parse_product()
            left = self.arith(op, left, right)
        return left

    def parse_product(self) -> Expr:
        left = self.parse_atom()
        while self.peek()[1] == "*" and self.peek()[0] == "op":
            self.take()
            right = self.parse_atom()
            left = self.arith("*", left, right)
        return left

    def arith(self, op: str, left: Expr, right: Expr) -> Expr:
        if self.kind != "value":
            raise self.error("arithmetic belongs in a derived fact, not in a condition")
        self.need(left, "int", f"left of {op!r}")
        self.need(right, "int", f"right of {op!r}")
        return Arith(op, left, right)

    def parse_atom(self) -> Expr:
        kind, text, pos = self.peek()
        if kind == "int":
            self.take()
            value = int(text.replace("_", ""))
            if value > MAX_INT:
                raise ConditionSyntaxError(f"number {text} is larger than {MAX_INT}", self.text, pos)
            return Lit(value, "int")
        if kind == "date":
            self.take()
            try:
                return Lit(_dt.date.fromisoformat(text).toordinal(), "date")
            except ValueError:
                raise ConditionSyntaxError(f"{text} is not a real date", self.text, pos) from None
        if kind == "str":
            self.take()
            return Lit(text[1:-1], "str")
        if kind == "op" and text == "(":
            self.take()
            self.enter()
            inner = self.parse_or()
            self.depth -= 1
            self.take(")")
            return inner
        if kind == "op" and text == "-":
            self.take()
            inner = self.parse_atom()
            if isinstance(inner, Lit) and inner.type == "int":
                return Lit(-inner.value, "int")
            raise ConditionSyntaxError("'-' goes before a number only", self.text, pos)
        if kind == "name":
            self.take()
            if text in ("true", "false"):
                return Lit(text == "true", "bool")
            if text in _KEYWORDS:
                raise ConditionSyntaxError(f"unexpected {text!r}", self.text, pos)
            if self.peek()[1] == "(":
                return self.call(text, pos)
            return self.ref(text, pos)
        shown = text or "end of condition"
        raise ConditionSyntaxError(f"unexpected {shown!r}", self.text, pos)

    def call(self, name: str, pos: int) -> Expr:
        if name not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise ConditionSyntaxError(f"unknown function {name!r} (allowed: {allowed})", self.text, pos)
        if self.kind != "value":
            raise ConditionSyntaxError("functions belong in a derived fact, not in a condition", self.text, pos)
        argtypes, result, _ = FUNCTIONS[name]
        self.take("(")
        args = [self.parse_sum()]
        while self.at(","):
            self.take()
            args.append(self.parse_sum())
        self.take(")")
        if len(args) != len(argtypes):
            raise ConditionSyntaxError(f"{name}() takes {len(argtypes)} arguments, got {len(args)}", self.text, pos)
        for arg, want in zip(args, argtypes):
            self.need(arg, want, f"argument of {name}()")
        return Func(name, tuple(args), result)

    def ref(self, path: str, pos: int) -> Ref:
        if "__" in path or path.startswith("_"):
            raise ConditionSyntaxError(f"names may not start with '_' or contain '__': {path!r}", self.text, pos)
        ftype = self.resolve(path)
        if ftype is None:
            raise ConditionSyntaxError(f"unknown name {path!r}", self.text, pos)
        return Ref(path, ftype.kind, ftype)

    def need(self, expr: Expr, want: str, what: str) -> None:
        if _kind(expr) != want:
            raise self.error(f"{what} must be {want}, not {_kind(expr)}")

    def check_compare(self, op: str, left: Expr, right: Expr) -> Cmp:
        lk, rk = _kind(left), _kind(right)
        if lk != rk:
            raise self.error(f"cannot compare {lk} with {rk}")
        if op not in ("==", "!=") and lk not in ("int", "date"):
            raise self.error(f"{op!r} compares numbers or dates, not {lk}")
        for side, other in ((left, right), (right, left)):
            if isinstance(side, Ref) and isinstance(other, Lit):
                self.check_code(side, other)
        return Cmp(op, left, right)

    def check_in(self, op: str, left: Expr, values: tuple[Lit, ...]) -> Cmp:
        for value in values:
            if _kind(value) != _kind(left):
                raise self.error(f"list value {value.value!r} is {_kind(value)}, not {_kind(left)}")
            if isinstance(left, Ref):
                self.check_code(left, value)
        return Cmp(op, left, values)

    def check_code(self, ref: Ref, lit: Lit) -> None:
        allowed = ref.ftype.values
        if ref.type in ("code", "str") and allowed and lit.value not in allowed:
            from kcrules.util.words import suggest

            hint = suggest(str(lit.value), allowed)
            extra = f"; did you mean {hint!r}?" if hint else ""
            raise self.error(
                f"{lit.value!r} is not a code of {ref.path} (allowed: {', '.join(allowed)}){extra}"
            )


def _kind(expr: Expr) -> str:
    kind = expr.type
    return "str" if kind == "code" else kind


def parse(text: str, resolve: Callable[[str], FieldType | None], kind: str = "condition") -> Expr:
    """Parse and type-check ``text``; ``kind`` is ``condition`` (bool) or ``value``."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionSyntaxError("empty condition", str(text))
    if len(text) > MAX_TEXT:
        raise ConditionSyntaxError(f"condition longer than {MAX_TEXT} characters", text[:60] + "…")
    parser = _Parser(text, resolve, kind)
    expr = parser.parse()
    if kind == "condition" and _kind(expr) != "bool":
        raise ConditionSyntaxError(f"a condition must be true or false, this is {_kind(expr)}", text)
    return expr


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

_DURABLE_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def to_durable(expr: Expr) -> dict[str, Any]:
    """The durable-rules JSON expression of a condition (in negation normal form).

    Comparisons against a missing key do not match in durable-rules, which is the
    same rule compile_python follows. ``true``/``false`` literals become
    comparisons on the constant key ``kc__true`` that every fact carries.
    """
    return _durable(nnf(expr))


def _durable(expr: Expr) -> dict[str, Any]:
    if isinstance(expr, And):
        return {"$and": [_durable(i) for i in expr.items]}
    if isinstance(expr, Or):
        return {"$or": [_durable(i) for i in expr.items]}
    if isinstance(expr, Lit):
        return {"kc__true": True} if expr.value else {"$neq": {"kc__true": True}}
    if isinstance(expr, Cmp):
        if expr.op in ("is set", "is not set"):
            # durable-rules' $nex inside $or loops forever, so presence is a
            # flag the fact carries (see presence_keys), never $ex/$nex.
            key = fact_key(expr.left.path)  # type: ignore[attr-defined]
            return {PRESENT + key: expr.op == "is set"}
        if expr.op in ("in", "not in"):
            assert isinstance(expr.right, tuple)
            if expr.op == "in":
                return {"$or": [_cmp_durable("==", expr.left, v) for v in expr.right]}
            return {"$and": [_cmp_durable("!=", expr.left, v) for v in expr.right]}
        assert isinstance(expr.right, Expr)
        return _cmp_durable(expr.op, expr.left, expr.right)
    raise TypeError(f"not a condition: {expr!r}")


def _cmp_durable(op: str, left: Expr, right: Expr) -> dict[str, Any]:
    if isinstance(left, Lit) and isinstance(right, Ref):
        left, right, op = right, left, _FLIPPED[op]
    if not isinstance(left, Ref):
        # Literal against literal: decided now; keep it an engine condition anyway.
        value = _PY_OPS[op](getattr(left, "value", None), getattr(right, "value", None))
        return _durable(Lit(value, "bool"))
    key = fact_key(left.path)
    if isinstance(right, Lit):
        if op == "==":
            return {key: right.value}
        return {_DURABLE_OPS[op]: {key: right.value}}
    if not isinstance(right, Ref):
        raise TypeError(f"cannot compile {right!r} for the rule engine")
    other = fact_key(right.path)
    operand = {"$m": other}
    if op == "==":
        # durable-rules has no equality on references: a == b is a >= b and a <= b.
        test: dict[str, Any] = {"$and": [{"$gte": {key: operand}}, {"$lte": {key: operand}}]}
    elif op == "!=":
        test = {"$or": [{"$gt": {key: operand}}, {"$lt": {key: operand}}]}
    else:
        test = {_DURABLE_OPS[op]: {key: operand}}
    # A reference to an absent key matches in durable-rules (unlike a literal
    # comparison), so both sides are required to exist, as in compile_python.
    return {"$and": [{PRESENT + key: True}, {PRESENT + other: True}, test]}


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
