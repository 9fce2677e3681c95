"""A parsed condition in plain words: the one sentence writer behind the rule reference and a decision's reasons.

The shape of a sentence (and, or, comparisons, functions) is written here, read
the way both engines read a condition (negation pushed down). How a name or a
literal reads is the caller's: a :class:`Voice`. The rule reference links a name
to its section and shows its code (``reference/conditions.py``); a decision's
reasons and ``kcrules rules show`` name things by their labels only
(:class:`PlainVoice`), so a person never reads ``project.machinery_new == true``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.codes import code_label
from kcrules.rulefiles.fields import CODE_FIELDS
from kcrules.rulefiles.loader import LANGS, Definition
from kcrules.text import i18n
from kcrules.text.labels import FIELD_LABELS

__all__ = ["ATTRIBUTE_LABELS", "CONDITION_WORDS", "PlainVoice", "Voice", "attribute_words", "day", "plain_name",
           "sentence", "term"]

#: Plain names of code attributes (table, attribute); a code-valued attribute
#: otherwise takes the label of the table it points to.
ATTRIBUTE_LABELS: dict[tuple[str, str], tuple[str, str]] = {
    ("establishment_kind", "cnnt_form"): ("là hình thức cơ sở CNNT", "is a rural-industry legal form"),
    ("sector", "listed"): ("thuộc danh mục ngành nghề NĐ 45/2012 Điều 5 khoản 1",
                           "is in the sector list of NĐ 45/2012 Article 5(1)"),
    ("sector", "group_a"): ("thuộc nhóm ưu tiên a (NĐ 45/2012 Điều 6 khoản 2 điểm a)",
                            "is in priority group a (NĐ 45/2012 Article 6(2)(a))"),
    ("sector", "letter"): ("điểm của NĐ 45/2012 Điều 5 khoản 1", "point of NĐ 45/2012 Article 5(1)"),
    ("district", "unit_type"): ("loại đơn vị hành chính", "kind of district-level unit"),
    ("district", "converted_ward"): ("có phường mới chuyển từ xã", "has wards recently converted from communes"),
    ("district", "gso"): ("mã đơn vị hành chính", "statistics office code"),
    ("product_line", "hanoi_priority"): ("là ngành Hà Nội ưu tiên (QĐ 4892 §II.2.1)",
                                         "is a line Hanoi favours (QĐ 4892 §II.2.1)"),
    ("product_line", "handicraft"): ("là hàng thủ công mỹ nghệ (QĐ 4892 §II.2.1)",
                                     "is a handicraft line (QĐ 4892 §II.2.1)"),
    ("province", "region"): ("vùng kinh tế - xã hội", "socio-economic region"),
    ("province", "gso"): ("mã tỉnh", "statistics office province code"),
    ("province", "classified_differently"): ("được các văn bản xếp vùng khác nhau",
                                             "is classified differently by different texts"),
    ("region", "master_plan"): ("quy hoạch tổng thể vùng", "regional master plan"),
}

#: The words a condition is written with, (vi, en) by key.
CONDITION_WORDS: dict[str, tuple[str, str]] = {
    "and": ("và", "and"),
    "or": ("hoặc", "or"),
    "yes": ("có", "yes"),
    "no": ("không", "no"),
    "always": ("luôn đúng", "always"),
    "never": ("không bao giờ", "never"),
    "is_set": ("có khai {x}", "{x} is given"),
    "is_not_set": ("không khai {x}", "{x} is not given"),
    "in": ("{x} là một trong: {v}", "{x} is one of: {v}"),
    "not in": ("{x} không phải là: {v}", "{x} is none of: {v}"),
    "==": ("{x} là {y}", "{x} is {y}"),
    "!=": ("{x} không phải là {y}", "{x} is not {y}"),
    "<": ("{x} nhỏ hơn {y}", "{x} is less than {y}"),
    "<=": ("{x} không quá {y}", "{x} is at most {y}"),
    ">": ("{x} lớn hơn {y}", "{x} is more than {y}"),
    ">=": ("{x} từ {y} trở lên", "{x} is at least {y}"),
    "date<": ("{x} trước ngày {y}", "{x} is before {y}"),
    "date<=": ("{x} không sau ngày {y}", "{x} is on or before {y}"),
    "date>": ("{x} sau ngày {y}", "{x} is after {y}"),
    "date>=": ("{x} từ ngày {y} trở đi", "{x} is on or after {y}"),
    "fn.add_months": ("{0} cộng {1} tháng", "{0} plus {1} months"),
    "fn.add_years": ("{0} cộng {1} năm", "{0} plus {1} years"),
    "fn.end_of_previous_year": ("ngày 31/12 của năm trước năm của {0}", "31 December of the year before {0}"),
    "fn.full_years_between": ("số năm tròn từ {0} đến {1}", "whole years from {0} to {1}"),
    "fn.days_between": ("số ngày từ {0} đến {1}", "days from {0} to {1}"),
    "fn.year": ("năm của {0}", "the year of {0}"),
    "fn.min": ("số nhỏ hơn trong {0} và {1}", "the smaller of {0} and {1}"),
    "fn.max": ("số lớn hơn trong {0} và {1}", "the larger of {0} and {1}"),
}


class Voice:
    """How one kind of text names things and writes literals; the sentence's shape is :func:`sentence`'s."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.i = LANGS.index(lang)

    def w(self, key: str, **values: Any) -> str:
        text = CONDITION_WORDS[key][self.i]
        return text.format(**values) if values else text

    def name(self, ref: cond.Ref) -> str:
        raise NotImplementedError

    def literal(self, lit: cond.Lit, other: cond.Expr | None) -> str:
        raise NotImplementedError


