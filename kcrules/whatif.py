"""What-if and the smallest changes: decide an application with changed facts, and find changes that make it eligible.

Three functions, each returning typed, JSON-serialisable results (pydantic):

- :func:`what_if` decides an application with some facts changed and says what
  the change did: verdict, amount, priority and each criterion whose outcome moved;
- :func:`smallest_changes` proposes the fewest changes to the facts that make a
  refused application eligible;
- :func:`parse_changes` reads changes typed as text (``FIELD=VALUE``).

The smallest changes are read off the failed criteria themselves: a comparison
of an application field with a number (a literal, a parameter or a derived
fact) gives the threshold value; membership in a code list gives the allowed
codes; a yes/no fact gives its other value. Every combination proposed is
checked by deciding the changed application, so a suggestion is returned only
if the rulebook itself says it would be eligible.

Nothing here prints: the terminal (``kcrules check``) and the web pages format
these results in their own words.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from kcrules.errors import ApplicationError, InputError, Problem
from kcrules.models import Application, Decision, Outcome
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.codes import code_choices, find_code
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS
from kcrules.util.catalogue import Catalogue
from kcrules.util.jsonpath import copy_tree, get_path
from kcrules.util.words import fold, suggest

if TYPE_CHECKING:
    from kcrules.rulebook import Lang, Rulebook

__all__ = [
    "Change",
    "CriterionShift",
    "DEFAULT_FIXED",
    "Difference",
    "Shift",
    "Suggestion",
    "WhatIf",
    "difference",
    "parse_changes",
    "smallest_changes",
    "what_if",
]

#: Facts an applicant cannot change, held fixed by default when looking for the smallest changes.
DEFAULT_FIXED = ("establishment.district", "establishment.kind", "application_date", "activity",
                 "applicant.kind", "applicant.district")

#: Combinations of candidate changes decided at most, to keep a search quick.
MAX_TRIALS = 60

#: A value of an application field in its JSON form (a date is ISO text); None where there is none.
Value = StrictBool | StrictInt | str | None

T = TypeVar("T")


# ---------------------------------------------------------------- the results


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Change(_Result):
    """One fact changed: an application field, its value before and after."""

    field: str = Field(description="Dotted path of an application field, e.g. establishment.employees.")
    old: Value = Field(description="The value in the original application (None where it had none).")
    new: Value = Field(description="The new value (None removes the field); with one_of, the first of those codes.")
    one_of: tuple[str, ...] = Field((), description="In a suggestion: codes any one of which would do.")


class Suggestion(_Result):
    """Changes to the facts that, all made, make the application eligible (checked by deciding it)."""

    changes: tuple[Change, ...]
    amount_vnd: int = Field(description="The support the changed application would get, in whole đồng.")


class Shift(_Result, Generic[T]):
    """A value before and after a change."""

    before: T
    after: T

    @property
    def changed(self) -> bool:
        return self.before != self.after


class CriterionShift(_Result):
    """A criterion whose outcome a change moved."""

    criterion: str
    label: str = Field(description="The criterion's name in the language asked for.")
    before: Outcome | None = Field(description="None when the original decision did not check this criterion.")
    after: Outcome


class Difference(_Result):
    """What a change did to a decision."""

    eligible: Shift[bool]
    amount_vnd: Shift[int]
    priority_score: Shift[int]
    criteria: tuple[CriterionShift, ...] = Field(
        description="The criteria the new decision checks whose outcome is not what it was, in its order.")

    @property
    def unchanged(self) -> bool:
        """True when the verdict, the amount, the priority and every outcome stayed the same."""
        return not (self.eligible.changed or self.amount_vnd.changed or self.priority_score.changed
                    or self.criteria)


class WhatIf(_Result):
    """An application decided with some facts changed, beside the original decision."""

    changes: tuple[Change, ...]
    application: Application = Field(description="The changed application.")
    before: Decision
    after: Decision
    difference: Difference


# ---------------------------------------------------------------- what-if


def what_if(rulebook: Rulebook, application: Application | Mapping[str, Any] | str,
            changes: Mapping[str, Any], *, on: dt.date | None = None, lang: Lang = "vi") -> WhatIf:
    """Decide ``application`` as it is and with ``changes`` (field path -> new value), and compare.

    Values are given as in an application's JSON (``None`` removes a field);
    :func:`parse_changes` reads them from text. Raises InputError naming each
    change that is not a field of an application, and ApplicationError if the
    application, or the application as changed, is invalid.
    """
    app = rulebook.parse_application(application)
    if not isinstance(changes, Mapping):
        raise InputError(f"changes is a mapping of field path -> new value, not a {type(changes).__name__}")
    problems = [p for path in changes if (p := _field_problem(path)) is not None]
    if problems:
        raise InputError.of(_W + "invalid_changes", problems, listed=True)
    data = app.model_dump(mode="json", exclude_none=True)
    changed = rulebook.parse_application(apply_changes(data, changes))
    before = rulebook.evaluate(app, lang=lang, on=on)
    after = rulebook.evaluate(changed, lang=lang, on=on)
    new_data = changed.model_dump(mode="json", exclude_none=True)
    return WhatIf(
        changes=tuple(Change(field=path, old=get_path(data, path), new=get_path(new_data, path)) for path in changes),
        application=changed, before=before, after=after,
        difference=difference(rulebook, before, after, lang),
    )


def difference(rulebook: Rulebook, before: Decision, after: Decision, lang: Lang = "vi") -> Difference:
    """What changed from one decision to another: verdict, amount, priority, and criteria outcomes."""
    old = {r.criterion: r.outcome for r in before.reasons}
    labels = {c.id: c.label[lang] for c in rulebook.criteria_of(after.activity)}
    return Difference(
        eligible=Shift[bool](before=before.eligible, after=after.eligible),
        amount_vnd=Shift[int](before=before.support.amount_vnd, after=after.support.amount_vnd),
        priority_score=Shift[int](before=before.priority.score, after=after.priority.score),
        criteria=tuple(CriterionShift(criterion=r.criterion, label=labels.get(r.criterion, r.criterion),
                                      before=old.get(r.criterion), after=r.outcome)
                       for r in after.reasons if old.get(r.criterion) != r.outcome),
    )


def apply_changes(data: dict[str, Any], changes: Iterable[tuple[str, Any]] | Mapping[str, Any]) -> dict[str, Any]:
    """A copy of an application dict with the changes set (None removes a field)."""
    out = copy_tree(data)
    items = changes.items() if isinstance(changes, Mapping) else changes
    for path, value in items:
        *heads, leaf = path.split(".")
        target = out
        for h in heads:
            nxt = target.get(h)
            if not isinstance(nxt, dict):
                nxt = {}
                target[h] = nxt
            target = nxt
        if value is None:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return out


_W = "whatif:"
PROBLEMS = Catalogue("whatif", {
    "not_a_field": {"vi": "không phải một trường của hồ sơ", "en": "not a field of an application"},
    "dotted_path": {"vi": "đường dẫn trường có dấu chấm, ví dụ {example}",
                    "en": "a dotted field path, e.g. {example}"},
    "no_equals": {"vi": "hãy viết TRƯỜNG=GIÁ_TRỊ, ví dụ establishment.employees=40",
                  "en": "write FIELD=VALUE, e.g. establishment.employees=40"},
    "twice": {"vi": "được đổi nhiều lần: hãy cho một giá trị", "en": "changed more than once: give one value"},
    "as_text": {"vi": "hãy cho giá trị dạng chữ", "en": "give the value as text"},
    "invalid_changes": {"vi": "thay đổi không hợp lệ", "en": "invalid changes"},
    "invalid_fixed": {"vi": "danh sách thông tin giữ nguyên không hợp lệ", "en": "invalid fixed facts"},
    "required": {"vi": "trường này bắt buộc: hãy cho một giá trị", "en": "this field is required: give a value"},
    "yes_no": {"vi": "hãy trả lời có hoặc không (có/không, c/k, y/n)",
               "en": "answer yes or no (có/không, c/k, y/n)"},
    "whole": {"vi": "hãy viết một số nguyên, ví dụ 700000000 hoặc 700.000.000",
              "en": "write a whole number, e.g. 700000000 or 700.000.000"},
    "negative": {"vi": "không được là số âm", "en": "must not be negative"},
    "day": {"vi": "hãy viết ngày dạng YYYY-MM-DD hoặc DD/MM/YYYY, ví dụ 2017-05-10",
            "en": "write a date as YYYY-MM-DD or DD/MM/YYYY, e.g. 2017-05-10"},
    "unknown_code": {"vi": "mã không có trong danh mục", "en": "unknown code"},
    "unknown_code_allowed": {"vi": "mã {typed} không có trong danh mục (được phép: {choices})",
                             "en": "unknown code {typed} (allowed: {choices})"},
    "unknown_code_hint": {"vi": "mã {typed} không có trong danh mục (được phép: {choices}); có phải ý bạn là {closest}?",
                          "en": "unknown code {typed} (allowed: {choices}); did you mean {closest}?"},
})


def _field_problem(path: str) -> Problem | None:
    """Why ``path`` is not a field an application has, or None if it is one."""
    if path in APPLICATION_FIELDS:
        return None
    return Problem.of(path, _W + "not_a_field", allowed_key=_W + "dotted_path",
                      suggestion=suggest(path, APPLICATION_FIELDS), example="establishment.employees")


# ---------------------------------------------------------------- reading FIELD=VALUE


_WHOLE = re.compile(r"-?(\d+|\d{1,3}([.,_ ]\d{3})+)")


def parse_changes(rulebook: Rulebook, items: Iterable[str] | Mapping[str, str]) -> dict[str, Any]:
    """Read changes typed as text into field path -> value, ready for :func:`what_if`.

    ``items`` are ``FIELD=VALUE`` texts (``establishment.employees=40``,
    ``project.approved=yes``, ``establishment.district=Gia Lâm``) or a mapping
    field -> text, as a form sends them. Numbers may group thousands
    (``700.000.000``); yes/no and code names may be typed without accents; an
    empty value removes an optional field. Raises InputError listing every
    bad item at once.
    """
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    seen: set[str] = set()
    for path, text in _pairs(items):
        problem = _field_problem(path) if text is not _NO_EQUALS else \
            Problem.of(path, _W + "no_equals")
        if problem is None and path in seen:
            problem = Problem.of(path, _W + "twice", text)
        elif problem is None and not isinstance(text, str):
            problem = Problem.of(path, _W + "as_text", text)
        seen.add(path)
        if problem is not None:
            problems.append(problem)
            continue
        try:
            out[path] = parse_value(rulebook, path, text)
        except InputError as err:
            problems += err.problems
    if problems:
        raise InputError.of(_W + "invalid_changes", problems, listed=True)
    return out


_NO_EQUALS = object()  # the text of an item that has no "="


def _pairs(items: Iterable[str] | Mapping[str, str]) -> list[tuple[str, Any]]:
    """(field path, text) of each item; an item without ``=`` is (item, _NO_EQUALS)."""
    if isinstance(items, Mapping):
        return [(str(path).strip(), text) for path, text in items.items()]
    if isinstance(items, str):
        items = [items]  # one FIELD=VALUE text, not its characters
    out: list[tuple[str, Any]] = []
    for item in items:
        path, sep, text = item.partition("=")
        out.append((path.strip(), text) if sep else (item, _NO_EQUALS))
    return out


def parse_value(rulebook: Rulebook | None, path: str, text: str) -> Any:
    """Read ``text`` as a value of application field ``path``; raises InputError with one Problem.

    The error's message is the reason alone, as an interview shows it.
    """
    kind, optional = APPLICATION_FIELDS[path]
    raw = text.strip()
    if raw == "" or fold(raw) in ("null", "none", "-"):
        if optional:
            return None
        raise _refused(path, raw, "required")
    if kind == "bool":
        return _yes_no(path, raw)
    if kind == "int":
        return _whole(path, raw)
    if kind == "date":
        return _day(path, raw)
    if kind == "code":
        return _code(rulebook, path, raw)
    return raw


def _refused(path: str, raw: str, key: str, allowed: str | None = None,
             hint: str | None = None, shown: str | None = None, **values: Any) -> InputError:
    """The error of a value refused: its message is the problem's sentence ``key``, or the sentence ``shown``."""
    return InputError.of(_W + (shown or key), [Problem.of(path, _W + key, raw, allowed, hint)], **values)


