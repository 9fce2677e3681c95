"""What-if for ``kcrules check``: changed facts, and the smallest changes that make an application eligible.

The smallest changes are read off the failed criteria themselves: a comparison
of an application field with a number (a literal, a parameter or a derived
fact) gives the threshold value; membership in a code list gives the allowed
codes; a yes/no fact gives its other value. Every combination proposed is
checked by evaluating the changed application, so a suggestion is never shown
unless the rulebook itself says it would be eligible.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from typing import Any

from kcrules.errors import InputError
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.codes import find_code
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS
from kcrules.text.values import show_value
from kcrules.util.jsonpath import copy_tree, get_path
from kcrules.util.words import fold, suggest

#: Combinations of candidate changes evaluated at most, to keep the command quick.
MAX_TRIALS = 60


_WHOLE = re.compile(r"-?(\d+|\d{1,3}([.,_ ]\d{3})+)")


# ---------------------------------------------------------------- reading FIELD=VALUE


def parse_value(rulebook: Any, path: str, text: str) -> Any:
    """Read ``text`` as a value of application field ``path`` (raises ValueError with the reason)."""
    kind, optional = APPLICATION_FIELDS[path]
    raw = text.strip()
    if raw == "" or fold(raw) in ("null", "none", "-"):
        if optional:
            return None
        raise ValueError("this field is required: give a value")
    if kind == "bool":
        key = fold(raw)
        if key in ("y", "yes", "true", "1", "c", "co", "dung", "x"):
            return True
        if key in ("n", "no", "false", "0", "k", "khong", "sai"):
            return False
        raise ValueError("answer yes or no (có/không, c/k, y/n)")
    if kind == "int":
        text = raw.strip().removesuffix("₫").removesuffix("đ").strip()
        # Separators are accepted only between groups of three digits ("700.000.000",
        # "700,000,000"), so "12.5" is refused instead of being read as 125.
        if not _WHOLE.fullmatch(text):
            raise ValueError("write a whole number, e.g. 700000000 or 700.000.000")
        value = int(re.sub(r"[.,_ ]", "", text))
        if value < 0:
            raise ValueError("must not be negative")
        return value
    if kind == "date":
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
            try:
                return dt.datetime.strptime(raw, fmt).date().isoformat()
            except ValueError:
                continue
        raise ValueError("write a date as YYYY-MM-DD or DD/MM/YYYY, e.g. 2017-05-10")
    if kind == "code":
        code = find_code(rulebook.definition, CODE_FIELDS[path], raw)
        if code is None:
            choices = code_choices(rulebook, CODE_FIELDS[path])
            hint = suggest(raw, [c for c, _ in choices] + [label for _, label in choices])
            extra = f"; did you mean {hint!r}?" if hint else ""
            raise ValueError(f"unknown code {raw!r} (allowed: {', '.join(c for c, _ in choices)}){extra}")
        return code
    return raw


def code_choices(rulebook: Any, table: str, lang: str = "vi") -> list[tuple[str, str]]:
    """(code, label) of a code table, in the rulebook's order."""
    d = rulebook.definition
    if table == "activity":
        return [(a.id, a.label[lang]) for a in d.activities.values()]
    tbl = d.codes.get(table)
    return [(v.id, v.label[lang]) for v in tbl.values.values()] if tbl else []


def parse_changes(rulebook: Any, items: list[str]) -> list[tuple[str, Any]]:
    """Read ``field=value`` items into (field path, value); raises InputError naming the item."""

    out: list[tuple[str, Any]] = []
    fields = [p for p in APPLICATION_FIELDS if p not in ("activity",)]
    for item in items:
        path, sep, text = item.partition("=")
        path = path.strip()
        if not sep:
            raise InputError(f"--what-if {item!r}: write FIELD=VALUE, e.g. establishment.employees=40")
        if path not in APPLICATION_FIELDS:
            hint = suggest(path, fields)
            extra = f" Did you mean {hint!r}?" if hint else ""
            raise InputError(f"--what-if {item!r}: {path!r} is not a field of an application.{extra} "
                               "`kcrules schema` lists the fields.")
        try:
            value = parse_value(rulebook, path, text)
        except ValueError as err:
            raise InputError(f"--what-if {item!r}: {err}") from None
        out.append((path, value))
    return out