def sentence(voice: Voice, expr: cond.Expr) -> str:
    """A condition as a sentence, read the way both engines read it (negation pushed down)."""
    return _words(voice, cond.nnf(expr), None)


def _words(voice: Voice, e: cond.Expr, parent: str | None) -> str:
    if isinstance(e, (cond.And, cond.Or)):
        kind = "and" if isinstance(e, cond.And) else "or"
        text = f" {voice.w(kind)} ".join(_words(voice, i, kind) for i in e.items)
        return f"({text})" if parent is not None else text
    if isinstance(e, cond.Lit) and e.type == "bool":
        return voice.w("always" if e.value else "never")
    if isinstance(e, cond.Cmp):
        return _compare(voice, e)
    return term(voice, e)


def _compare(voice: Voice, e: cond.Cmp) -> str:
    """A comparison in words; a literal on the left is turned to the right."""
    if e.op in ("is set", "is not set"):
        assert isinstance(e.left, cond.Ref)
        return voice.w("is_set" if e.op == "is set" else "is_not_set", x=voice.name(e.left))
    if e.op in ("in", "not in"):
        assert isinstance(e.right, tuple)
        values = ", ".join(voice.literal(v, e.left) for v in e.right)
        return voice.w(e.op, x=term(voice, e.left), v=values)
    assert isinstance(e.right, cond.Expr)
    left, right = e.left, e.right
    if isinstance(left, cond.Lit) and isinstance(right, cond.Ref):
        flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
        left, right, op = right, left, flipped.get(e.op, e.op)
    else:
        op = e.op
    if isinstance(right, cond.Lit) and right.type == "bool" and op in ("==", "!="):
        yes = bool(right.value) == (op == "==")
        return f"{term(voice, left)}: {voice.w('yes' if yes else 'no')}"
    key = f"date{op}" if left.type == "date" and op not in ("==", "!=") else op
    x, y = term(voice, left, right), term(voice, right, left)
    words = CONDITION_WORDS[key][voice.i]
    if "ngày {y}" in words and y.casefold().startswith("ngày "):
        # a date named "Ngày …" (a parameter's label) is not written "ngày Ngày …"
        words, y = words.replace("ngày {y}", "{y}"), y[0].lower() + y[1:]
    return words.format(x=x, y=y)