def _yes_no(path: str, raw: str) -> bool:
    key = fold(raw)
    if key in ("y", "yes", "true", "1", "c", "co", "dung", "x"):
        return True
    if key in ("n", "no", "false", "0", "k", "khong", "sai"):
        return False
    raise _refused(path, raw, "yes_no")


def _whole(path: str, raw: str) -> int:
    text = raw.removesuffix("₫").removesuffix("đ").strip()
    # Separators are accepted only between groups of three digits ("700.000.000",
    # "700,000,000"), so "12.5" is refused instead of being read as 125.
    if not _WHOLE.fullmatch(text):
        raise _refused(path, raw, "whole")
    value = int(re.sub(r"[.,_ ]", "", text))
    if value < 0:
        raise _refused(path, raw, "negative")
    return value


def _day(path: str, raw: str) -> str:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date().isoformat()
        except ValueError:
            continue
    raise _refused(path, raw, "day")


def _code(rulebook: Rulebook | None, path: str, raw: str) -> str:
    if rulebook is None:
        raise ValueError("reading a code needs the rulebook that defines it")
    code = find_code(rulebook.definition, CODE_FIELDS[path], raw)
    if code is not None:
        return code
    choices = code_choices(rulebook.definition, CODE_FIELDS[path])
    hint = suggest(raw, [c for c, _ in choices] + [label for _, label in choices])
    allowed = ", ".join(c for c, _ in choices)
    raise _refused(path, raw, "unknown_code", allowed, hint, "unknown_code_hint" if hint else "unknown_code_allowed",
                   typed=repr(raw), choices=allowed, closest=repr(hint))


