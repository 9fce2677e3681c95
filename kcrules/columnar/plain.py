"""Applications given as plain JSON objects, read for the columnar path exactly as the model reads them.

A caller with many applications as dicts (``kcrules plan``, ``kcrules batch`` to a sheet) decides
those :func:`plain` lets through as one Arrow table (:func:`evaluate_plain`) and leaves the others to the row path, which reads each and names its
problems. :func:`plain` may refuse more than the model does, never less, so an application it lets
through needs no second reading. No import of pyarrow until a table is made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic import BaseModel

from kcrules.models import Applicant, Application, Establishment, Project
from kcrules.rulefiles.fields import APPLICATION_FIELDS

__all__ = ["day", "evaluate_plain", "plain", "texts", "tuples"]

_NONE = type(None)
#: What the fields of an application's objects may hold for the columnar path to read them as the model does.
_VALUES = frozenset({str, int, bool, dt.date, _NONE})
_UNREAD = object()
_INT64 = 2**63


def _fields(model: type[BaseModel]) -> tuple[frozenset[str], frozenset[str]]:
    """A model's fields, and those whose default is not None (where None is not absent)."""
    return frozenset(model.model_fields), frozenset(k for k, f in model.model_fields.items()
                                                    if not f.is_required() and f.default is not None)


_KEYS = frozenset(Application.model_fields)
_OBJECTS = {"applicant": _fields(Applicant), "establishment": _fields(Establishment), "project": _fields(Project)}
#: The texts a caller reads from the application itself (not from the decision): kept as the model keeps them.
_TEXTS = (("establishment", "name"), ("establishment", "tax_code"), ("applicant", "name"))


def plain(raw: Any, days: dict[str, dt.date | None]) -> bool:
    """Whether an Arrow table holds ``raw`` as the model reads it, or refuses it as the model would.

    Arrow takes None for absent (so a field whose default is not None would get its default),
    a date-time for a date, a numpy integer for an int, an object whose values are all absent
    for no object, and 30 February for 2 March; the model refuses each of these. So: a dict of
    the model's fields with an id and an activity as text; each object a dict of its fields
    with a value, holding only texts, whole numbers an Arrow int64 holds, booleans, dates, and
    None where its default is None or it has none; days given as text that are days of the calendar (``days``
    keeps each text read: its day, or None); and the texts callers read from the application
    (the id, the names, the tax code) without the white space the model strips.
    """
    if type(raw) is not dict or not raw.keys() <= _KEYS:
        return False
    app_id = raw.get("id")
    if type(app_id) is not str or app_id != app_id.strip() or type(raw.get("activity")) is not str:
        return False
    for head, (fields, defaulted) in _OBJECTS.items():
        value = raw.get(head)
        if value is None:  # absent for the model and for Arrow, or refused by both (a project)
            continue
        if type(value) is not dict or not value or not value.keys() <= fields:
            return False
        kinds = set(map(type, value.values()))
        if not kinds <= _VALUES or _NONE in kinds and (
                len(kinds) == 1 or any(v is None and k in defaulted for k, v in value.items())):
            return False
        if int in kinds and any(type(v) is int and not -_INT64 <= v < _INT64 for v in value.values()):
            return False  # beyond an Arrow int64: left to the row path, not the whole table
    for head, key in _TEXTS:
        text = (raw.get(head) or {}).get(key)
        if type(text) is str and text != text.strip():
            return False
    project = raw.get("project") or {}
    for text in (raw.get("application_date"), project.get("start_date"), project.get("end_date")):
        if type(text) is str:
            found = days.get(text, _UNREAD)
            if found is _UNREAD:
                found = days[text] = day(text)
            if found is None:
                return False
        elif text is not None and type(text) is not dt.date:
            return False
    return True


def day(text: str) -> dt.date | None:
    """The day an ISO text names, or None."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def evaluate_plain(evaluate_table: Callable[[Any], Any], raws: list[dict[str, Any]]) -> Any:
    """``evaluate_table`` (a rulebook's) on the applications :func:`plain` let through, as one Arrow
    table; None where Arrow cannot hold them as one (a date as text in one and a date in another,
    a number beyond int64): the row path then reads each and names every problem."""
    import pyarrow as pa

    try:
        try:  # typed: nothing to infer (days as text)
            array = pa.array(raws, _arrow_type())
        except (pa.ArrowException, TypeError):  # e.g. days given as dates: inferred
            array = pa.array(raws)
        return evaluate_table(pa.Table.from_struct_array(array))
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None


@cache
def _arrow_type() -> Any:
    """The Arrow type of an application :func:`plain` lets through, with days as text."""
    import pyarrow as pa

    kinds = {"int": pa.int64(), "bool": pa.bool_(), "date": pa.string(), "code": pa.string(), "str": pa.string()}
    top: list[Any] = []
    objects: dict[str, list[Any]] = {}
    for path, (kind, _optional) in APPLICATION_FIELDS.items():
        head, _, name = path.rpartition(".")
        if not head:
            top.append((name, kinds[kind]))
        elif head not in objects:
            objects[head] = [(name, kinds[kind])]
            top.append((head, objects[head]))
        else:
            objects[head].append((name, kinds[kind]))
    return pa.struct([(name, pa.struct(t) if isinstance(t, list) else t) for name, t in top])


def texts(column: Any) -> list[str | None]:
    """A dictionary-encoded column of texts as a list (reading each value through its index)."""
    import pyarrow.compute as pc

    column = column.combine_chunks()
    names = [*column.dictionary.to_pylist(), None]
    return [names[k] for k in pc.fill_null(column.indices, len(names) - 1).to_numpy().tolist()]


def tuples(column: Any) -> list[tuple[str, ...]]:
    """Each row's list of ids as a tuple, one tuple for each distinct list (shared by its rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lists = column.combine_chunks()
    if pa.types.is_dictionary(lists.type.value_type):  # the result's texts are dictionary-encoded
        lists = lists.cast(pa.list_(pa.string()))
    joined = pc.fill_null(pc.binary_join(lists, "\n"), "").dictionary_encode()
    distinct = [tuple(text.split("\n")) if text else () for text in joined.dictionary.to_pylist()]
    return [distinct[k] for k in joined.indices.to_numpy().tolist()]
