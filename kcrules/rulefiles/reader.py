"""Reading an application: JSON text or a mapping into a validated Application, or every problem found.

Codes may be typed as names, without accents (see _codes.find_code); they are
replaced by their ids before pydantic validates the rest. Problems carry the
field, what was given, what is allowed and the closest allowed value.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from kcrules.errors import ApplicationError, Problem, Said
from kcrules.models import Application
from kcrules.rulefiles.codes import code_ids, code_names, find_code
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS, _base_type
from kcrules.rulefiles.loader import Activity, Definition, Requirement, bundled_ids
from kcrules.util.catalogue import Catalogue
from kcrules.util.jsonpath import get_path
from kcrules.util.words import suggest

#: Every problem an application can have, in both languages. Pydantic's error types are keyed by
#: their own name and keep pydantic's English words, which library users may already match on.
PROBLEMS = Catalogue("rulefiles.reader", {
    "not_json": {"vi": "không phải JSON hợp lệ: {detail} ở dòng {line}",
                 "en": "not valid JSON: {detail} at line {line}"},
    "json_value": {"vi": "cần một giá trị", "en": "Expecting value"},
    "json_name": {"vi": "cần tên thuộc tính trong dấu ngoặc kép", "en": "Expecting property name enclosed in double quotes"},
    "json_comma": {"vi": "thiếu dấu ','", "en": "Expecting ',' delimiter"},
    "json_colon": {"vi": "thiếu dấu ':'", "en": "Expecting ':' delimiter"},
    "json_extra": {"vi": "còn dữ liệu thừa phía sau", "en": "Extra data"},
    "json_string": {"vi": "chuỗi không được đóng", "en": "Unterminated string starting at"},
    "json_control": {"vi": "ký tự điều khiển không hợp lệ", "en": "Invalid control character at"},
    "json_escape": {"vi": "ký tự thoát \\ không hợp lệ", "en": "Invalid \\escape"},
    "not_utf8": {"vi": "không phải văn bản UTF-8 (byte {start})", "en": "not UTF-8 text (byte {start})"},
    "too_deep": {"vi": "lồng nhau quá sâu, không thể là một hồ sơ", "en": "nested too deeply to be an application"},
    "unreadable": {"vi": "không đọc được JSON: {detail}", "en": "not readable JSON: {detail}"},
    "not_object": {"vi": "một hồ sơ là một đối tượng JSON", "en": "an application is a JSON object"},
    "abstract": {"vi": "bộ quy tắc {rulebook} là bộ trừu tượng: có tiêu chí và mức hỗ trợ trung ương nhưng không có "
                       "nội dung hỗ trợ; hãy dùng bộ quy tắc của một chương trình",
                 "en": "rulebook {rulebook} is abstract: it holds national criteria and levels but no activities; "
                       "load a program rulebook"},
    "unknown_code": {"vi": "mã không có trong danh mục {table}", "en": "unknown {table}"},
    "needs_establishment": {"vi": "nội dung {activity} hỗ trợ một cơ sở: hãy mô tả cơ sở đó",
                            "en": "activity {activity} supports an establishment: describe it"},
    "needs_applicant": {"vi": "nội dung {activity} cần đơn vị đề nghị hoặc cơ sở",
                        "en": "activity {activity} needs an applicant or an establishment"},
    "required_for": {"vi": "bắt buộc với nội dung {activity} ({label[vi]})",
                     "en": "required for activity {activity} ({label[en]})"},
    "not_a_date": {"vi": "không phải ngày", "en": "not a date"},
    "unknown_field": {"vi": "trường không có trong hồ sơ", "en": "unknown field"},
    "missing": {"vi": "thiếu trường bắt buộc", "en": "missing required field"},
    "int_parsing": {"vi": "không phải số nguyên", "en": "Input should be a valid integer, unable to parse string as an integer"},
    "int_type": {"vi": "phải là số nguyên", "en": "Input should be a valid integer"},
    "int_from_float": {"vi": "phải là số nguyên, không có phần lẻ", "en": "Input should be a valid integer, got a number with a fractional part"},
    "greater_than_equal": {"vi": "phải lớn hơn hoặc bằng {ge}", "en": "Input should be greater than or equal to {ge}"},
    "less_than_equal": {"vi": "phải nhỏ hơn hoặc bằng {le}", "en": "Input should be less than or equal to {le}"},
    "greater_than": {"vi": "phải lớn hơn {gt}", "en": "Input should be greater than {gt}"},
    "less_than": {"vi": "phải nhỏ hơn {lt}", "en": "Input should be less than {lt}"},
    "string_type": {"vi": "phải là một chuỗi chữ", "en": "Input should be a valid string"},
    "string_too_short": {"vi": "cần ít nhất {min_length} ký tự", "en": "String should have at least {min_length} characters"},
    "string_too_long": {"vi": "dài quá {max_length} ký tự", "en": "String should have at most {max_length} characters"},
    "too_long": {"vi": "nhiều quá {max_length} phần tử", "en": "List should have at most {max_length} items"},
    "bool_type": {"vi": "phải là true hoặc false", "en": "Input should be a valid boolean"},
    "bool_parsing": {"vi": "phải là true hoặc false", "en": "Input should be a valid boolean, unable to interpret input"},
    "date_type": {"vi": "phải là một ngày YYYY-MM-DD", "en": "Input should be a valid date"},
    "date_parsing": {"vi": "không phải một ngày có thật", "en": "Input should be a valid date in the format YYYY-MM-DD"},
    "date_from_datetime_parsing": {"vi": "không phải một ngày có thật", "en": "Input should be a valid date or datetime"},
    "greater_than_equal_date": {"vi": "phải từ ngày {ge} trở đi", "en": "Input should be greater than or equal to {ge}"},
    "less_than_equal_date": {"vi": "phải đến ngày {le} là cùng", "en": "Input should be less than or equal to {le}"},
    "literal_error": {"vi": "phải là {expected}", "en": "Input should be {expected}"},
    "model_type": {"vi": "phải là một đối tượng JSON ({class_name})", "en": "Input should be a valid dictionary or instance of {class_name}"},
    "dict_type": {"vi": "phải là một đối tượng JSON", "en": "Input should be a valid dictionary"},
    "list_type": {"vi": "phải là một danh sách", "en": "Input should be a valid list"},
    "date_text": {"vi": "ngày được viết dạng YYYY-MM-DD", "en": "a date is text YYYY-MM-DD"},
    "approved_level_incomplete": {
        "vi": "mức ưu tiên được phê duyệt cần đủ cả approved_level_percent, approved_by và approved_decision",
        "en": "an approved priority level needs approved_level_percent, approved_by and approved_decision together"},
    "dates_out_of_order": {"vi": "end_date {end} sớm hơn start_date {start}",
                           "en": "end_date {end} is before start_date {start}"},
    "help_int": {"vi": "một số nguyên", "en": "a whole number"},
    "help_bool": {"vi": "true hoặc false", "en": "true or false"},
    "help_date": {"vi": "một ngày YYYY-MM-DD", "en": "a date YYYY-MM-DD"},
    "help_code": {"vi": "một mã", "en": "a code"},
    "help_str": {"vi": "một chuỗi chữ", "en": "a text"},
    "help_object": {"vi": "một đối tượng", "en": "an object"},
    "help_establishment": {"vi": "một đối tượng establishment", "en": "an establishment object"},
    "help_date_or_text": {"vi": "một ngày, hoặc chuỗi YYYY-MM-DD", "en": "a date, or text YYYY-MM-DD"},
})
_P = "rulefiles.reader:"
#: The json module's reasons, by its English text.
_JSON_REASONS = {PROBLEMS[k]["en"]: k for k in PROBLEMS if k.startswith("json_")}


def json_reason(msg: str) -> Said | str:
    """The json module's reason ``msg`` as a sentence in both languages where it is a common one."""
    key = _JSON_REASONS.get(msg)
    return Said(_P + key) if key else msg