# ---------------------------------------------------------------- the smallest changes


def smallest_changes(rulebook: Rulebook, application: Application | Mapping[str, Any] | str, *,
                     fixed: Iterable[str] = DEFAULT_FIXED, on: dt.date | None = None,
                     limit: int = 3) -> tuple[Suggestion, ...]:
    """Up to ``limit`` sets of changes that make a refused application eligible, fewest fields first.

    ``fixed`` names facts (field paths, or ``establishment``, ``project``,
    ``applicant`` for all of one part) never to change; by default the facts
    an applicant cannot change (:data:`DEFAULT_FIXED`). Among as many fields,
    changes closer to the present numbers come first. Every suggestion is
    verified by deciding the changed application under the law of ``on``
    (default: the application date). Empty when the application is eligible
    already, or when no change of the free facts would do as far as the rules
    allow computing it.
    """
    app = rulebook.parse_application(application)
    held = _check_fixed(fixed)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InputError(f"limit must be a whole number of at least 1, not {limit!r}")
    decision = rulebook.evaluate(app, on=on, explain=False)
    if decision.eligible:
        return ()
    per_criterion = _options(rulebook, app, decision, held, on)
    data = app.model_dump(mode="json", exclude_none=True)
    found: list[tuple[tuple[int, int], _Draft, int]] = []
    for combo in itertools.islice(itertools.product(*per_criterion), MAX_TRIALS):
        merged = _merge(combo)
        if not merged or any(merged == f for _, f, _ in found):
            continue
        amount = _eligible_amount(rulebook, data, merged, on)
        if amount is not None:
            found.append(((len(merged), _distance(data, merged)), merged, amount))
    found.sort(key=lambda item: item[0])
    return tuple(_suggestion(data, draft, amount) for _, draft, amount in found[:limit])


