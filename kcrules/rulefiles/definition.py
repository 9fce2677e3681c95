"""What a rulebook chain defines, once its rule files are read and checked.

Takes nothing; gives the immutable records the loader builds (a citation, a source
document, a parameter and its dated values, a code table, a derived fact, a
criterion, an activity with its support and target, a priority tier, the program)
and :class:`Definition`, the merged content of a rulebook chain. Everything above
the rule files reads a rulebook through these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.fields import APPLICATION_FIELDS

PROVENANCES = ("program", "law", "guidance", "assumption")
UNITS = ("vnd", "percent", "ratio", "count", "days", "months", "years", "date")
LANGS = ("vi", "en")


@dataclass(frozen=True)
class Cite:
    source: str
    document: str
    article: str | None = None
    clause: str | None = None
    point: str | None = None
    section: str | None = None
    #: The texts that detail this one, cited after it (a decree, then its circular).
    also: tuple[Cite, ...] = ()
    #: The section in English, when it is words rather than the document's numbering.
    section_en: str | None = None

    def text(self, lang: str = "vi") -> str:
        return "; ".join([self._own(lang)] + [c._own(lang) for c in self.also])

    def _own(self, lang: str) -> str:
        parts = [self.document]
        section = self.section_en if lang == "en" and self.section_en else self.section
        if section:
            parts.append(f"§{section}")
        if lang == "en" and self.article:  # Article 6(2)(c), as English writes a Vietnamese reference
            parts.append(f"Article {self.article}" + "".join(f"({v})" for v in (self.clause, self.point) if v))
            return " ".join(parts)
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
class Requirement:
    """A fact an activity needs: always, or only when ``when`` holds for the application.

    ``when`` reads only the application's own fields (the loader checks it), so it
    is decided from the application alone, before any law or derived fact is known.
    """

    field: str
    when: cond.Expr | None = None
    when_text: str | None = None
    _test: Callable[[cond.Fact], bool] | None = field(default=None, init=False, compare=False, repr=False)
    #: What the condition reads: each field's path, fact key and kind.
    _reads: tuple[tuple[str, str, str], ...] = field(default=(), init=False, compare=False, repr=False)
    #: Fields the condition cannot hold without (``x is set and …``): an absent one decides it at once.
    _present: tuple[str, ...] = field(default=(), init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.when is not None:
            object.__setattr__(self, "_test", cond.compile_python(self.when))
            object.__setattr__(self, "_reads", tuple((path, cond.fact_key(path), APPLICATION_FIELDS[path][0])
                                                     for path in cond.refs_of(self.when)))
            items = self.when.items if isinstance(self.when, cond.And) else (self.when,)
            object.__setattr__(self, "_present", tuple(
                i.left.path for i in items if isinstance(i, cond.Cmp) and i.op == "is set"))

    def holds(self, value_of: Callable[[str], Any]) -> bool:
        """Whether an application whose field values ``value_of`` gives (None when absent) needs the fact.

        As everywhere, a comparison reading an absent fact is false. A value of
        the wrong type (an application that did not validate) counts as absent:
        its own problem is reported already.
        """
        if self._test is None:
            return True
        if any(value_of(path) is None for path in self._present):
            return False
        fact: dict[str, Any] = {}
        for path, key, kind in self._reads:
            value = value_of(path)
            if value is not None and type(value) is not _TYPES.get(kind):
                value = _fact_value(kind, value)
            if value is not None:
                fact[key] = value
        return self._test(fact)


#: The Python type of a field's value as a fact holds it, by kind (a date is converted: never this type).
_TYPES = {"bool": bool, "int": int, "str": str, "code": str}


def _fact_value(kind: str, value: Any) -> Any:
    """``value`` as a fact holds a field of ``kind`` (dates as day ordinals), or None if it is not one."""
    if kind == "date":
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                return None
        return value.toordinal() if isinstance(value, dt.date) else None
    wanted = {"bool": bool, "int": int}.get(kind, str)
    return value if isinstance(value, wanted) and (kind == "bool" or not isinstance(value, bool)) else None


@dataclass(frozen=True)
class Activity:
    id: str
    label: dict[str, str]
    cite: Cite
    applicants: tuple[str, ...]
    beneficiary: bool
    criteria: tuple[str, ...]
    #: Every field an application for it may have to give; ``requirements`` says when.
    requires: tuple[str, ...]
    support: SupportDef
    target: Target | None
    origin: str
    file: str
    applicants_assumption: dict[str, str] | None = None
    #: The facts an application must give, each always or under a condition (rule key ``requires``).
    requirements: tuple[Requirement, ...] = ()

    @property
    def always_required(self) -> tuple[str, ...]:
        """The fields every application for this activity must give."""
        return tuple(r.field for r in self.requirements if r.when is None)

    def required(self, value_of: Callable[[str], Any]) -> list[str]:
        """The fields the application whose field values ``value_of`` gives must have (see Requirement.holds)."""
        return list(dict.fromkeys(r.field for r in self.requirements if r.holds(value_of)))


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
