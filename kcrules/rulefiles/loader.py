"""Read rule files into a checked, immutable rulebook definition.

A rulebook is a folder: ``rulebook.toml`` names it (and the rulebook it
extends); every other ``*.toml`` beside it holds tables of definitions. Test
cases live under ``tests/`` and are not read here. The format is documented in
docs/rule-author-guide.md. Everything is checked here, at load time: unknown keys,
wrong types, unknown codes, duplicate ids, missing citations, conditions that do
not parse or type-check. Every problem is collected and reported at once, each
naming file, rule id and key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from kcrules.errors import Problem, RuleFileError
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS, REQUIRED_TABLES
from kcrules.util.words import suggest

PROVENANCES = ("program", "law", "guidance", "assumption")
UNITS = ("vnd", "percent", "ratio", "count", "days", "months", "years", "date")
LANGS = ("vi", "en")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_SECTIONS = (
    "rulebook", "sources", "codes", "parameters", "derived", "criteria", "groups",
    "activities", "priority", "program", "plan",
)


# ---------------------------------------------------------------- definitions


@dataclass(frozen=True)
class Cite:
    source: str
    document: str
    article: str | None = None
    clause: str | None = None
    point: str | None = None
    section: str | None = None
    #: The texts that detail this one (cited after it): a decree, then its circular.
    also: tuple[Cite, ...] = ()

    def text(self, lang: str = "vi") -> str:
        return "; ".join([self._own(lang)] + [c._own(lang) for c in self.also])

    def _own(self, lang: str) -> str:
        parts = [self.document]
        if self.section:
            parts.append(f"§{self.section}")
        words = {"vi": ("Điều", "khoản", "điểm"), "en": ("Article", "clause", "point")}[lang]
        for word, value in zip(words, (self.article, self.clause, self.point)):
            if value:
                parts.append(f"{word} {value}")
        return " ".join(parts)


@dataclass(frozen=True)
class Source:
    key: str
    short: str
    title: str
    in_force_from: dt.date | None
    note: dict[str, str] | None  # {vi, en}: e.g. that its text is not bundled


@dataclass(frozen=True)
class ParamValue:
    start: dt.date
    until: dt.date | None
    value: Any  # int, Fraction or ordinal date, by unit
    raw: str
    provenance: str
    cite: Cite
    note: dict[str, str] | None  # {vi, en}: why a guidance or assumption value is used


@dataclass(frozen=True)
class Param:
    id: str
    label: dict[str, str]
    unit: str
    values: tuple[ParamValue, ...]
    origin: str  # rulebook id that defined it
    file: str

    def at(self, day: dt.date) -> ParamValue | None:
        for v in self.values:
            if v.start <= day and (v.until is None or day < v.until):
                return v
        return None


@dataclass(frozen=True)
class CodeValue:
    id: str
    label: dict[str, str]
    aliases: tuple[str, ...]
    attrs: dict[str, Any]


@dataclass(frozen=True)
class CodeTable:
    id: str
    label: dict[str, str]
    attributes: dict[str, tuple[str, bool, str | None]]  # name -> (kind, optional, table)
    values: dict[str, CodeValue]
    cite: Cite | None


@dataclass(frozen=True)
class Derived:
    id: str
    label: dict[str, str]
    type: str
    expr: cond.Expr
    text: str
    cite: Cite
    file: str


@dataclass(frozen=True)
class Criterion:
    id: str
    kind: str  # eligibility | priority
    label: dict[str, str]
    cite: Cite
    condition: cond.Expr
    condition_text: str
    applies_when: cond.Expr | None
    applies_text: str | None
    explain: dict[str, str]
    assumption: dict[str, str] | None  # {vi, en}: what the criterion assumes beyond its source
    tier: str | None
    order: int
    origin: str
    file: str


@dataclass(frozen=True)
class Target:
    count: int | None
    count_max: int | None
    unit: dict[str, str]
    cite: Cite
    provenance: str


@dataclass(frozen=True)
class SupportDef:
    method: str  # share | full
    base: str
    share: str | None
    caps: tuple[str, ...]
    uplift: str | None
    cite: Cite
    note: dict[str, str]


@dataclass(frozen=True)
class Activity:
    id: str
    label: dict[str, str]
    cite: Cite
    applicants: tuple[str, ...]
    beneficiary: bool
    criteria: tuple[str, ...]
    requires: tuple[str, ...]
    support: SupportDef
    target: Target | None
    origin: str
    file: str
    applicants_assumption: dict[str, str] | None = None


@dataclass(frozen=True)
class Tier:
    id: str
    label: dict[str, str]
    mode: str  # first_met | count
    cite: Cite
    uplift: bool  # meeting a criterion of this tier makes a priority project (1.5x levels)


@dataclass(frozen=True)
class Program:
    start: dt.date
    until: dt.date
    budget_param: str
    cite: Cite


@dataclass
class Definition:
    """The merged, checked content of a rulebook chain (root first)."""

    id: str
    title: dict[str, str]
    chain: tuple[str, ...]
    abstract: bool
    version: str
    folder: Path
    sources: dict[str, Source] = field(default_factory=dict)
    codes: dict[str, CodeTable] = field(default_factory=dict)
    params: dict[str, Param] = field(default_factory=dict)
    derived: dict[str, Derived] = field(default_factory=dict)
    criteria: dict[str, Criterion] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    activities: dict[str, Activity] = field(default_factory=dict)
    tiers: tuple[Tier, ...] = ()
    program: Program | None = None
    overrides: dict[str, str] = field(default_factory=dict)  # "kind:id" -> overridden rulebook
    # The [plan] table (ranking and allocation policy), checked by kcrules.plan; the
    # last rulebook of the chain that has one wins. (file, table) or None.
    plan: tuple[str, dict[str, Any]] | None = None


# ---------------------------------------------------------------- bundled rulebooks


def bundled_root() -> Path:
    """The folder of the rulebooks shipped with kcrules (inside the wheel)."""
    here = Path(__file__).resolve().parent
    try:
        from importlib.resources import files

        root = Path(str(files("kcrules.rules")))
        if (root / "hanoi-2016-2020").is_dir():
            return root
    except ModuleNotFoundError:
        pass
    return here.parent / "rules"  # a source checkout that was not installed


DEFAULT_RULEBOOK = "hanoi-2016-2020"


def bundled_ids() -> list[str]:
    root = bundled_root()
    return sorted(p.parent.name for p in root.glob("*/rulebook.toml"))


# ---------------------------------------------------------------- the loader


class _Collector:
    """Collects problems while reading; each names file, rule id and key."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: str, message: str, given: object = None, allowed: str | None = None,
            suggestion: str | None = None) -> None:
        self.problems.append(Problem(where, message, given, allowed, suggestion))