def _check_fixed(fixed: Iterable[str]) -> tuple[str, ...]:
    """The held facts, each a field of an application or a part of one; InputError naming any other."""
    if isinstance(fixed, str):
        raise InputError(f"fixed is a list of field paths, not one text: give ({fixed!r},)")
    held = tuple(fixed)
    parts = {p.rpartition(".")[0] for p in APPLICATION_FIELDS} - {""}
    known = sorted(set(APPLICATION_FIELDS) | parts)
    problems = [Problem.of("fixed", _W + "not_a_field", f, None, suggest(f, known), allowed_key=_W + "dotted_path",
                           example="project.approved") for f in held if f not in known]
    if problems:
        raise InputError.of(_W + "invalid_fixed", problems, listed=True)
    return held


@dataclass(frozen=True)
class _OneOf:
    """Any of these codes would do."""

    codes: tuple[str, ...]


_Draft = dict[str, Any]  # field path -> value, or _OneOf


def _options(rulebook: Rulebook, app: Application, decision: Decision, fixed: tuple[str, ...],
             on: dt.date | None) -> list[list[_Draft]]:
    """For each failed criterion, the alternative changes that would meet it ([] if one cannot be met)."""
    # The library's own fact (codes expanded, parameters and derived facts computed)
    # is what the conditions read, so thresholds are taken from it.
    finder = _Finder(rulebook, rulebook._fact(app, on or app.application_date), fixed)
    criteria = {c.id: c for c in rulebook.criteria_of(app.activity)}
    out = []
    for reason in decision.failed:
        crit = criteria.get(reason.criterion)
        options = finder.options(cond.nnf(crit.condition)) if crit is not None else []
        if not options:
            return []
        out.append(options)
    return out


