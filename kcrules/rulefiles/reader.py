"""Reading an application: JSON text or a mapping into a validated Application, or every problem found.

Codes may be typed as names, without accents (see _codes.find_code); they are
replaced by their ids before pydantic validates the rest. Problems carry the
field, what was given, what is allowed and the closest allowed value.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from kcrules.errors import ApplicationError, Problem
from kcrules.models import Application
from kcrules.rulefiles.codes import code_ids, code_names, find_code
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS, _base_type
from kcrules.rulefiles.loader import Definition, bundled_ids
from kcrules.util.jsonpath import get_path
from kcrules.util.words import suggest


class Reader:
    """Validates applications against one rulebook's codes and activities."""

    def __init__(self, definition: Definition) -> None:
        self._d = definition
        self._code_memo: dict[str, dict[str, str | None]] = {}
        self._exact: Callable[[Application], bool] | None = None
        self._exact_dict: Callable[[Mapping[str, Any]], bool] | None = None

    def parse(self, data: Application | Mapping[str, Any] | str | bytes) -> Application:
        """See Rulebook.parse_application."""
        if isinstance(data, (str, bytes)):
            try:
                # Most text is a valid application with canonical codes: read straight into the model.
                fast = Application.model_validate_json(data)
            except (ValueError, RecursionError):  # ValidationError: the path below says exactly what is wrong
                fast = None
            if fast is not None and self._codes_exact(fast):
                problems = self._activity_problems(fast)
                if problems:
                    raise ApplicationError(problems)
                return fast
            try:
                data = json.loads(data)
            except json.JSONDecodeError as err:
                raise ApplicationError([Problem("(document)", f"not valid JSON: {err.msg} at line {err.lineno}")]) \
                    from None
            except UnicodeDecodeError as err:
                raise ApplicationError([Problem("(document)", f"not UTF-8 text ({err.reason} at byte {err.start})")]) \
                    from None
            except RecursionError:
                raise ApplicationError([Problem("(document)", "nested too deeply to be an application")]) from None
            except ValueError as err:  # e.g. a number of more than 4,300 digits
                raise ApplicationError([Problem("(document)", f"not readable JSON: {err}")]) from None
        if isinstance(data, Application):
            if self._codes_exact(data):
                # Already valid and its codes are this rulebook's ids: revalidating
                # would give an equal object, so only the activity's needs remain.
                problems = self._activity_problems(data)
                if problems:
                    raise ApplicationError(problems)
                return data
            data = data.model_dump(mode="json", exclude_none=True)
        if not isinstance(data, Mapping):
            raise ApplicationError([Problem("(document)", "an application is a JSON object", type(data).__name__)])
        problems: list[Problem] = []
        app: Application | None = None
        normalised: Any = data
        try:
            normalised = self._normalise_codes(data, problems)
            app = Application.model_validate(normalised)
        except ValidationError as err:
            named = {p.where for p in problems}  # an unknown code is not also "not a valid string"
            problems += [p for p in _pydantic_problems(err) if p.where not in named]
            # What the activity needs is checked on the raw data too, so a type
            # error elsewhere does not hide a missing fact: every problem at once.
            named = {p.where for p in problems}
            problems += [p for p in self._activity_problems(_RawView(normalised)) if p.where not in named]
        except RecursionError:
            problems.append(Problem("(document)", "nested too deeply to be an application"))
        if app is not None:
            problems += self._activity_problems(app)
        if problems:
            raise ApplicationError(problems)
        assert app is not None
        return app

    def find_code(self, table: str, given: str) -> str | None:
        """_codes.find_code, memoised: every application looks up its codes."""
        memo = self._code_memo.get(table)
        if memo is None:
            memo = self._code_memo[table] = {}
        try:
            return memo[given]
        except KeyError:
            pass
        found = find_code(self._d, table, given)
        # Bounded: only typed names beyond the ids and labels add entries, and none longer than a code.
        if len(memo) < 4096 and len(given) <= 120:
            memo[given] = found
        return found

    def _codes_exact(self, app: Application) -> bool:
        """Whether every code of ``app`` is already the id this rulebook would normalise it to."""
        if self._exact is None:
            self._exact = _exact_codes_fn(self._d)
        return self._exact(app)

    def _normalise_codes(self, data: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
        if self._exact_dict is None:
            self._exact_dict = _exact_codes_fn(self._d, mapping=True)
        if isinstance(data, dict) and self._exact_dict(data):
            return data  # nothing to change: validation does not modify its input
        # Copy on write: only the objects along a code's path are copied (shallow); the rest of
        # the tree is shared, which is safe because validation does not modify its input.
        out = dict(data)
        copied: dict[str, dict[str, Any]] = {"": out}
        for path, table, heads, leaf in _CODE_PATHS:
            parent: Any = out
            where = ""
            for h in heads:
                child = parent.get(h) if isinstance(parent, dict) else None
                if not isinstance(child, Mapping):
                    parent = None
                    break
                where += "." + h
                parent = copied.get(where)
                if parent is None:
                    parent = copied[where] = dict(child)
                    copied[where[:-len(h) - 1]][h] = parent
            if not isinstance(parent, dict) or not isinstance(parent.get(leaf), str):
                continue
            given = parent[leaf]
            code = self.find_code(table, given)
            if code is None and table == "activity" and self._d.abstract:
                problems.append(Problem(path, f"rulebook {self._d.id} is abstract: it holds national criteria and "
                                        "levels but no activities; load a program rulebook", given,
                                        ", ".join(i for i in bundled_ids() if i != self._d.id)))
            elif code is None:
                problems.append(Problem(path, f"unknown {table.replace('_', ' ')}", given,
                                        ", ".join(code_ids(self._d, table)),
                                        suggest(given, code_names(self._d, table))))
            else:
                parent[leaf] = code
        return out

    def _activity_problems(self, app: Application | _RawView) -> list[Problem]:
        """What the application's activity needs beyond the model: an establishment, an applicant, facts."""
        problems: list[Problem] = []
        act = self._d.activities.get(app.activity) if isinstance(app.activity, str) else None
        if act is None:
            return problems
        if act.beneficiary and app.establishment is None:
            problems.append(Problem("establishment", f"activity {act.id} supports an establishment: describe it",
                                    allowed="an establishment object"))
        if app.applicant is None and app.establishment is None:
            problems.append(Problem("applicant", f"activity {act.id} needs an applicant or an establishment",
                                    allowed=", ".join(act.applicants)))
        value_of = app.value if isinstance(app, _RawView) else lambda path: field_value(app, path)
        for path in act.requires:
            if value_of(path) is None:
                problems.append(Problem(path, f"required for activity {act.id} ({act.label['en']})",
                                        allowed=_field_help(path)))
        return problems


#: Each code field: (path, code table, the objects above it, its own key).
_CODE_PATHS = tuple((path, table, tuple(path.split(".")[:-1]), path.split(".")[-1])
                    for path, table in CODE_FIELDS.items())


class _RawView:
    """An application not yet validated, read the way _activity_problems reads a valid one."""

    def __init__(self, data: Any) -> None:
        self._data = data if isinstance(data, Mapping) else {}
        self.activity = self._data.get("activity")
        self.applicant = self._data.get("applicant")
        self.establishment = self._data.get("establishment")

    def value(self, path: str) -> Any:
        return get_path(self._data, path)


def law_date(on: object) -> dt.date | None:
    """The ``on`` argument of an evaluation as a date: a date, a datetime (its day) or ISO text."""
    if on is None or (isinstance(on, dt.date) and not isinstance(on, dt.datetime)):
        return on
    if isinstance(on, dt.datetime):
        return on.date()
    if isinstance(on, str):
        try:
            return dt.date.fromisoformat(on)
        except ValueError:
            pass
    raise ApplicationError([Problem("on", "not a date", on if isinstance(on, str) else repr(on),
                                    "a date, or text YYYY-MM-DD")])


def _exact_codes_fn(d: Definition, mapping: bool = False) -> Callable[[Any], bool]:
    """A generated check that every code field of an application (or, with ``mapping``, of its
    JSON-like dict) holds a code's own id.

    A value is its code's id exactly when it is one of the ids that
    ``find_code`` maps to themselves; the ids are the rulebook's, the source is
    made of the Application model's field names only.
    """
    constants: dict[str, Any] = {"Mapping": Mapping}
    groups: dict[str, list[tuple[str, str]]] = {}
    for path, table in CODE_FIELDS.items():
        name = f"S{len(constants)}"
        constants[name] = frozenset(c for c in code_ids(d, table) if find_code(d, table, c) == c)
        head, _, leaf = path.partition(".")
        groups.setdefault(head, []).append((leaf, name))
    read = (lambda obj, name: f"{obj}.get({name!r})") if mapping else (lambda obj, name: f"{obj}.{name}")
    wrong = "isinstance(v, str)" if mapping else "v is not None"
    present = "isinstance(o, Mapping)" if mapping else "o is not None"
    lines = ["def exact(app):"]
    for head, leaves in groups.items():
        if not head.isidentifier() or not all(leaf.isidentifier() or not leaf for leaf, _ in leaves):
            raise ValueError(f"not a field name: {head!r}")
        if leaves[0][0] == "":
            lines += [f"    v = {read('app', head)}", f"    if {wrong} and v not in {leaves[0][1]}: return False"]
            continue
        lines += [f"    o = {read('app', head)}", f"    if {present}:"]
        for leaf, name in leaves:
            lines += [f"        v = {read('o', leaf)}", f"        if {wrong} and v not in {name}: return False"]
    lines.append("    return True")
    exec(compile("\n".join(lines) + "\n", f"<kcrules code check {d.id}>", "exec"), constants)  # noqa: S102
    return constants["exact"]  # type: ignore[no-any-return]


def _make_getter(path: str) -> Any:
    parts = path.split(".")

    def get(app: Any) -> Any:
        obj = app
        for part in parts:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj

    return get


# One getter per field, made once: reading a field is on every evaluation's path.
_GETTERS = {path: _make_getter(path) for path in APPLICATION_FIELDS}


def field_value(app: Application, path: str) -> Any:
    """The value of field ``path`` (e.g. ``establishment.employees``) of an application, or None."""
    return _GETTERS[path](app)


def _field_help(path: str) -> str:
    kind, _ = APPLICATION_FIELDS.get(path, ("value", False))
    return {"int": "a whole number", "bool": "true or false", "date": "a date YYYY-MM-DD",
            "code": "a code", "str": "a text"}.get(kind, kind)


def _pydantic_problems(err: ValidationError) -> list[Problem]:
    problems = []
    for e in err.errors(include_url=False):
        loc = ".".join(str(p) for p in e["loc"]) or "(document)"
        given = e.get("input")
        if e["type"] == "extra_forbidden":
            siblings = _siblings(e["loc"])
            problems.append(Problem(loc, "unknown field", e["loc"][-1], ", ".join(siblings),
                                    suggest(str(e["loc"][-1]), siblings)))
            continue
        if e["type"] == "missing":
            problems.append(Problem(loc, "missing required field", allowed=_field_help(loc)))
            continue
        message = e["msg"].replace("Value error, ", "")
        if isinstance(given, (dict, list)):
            given = None
        problems.append(Problem(loc, message, given, _field_help(loc) if loc in APPLICATION_FIELDS else None))
    return problems


def _siblings(loc: tuple[Any, ...]) -> list[str]:
    """The fields allowed beside the last part of ``loc`` (for an unknown field)."""
    model: type[BaseModel] = Application
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        tp, _ = _base_type(field.annotation)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            model = tp
        else:
            return []
    return list(model.model_fields)