_DATE_REPR = re.compile(r"datetime\.date\((\d+), (\d+), (\d+)\)")


class Reader:
    """Validates applications against one rulebook's codes and activities."""

    def __init__(self, definition: Definition) -> None:
        self._d = definition
        self._code_memo: dict[str, dict[str, str | None]] = {}
        self._exact: Callable[[Application], bool] | None = None
        self._exact_dict: Callable[[Mapping[str, Any]], bool] | None = None
        # Per activity: whether a valid application has all it needs (see _needs_fn).
        self._needs: dict[str, Callable[[Application], bool]] = {}
        # The applications this reader returned from parse_application that are still alive, by
        # identity: an application is frozen, so one that was valid is valid for as long as it
        # lives, and evaluating it needs no second check of its codes and its activity's needs.
        self._valid: dict[int, _Valid] = {}

    def parse(self, data: Application | Mapping[str, Any] | str | bytes, *, remember: bool = False) -> Application:
        """See Rulebook.parse_application; ``remember``: the application returned is known to be valid
        for as long as it lives, and given again it is returned at once (see _Valid)."""
        if isinstance(data, Application):
            known = self._valid.get(id(data))
            if known is not None and known() is data:
                return data
        app = self._parse(data)
        if remember:
            ref = _Valid(app, self._forget)
            self._valid[ref.key] = ref
        return app

    def _forget(self, ref: _Valid) -> None:
        """An application this reader validated is gone: its entry goes too (unless another took its place)."""
        if self._valid.get(ref.key) is ref:
            del self._valid[ref.key]

    def _parse(self, data: Application | Mapping[str, Any] | str | bytes) -> Application:
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
                raise ApplicationError([Problem.of("(document)", _P + "not_json", detail=json_reason(err.msg),
                                                   line=err.lineno)]) \
                    from None
            except UnicodeDecodeError as err:
                raise ApplicationError([Problem.of("(document)", _P + "not_utf8", start=err.start)]) from None
            except RecursionError:
                raise ApplicationError([Problem.of("(document)", _P + "too_deep")]) from None
            except ValueError as err:  # e.g. a number of more than 4,300 digits
                raise ApplicationError([Problem.of("(document)", _P + "unreadable", detail=err)]) from None
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
            raise ApplicationError([Problem.of("(document)", _P + "not_object", type(data).__name__)])
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
            problems.append(Problem.of("(document)", _P + "too_deep"))
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
                problems.append(Problem.of(path, _P + "abstract", given,
                                           ", ".join(i for i in bundled_ids() if i != self._d.id), rulebook=self._d.id))
            elif code is None:
                problems.append(Problem.of(path, _P + "unknown_code", given, ", ".join(code_ids(self._d, table)),
                                           suggest(given, code_names(self._d, table)), table=table.replace("_", " ")))
            else:
                parent[leaf] = code
        return out

    def _activity_problems(self, app: Application | _RawView) -> list[Problem]:
        """What the application's activity needs beyond the model: an establishment, an applicant, facts."""
        if isinstance(app, Application) and self._meets_needs(app):
            return []  # the common case, checked without writing anything
        problems: list[Problem] = []
        act = self._d.activities.get(app.activity) if isinstance(app.activity, str) else None
        if act is None:
            return problems
        if act.beneficiary and app.establishment is None:
            problems.append(Problem.of("establishment", _P + "needs_establishment", allowed_key=_P + "help_establishment",
                                       activity=act.id))
        if app.applicant is None and app.establishment is None:
            problems.append(Problem.of("applicant", _P + "needs_applicant", allowed=", ".join(act.applicants),
                                       activity=act.id))
        value_of = app.value if isinstance(app, _RawView) else lambda path: field_value(app, path)
        for path in act.required(value_of):
            if value_of(path) is None:
                problems.append(Problem.of(path, _P + "required_for", allowed_key=_field_help(path), activity=act.id,
                                           label=dict(act.label)))
        return problems


    def _meets_needs(self, app: Application) -> bool:
        """Whether a valid application has all its activity needs (False also for an unknown activity)."""
        needs = self._needs.get(app.activity)
        if needs is None:
            act = self._d.activities.get(app.activity)
            if act is None:
                return False
            needs = self._needs[act.id] = _needs_fn(act)
        return needs(app)