def _eligible_amount(rulebook: Rulebook, data: dict[str, Any], draft: _Draft, on: dt.date | None) -> int | None:
    """The support the application changed by ``draft`` gets, or None if it is not eligible."""
    concrete = {k: (v.codes[0] if isinstance(v, _OneOf) else v) for k, v in draft.items()}
    try:
        after = rulebook.evaluate(apply_changes(data, concrete), on=on, explain=False)
    except ApplicationError:  # a change the model refuses (e.g. out of range) is no suggestion
        return None
    return after.support.amount_vnd if after.eligible else None


def _suggestion(data: dict[str, Any], draft: _Draft, amount: int) -> Suggestion:
    changes = []
    for path, value in draft.items():
        codes = value.codes if isinstance(value, _OneOf) else ()
        changes.append(Change(field=path, old=get_path(data, path), new=codes[0] if codes else value, one_of=codes))
    return Suggestion(changes=tuple(changes), amount_vnd=amount)


def _distance(data: dict[str, Any], change: _Draft) -> int:
    total = 0
    for path, value in change.items():
        old = get_path(data, path)
        if isinstance(old, int) and isinstance(value, int) and not isinstance(value, bool):
            total += abs(old - value)
    return total


def _merge(changes: tuple[_Draft, ...]) -> _Draft | None:
    """One draft holding all of ``changes``, or None where two of them contradict."""
    out: _Draft = {}
    for change in changes:
        for path, value in change.items():
            if path not in out:
                out[path] = value
                continue
            have = out[path]
            if isinstance(have, _OneOf) and isinstance(value, _OneOf):
                both = tuple(c for c in have.codes if c in value.codes)
                if not both:
                    return None
                out[path] = _OneOf(both)
            elif isinstance(have, _OneOf):
                if value not in have.codes:
                    return None
                out[path] = value
            elif isinstance(value, _OneOf):
                if have not in value.codes:
                    return None
            elif have != value:
                return None
    return out


