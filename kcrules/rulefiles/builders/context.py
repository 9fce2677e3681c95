"""What every build step shares: the files read, the problems found, the definition so far, the common checks.

Takes the rule files of a rulebook chain (:class:`RuleFile`: path, display name,
parsed data, text); gives a :class:`Context` that each build step reads and adds
to, and the checks they all use: allowed and required keys, a bilingual text, a
date, an id, and whether a definition may replace one of an extended rulebook.
Each problem is added with ``where``: file, the line of the key at fault, and its dotted path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kcrules.errors import Problem
from kcrules.rulefiles.builders.lines import KeyLines
from kcrules.rulefiles.definition import LANGS, Definition
from kcrules.util.words import suggest

_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*")
#: The longest rulebook id: it names files (the reference pages), so it stays short.
MAX_RULEBOOK_ID = 64
RULEBOOK_ID_RULE = (f"lower-case letters, digits, '.', '-' or '_', starting with a letter or digit, "
                    f"at most {MAX_RULEBOOK_ID} characters")


def is_rulebook_id(value: object) -> bool:
    """Whether ``value`` is a safe rulebook id: a slug that names a file, never a path."""
    return isinstance(value, str) and len(value) <= MAX_RULEBOOK_ID and _ID.fullmatch(value) is not None


class Collector:
    """Collects problems while reading; each names file, rule id and key."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: str, message: str, given: object = None, allowed: str | None = None,
            suggestion: str | None = None) -> None:
        self.problems.append(Problem(where, message, given, allowed, suggestion))


def where(file: str, section: str, rule: str | None = None, key: str | None = None,
          line: int | None = None) -> str:
    loc = file + (f":{line}" if line else "")
    path = section + (f".{rule}" if rule else "") + (f".{key}" if key else "")
    return f"{loc} [{path}]"


class RuleFile:
    """One rule file: where it is, the name problems show, its parsed tables and its text."""

    def __init__(self, path: Path, display: str, data: dict[str, Any], text: str) -> None:
        self.path = path
        self.display = display
        self.data = data
        self.text = text
        self._lines: KeyLines | None = None

    def where(self, section: str, rule: str | None = None, key: str | None = None) -> str:
        """Where a problem is: this file, the line of the key at fault, the key's dotted path."""
        if self._lines is None:
            self._lines = KeyLines(self.text)  # only when there is a problem to report
        path = section + (f".{rule}" if rule else "") + (f".{key}" if key else "")
        return where(self.display, section, rule, key, self._lines.find(path))


def tables(f: RuleFile, section: str, problems: Collector) -> list[tuple[str, dict[str, Any]]]:
    """The definitions of a section of a file, each a table (anything else is a problem)."""
    body = f.data.get(section)
    if body is None:
        return []
    if not isinstance(body, dict):
        problems.add(f.where(section), "must be a table of definitions", body)
        return []
    out = []
    for key, value in body.items():
        if not isinstance(value, dict):
            problems.add(f.where(section, key), "must be a table", value)
            continue
        out.append((key, value))
    return out


def origin(existing: dict[str, Any], key: str) -> str | None:
    """The rulebook that defined ``existing[key]``, if any."""
    return existing[key].origin if key in existing else None


class Context:
    """The state of one build: the definition so far, the problems, what is still to check."""

    def __init__(self, problems: Collector) -> None:
        self.p = problems
        self._d: Definition | None = None
        self.hash = hashlib.sha256()
        self.chain: list[str] = []
        # raw tables, checked once everything is read (conditions need every name)
        self.pending_derived: list[tuple[str, str, RuleFile, dict[str, Any]]] = []
        self.pending_criteria: list[tuple[str, str, RuleFile, dict[str, Any], str]] = []
        self.pending_activities: list[tuple[str, str, RuleFile, dict[str, Any]]] = []
        self.pending_program: tuple[str, RuleFile, dict[str, Any]] | None = None
        self.group_origin: dict[str, str] = {}
        self.group_file: dict[str, RuleFile] = {}
        # Ids whose definition was refused: references to them are not reported
        # again, so one mistake gives one problem, not a cascade.
        self.broken: set[str] = set()

    @property
    def d(self) -> Definition:
        assert self._d is not None, "no rulebook added yet"
        return self._d

    def start(self, definition: Definition) -> None:
        self._d = definition

    @property
    def started(self) -> bool:
        return self._d is not None

    # -- the checks every step uses

    def where(self, f: RuleFile, section: str, rule: str | None = None, key: str | None = None) -> str:
        return f.where(section, rule, key)

    def keys(self, table: dict[str, Any], allowed: Iterable[str], required: Iterable[str], f: RuleFile,
             section: str, rule: str | None) -> bool:
        allowed = tuple(allowed)
        ok = True
        for key in table:
            if key not in allowed:
                self.p.add(self.where(f, section, rule, key), "unknown key", key,
                           ", ".join(allowed), suggest(key, allowed))
                ok = False
        for key in required:
            if key not in table:
                self.p.add(self.where(f, section, rule, key), "missing required key")
                ok = False
        return ok

    def label(self, value: Any, f: RuleFile, section: str, rule: str, key: str = "label") -> dict[str, str]:
        if not isinstance(value, dict) or set(value) != set(LANGS) or not all(
            isinstance(v, str) and v.strip() for v in value.values()
        ):
            self.p.add(self.where(f, section, rule, key), "needs a Vietnamese and an English text",
                       value, "{ vi = \"…\", en = \"…\" }")
            return {"vi": str(rule), "en": str(rule)}
        return dict(value)

    def date(self, value: Any, f: RuleFile, section: str, rule: str | None, key: str) -> dt.date | None:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        self.p.add(self.where(f, section, rule, key), "must be a date written as YYYY-MM-DD (no quotes)", value)
        return None

    def check_id(self, rule: str, f: RuleFile, section: str) -> bool:
        if not _ID.fullmatch(rule):
            self.p.add(self.where(f, section, rule), "ids are lower-case letters, digits, '.', '-' or '_'", rule)
            return False
        return True

    def claim(self, kind: str, rule: str, origin: str | None, body: dict[str, Any], f: RuleFile,
              section: str, rb_id: str) -> bool:
        """Decide whether a definition may be added; an override must say what it overrides.

        ``origin`` is the rulebook that already defines ``rule`` (None if none does).
        """
        over = body.pop("overrides", None)
        if origin is not None:
            if origin == rb_id:
                self.p.add(self.where(f, section, rule), f"duplicate {kind} id (defined twice in {rb_id})", rule)
                return False
            if over != origin:
                self.p.add(self.where(f, section, rule, "overrides"),
                           f"redefines {kind} {rule!r} of rulebook {origin!r} without saying so: "
                           f"add overrides = \"{origin}\"", over)
                return False
            self.d.overrides[f"{kind}:{rule}"] = origin
            return True
        if over is not None:
            self.p.add(self.where(f, section, rule, "overrides"),
                       f"overrides nothing: no {kind} {rule!r} in the rulebooks this one extends", over)
            return False
        return True
