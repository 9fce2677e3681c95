"""A fact of an application as a reader wants it: code labels, money in đồng, yes/no."""

from __future__ import annotations

from typing import Any

from kcrules.rulefiles.codes import code_label
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS
from kcrules.text import i18n


def show_value(rulebook: Any, path: str, value: Any, lang: str) -> str:
    """A fact as a reader wants it: code labels, money in đồng, yes/no."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return {"vi": ("có", "không"), "en": ("yes", "no")}[lang][0 if value else 1]
    if path in CODE_FIELDS and isinstance(value, str):
        label = code_label(rulebook.definition, CODE_FIELDS[path], value, lang)
        return f"{label} ({value})" if label != value else value
    if isinstance(value, int):
        if path.endswith("_vnd"):
            return i18n.money(value, lang)
        if APPLICATION_FIELDS.get(path, ("",))[0] == "int" or path.startswith("derived."):
            return i18n.number(value, lang)
    return str(value)
