"""What a condition may read: the application's fields, typed, and which code table each uses."""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Any

from pydantic import BaseModel

from kcrules.models import Application

#: Application fields whose values are codes of a rulebook code table.
CODE_FIELDS: dict[str, str] = {
    "activity": "activity",
    "applicant.kind": "applicant_kind",
    "applicant.district": "district",
    "establishment.kind": "establishment_kind",
    "establishment.district": "district",
    "establishment.registered_district": "district",
    "establishment.sector": "sector",
    "establishment.sme_group": "sme_group",
    "establishment.product_line": "product_line",
    "project.province": "province",
}

#: Code tables every rulebook chain must define (``activity`` comes from its activities).
REQUIRED_TABLES = tuple(sorted(set(CODE_FIELDS.values()) - {"activity"}))


def _base_type(annotation: Any) -> tuple[Any, bool]:
    """Strip Optional/Annotated; return (type, optional)."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        else:
            return annotation, optional


def _kind_of(tp: Any) -> str | None:
    if tp is bool:
        return "bool"
    if tp is int:
        return "int"
    if tp is dt.date:
        return "date"
    if tp is str:
        return "str"
    return None


def application_fields() -> dict[str, tuple[str, bool]]:
    """Every leaf field of an application: dotted path -> (kind, optional)."""
    out: dict[str, tuple[str, bool]] = {}

    def walk(model: type[BaseModel], prefix: str, parent_optional: bool) -> None:
        for name, info in model.model_fields.items():
            tp, optional = _base_type(info.annotation)
            optional = optional or parent_optional or not info.is_required() and info.default is None
            path = f"{prefix}{name}"
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                walk(tp, path + ".", optional)
                continue
            kind = _kind_of(tp)
            if kind is not None:
                if path in CODE_FIELDS:
                    kind = "code"
                out[path] = (kind, optional)

    walk(Application, "", False)
    return out


APPLICATION_FIELDS = application_fields()


def field_info(path: str) -> Any:
    """The pydantic FieldInfo of an application field given by its dotted path (None if none)."""
    model: Any = Application
    *heads, leaf = path.split(".")
    for head in heads:
        model, _ = _base_type(model.model_fields[head].annotation)
    return model.model_fields.get(leaf)
