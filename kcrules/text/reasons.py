"""The sentences of a decision: each reason's text, what was found, what was required, and its citation."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from kcrules.engines import NA
from kcrules.engines.compiled import OUTCOMES
from kcrules.models import Citation, ReadOnlyDict, Reason, assemble
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.codes import code_label
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS
from kcrules.rulefiles.loader import Criterion, Definition, Param
from kcrules.rulefiles.templates import PLACEHOLDER, Placeholder, parts  # noqa: F401 (PLACEHOLDER: read from here)
from kcrules.text import i18n as i18n
from kcrules.text.conditions import PlainVoice, day, plain_name, sentence
from kcrules.util.memo import remember


class Explainer:
    """Writes the reasons of one rulebook's decisions, from a decision's flat fact.

    What depends only on the rules (how each name's value is written, a
    criterion's words) is memoised here, once per rulebook, and so are the
    parts of reasons shared between criteria (what they show as found); a
    criterion's requirement for given parameter values is kept by that
    criterion's writer. ``memo_max`` bounds each memo that grows with the values.
    """

    def __init__(self, definition: Definition, memo_max: int) -> None:
        self._d = definition
        self._memo_max = memo_max
        self._renderers: dict[tuple[str, str], tuple[str, Callable[[Any], str]]] = {}
        self._kinds: dict[str, str] = {}
        self._reads: dict[str, tuple[tuple[str, str, bool], ...]] = {}  # per criterion: what its reason shows
        self._writers: dict[tuple[str, str], _Writer] = {}  # per criterion and language: few
        # Per language, what a decision's reasons show is shared between criteria: the facts read
        # (``actual``) and their words (``found``) by the names read and their values, for the
        # criteria that read the same names (the SME tests come in pairs); each fact's "label:
        # value" by its value, for the criteria that read some of the same (the SME criteria all
        # show the workers and the capital). Each memo is bounded by ``memo_max``.
        self._read_numbers: dict[tuple[tuple[str, str, bool], ...], int] = {}
        self._found_memo: dict[str, dict[tuple[int, Any], tuple[ReadOnlyDict, str]]] = {"vi": {}, "en": {}}
        self._shown_memo: dict[str, dict[tuple[str, Any], str]] = {"vi": {}, "en": {}}

    def reason(self, c: Criterion, outcome: str, fact: dict[str, Any], lang: str) -> Reason:
        """The reason of criterion ``c`` with ``outcome``, on the values in ``fact``."""
        writer = self._writers.get((c.id, lang))
        if writer is None:
            writer = self._writers[(c.id, lang)] = _Writer(self, c, lang)
        return writer.write(outcome, fact)

    def value(self, path: str, fact: dict[str, Any], lang: str) -> str:
        """The value of name ``path`` in ``fact``, written for a reader ("—" when absent)."""
        key, render = self._renderer(path, lang)
        raw = fact.get(key)
        if raw is None:
            return "—"
        return render(raw)

    def _read(self, c: Criterion) -> tuple[tuple[str, str, bool], ...]:
        """What a criterion's reason shows as found: (name, fact key, is a date), memoised."""
        reads = self._reads.get(c.id)
        if reads is None:
            reads = self._reads[c.id] = tuple((ref, cond.fact_key(ref), self._kind(ref) == "date")
                                              for ref in _shown_refs(c) if not ref.startswith("params."))
        return reads

    def required(self, c: Criterion, fact: dict[str, Any], lang: str) -> str:
        """The criterion's condition in words, each parameter it reads written as its value in force
        (only the parameters vary it: a criterion's writer keeps it per their values)."""
        voice = PlainVoice(self._d, lang, lambda pid: self._param(pid, fact, lang))
        return sentence(voice, c.condition)

    def _param(self, pid: str, fact: dict[str, Any], lang: str) -> str:
        """A parameter in a requirement: its value in force, or its label when none is (a date outside it)."""
        path = f"params.{pid}"
        if fact.get(cond.fact_key(path)) is None:
            return self._d.params[pid].label[lang]
        return self.value(path, fact, lang)

    def _renderer(self, path: str, lang: str) -> tuple[str, Callable[[Any], str]]:
        """The fact key of ``path`` and the function that writes its value (memoised)."""
        found = self._renderers.get((path, lang))
        if found is None:
            found = self._renderers[(path, lang)] = (cond.fact_key(path), self._render_fn(path, lang))
        return found

    def _render_fn(self, path: str, lang: str) -> Callable[[Any], str]:
        # A fact holds dates as day ordinals and parameter percents as whole percents.
        if path.startswith("params."):
            p = self._d.params[path[7:]]
            if p.unit == "vnd":
                return lambda raw: i18n.money(raw, lang)
            if p.unit == "date":
                return lambda raw: day(dt.date.fromordinal(raw), lang)
            if p.unit == "percent":
                return lambda raw: i18n.percent(Fraction(raw, 100), lang)
            return lambda raw: i18n.number(raw, lang)
        kind = self._kind(path)
        if kind == "date":
            return lambda raw: day(dt.date.fromordinal(raw), lang)
        if kind == "bool":
            words = {"vi": ("có", "không"), "en": ("yes", "no")}[lang]
            return lambda raw: words[0 if raw else 1]
        if kind == "code":
            table = self._code_table(path)
            return lambda raw: code_label(self._d, table, raw, lang)

        def other(raw: Any) -> str:
            if isinstance(raw, int):
                return i18n.money(raw, lang) if path.endswith("_vnd") else i18n.number(raw, lang)
            return str(raw)

        return other

    def _kind(self, path: str) -> str:
        """The type of a name: an application field's, a derived fact's or a code attribute's (memoised)."""
        kind = self._kinds.get(path)
        if kind is None:
            kind = self._kinds[path] = self._find_kind(path)
        return kind

    def _find_kind(self, path: str) -> str:
        if path in APPLICATION_FIELDS:
            return APPLICATION_FIELDS[path][0]
        if path.startswith("derived."):
            der = self._d.derived.get(path[8:])
            return der.type if der else "str"
        base, _, attr = path.rpartition(".")
        table = self._d.codes.get(CODE_FIELDS.get(base, ""))
        if table and attr in table.attributes:
            return table.attributes[attr][0]
        return "str"

    def _code_table(self, path: str) -> str | None:
        """The code table of a code field, or of a code attribute (``establishment.sector.group``)."""
        table_id = CODE_FIELDS.get(path)
        if table_id is None:
            base, _, attr = path.rpartition(".")
            table = self._d.codes.get(CODE_FIELDS.get(base, ""))
            table_id = table.attributes[attr][2] if table and attr in table.attributes else None
        return table_id


class _Writer:
    """One criterion's reasons in one language, with what does not depend on the values prepared once.

    The fixed words, the label, the citation and the assumptions are the same in every reason
    of the criterion, and how each fact is labelled and written depends only on its name: a new
    reason only writes the values read (each fact's "label: value" once per value, shared with
    the other criteria showing that fact), and the requirement, memoised on the parameters in force.
    """

    __slots__ = ("_assumptions", "_c", "_cite", "_found_word", "_heads", "_lang", "_params", "_parts",
                 "_reads_number", "_required", "_required_word", "_shown", "_tail", "_values", "_x")

    def __init__(self, x: Explainer, c: Criterion, lang: str) -> None:
        self._x, self._c, self._lang = x, c, lang
        self._cite = citation(c.cite, lang)
        self._heads = {o: f"{c.label[lang]} — {_word(o, lang)}. " for o in OUTCOMES}
        self._tail = f" ({self._cite.text})"
        assumption = (c.assumption[lang],) if c.assumption else ()
        self._assumptions = {o: () if o == NA else assumption for o in OUTCOMES}
        reads = x._read(c)
        self._reads_number = x._read_numbers.setdefault(reads, len(x._read_numbers))
        self._values = tuple(key for _, key, _ in reads)
        # Per value read: its name in `actual`, its fact key, whether it is a date, and its "label: ".
        self._shown = tuple((ref, key, is_date, f"{plain_name(x._d, ref, lang)}: ", x._renderer(ref, lang)[1])
                            for ref, key, is_date in reads)
        # The requirement varies only with the parameters the condition reads: kept per their values.
        self._params = tuple(cond.fact_key(r) for r in cond.refs_of(c.condition) if r.startswith("params."))
        self._required: dict[tuple[Any, ...], str] = {}
        template = c.explain.get(lang)
        # A criterion's own explanation: its words, and each name's fact key and writer.
        self._parts = tuple(x._renderer(p.name, lang) if isinstance(p, Placeholder) else p
                            for p in parts(template)) if template else None
        self._found_word, self._required_word = f"{_word('found', lang)}: ", f". {_word('required', lang)}: "

    def write(self, outcome: str, fact: dict[str, Any]) -> Reason:
        key = (self._reads_number, tuple([fact.get(k) for k in self._values]))
        memo = self._x._found_memo[self._lang]
        found = memo.get(key)
        if found is None:
            found = remember(memo, key, self._found(fact), self._x._memo_max)
        actual, shown = found
        params = tuple([fact.get(k) for k in self._params])
        required = self._required.get(params)
        if required is None:
            required = remember(self._required, params, self._x.required(self._c, fact, self._lang),
                                self._x._memo_max)
        if self._parts is None:
            body = f"{self._found_word}{shown}{self._required_word}{required}"
        else:
            body = "".join(p if isinstance(p, str) else _written(fact.get(p[0]), p[1]) for p in self._parts)
        c = self._c
        # Built from checked parts: assembled without validating them again (see models.assemble).
        return assemble(
            Reason, criterion=c.id, kind=c.kind, outcome=outcome, actual=actual, required=required,
            citation=self._cite, text=f"{self._heads[outcome]}{body}{self._tail}",
            assumptions=self._assumptions[outcome], found=shown,
        )

    def _found(self, fact: dict[str, Any]) -> tuple[ReadOnlyDict, str]:
        """The values read (parameters aside; dates as ISO text), and the same by their labels ("—"
        when the criterion read none)."""
        memo = self._x._shown_memo[self._lang]
        actual: dict[str, object] = {}
        shown = []
        for ref, key, is_date, label, render in self._shown:
            raw = fact.get(key)
            actual[ref] = dt.date.fromordinal(raw).isoformat() if raw is not None and is_date else raw
            part = memo.get((key, raw))
            if part is None:
                part = remember(memo, (key, raw), label + _written(raw, render), self._x._memo_max)
            shown.append(part)
        return ReadOnlyDict(actual), "; ".join(shown) or "—"


def _written(raw: Any, render: Callable[[Any], str]) -> str:
    return "—" if raw is None else render(raw)


@functools.lru_cache(maxsize=64)
def _word(key: str, lang: str) -> str:
    """One of the library's fixed words (an outcome, "found", "required"): the same every time."""
    return i18n.msg(key, lang)


def bare_reason(c: Criterion, outcome: str, lang: str) -> Reason:
    """A reason without sentences (explain=False): outcome, citation and assumptions only."""
    return Reason(
        criterion=c.id, kind=c.kind, outcome=outcome, actual={}, required="",  # type: ignore[arg-type]
        citation=citation(c.cite, lang), text="",
        assumptions=(c.assumption[lang],) if c.assumption and outcome != NA else (), found="",
    )


@functools.lru_cache(maxsize=512)
def citation(cite: Any, lang: str) -> Citation:
    section = cite.section_en if lang == "en" and cite.section_en else cite.section
    return Citation(document=cite.document, article=cite.article or section, clause=cite.clause,
                    point=cite.point, text=cite.text(lang))


def param_value(p: Param, value: Any, lang: str) -> str:
    """A parameter's value (as held: int, Fraction or day ordinal) written for a reader."""
    if p.unit == "vnd":
        return i18n.money(value, lang)
    if p.unit == "percent":
        return i18n.percent(value, lang)
    if p.unit == "date":
        return day(dt.date.fromordinal(value), lang)
    return i18n.number(value, lang)


_SHOWN: dict[int, tuple[Criterion, list[str]]] = {}


def _shown_refs(c: Criterion) -> list[str]:
    """The names a criterion's reason shows as found (condition first, then applies_when)."""
    found = _SHOWN.get(id(c))
    if found is None or found[0] is not c:
        refs = cond.refs_of(c.condition)
        if c.applies_when is not None:
            refs += [r for r in cond.refs_of(c.applies_when) if r not in refs]
        if len(_SHOWN) > 10_000:
            _SHOWN.clear()
        found = _SHOWN[id(c)] = (c, refs)  # holding c keeps its id from being reused
    return found[1]