def _needs_fn(act: Activity) -> Callable[[Application], bool]:
    """Whether a valid application of ``act`` has all it needs: a beneficiary (or an applicant),
    the fields it always requires, and those it requires under a condition where the condition
    holds. Generated per activity from its requirements' field names (the model's own)."""
    by_when: dict[str | None, list[Requirement]] = {}
    for r in act.requirements:
        if r.when is not None:
            by_when.setdefault(r.when_text, []).append(r)
    conditional = tuple((tuple(_GETTERS[r.field] for r in rs), rs[0]) for rs in by_when.values())

    def conditions_met(app: Application) -> bool:
        # A condition is worked out only when a field it requires is missing (and then once).
        for gets, r in conditional:
            for get in gets:
                if get(app) is None:
                    if r.holds(lambda path: _GETTERS[path](app)):
                        return False
                    break
        return True

    body = ["def needs(app):", "    e = app.establishment",
            "    if e is None: return False" if act.beneficiary else
            "    if e is None and app.applicant is None: return False"]
    heads: set[str] = set()
    for path in act.always_required:
        head, _, leaf = path.partition(".")
        if not head.isidentifier() or not (leaf.isidentifier() or not leaf) or path not in _GETTERS:
            raise ValueError(f"not a field name: {path!r}")
        if not leaf:
            body.append(f"    if app.{head} is None: return False")
            continue
        if head not in heads:
            heads.add(head)
            body.append(f"    h_{head} = app.{head}")
        body.append(f"    if h_{head} is None or h_{head}.{leaf} is None: return False")
    body.append("    return conditions_met(app)" if conditional else "    return True")
    namespace: dict[str, Any] = {"conditions_met": conditions_met}
    exec(compile("\n".join(body) + "\n", f"<kcrules needs {act.id}>", "exec"), namespace)  # noqa: S102
    return namespace["needs"]  # type: ignore[no-any-return]