class _Finder:
    """Reads a condition for the changes of free facts that would make it true."""

    def __init__(self, rulebook: Rulebook, fact: dict[str, Any], fixed: tuple[str, ...]) -> None:
        self.rb = rulebook
        self.fact = fact
        self.fixed = fixed

    def is_fixed(self, path: str) -> bool:
        return any(path == f or path.startswith(f + ".") for f in self.fixed)

    def holds(self, expr: cond.Expr) -> bool:
        return bool(cond.compile_python(expr)(self.fact))

    def options(self, expr: cond.Expr) -> list[_Draft]:
        """Alternative change sets that would make ``expr`` (in negation normal form) true."""
        if self.holds(expr):
            return [{}]
        if isinstance(expr, cond.Or):
            out: list[_Draft] = []
            for item in expr.items:
                out += [o for o in self.options(item) if o not in out]
            return out
        if isinstance(expr, cond.And):
            parts = [self.options(item) for item in expr.items if not self.holds(item)]
            if any(not p for p in parts):
                return []
            out = []
            for combo in itertools.islice(itertools.product(*parts), 20):
                merged = _merge(combo)
                if merged is not None and merged not in out:
                    out.append(merged)
            return out
        if isinstance(expr, cond.Cmp):
            return self.compare(expr)
        return []

    def value(self, expr: Any) -> Any:
        if isinstance(expr, cond.Lit):
            return expr.value
        if isinstance(expr, cond.Ref):
            return self.fact.get(cond.fact_key(expr.path))
        return None

    def field(self, expr: Any) -> tuple[str, str | None] | None:
        """(application field, code attribute or None) an expression names, if a fact one can change."""
        if not isinstance(expr, cond.Ref):
            return None
        path = expr.path
        if path in APPLICATION_FIELDS:
            found: tuple[str, str | None] = (path, None)
        else:
            base, _, attr = path.rpartition(".")
            if base not in CODE_FIELDS:
                return None
            found = (base, attr)
        if self.is_fixed(found[0]) or found[0] == "activity":
            return None
        return found

    def compare(self, c: cond.Cmp) -> list[_Draft]:
        op = c.op
        if op in ("is set", "is not set"):
            return []  # adding or hiding a fact is not a change of the facts
        target = self.field(c.left)
        if isinstance(c.right, tuple):
            if target is None:
                return []
            allowed = [lit.value for lit in c.right]
            return self.membership(target, op, allowed)
        other = c.right
        if target is None:
            target = self.field(c.right)
            other = c.left
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
            if target is None:
                return []
        value = self.value(other)
        if value is None:
            return []
        path, attr = target
        if attr is not None:
            return self.membership(target, "attr" + op, [value])
        kind = APPLICATION_FIELDS[path][0]
        if kind == "bool":
            return [{path: value if op == "==" else not value}]
        if kind in ("code", "str"):
            if op == "==":
                return [{path: value}]
            return self.membership(target, "not in", [value])
        if kind in ("int", "date"):
            new = {"<=": value, ">=": value, "==": value, "<": value - 1, ">": value + 1}.get(op)
            if new is None or new < 0:
                return []
            if kind == "date":
                return [{path: dt.date.fromordinal(new).isoformat()}]
            return [{path: new}]
        return []

    def membership(self, target: tuple[str, str | None], op: str, values: list[Any]) -> list[_Draft]:
        path, attr = target
        table = CODE_FIELDS.get(path)
        if table is None:
            if op == "in" and values:
                return [{path: _OneOf(tuple(values))}]
            return []
        tbl = self.rb.definition.codes.get(table)
        if tbl is None:
            return []
        codes = []
        for code, cv in tbl.values.items():
            have = code if attr is None else cv.attrs.get(attr)
            if have is None:
                continue
            if op == "in":
                ok = have in values
            elif op == "not in":
                ok = have not in values
            else:  # attr<op>: compare an attribute with one value
                want = values[0]
                ok = {"attr==": have == want, "attr!=": have != want}.get(op, False)
            if ok:
                codes.append(code)
        return [{path: _OneOf(tuple(codes))}] if codes else []