def _where(file: str, section: str, rule: str | None = None, key: str | None = None,
           line: int | None = None) -> str:
    loc = file + (f":{line}" if line else "")
    path = section + (f".{rule}" if rule else "") + (f".{key}" if key else "")
    return f"{loc} [{path}]"


def _line_of(text: str, section: str, rule: str) -> int | None:
    """Line number of the table header defining ``section.rule`` (for messages)."""
    pattern = re.compile(
        r"^\s*\[\[?\s*" + re.escape(section) + r"\.\s*\"?" + re.escape(rule) + r"\"?\s*[\].]", re.M
    )
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


class _File:
    def __init__(self, path: Path, display: str, data: dict[str, Any], text: str) -> None:
        self.path = path
        self.display = display
        self.data = data
        self.text = text


def load_definition(folder: Path) -> Definition:
    """Load the rulebook in ``folder`` and every rulebook it extends."""
    problems = _Collector()
    chain_files: list[tuple[str, Path, list[_File]]] = []
    seen: set[Path] = set()
    current: Path | None = folder
    while current is not None:
        if current.resolve() in seen:
            problems.add(str(current), "rulebooks extend each other in a cycle")
            break
        seen.add(current.resolve())
        files = _read_folder(current, problems)
        head = next((f for f in files if f.path.name == "rulebook.toml"), None)
        if head is None:
            problems.add(str(current), "no rulebook.toml in this folder")
            break
        meta = head.data.get("rulebook", {})
        rb_id = meta.get("id") if isinstance(meta, dict) else None
        if not isinstance(rb_id, str):
            problems.add(_where(head.display, "rulebook", key="id"), "missing rulebook id")
            break
        chain_files.append((rb_id, current, files))
        parent = meta.get("extends")
        if parent is None:
            current = None
        elif isinstance(parent, str):
            candidate = current.parent / parent
            if not (candidate / "rulebook.toml").is_file():
                candidate = bundled_root() / parent
            if not (candidate / "rulebook.toml").is_file():
                problems.add(_where(head.display, "rulebook", key="extends"),
                             "extends a rulebook that cannot be found", parent,
                             suggestion=suggest(parent, bundled_ids()))
                current = None
            else:
                current = candidate
        else:
            problems.add(_where(head.display, "rulebook", key="extends"), "must be a rulebook id", parent)
            current = None
    if problems.problems:
        raise RuleFileError(problems.problems)
    chain_files.reverse()  # root first
    builder = _Builder(problems)
    for rb_id, path, files in chain_files:
        builder.add_rulebook(rb_id, path, files)
    definition = builder.finish()
    if problems.problems:
        raise RuleFileError(problems.problems)
    return definition


def _read_folder(folder: Path, problems: _Collector) -> list[_File]:
    files = []
    for path in sorted(folder.glob("*.toml")):
        display = f"{folder.name}/{path.name}"
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except UnicodeDecodeError as err:
            problems.add(display, f"not UTF-8 text ({err.reason})")
            continue
        except tomllib.TOMLDecodeError as err:
            problems.add(display, f"not valid TOML: {err}")
            continue
        files.append(_File(path, display, data, text))
    return files


