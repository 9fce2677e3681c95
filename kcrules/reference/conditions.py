"""A parsed condition in plain words, read the way both engines read it (negation pushed down)."""

from __future__ import annotations

import datetime as dt

from kcrules.reference.page import Page, date, money, number
from kcrules.reference.wording import ATTRIBUTE_LABELS
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.fields import CODE_FIELDS
from kcrules.text.labels import FIELD_LABELS


def words(page: Page, expr: cond.Expr) -> str:
    """A condition as a sentence, read the way both engines read it (negation pushed down)."""
    return _words(page, cond.nnf(expr), None)


def _words(page: Page, e: cond.Expr, parent: str | None) -> str:
    if isinstance(e, (cond.And, cond.Or)):
        kind = "and" if isinstance(e, cond.And) else "or"
        text = f" {page.w(kind)} ".join(_words(page, i, kind) for i in e.items)
        return f"({text})" if parent is not None else text
    if isinstance(e, cond.Lit) and e.type == "bool":
        return page.w("always" if e.value else "never")
    if isinstance(e, cond.Cmp):
        return compare(page, e)
    return term(page, e)


def compare(page: Page, e: cond.Cmp) -> str:
    """A comparison in words; a literal on the left is turned to the right."""
    if e.op in ("is set", "is not set"):
        assert isinstance(e.left, cond.Ref)
        return page.w("is_set" if e.op == "is set" else "is_not_set", x=name(page, e.left))
    if e.op in ("in", "not in"):
        assert isinstance(e.right, tuple)
        values = ", ".join(literal(page, v, e.left) for v in e.right)
        return page.w(e.op, x=term(page, e.left), v=values)
    assert isinstance(e.right, cond.Expr)
    left, right = e.left, e.right
    if isinstance(left, cond.Lit) and isinstance(right, cond.Ref):
        flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
        left, right, op = right, left, flipped.get(e.op, e.op)
    else:
        op = e.op
    if isinstance(right, cond.Lit) and right.type == "bool" and op in ("==", "!="):
        yes = bool(right.value) == (op == "==")
        return f"{term(page, left)}: {page.w('yes' if yes else 'no')}"
    key = f"date{op}" if left.type == "date" and op not in ("==", "!=") else op
    return page.w(key, x=term(page, left, right), y=term(page, right, left))


def term(page: Page, e: cond.Expr, other: cond.Expr | None = None) -> str:
    """A term of a condition (field, literal, function, arithmetic) in words."""
    if isinstance(e, cond.Ref):
        return name(page, e)
    if isinstance(e, cond.Lit):
        return literal(page, e, other)
    if isinstance(e, cond.Func):
        args = [term(page, a) for a in e.args]
        return page.w(f"fn.{e.name}").format(*args)
    if isinstance(e, cond.Arith):
        sign = {"+": "+", "-": "−", "*": "×"}[e.op]
        return f"{term(page, e.left)} {sign} {term(page, e.right)}"
    return _words(page, e, "and")


def name(page: Page, ref: cond.Ref) -> str:
    """What a condition names (a field, a code attribute, a parameter, a derived fact) in words."""
    path = ref.path
    if path.startswith("params."):
        return page.param_inline(page.d.params[path[7:]])
    if path.startswith("derived."):
        der = page.d.derived[path[8:]]
        return f"[{der.label[page.lang]}](#derived-{der.id})"
    if path in CODE_FIELDS or path in FIELD_LABELS:
        return f"{page.field(path)} (`{path}`)"
    base, _, attr = path.rpartition(".")
    table = CODE_FIELDS.get(base)
    words = ATTRIBUTE_LABELS.get((table or "", attr))
    if words is not None:
        attr_label = words[page.i]
    else:
        spec = page.d.codes[table].attributes.get(attr) if table in page.d.codes else None
        target = page.d.codes.get(spec[2] or "") if spec else None
        attr_label = target.label[page.lang].lower() if target else attr.replace("_", " ")
    return f"{page.field(base)} → {attr_label} (`{path}`)"


def literal(page: Page, lit: cond.Lit, other: cond.Expr | None) -> str:
    """A literal of a condition, written as the value it is compared with reads."""
    if lit.type == "bool":
        return page.w("yes" if lit.value else "no")
    if lit.type == "date":
        return date(dt.date.fromordinal(lit.value), page.lang)
    if lit.type == "int":
        if isinstance(other, cond.Ref) and (other.path.endswith("_vnd") or _unit(page, other) == "vnd"):
            return money(lit.value, page.lang)
        return number(lit.value, page.lang)
    table = other.ftype.table if isinstance(other, cond.Ref) else None
    return f"“{page.code_label(table, lit.value)}”"


def _unit(page: Page, ref: cond.Ref) -> str | None:
    if ref.path.startswith("params."):
        return page.d.params[ref.path[7:]].unit
    return None
