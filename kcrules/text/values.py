"""A fact of an application as a reader wants it: code labels, money in đồng, yes/no; a field by its label."""

from __future__ import annotations

from typing import Any

from kcrules.rulefiles.codes import code_label
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS
from kcrules.text import i18n
from kcrules.text.conditions import plain_name


def show_value(rulebook: Any, path: str, value: Any, lang: str) -> str:
    """A fact as a reader wants it: code labels, money in đồng, yes/no."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return {"vi": ("có", "không"), "en": ("yes", "no")}[lang][0 if value else 1]
    if path in CODE_FIELDS and isinstance(value, str):
        return code_label(rulebook.definition, CODE_FIELDS[path], value, lang)  # the name, not the code
    if isinstance(value, int):
        if path.endswith("_vnd"):
            return i18n.money(value, lang)
        if APPLICATION_FIELDS.get(path, ("",))[0] == "int" or path.startswith("derived."):
            return i18n.number(value, lang)
    return str(value)


def label_of(rulebook: Any, path: str, lang: str) -> str:
    """A field, code attribute or derived fact by its label, as a person reads it."""
    return plain_name(rulebook.definition, path, lang)