class _Builder:
    def __init__(self, problems: _Collector) -> None:
        self.p = problems
        self.d: Definition | None = None
        self.hash = hashlib.sha256()
        self.chain: list[str] = []
        # raw tables, checked once everything is read (conditions need every name)
        self.pending_derived: list[tuple[str, str, _File, dict[str, Any]]] = []
        self.pending_criteria: list[tuple[str, str, _File, dict[str, Any], str]] = []
        self.pending_activities: list[tuple[str, str, _File, dict[str, Any]]] = []
        self.pending_program: tuple[str, _File, dict[str, Any]] | None = None
        self.group_origin: dict[str, str] = {}
        # Ids whose definition was refused: references to them are not reported
        # again, so one mistake gives one problem, not a cascade.
        self.broken: set[str] = set()

    # -- helpers

    def where(self, f: _File, section: str, rule: str | None = None, key: str | None = None) -> str:
        line = _line_of(f.text, section, rule) if rule else None
        return _where(f.display, section, rule, key, line)

    def keys(self, table: dict[str, Any], allowed: Iterable[str], required: Iterable[str], f: _File,
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

    def label(self, value: Any, f: _File, section: str, rule: str, key: str = "label") -> dict[str, str]:
        if not isinstance(value, dict) or set(value) != set(LANGS) or not all(
            isinstance(v, str) and v.strip() for v in value.values()
        ):
            self.p.add(self.where(f, section, rule, key), "needs a Vietnamese and an English text",
                       value, "{ vi = \"…\", en = \"…\" }")
            return {"vi": str(rule), "en": str(rule)}
        return dict(value)

    def cite(self, value: Any, f: _File, section: str, rule: str, key: str = "cite") -> Cite:
        """One citation, or a list: the highest text that states the rule first, then those detailing it."""
        if isinstance(value, list) and value:
            cites = [self.cite(v, f, section, rule, f"{key}[{i}]") for i, v in enumerate(value)]
            return replace(cites[0], also=tuple(cites[1:]))
        assert self.d is not None
        fallback = Cite("?", "?")
        if not isinstance(value, dict):
            self.p.add(self.where(f, section, rule, key), "missing or malformed citation", value,
                       "{ source = \"…\", article = …, clause = …, point = \"…\" } or { source, section }, "
                       "or a list of them (the highest text first)")
            return fallback
        allowed = ("source", "article", "clause", "point", "section")
        if not self.keys(value, allowed, ("source",), f, section, f"{rule}.{key}"):
            return fallback
        src = value["source"]
        if src not in self.d.sources:
            self.p.add(self.where(f, section, rule, f"{key}.source"), "unknown source document", src,
                       ", ".join(sorted(self.d.sources)), suggest(str(src), self.d.sources))
            return fallback
        parts = {k: (str(value[k]) if k in value else None) for k in allowed[1:]}
        if not any(parts.values()):
            self.p.add(self.where(f, section, rule, key), "a citation names an article or a section")
        return Cite(src, self.d.sources[src].short, parts["article"], parts["clause"], parts["point"],
                    parts["section"])

    def condition(self, text: Any, f: _File, section: str, rule: str, key: str,
                  kind: str = "condition") -> cond.Expr | None:
        if not isinstance(text, str):
            self.p.add(self.where(f, section, rule, key), "must be a condition written as text", text)
            return None
        try:
            return cond.parse(text, self.resolve, kind)
        except cond.ConditionSyntaxError as err:
            names = self.names()
            hint = None
            m = re.search(r"unknown name '([^']+)'", err.message)
            if m and m.group(1) in self.broken:
                return None  # its own definition was already reported
            if m:
                hint = suggest(m.group(1), names)
            self.p.add(self.where(f, section, rule, key), err.message, text, suggestion=hint)
            return None

    def names(self) -> list[str]:
        assert self.d is not None
        out = list(APPLICATION_FIELDS)
        out += [f"params.{p}" for p in self.d.params]
        out += [f"derived.{p}" for p in self.d.derived]
        for path, table in CODE_FIELDS.items():
            tbl = self.d.codes.get(table)
            if tbl:
                out += [f"{path}.{a}" for a in tbl.attributes]
        return out

    def resolve(self, path: str) -> cond.FieldType | None:
        """The type of a name, for the condition type checker."""
        d = self.d
        assert d is not None
        if path.startswith("params."):
            param = d.params.get(path[7:])
            if param is None:
                return None
            kind = {"date": "date", "percent": "int"}.get(param.unit, "int")
            if param.unit == "ratio":
                return None  # ratios are used in support computations, not conditions
            return cond.FieldType(kind)
        if path.startswith("derived."):
            der = d.derived.get(path[8:])
            return cond.FieldType(der.type, optional=True) if der else None
        if path in APPLICATION_FIELDS:
            kind, optional = APPLICATION_FIELDS[path]
            if kind == "code":
                table = CODE_FIELDS[path]
                values = tuple(self.code_ids(table))
                return cond.FieldType("code", values, optional, table)
            return cond.FieldType(kind, optional=optional)
        base, _, attr = path.rpartition(".")
        if base in CODE_FIELDS and CODE_FIELDS[base] in d.codes:
            spec = d.codes[CODE_FIELDS[base]].attributes.get(attr)
            if spec:
                kind, optional, table = spec
                values = tuple(self.code_ids(table)) if table else ()
                return cond.FieldType(kind, values, True, table)
        return None

    def code_ids(self, table: str) -> list[str]:
        assert self.d is not None
        if table == "activity":
            return sorted({a[0] for a in self.pending_activities} | set(self.d.activities))
        tbl = self.d.codes.get(table)
        return sorted(tbl.values) if tbl else []

    def date(self, value: Any, f: _File, section: str, rule: str, key: str) -> dt.date | None:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        self.p.add(self.where(f, section, rule, key), "must be a date written as YYYY-MM-DD (no quotes)", value)
        return None

    def check_id(self, rule: str, f: _File, section: str) -> bool:
        if not _ID.match(rule):
            self.p.add(self.where(f, section, rule), "ids are lower-case letters, digits, '.', '-' or '_'", rule)
            return False
        return True

    def claim(self, kind: str, rule: str, origin: str | None, body: dict[str, Any], f: _File,
              section: str, rb_id: str) -> bool:
        """Decide whether a definition may be added; an override must say what it overrides.

        ``origin`` is the rulebook that already defines ``rule`` (None if none does).
        """
        assert self.d is not None
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

    # -- reading

    def add_rulebook(self, rb_id: str, folder: Path, files: list[_File]) -> None:
        self.chain.append(rb_id)
        for f in files:
            self.hash.update(f.path.name.encode() + b"\0" + f.text.encode() + b"\0")
        head = next(f for f in files if f.path.name == "rulebook.toml")
        meta = head.data["rulebook"]
        self.keys(meta, ("id", "title", "extends", "abstract", "description"), ("id", "title"), head,
                  "rulebook", None)
        title = self.label(meta.get("title"), head, "rulebook", rb_id, "title")
        abstract = meta.get("abstract", False)
        if self.d is None:
            self.d = Definition(rb_id, title, (), bool(abstract), "", folder)
        else:
            self.d.id, self.d.title, self.d.abstract, self.d.folder = rb_id, title, bool(abstract), folder
        # sources first: citations anywhere refer to them
        for f in files:
            for key in f.data:
                if key not in _SECTIONS:
                    self.p.add(_where(f.display, key), "unknown section", key, ", ".join(_SECTIONS),
                               suggest(key, _SECTIONS))
            for key, body in _tables(f, "sources", self.p):
                self.read_source(key, body, f, rb_id)
        for f in files:
            for key, body in _tables(f, "codes", self.p):
                self.read_codes(key, body, f, rb_id)
        for f in files:
            for key, body in _tables(f, "parameters", self.p):
                self.read_param(key, body, f, rb_id)
        for f in files:
            self.pending_derived += [(k, rb_id, f, b) for k, b in _tables(f, "derived", self.p)]
            self.pending_criteria += [(k, rb_id, f, b, "criteria") for k, b in _tables(f, "criteria", self.p)]
            self.pending_activities += [(k, rb_id, f, b) for k, b in _tables(f, "activities", self.p)]
            for key, body in _tables(f, "groups", self.p):
                self.read_group(key, body, f, rb_id)
            if "priority" in f.data:
                self.read_priority(f.data["priority"], f)
            if "program" in f.data:
                self.pending_program = (rb_id, f, f.data["program"])
            if "plan" in f.data:
                self.d.plan = (f.display, f.data["plan"])

    def read_source(self, key: str, body: dict[str, Any], f: _File, rb_id: str) -> None:
        assert self.d is not None
        if not self.check_id(key, f, "sources"):
            return
        if key in self.d.sources:
            self.p.add(self.where(f, "sources", key), "duplicate source id", key)
            return
        if not self.keys(body, ("short", "title", "in_force_from", "note"), ("short", "title"), f, "sources", key):
            return
        start = body.get("in_force_from")
        if start is not None:
            start = self.date(start, f, "sources", key, "in_force_from")
        note = self.label(body["note"], f, "sources", key, "note") if "note" in body else None
        self.d.sources[key] = Source(key, str(body["short"]), str(body["title"]), start, note)

    def read_codes(self, key: str, body: dict[str, Any], f: _File, rb_id: str) -> None:
        assert self.d is not None
        if not self.check_id(key, f, "codes"):
            return
        extend = body.get("extend", False)
        if not self.keys(body, ("label", "attributes", "values", "cite", "extend"), ("values",), f, "codes", key):
            return
        if key in self.d.codes and not extend:
            self.p.add(self.where(f, "codes", key), "code table already defined; to add codes write extend = true")
            return
        if extend and key not in self.d.codes:
            self.p.add(self.where(f, "codes", key, "extend"), "no such code table to extend", key,
                       ", ".join(sorted(self.d.codes)), suggest(key, self.d.codes))
            return
        old = self.d.codes.get(key)
        attributes = dict(old.attributes) if old else {}
        for name, spec in (body.get("attributes") or {}).items():
            text = str(spec)
            optional = text.endswith("?")
            kind = text.rstrip("?")
            table = None
            if kind.startswith("code:"):
                kind, table = "code", kind[5:]
            if kind not in ("int", "bool", "date", "str", "code"):
                self.p.add(self.where(f, "codes", key, f"attributes.{name}"), "unknown attribute type", spec,
                           "int, bool, date, str, code:TABLE, with ? when optional")
                continue
            attributes[name] = (kind, optional, table)
        label = self.label(body.get("label"), f, "codes", key) if not old else old.label
        values = dict(old.values) if old else {}
        raw_values = body.get("values")
        if not isinstance(raw_values, dict):
            self.p.add(self.where(f, "codes", key, "values"), "must be a table of codes", raw_values)
            return
        for code, vbody in raw_values.items():
            rule = f"{key}.values.{code}"
            if not self.check_id(code, f, "codes"):
                continue
            if code in values:
                self.p.add(self.where(f, "codes", rule), "duplicate code", code)
                continue
            if not isinstance(vbody, dict):
                self.p.add(self.where(f, "codes", rule), "must be a table", vbody)
                continue
            allowed = ("vi", "en", "aliases", *attributes)
            if not self.keys(vbody, allowed, ("vi", "en"), f, "codes", rule):
                continue
            attrs: dict[str, Any] = {}
            for name, (kind, optional, _table) in attributes.items():
                if name not in vbody:
                    if not optional:
                        self.p.add(self.where(f, "codes", rule, name), "missing required attribute")
                    continue
                value = vbody[name]
                if kind == "date":
                    parsed = self.date(value, f, "codes", rule, name)
                    attrs[name] = parsed.toordinal() if parsed else None
                elif not _is_kind(value, kind):
                    self.p.add(self.where(f, "codes", rule, name), f"must be {kind}", value)
                else:
                    attrs[name] = value
            aliases = vbody.get("aliases", [])
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                self.p.add(self.where(f, "codes", rule, "aliases"), "must be a list of texts", aliases)
                aliases = []
            values[code] = CodeValue(code, {"vi": str(vbody["vi"]), "en": str(vbody["en"])}, tuple(aliases), attrs)
        cite = self.cite(body["cite"], f, "codes", key) if "cite" in body else (old.cite if old else None)
        self.d.codes[key] = CodeTable(key, label, attributes, values, cite)

    def read_param(self, key: str, body: dict[str, Any], f: _File, rb_id: str) -> None:
        assert self.d is not None
        if not self.check_id(key, f, "parameters"):
            return
        body = dict(body)
        if not self.claim("parameter", key, _origin(self.d.params, key), body, f, "parameters", rb_id):
            self.broken.add(f"params.{key}")
            return
        if not self.keys(body, ("label", "unit", "values", "description"), ("label", "unit", "values"),
                         f, "parameters", key):
            self.broken.add(f"params.{key}")
            return
        label = self.label(body["label"], f, "parameters", key)
        unit = body["unit"]
        if unit not in UNITS:
            self.p.add(self.where(f, "parameters", key, "unit"), "unknown unit", unit, ", ".join(UNITS),
                       suggest(str(unit), UNITS))
            self.broken.add(f"params.{key}")
            return
        raw = body["values"]
        if not isinstance(raw, list) or not raw:
            self.p.add(self.where(f, "parameters", key, "values"), "needs at least one dated value",
                       allowed="[[parameters.ID.values]] tables")
            self.broken.add(f"params.{key}")
            return
        values: list[ParamValue] = []
        for i, v in enumerate(raw):
            rule = f"{key}.values[{i}]"
            if not isinstance(v, dict) or not self.keys(
                v, ("from", "until", "value", "provenance", "cite", "note"),
                ("from", "value", "provenance", "cite"), f, "parameters", rule,
            ):
                continue
            start = self.date(v["from"], f, "parameters", rule, "from")
            until = self.date(v["until"], f, "parameters", rule, "until") if "until" in v else None
            if start and until and until <= start:
                self.p.add(self.where(f, "parameters", rule, "until"),
                           "validity is [from, until): until must be after from", until.isoformat())
            prov = v["provenance"]
            if prov not in PROVENANCES:
                self.p.add(self.where(f, "parameters", rule, "provenance"), "unknown provenance", prov,
                           ", ".join(PROVENANCES), suggest(str(prov), PROVENANCES))
                continue
            note = self.label(v["note"], f, "parameters", rule, "note") if "note" in v else None
            if prov in ("guidance", "assumption") and note is None:
                self.p.add(self.where(f, "parameters", rule, "note"),
                           f"a {prov} value must say in a note why it is used and what would confirm it",
                           allowed="{ vi = \"…\", en = \"…\" }")
            value = _param_value(v["value"], unit)
            if value is None:
                self.p.add(self.where(f, "parameters", rule, "value"), f"not a valid {unit} value", v["value"],
                           _UNIT_HELP[unit])
                continue
            cite = self.cite(v["cite"], f, "parameters", rule)
            if start:
                values.append(ParamValue(start, until, value, str(v["value"]), prov, cite, note))
        values.sort(key=lambda pv: pv.start)
        for a, b in zip(values, values[1:]):
            if a.until is None or a.until > b.start:
                self.p.add(self.where(f, "parameters", key, "values"),
                           f"validity periods overlap: the value from {a.start} must end (until) "
                           f"on or before {b.start}")
        self.d.params[key] = Param(key, label, unit, tuple(values), rb_id, f.display)

    def read_group(self, key: str, body: Any, f: _File, rb_id: str) -> None:
        assert self.d is not None
        if not isinstance(body, dict) or not self.keys(body, ("criteria", "overrides"), ("criteria",), f,
                                                         "groups", key):
            return
        body = dict(body)
        if not self.claim("group", key, self.group_origin.get(key), body, f, "groups", rb_id):
            return
        items = body["criteria"]
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            self.p.add(self.where(f, "groups", key, "criteria"), "must be a list of criterion ids", items)
            return
        self.d.groups[key] = tuple(items)
        self.group_origin[key] = rb_id

    def read_priority(self, body: Any, f: _File) -> None:
        assert self.d is not None
        if not isinstance(body, dict) or not self.keys(body, ("tiers",), ("tiers",), f, "priority", None):
            return
        tiers = []
        for i, t in enumerate(body["tiers"]):
            rule = f"tiers[{i}]"
            if not isinstance(t, dict) or not self.keys(t, ("id", "label", "mode", "cite", "uplift"),
                                                        ("id", "label", "mode", "cite"), f, "priority", rule):
                continue
            if t["mode"] not in ("first_met", "count"):
                self.p.add(self.where(f, "priority", rule, "mode"), "unknown mode", t["mode"], "first_met, count")
                continue
            if not isinstance(t.get("uplift", False), bool):
                self.p.add(self.where(f, "priority", rule, "uplift"), "must be true or false", t["uplift"])
            tiers.append(Tier(str(t["id"]), self.label(t["label"], f, "priority", rule), t["mode"],
                              self.cite(t["cite"], f, "priority", rule), t.get("uplift") is True))
        self.d.tiers = tuple(tiers)  # a later rulebook's [priority] replaces the whole order

    # -- second pass: what refers to names

    def finish(self) -> Definition:
        d = self.d
        assert d is not None
        d.chain = tuple(self.chain)
        d.version = self.hash.hexdigest()[:16]
        for table in REQUIRED_TABLES if not d.abstract else ():
            if table not in d.codes:
                self.p.add(d.id, f"the rulebook chain defines no code table {table!r}")
        self.finish_derived()
        for key, rb_id, f, body, section in self.pending_criteria:
            crit = self.read_criterion(key, body, f, rb_id, section, None)
            if crit is not None:
                d.criteria[key] = crit
            elif key not in d.criteria:
                self.broken.add(key)
        self.finish_groups()
        for key, rb_id, f, body in self.pending_activities:
            self.read_activity(key, body, f, rb_id)
        if self.pending_program:
            self.read_program(*self.pending_program)
        elif not d.abstract:
            self.p.add(d.id, "a rulebook that is not abstract needs a [program] table")
        if not d.abstract and not d.activities:
            self.p.add(d.id, "a rulebook that is not abstract needs at least one activity")
        return d

    def finish_derived(self) -> None:
        d = self.d
        assert d is not None
        # Derived facts may read each other; resolve in dependency order.
        pending = list(self.pending_derived)
        for _ in range(len(pending) + 1):
            if not pending:
                break
            still = []
            for item in pending:
                key, rb_id, f, body = item
                if not isinstance(body, dict):
                    self.p.add(self.where(f, "derived", key), "must be a table", body)
                    continue
                if not self.keys(body, ("label", "type", "expr", "cite"), ("label", "type", "expr", "cite"), f,
                                 "derived", key):
                    continue
                try:
                    expr = cond.parse(body["expr"], self.resolve, "value")
                except cond.ConditionSyntaxError as err:
                    if "unknown name 'derived." in err.message:
                        still.append(item)
                        continue
                    self.p.add(self.where(f, "derived", key, "expr"), err.message, body["expr"])
                    continue
                if key in d.derived:
                    self.p.add(self.where(f, "derived", key), "duplicate derived fact id", key)
                    continue
                if expr.type != body["type"] and not (expr.type == "code" and body["type"] == "str"):
                    self.p.add(self.where(f, "derived", key, "type"), f"the expression is {expr.type}",
                               body["type"])
                    continue
                d.derived[key] = Derived(key, self.label(body["label"], f, "derived", key), body["type"], expr,
                                         body["expr"], self.cite(body["cite"], f, "derived", key), f.display)
            if len(still) == len(pending):
                for key, _, f, body in still:
                    self.condition(body.get("expr"), f, "derived", key, "expr", "value")
                break
            pending = still

    def read_criterion(self, key: str, body: Any, f: _File, rb_id: str, section: str,
                       activity: str | None) -> Criterion | None:
        d = self.d
        assert d is not None
        if not isinstance(body, dict):
            self.p.add(self.where(f, section, key), "must be a table", body)
            return None
        body = dict(body)
        if activity is None:
            if not self.check_id(key, f, section):
                return None
            if not self.claim("criterion", key, _origin(d.criteria, key), body, f, section, rb_id):
                return None
        allowed = ("kind", "label", "cite", "condition", "applies_when", "explain", "assumption", "tier",
                   "order")
        if not self.keys(body, allowed, ("label", "cite", "condition"), f, section, key):
            return None
        kind = body.get("kind", "eligibility")
        if kind not in ("eligibility", "priority"):
            self.p.add(self.where(f, section, key, "kind"), "unknown kind", kind, "eligibility, priority")
            return None
        tier = body.get("tier")
        if kind == "priority" and not any(t.id == tier for t in d.tiers):
            self.p.add(self.where(f, section, key, "tier"), "a priority criterion names its tier", tier,
                       ", ".join(t.id for t in d.tiers), suggest(str(tier), [t.id for t in d.tiers]))
        explain = body.get("explain", {})
        if explain and (not isinstance(explain, dict) or set(explain) - set(LANGS)):
            self.p.add(self.where(f, section, key, "explain"), "must be { vi = \"…\", en = \"…\" }", explain)
            explain = {}
        assumption = self.label(body["assumption"], f, section, key, "assumption") if "assumption" in body else None
        expr = self.condition(body["condition"], f, section, key, "condition")
        applies = None
        if "applies_when" in body:
            applies = self.condition(body["applies_when"], f, section, key, "applies_when")
            if applies is None:
                return None
        if expr is None:
            return None
        return Criterion(
            id=key if activity is None else f"{activity}.{key}", kind=kind,
            label=self.label(body["label"], f, section, key), cite=self.cite(body["cite"], f, section, key),
            condition=expr, condition_text=body["condition"], applies_when=applies,
            applies_text=body.get("applies_when"), explain=dict(explain), assumption=assumption,
            tier=tier, order=int(body.get("order", 0)), origin=rb_id, file=f.display,
        )

    def finish_groups(self) -> None:
        d = self.d
        assert d is not None
        for key, items in d.groups.items():
            for item in items:
                if item.startswith("@"):
                    if item[1:] not in d.groups:
                        self.p.add(_where("", "groups", key, "criteria"), "unknown group", item,
                                   suggestion=suggest(item[1:], d.groups))
                elif item not in d.criteria and item not in self.broken:
                    self.p.add(_where("", "groups", key, "criteria"), "unknown criterion", item,
                               suggestion=suggest(item, d.criteria))

    def expand(self, items: Iterable[str], depth: int = 0) -> list[str]:
        d = self.d
        assert d is not None
        out: list[str] = []
        for item in items:
            if item.startswith("@") and depth < 10:
                out += self.expand(d.groups.get(item[1:], ()), depth + 1)
            elif item not in out:
                out.append(item)
        return out

    def read_activity(self, key: str, body: Any, f: _File, rb_id: str) -> None:
        d = self.d
        assert d is not None
        if not isinstance(body, dict):
            self.p.add(self.where(f, "activities", key), "must be a table", body)
            return
        body = dict(body)
        if not self.check_id(key, f, "activities"):
            return
        if not self.claim("activity", key, _origin(d.activities, key), body, f, "activities", rb_id):
            return
        allowed = ("label", "cite", "applicants", "applicants_assumption", "beneficiary", "criteria", "conditions",
                   "requires", "support", "target")
        if not self.keys(body, allowed, ("label", "cite", "applicants", "beneficiary", "support"), f,
                         "activities", key):
            return
        applicants = body["applicants"]
        known_applicants = self.code_ids("applicant_kind")
        if not isinstance(applicants, list) or not applicants:
            self.p.add(self.where(f, "activities", key, "applicants"), "must list applicant kinds", applicants,
                       ", ".join(known_applicants))
            applicants = []
        for a in applicants:
            if a not in known_applicants:
                self.p.add(self.where(f, "activities", key, "applicants"), "unknown applicant kind", a,
                           ", ".join(known_applicants), suggest(str(a), known_applicants))
        beneficiary = body["beneficiary"]
        if not isinstance(beneficiary, bool):
            self.p.add(self.where(f, "activities", key, "beneficiary"),
                       "true when an establishment benefits directly, false otherwise", beneficiary)
        refs = body.get("criteria", [])
        if not isinstance(refs, list):
            self.p.add(self.where(f, "activities", key, "criteria"), "must be a list", refs)
            refs = []
        for r in refs:
            name = r[1:] if isinstance(r, str) and r.startswith("@") else r
            if isinstance(r, str) and r in self.broken:
                continue
            if not isinstance(r, str) or (name not in (d.groups if r.startswith("@") else d.criteria)):
                pool = d.groups if isinstance(r, str) and r.startswith("@") else d.criteria
                self.p.add(self.where(f, "activities", key, "criteria"), "unknown criterion or @group", r,
                           suggestion=suggest(str(name), pool))
        criteria = self.expand(refs)
        inline = body.get("conditions", {})
        for ckey, cbody in (inline.items() if isinstance(inline, dict) else []):
            crit = self.read_criterion(ckey, cbody, f, rb_id, f"activities.{key}.conditions", key)
            if crit is not None:
                if crit.id in d.criteria:
                    self.p.add(self.where(f, "activities", key, f"conditions.{ckey}"), "duplicate criterion id")
                d.criteria[crit.id] = crit
                criteria.append(crit.id)
        requires = body.get("requires", [])
        for r in requires:
            if r not in APPLICATION_FIELDS:
                self.p.add(self.where(f, "activities", key, "requires"), "not a field of an application", r,
                           suggestion=suggest(str(r), APPLICATION_FIELDS))
        support = self.read_support(body["support"], f, key)
        target = self.read_target(body.get("target"), f, key) if "target" in body else None
        if support is None:
            return
        d.activities[key] = Activity(
            key, self.label(body["label"], f, "activities", key), self.cite(body["cite"], f, "activities", key),
            tuple(applicants), bool(beneficiary), tuple(criteria), tuple(requires), support, target, rb_id,
            f.display,
            self.label(body["applicants_assumption"], f, "activities", key, "applicants_assumption")
            if "applicants_assumption" in body else None,
        )

    def read_support(self, body: Any, f: _File, act: str) -> SupportDef | None:
        d = self.d
        assert d is not None
        rule = f"{act}.support"
        if not isinstance(body, dict) or not self.keys(
            body, ("method", "base", "share", "caps", "priority_uplift", "cite", "note"),
            ("method", "base", "cite"), f, "activities", rule,
        ):
            return None
        method = body["method"]
        if method not in ("share", "full"):
            self.p.add(self.where(f, "activities", rule, "method"), "unknown method", method, "share, full")
            return None
        base = body["base"]
        if APPLICATION_FIELDS.get(base, ("",))[0] != "int":
            self.p.add(self.where(f, "activities", rule, "base"), "must be a money field of the application",
                       base, suggestion=suggest(str(base), [k for k, v in APPLICATION_FIELDS.items()
                                                             if k.endswith("_vnd")]))
        share = body.get("share")
        if method == "share":
            self.param_ref(share, "percent", f, rule, "share")
        elif share is not None:
            self.p.add(self.where(f, "activities", rule, "share"), "method 'full' takes no share", share)
        caps = body.get("caps", [])
        for cap in caps:
            self.param_ref(cap, "vnd", f, rule, "caps")
        uplift = body.get("priority_uplift")
        if uplift is not None:
            self.param_ref(uplift, "ratio", f, rule, "priority_uplift")
        note = body.get("note", {})
        if note:
            note = self.label(note, f, "activities", rule, "note")
        return SupportDef(method, base, share, tuple(caps), uplift,
                          self.cite(body["cite"], f, "activities", rule), note)

    def param_ref(self, ref: Any, unit: str, f: _File, rule: str, key: str) -> None:
        d = self.d
        assert d is not None
        param = d.params.get(ref) if isinstance(ref, str) else None
        if param is None and f"params.{ref}" in self.broken:
            return
        if param is None:
            self.p.add(self.where(f, "activities", rule, key), "unknown parameter", ref,
                       suggestion=suggest(str(ref), d.params))
        elif param.unit != unit:
            self.p.add(self.where(f, "activities", rule, key), f"parameter {ref!r} is in {param.unit}, not {unit}")

    def read_target(self, body: Any, f: _File, act: str) -> Target | None:
        rule = f"{act}.target"
        if not isinstance(body, dict) or not self.keys(
            body, ("count", "count_max", "unit", "cite", "provenance"), ("unit", "cite", "provenance"),
            f, "activities", rule,
        ):
            return None
        if body["provenance"] not in PROVENANCES:
            self.p.add(self.where(f, "activities", rule, "provenance"), "unknown provenance", body["provenance"],
                       ", ".join(PROVENANCES))
        for k in ("count", "count_max"):
            if k in body and not (isinstance(body[k], int) and not isinstance(body[k], bool) and body[k] > 0):
                self.p.add(self.where(f, "activities", rule, k), "must be a positive whole number", body[k])
        return Target(body.get("count"), body.get("count_max"), self.label(body["unit"], f, "activities",
                      rule, "unit"), self.cite(body["cite"], f, "activities", rule), body["provenance"])

    def read_program(self, rb_id: str, f: _File, body: Any) -> None:
        d = self.d
        assert d is not None
        if not isinstance(body, dict) or not self.keys(body, ("from", "until", "budget", "cite"),
                                                         ("from", "until", "budget", "cite"), f, "program", None):
            return
        start = self.date(body["from"], f, "program", None, "from")  # type: ignore[arg-type]
        until = self.date(body["until"], f, "program", None, "until")  # type: ignore[arg-type]
        if d.params.get(body["budget"]) is None:
            self.p.add(_where(f.display, "program", None, "budget"), "unknown parameter", body["budget"],
                       suggestion=suggest(str(body["budget"]), d.params))
        if start and until:
            d.program = Program(start, until, body["budget"], self.cite(body["cite"], f, "program", "program"))


def _origin(existing: dict[str, Any], key: str) -> str | None:
    """The rulebook that defined ``existing[key]``, if any."""
    return existing[key].origin if key in existing else None


def _tables(f: _File, section: str, problems: _Collector) -> list[tuple[str, dict[str, Any]]]:
    body = f.data.get(section)
    if body is None:
        return []
    if not isinstance(body, dict):
        problems.add(_where(f.display, section), "must be a table of definitions", body)
        return []
    out = []
    for key, value in body.items():
        if not isinstance(value, dict):
            problems.add(_where(f.display, section, key), "must be a table", value)
            continue
        out.append((key, value))
    return out


def _is_kind(value: Any, kind: str) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


_UNIT_HELP = {
    "vnd": "a whole number of đồng, e.g. 200_000_000",
    "percent": "a text like \"50%\" or \"1.5%\"",
    "ratio": "a text like \"1.5\"",
    "count": "a whole number",
    "days": "a whole number",
    "months": "a whole number",
    "years": "a whole number",
    "date": "a date YYYY-MM-DD",
}

_PERCENT = re.compile(r"^(\d{1,3})(?:\.(\d{1,4}))?%$")
_RATIO = re.compile(r"^(\d{1,3})(?:\.(\d{1,4}))?$")


def _param_value(value: Any, unit: str) -> Any:
    """The exact value of a parameter: int, Fraction (percent/ratio) or date ordinal."""
    if unit == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.toordinal()
        return None
    if unit in ("percent", "ratio"):
        m = (_PERCENT if unit == "percent" else _RATIO).match(str(value)) if isinstance(value, str) else None
        if not m:
            return None
        frac = Fraction(int(m.group(1) + (m.group(2) or "")), 10 ** len(m.group(2) or ""))
        if unit == "percent":
            frac /= 100
            if frac > 1:
                return None
        return frac
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10**16:
        return value
    return None


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)


Resolver = Callable[[str], cond.FieldType | None]