def term(voice: Voice, e: cond.Expr, other: cond.Expr | None = None) -> str:
    """A term of a condition (field, literal, function, arithmetic) in words."""
    if isinstance(e, cond.Ref):
        return voice.name(e)
    if isinstance(e, cond.Lit):
        return voice.literal(e, other)
    if isinstance(e, cond.Func):
        args = [term(voice, a) for a in e.args]
        return voice.w(f"fn.{e.name}").format(*args)
    if isinstance(e, cond.Arith):
        sign = {"+": "+", "-": "−", "*": "×"}[e.op]
        return f"{term(voice, e.left)} {sign} {term(voice, e.right)}"
    return _words(voice, e, "and")


def attribute_words(d: Definition, path: str, lang: str) -> tuple[str, str] | None:
    """A code attribute's field and attribute in words (``establishment.district.unit_type`` →
    ("Huyện nơi cơ sở sản xuất", "loại đơn vị hành chính")), or None when ``path`` is no code attribute."""
    base, _, attr = path.rpartition(".")
    table = CODE_FIELDS.get(base)
    if table is None:
        return None
    i = LANGS.index(lang)
    field = FIELD_LABELS[base][i] if base in FIELD_LABELS else base
    words = ATTRIBUTE_LABELS.get((table, attr))
    if words is not None:
        return field, words[i]
    spec = d.codes[table].attributes.get(attr) if table in d.codes else None
    target = d.codes.get(spec[2] or "") if spec else None
    return field, target.label[lang].lower() if target else attr.replace("_", " ")


class PlainVoice(Voice):
    """Names by their labels only, values as a reader writes them: the voice of reports.

    ``param`` writes a parameter (given its id): its value in force in a
    decision's reasons, its label and levels in ``kcrules rules show``.
    """

    def __init__(self, d: Definition, lang: str, param: Callable[[str], str]) -> None:
        super().__init__(lang)
        self.d = d
        self.param = param

    def name(self, ref: cond.Ref) -> str:
        return plain_name(self.d, ref.path, self.lang, self.param)

    def literal(self, lit: cond.Lit, other: cond.Expr | None) -> str:
        lang = self.lang
        if lit.type == "bool":
            return self.w("yes" if lit.value else "no")
        if lit.type == "date":
            return day(dt.date.fromordinal(lit.value), lang)
        if lit.type == "int":
            if isinstance(other, cond.Ref) and (other.path.endswith("_vnd") or _unit(self.d, other) == "vnd"):
                return i18n.money(lit.value, lang)
            return i18n.number(lit.value, lang)
        table = other.ftype.table if isinstance(other, cond.Ref) else None
        return f"“{code_label(self.d, table, lit.value, lang)}”"


def plain_name(d: Definition, path: str, lang: str, param: Callable[[str], str] | None = None) -> str:
    """What a condition names (a field, a code attribute, a parameter, a derived fact), by its label."""
    i = LANGS.index(lang)
    if path.startswith("params."):
        pid = path[7:]
        return param(pid) if param is not None else d.params[pid].label[lang]
    if path.startswith("derived."):
        der = d.derived.get(path[8:])
        return der.label[lang] if der else path[8:].replace("_", " ")
    if path in FIELD_LABELS:
        return FIELD_LABELS[path][i]
    found = attribute_words(d, path, lang)
    if found is not None:
        return f"{found[0]} → {found[1]}"
    return path.rpartition(".")[2].replace("_", " ")


def day(value: dt.date, lang: str) -> str:
    """A date as reports write it: vi 10/05/2017, en 10 May 2017 (never month/day/year)."""
    return i18n.date(value, lang)


def _unit(d: Definition, ref: cond.Ref) -> str | None:
    if ref.path.startswith("params."):
        p = d.params.get(ref.path[7:])
        return p.unit if p else None
    return None