def apply_changes(data: dict[str, Any], changes: list[tuple[str, Any]] | dict[str, Any]) -> dict[str, Any]:
    """A copy of an application dict with the changes set (None removes a field)."""
    out = copy_tree(data)
    items = changes.items() if isinstance(changes, dict) else changes
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


# ---------------------------------------------------------------- showing what changed

_W = {
    "changed": {"vi": "Giả sử", "en": "What if"},
    "diff": {"vi": "Thay đổi so với hồ sơ gốc", "en": "Changes from the original application"},
    "verdict": {"vi": "Kết quả", "en": "Result"},
    "amount": {"vi": "Mức hỗ trợ", "en": "Support"},
    "priority": {"vi": "Điểm ưu tiên", "en": "Priority score"},
    "same": {"vi": "Quyết định không đổi.", "en": "The decision does not change."},
    "yes": {"vi": "đủ điều kiện", "en": "eligible"},
    "no": {"vi": "không đủ điều kiện", "en": "not eligible"},
    "suggest_head": {"vi": "Những thay đổi nhỏ nhất để hồ sơ đủ điều kiện (giữ nguyên: {fixed})",
                     "en": "The smallest changes that would make the application eligible (held fixed: {fixed})"},
    "option": {"vi": "Phương án", "en": "Option"},
    "none": {"vi": "Không tính được thay đổi nào làm hồ sơ đủ điều kiện mà không đổi các thông tin được giữ nguyên; "
                   "xem các tiêu chí không đạt ở trên.",
             "en": "No change that keeps the fixed facts would make it eligible, as far as the rules allow "
                   "computing; see the failed criteria above."},
    "one_of": {"vi": "một trong", "en": "one of"},
    "try": {"vi": "Thử: kcrules check FILE --what-if {items}", "en": "Try: kcrules check FILE --what-if {items}"},
}


def _w(key: str, lang: str, **kw: Any) -> str:
    return _W[key][lang].format(**kw)


def diff_text(rulebook: Any, before: Any, after: Any, changes: list[tuple[str, Any]], lang: str) -> str:
    from kcrules.text import i18n as i18n

    out = [f"{_w('diff', lang)}:"]
    for path, value in changes:
        out.append(f"  {_w('changed', lang)} {path} = {show_value(rulebook, path, value, lang)}")
    lines = []
    if before.eligible != after.eligible:
        lines.append(f"  {_w('verdict', lang)}: {_w('yes' if before.eligible else 'no', lang)} → "
                     f"{_w('yes' if after.eligible else 'no', lang)}")
    if before.support.amount_vnd != after.support.amount_vnd:
        lines.append(f"  {_w('amount', lang)}: {i18n.money(before.support.amount_vnd, lang)} → "
                     f"{i18n.money(after.support.amount_vnd, lang)}")
    if before.priority.score != after.priority.score:
        lines.append(f"  {_w('priority', lang)}: {before.priority.score} → {after.priority.score}")
    old = {r.criterion: r.outcome for r in before.reasons}
    labels = {c.id: c.label[lang] for c in rulebook.criteria_of(after.activity)}
    for r in after.reasons:
        if old.get(r.criterion) != r.outcome:
            was = i18n.msg(old[r.criterion], lang) if r.criterion in old else "—"
            lines.append(f"  {labels.get(r.criterion, r.criterion)} [{r.criterion}]: {was} → "
                         f"{i18n.msg(r.outcome, lang)}")
    return "\n".join(out + (lines or [f"  {_w('same', lang)}"]))


# ---------------------------------------------------------------- the smallest changes


@dataclass(frozen=True)
class OneOf:
    """Any of these codes would do."""

    codes: tuple[str, ...]


Change = dict[str, Any]  # field path -> value, or OneOf