class _Valid(weakref.ref):  # type: ignore[type-arg]
    """A weak reference to an application a reader validated, keeping its key in the reader's table
    (the application's identity, which cannot be read once it is gone)."""

    __slots__ = ("key",)

    def __new__(cls, app: Application, forget: Callable[[Any], None]) -> _Valid:
        ref = super().__new__(cls, app, forget)
        ref.key = id(app)
        return ref


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
    raise ApplicationError([Problem.of("on", _P + "not_a_date", on if isinstance(on, str) else repr(on),
                                       allowed_key=_P + "help_date_or_text")])


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
    """The key of the sentence saying what field ``path`` holds."""
    kind, _ = APPLICATION_FIELDS.get(path, ("object", False))  # the fields not listed hold objects
    return _P + (f"help_{kind}" if f"help_{kind}" in PROBLEMS else "help_str")


def _pydantic_problems(err: ValidationError) -> list[Problem]:
    problems = []
    for e in err.errors(include_url=False):
        loc = ".".join(str(p) for p in e["loc"]) or "(document)"
        given = e.get("input")
        kind = e["type"]
        if kind == "extra_forbidden":
            siblings = _siblings(e["loc"])
            problems.append(Problem.of(loc, _P + "unknown_field", e["loc"][-1], ", ".join(siblings),
                                       suggest(str(e["loc"][-1]), siblings)))
            continue
        if kind == "missing":
            problems.append(Problem.of(loc, _P + "missing", allowed_key=_field_help(loc)))
            continue
        if isinstance(given, (dict, list)):
            given = None
        ctx = {k: str(v) for k, v in (e.get("ctx") or {}).items()}
        for k, v in ctx.items():
            day = _DATE_REPR.fullmatch(v)  # pydantic gives a date bound as its repr
            if day:
                ctx[k] = dt.date(*map(int, day.groups())).isoformat()
                kind += "_date"
        help_key = _field_help(loc) if loc in APPLICATION_FIELDS else None
        if kind in PROBLEMS:
            problems.append(Problem.of(loc, _P + kind, given, allowed_key=help_key, **ctx))
        else:  # a type of error not worded here: pydantic's English words, marked as such in Vietnamese
            problems.append(Problem.of(loc, "errors:untranslated", given, allowed_key=help_key,
                                       text=e["msg"].replace("Value error, ", "")))
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
