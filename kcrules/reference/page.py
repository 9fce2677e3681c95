"""The context of one reference page: the definition, the language, and values written without locale data.

Numbers, money and dates are formatted here rather than by babel, so the pages
are the same on every machine and a test can compare them with the committed ones.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from kcrules.reference.wording import TEXTS, WORDS
from kcrules.rulefiles.loader import LANGS, Cite, Definition, Param, ParamValue
from kcrules.text.labels import FIELD_LABELS


def _text(table: dict[str, tuple[str, str]], key: str, lang: str, **values: Any) -> str:
    text = table[key][LANGS.index(lang)]
    return text.format(**values) if values else text


def _group(n: int, sep: str) -> str:
    sign = "-" if n < 0 else ""
    digits = str(abs(n))
    parts = []
    while len(digits) > 3:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    parts.insert(0, digits)
    return sign + sep.join(parts)


def number(value: int | Fraction, lang: str) -> str:
    sep, dot = (".", ",") if lang == "vi" else (",", ".")
    if isinstance(value, Fraction) and value.denominator != 1:
        whole = int(value)
        rest = value - whole
        decimals = ""
        for _ in range(6):  # parameters have at most 4 decimals; 6 is exact for them
            rest *= 10
            decimals += str(int(rest))
            rest -= int(rest)
            if not rest:
                break
        return f"{_group(whole, sep)}{dot}{decimals}"
    return _group(int(value), sep)


def money(value: int, lang: str) -> str:
    return f"{number(value, 'vi')} ₫" if lang == "vi" else f"₫{number(value, 'en')}"


def date(value: dt.date, lang: str) -> str:
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()


def percent(value: Fraction, lang: str) -> str:
    return f"{number(value * 100, lang)}%"


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def mermaid(text: str) -> str:
    """Text safe inside a quoted Mermaid label."""
    return (text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("#lt;br/#gt;", "<br/>"))


class Page:
    """One page being written: the rulebook definition, the language, and how values read in it."""

    def __init__(self, d: Definition, lang: str) -> None:
        self.d = d
        self.lang = lang
        self.i = LANGS.index(lang)

    def t(self, key: str, **values: Any) -> str:
        return _text(TEXTS, key, self.lang, **values)

    def w(self, key: str, **values: Any) -> str:
        return _text(WORDS, key, self.lang, **values)

    # -- values

    def value(self, unit: str, value: Any) -> str:
        lang = self.lang
        if unit == "vnd":
            return money(value, lang)
        if unit == "percent":
            return percent(value, lang)
        if unit == "date":
            return date(dt.date.fromordinal(value), lang)
        return number(value, lang)

    def badge(self, provenance: str) -> str:
        return f" **{self.w(provenance)}**" if provenance in ("guidance", "assumption") else ""

    def validity(self, pv: ParamValue) -> str:
        a = date(pv.start, self.lang)
        if pv.until is None:
            return self.w("from", a=a)
        return self.w("from_until", a=a, b=date(pv.until, self.lang))

    def cite(self, c: Cite | None) -> str:
        return c.text(self.lang) if c else "—"

    def param_inline(self, p: Param) -> str:
        """A parameter named in a sentence: linked label and its values, badges on guidance and assumptions."""
        values = []
        for pv in p.values:
            text = self.value(p.unit, pv.value)
            if len(p.values) > 1:
                text += f" {self.validity(pv)}"
            values.append(text + self.badge(pv.provenance))
        return f"[{p.label[self.lang]}](#param-{p.id}) ({'; '.join(values)})"

    def param_short(self, p: Param) -> str:
        """A parameter's values for a diagram: one value, or the values in date order."""
        marks = "⚠" if any(v.provenance in ("guidance", "assumption") for v in p.values) else ""
        return " → ".join(self.value(p.unit, v.value) for v in p.values) + (f" {marks}" if marks else "")

    # -- names

    def field(self, path: str) -> str:
        return FIELD_LABELS[path][self.i] if path in FIELD_LABELS else path

    def code_label(self, table: str | None, code: str) -> str:
        if table == "activity":
            act = self.d.activities.get(code)
            return act.label[self.lang] if act else code
        tbl = self.d.codes.get(table or "")
        if tbl and code in tbl.values:
            return tbl.values[code].label[self.lang]
        return code

    def attr_value(self, spec: tuple[str, bool, str | None] | None, value: Any) -> str:
        if spec is None:
            return str(value)
        kind, _, table = spec
        if kind == "bool":
            return self.w("yes" if value else "no")
        if kind == "date" and isinstance(value, int):
            return date(dt.date.fromordinal(value), self.lang)
        if kind == "code":
            return self.code_label(table, value)
        return str(value)
