"""The condition language's parser: recursive descent over the tokens, type-checked as it goes.

Takes a condition's text, the rulebook's resolver of names and the kind of text
(``condition``: true or false, matching only; ``value``: a derived fact, with
arithmetic and functions); gives the checked expression (see
:mod:`kcrules.rulefiles.cond_ast`), or raises :class:`ConditionSyntaxError` with
the column at fault. The grammar is in :mod:`kcrules.rulefiles.conditions`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar

from kcrules.rulefiles import cond_types as types
from kcrules.rulefiles.cond_ast import (
    MAX_DEPTH,
    MAX_TEXT,
    And,
    ConditionSyntaxError,
    Expr,
    Lit,
    Not,
    Or,
)
from kcrules.rulefiles.cond_tokens import KEYWORDS, Token, tokenize

_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
T = TypeVar("T")


class Parser:
    def __init__(self, text: str, resolve: types.Resolve, kind: str):
        self.text = text
        self.resolve = resolve
        self.kind = kind
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    # -- reading tokens

    def error(self, message: str, pos: int | None = None) -> ConditionSyntaxError:
        return ConditionSyntaxError(message, self.text, self.tokens[self.i].pos if pos is None else pos)

    def checked(self, check: Callable[..., T], *args: object, pos: int | None = None) -> T:
        """Run a type check; a broken type rule is reported at ``pos`` (default: the current token)."""
        try:
            return check(*args)
        except types.Mistyped as err:
            raise self.error(err.message, pos) from None

    def fail(self, message: str, pos: int | None = None) -> NoReturn:
        raise self.error(message, pos)

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self, value: str | None = None) -> Token:
        tok = self.tokens[self.i]
        if value is not None and tok.text != value:
            shown = tok.text or "end of condition"
            self.fail(f"expected {value!r}, found {shown!r}")
        self.i += 1
        return tok

    def at(self, value: str) -> bool:
        tok = self.tokens[self.i]
        return tok.text == value and tok.kind in ("op", "name")

    def at_op(self, *values: str) -> bool:
        tok = self.tokens[self.i]
        return tok.kind == "op" and tok.text in values

    def enter(self) -> None:
        """Open one level of nesting: a parenthesis, a 'not', a '-' or a function call."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"condition nested deeper than {MAX_DEPTH} levels (each parenthesis, 'not', '-' "
                      "and function call opens one)")

    # -- the grammar, lowest precedence first

    def parse(self) -> Expr:
        expr = self.parse_or()
        if self.peek().kind != "end":
            self.fail(f"unexpected {self.peek().text!r}")
        return expr

    def parse_or(self) -> Expr:
        items = [self.parse_and()]
        while self.at("or"):
            self.take()
            items.append(self.parse_and())
        return self.joined(Or, "or", items)

    def parse_and(self) -> Expr:
        items = [self.parse_unary()]
        while self.at("and"):
            self.take()
            items.append(self.parse_unary())
        return self.joined(And, "and", items)

    def joined(self, node: type[And | Or], word: str, items: list[Expr]) -> Expr:
        if len(items) == 1:
            return items[0]
        for item in items:
            self.checked(types.need, item, "bool", f"operand of '{word}'")
        return node(tuple(items))

    def parse_unary(self) -> Expr:
        if self.at("not"):
            self.take()
            self.enter()
            item = self.parse_unary()
            self.depth -= 1
            self.checked(types.need, item, "bool", "operand of 'not'")
            return Not(item)
        return self.parse_compare()

    def parse_compare(self) -> Expr:
        left = self.parse_sum()
        if self.at_op(*_COMPARISONS):
            op = self.take().text
            right = self.parse_sum()
            return self.checked(types.compare, op, left, right)
        if self.at("is"):
            self.take()
            op = "is set"
            if self.at("not"):
                self.take()
                op = "is not set"
            self.take("set")
            return self.checked(types.presence, op, left)
        if self.at("in") or (self.at("not") and self.tokens[self.i + 1].text == "in"):
            op = "in"
            if self.at("not"):
                self.take()
                op = "not in"
            self.take("in")
            values = self.parse_list()
            return self.checked(types.membership, op, left, values)
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
            self.fail("a list holds literal values only")
        return atom

    def parse_sum(self) -> Expr:
        left = self.parse_product()
        while self.at_op("+", "-"):
            op = self.take().text
            right = self.parse_product()
            left = self.checked(types.arith, self.kind, op, left, right)
        return left

    def parse_product(self) -> Expr:
        left = self.parse_atom()
        while self.at_op("*"):
            self.take()
            right = self.parse_atom()
            left = self.checked(types.arith, self.kind, "*", left, right)
        return left

    def parse_atom(self) -> Expr:
        kind, text, pos = self.peek()
        if kind in ("int", "date", "str"):
            self.take()
            if kind == "str":
                return Lit(text[1:-1], "str")
            return self.checked(types.integer if kind == "int" else types.date, text, pos=pos)
        if kind == "op" and text == "(":
            self.take()
            self.enter()
            inner = self.parse_or()
            self.depth -= 1
            self.take(")")
            return inner
        if kind == "op" and text == "-":
            self.take()
            self.enter()
            inner = self.parse_atom()
            self.depth -= 1
            return self.checked(types.negative, inner, pos=pos)
        if kind == "name":
            return self.parse_name(text, pos)
        self.fail(f"unexpected {text or 'end of condition'!r}", pos)

    def parse_name(self, text: str, pos: int) -> Expr:
        self.take()
        if text in ("true", "false"):
            return Lit(text == "true", "bool")
        if text in KEYWORDS:
            self.fail(f"unexpected {text!r}", pos)
        if self.peek().text == "(":
            return self.parse_call(text, pos)
        return self.checked(types.reference, text, self.resolve, pos=pos)

    def parse_call(self, name: str, pos: int) -> Expr:
        self.checked(types.function, name, self.kind, pos=pos)
        self.take("(")
        self.enter()
        args = [self.parse_sum()]
        while self.at(","):
            self.take()
            args.append(self.parse_sum())
        self.depth -= 1
        self.take(")")
        self.checked(types.arity, name, args, pos=pos)
        return self.checked(types.call, name, args)


def parse(text: str, resolve: types.Resolve, kind: str = "condition") -> Expr:
    """Parse and type-check ``text``; ``kind`` is ``condition`` (bool) or ``value``."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionSyntaxError("empty condition", str(text))
    if len(text) > MAX_TEXT:
        raise ConditionSyntaxError(f"condition longer than {MAX_TEXT} characters", text[:60] + "…")
    expr = Parser(text, resolve, kind).parse()
    try:
        types.result(expr, kind)
    except types.Mistyped as err:
        raise ConditionSyntaxError(err.message, text) from None
    return expr
