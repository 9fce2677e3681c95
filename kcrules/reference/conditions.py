"""A parsed condition on a reference page: the shared sentence writer, with names linked and their codes shown."""

from __future__ import annotations

import datetime as dt

from kcrules.reference.page import Page, date, money, number
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.fields import CODE_FIELDS
from kcrules.text import conditions as plain
from kcrules.text.labels import FIELD_LABELS


class PageVoice(plain.Voice):
    """A reference page's voice: a name links to its section and shows its code; values without locale data."""

    def __init__(self, page: Page) -> None:
        super().__init__(page.lang)
        self.page = page

    def name(self, ref: cond.Ref) -> str:
        page = self.page
        path = ref.path
        if path.startswith("params."):
            return page.param_inline(page.d.params[path[7:]])
        if path.startswith("derived."):
            der = page.d.derived[path[8:]]
            return f"[{der.label[page.lang]}](#derived-{der.id})"
        if path in CODE_FIELDS or path in FIELD_LABELS:
            return f"{page.field(path)} (`{path}`)"
        found = plain.attribute_words(page.d, path, page.lang)
        base, _, attr = path.rpartition(".")
        field, attr = found if found is not None else (page.field(base), attr.replace("_", " "))
        return f"{field} → {attr} (`{path}`)"

    def literal(self, lit: cond.Lit, other: cond.Expr | None) -> str:
        page = self.page
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


def words(page: Page, expr: cond.Expr) -> str:
    """A condition as a sentence, read the way both engines read it (negation pushed down)."""
    return plain.sentence(PageVoice(page), expr)


def term(page: Page, e: cond.Expr) -> str:
    """A term of a condition (a derived fact's formula) in words."""
    return plain.term(PageVoice(page), e)


def _unit(page: Page, ref: cond.Ref) -> str | None:
    if ref.path.startswith("params."):
        return page.d.params[ref.path[7:]].unit
    return None