def smallest_changes(rulebook: Any, app: Any, decision: Any, *, fixed: tuple[str, ...] = (),
                     on: dt.date | None = None, limit: int = 3) -> list[Change]:
    """Sets of changes to the facts, fewest fields first, each verified to make ``app`` eligible."""
    law_date = on or app.application_date
    # The library's own fact (codes expanded, parameters and derived facts computed)
    # is what the conditions read, so thresholds are taken from it.
    fact = rulebook._fact(app, law_date)
    data = app.model_dump(mode="json", exclude_none=True)
    finder = _Finder(rulebook, fact, fixed)
    per_criterion: list[list[Change]] = []
    for reason in decision.failed:
        crit = next((c for c in rulebook.criteria_of(app.activity) if c.id == reason.criterion), None)
        if crit is None:
            return []
        options = finder.options(cond.nnf(crit.condition))
        if not options:
            return []
        per_criterion.append(options)
    found: list[tuple[tuple[int, int], Change]] = []
    for trial, combo in enumerate(itertools.product(*per_criterion)):
        if trial >= MAX_TRIALS:
            break
        merged = _merge(combo)
        if merged is None or not merged:
            continue
        concrete = {k: (v.codes[0] if isinstance(v, OneOf) else v) for k, v in merged.items()}
        try:
            after = rulebook.evaluate(apply_changes(data, concrete), on=on)
        except Exception:  # a change the model refuses (e.g. out of range) is no suggestion
            continue
        if after.eligible and all(merged != f for _, f in found):
            found.append(((len(merged), _distance(data, merged)), merged))
    found.sort(key=lambda item: item[0])
    return [change for _, change in found[:limit]]


def _distance(data: dict[str, Any], change: Change) -> int:
    total = 0
    for path, value in change.items():
        old = get_path(data, path)
        if isinstance(old, int) and isinstance(value, int) and not isinstance(value, bool):
            total += abs(old - value)
    return total


def _merge(changes: tuple[Change, ...]) -> Change | None:
    out: Change = {}
    for change in changes:
        for path, value in change.items():
            if path not in out:
                out[path] = value
                continue
            have = out[path]
            if isinstance(have, OneOf) and isinstance(value, OneOf):
                both = tuple(c for c in have.codes if c in value.codes)
                if not both:
                    return None
                out[path] = OneOf(both)
            elif isinstance(have, OneOf):
                if value not in have.codes:
                    return None
                out[path] = value
            elif isinstance(value, OneOf):
                if have not in value.codes:
                    return None
            elif have != value:
                return None
    return out


class _Finder:
    def __init__(self, rulebook: Any, fact: dict[str, Any], fixed: tuple[str, ...]) -> None:
        self.rb = rulebook
        self.fact = fact
        self.fixed = fixed

    def is_fixed(self, path: str) -> bool:
        return any(path == f or path.startswith(f + ".") for f in self.fixed)

    def holds(self, expr: cond.Expr) -> bool:
        return bool(cond.compile_python(expr)(self.fact))

    def options(self, expr: cond.Expr) -> list[Change]:
        """Alternative change sets that would make ``expr`` (in negation normal form) true."""
        if self.holds(expr):
            return [{}]
        if isinstance(expr, cond.Or):
            out: list[Change] = []
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

    def compare(self, c: cond.Cmp) -> list[Change]:
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

    def membership(self, target: tuple[str, str | None], op: str, values: list[Any]) -> list[Change]:
        path, attr = target
        table = CODE_FIELDS.get(path)
        if table is None:
            if op == "in" and values:
                return [{path: OneOf(tuple(values))}]
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
        return [{path: OneOf(tuple(codes))}] if codes else []


def suggestions_text(rulebook: Any, app: Any, found: list[Change], fixed: tuple[str, ...], lang: str) -> str:

    data = app.model_dump(mode="json", exclude_none=True)
    head = _w("suggest_head", lang, fixed=", ".join(fixed) or "—")
    if not found:
        return f"{head}:\n  {_w('none', lang)}"
    out = [f"{head}:"]
    for i, change in enumerate(found, 1):
        out.append(f"  {_w('option', lang)} {i}:")
        items = []
        for path, value in change.items():
            old = show_value(rulebook, path, get_path(data, path), lang)
            if isinstance(value, OneOf):
                shown = ", ".join(value.codes[:12]) + (" …" if len(value.codes) > 12 else "")
                new = f"{_w('one_of', lang)}: {shown}"
                items.append(f"{path}={value.codes[0]}")
            else:
                new = show_value(rulebook, path, value, lang)
                items.append(f"{path}={_plain(value)}")
            out.append(f"    {path}: {old} → {new}")
        out.append(f"    {_w('try', lang, items=' '.join(items))}")
    return "\n".join(out)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
