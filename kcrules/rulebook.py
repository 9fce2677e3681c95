"""The rulebook facade: load a rulebook, then evaluate applications into decisions.

An evaluation runs the layers below in order: ``rulefiles.reader`` reads the
application, the activity's generated function (``engines.compiled``) reads the
values its criteria need and gives each criterion's outcome, the durable-rules
engine (``engines.durable``, the default) matches the same values when asked
for, and ``decide.decider`` turns the outcomes into the Decision (support,
priority, warnings, reasons written by ``text``). An application with a
criterion that gets no single outcome is matched on the whole flat fact
(``decide.facts``, ``engines.native``), which says why.
docs/architecture.md follows one application through them.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, overload

from kcrules.decide.decider import Decider
from kcrules.decide.facts import build_fact_fn
from kcrules.decide.params import LawOnDate
from kcrules.engines import NA, NOT_MET, Outcomes
from kcrules.engines.compiled import UNDECIDED, CompiledMatcher
from kcrules.engines.durable import DurableMatcher, check_engine
from kcrules.engines.native import NativeMatcher
from kcrules.errors import (
    ApplicationError,
    EvaluationError,
    InputError,
    KcrulesError,
    Problem,
    UnknownRulebookError,
)
from kcrules.models import Application, Decision, RulebookInfo
from kcrules.rulefiles.codes import code_choices
from kcrules.rulefiles.fields import CODE_FIELDS
from kcrules.rulefiles.loader import (
    DEFAULT_RULEBOOK,
    Activity,
    Criterion,
    Definition,
    bundled_ids,
    bundled_root,
    load_definition,
)
from kcrules.rulefiles.plantable import check_plan_table
from kcrules.rulefiles.reader import Reader, law_date
from kcrules.util.words import suggest

Lang = Literal["vi", "en"]
Engine = Literal["durable", "native"]
ENGINES = ("durable", "native")


def load_rulebook(id_or_path: str | Path | None = None, *, engine: Engine = "durable") -> Rulebook:
    """Load a bundled rulebook by id (default: the Hanoi 2016–2020 program) or a rulebook folder.

    ``engine`` picks how criteria are matched: ``durable`` (durable-rules) or
    ``native`` (compiled Python); both give identical decisions.
    """
    if engine not in ENGINES:
        raise InputError(f"engine must be one of {ENGINES}, not {engine!r}")
    given = DEFAULT_RULEBOOK if id_or_path is None else id_or_path
    path = Path(given)
    if path.name == "rulebook.toml":
        path = path.parent
    if not (path / "rulebook.toml").is_file():
        candidate = bundled_root() / str(given)
        if isinstance(given, str) and re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", given) and \
                (candidate / "rulebook.toml").is_file():
            path = candidate
        else:
            known = bundled_ids()
            raise UnknownRulebookError(str(given), known, suggest(str(given), known))
    return Rulebook(load_definition(path), engine)


class Rulebook:
    """A checked rulebook chain (e.g. national law + Hanoi 2016–2020) ready to evaluate.

    Evaluation is thread-safe; two Rulebook objects never share engine state.
    """

    def __init__(self, definition: Definition, engine: Engine = "durable") -> None:
        if engine == "durable":
            check_engine()  # a broken install fails at load, not at the first decision
        self._d = definition
        self.engine: Engine = engine
        self._matchers: dict[tuple[str, str], Any] = {}
        self._compiled: dict[str, tuple[Activity, CompiledMatcher]] = {}  # by activity id: what evaluate reads first
        self._compile_lock = threading.Lock()
        self._reader = Reader(definition)
        self._law = LawOnDate(definition)
        self._decider = Decider(definition, self._law)
        # A broken [plan] table fails at load, like any rule; kcrules.plan uses the checked form.
        self._plan_spec = check_plan_table(definition) if definition.plan is not None else None
        self._fact_fn, self._fact_source = build_fact_fn(
            definition, [*definition.criteria.values(), *self._decider.generated])

    # ------------------------------------------------------------ describing

    @property
    def id(self) -> str:
        return self._d.id

    @property
    def version(self) -> str:
        """Content hash of every rule file in the chain: changes whenever a rule does."""
        return self._d.version

    @property
    def chain(self) -> tuple[str, ...]:
        return self._d.chain

    @property
    def definition(self) -> Definition:
        """The checked content (sources, codes, parameters, criteria, activities).

        Read it, never change it: the engines, the fact builder and the memos were
        all built from it when the rulebook was loaded.
        """
        return self._d

    @property
    def activities(self) -> tuple[str, ...]:
        return tuple(self._d.activities)

    def title(self, lang: Lang = "vi") -> str:
        return self._d.title[lang]

    def info(self, lang: Lang = "vi") -> RulebookInfo:
        return self._decider.info(lang)

    def criteria_of(self, activity: str) -> tuple[Criterion, ...]:
        """Every criterion an activity's decision checks, in order."""
        return self._decider.criteria_of(self._activity(activity))

    def params_at(self, day: dt.date) -> dict[str, Any]:
        """Every parameter's value in force on ``day`` (exact: int, Fraction or day ordinal)."""
        return self._law.values(day)

    def application_schema(self, lang: Lang = "vi") -> dict[str, Any]:
        """The JSON Schema of an application, with this rulebook's codes as the allowed values.

        Every code field (``CODE_FIELDS``: activity, kinds, districts, sector, product line,
        province…) lists its codes as ``oneOf: [{"const": id, "title": name}]``, names in
        ``lang``, so a form generator offers a drop-down of names and submits ids; an optional
        code field also allows ``null``. The schema describes an application as
        :meth:`parse_application` returns it (``.model_dump(mode="json")``): the library also
        reads a code given by its name, accents optional, which the schema does not list.
        """
        if lang not in ("vi", "en"):
            raise InputError(f"lang must be 'vi' or 'en', not {lang!r}")
        schema = Application.model_json_schema()
        defs = schema.get("$defs", {})
        for path, table in CODE_FIELDS.items():
            head, _, leaf = path.rpartition(".")
            target = schema if not head else defs.get(head.capitalize())
            if target is None or leaf not in target.get("properties", {}):
                continue
            target["properties"][leaf] = _code_property(target["properties"][leaf],
                                                        code_choices(self._d, table, lang))
        schema["title"] = f"kcrules application ({self.id})"
        return schema

    # ------------------------------------------------------------ input

    def parse_application(self, data: Application | Mapping[str, Any] | str | bytes) -> Application:
        """Validate an application, accepting code names typed without accents.

        Raises ApplicationError listing every problem: field path, what was
        given, what is allowed, and the closest allowed value. The application
        returned is frozen: while it lives, this rulebook knows it valid, and
        ``evaluate`` takes it without checking it again.
        """
        return self._reader.parse(data, remember=True)

    # ------------------------------------------------------------ evaluation

    def evaluate(self, application: Application | Mapping[str, Any] | str, *, lang: Lang = "vi",
                 on: dt.date | None = None, engine: Engine | None = None, explain: bool = True) -> Decision:
        """Decide one application: eligibility, support in whole đồng, priority, reasons.

        ``on`` evaluates under the parameters in force on that date (default:
        the application date). ``engine`` overrides the rulebook's matcher:
        ``native`` takes the outcomes of the activity's compiled function,
        ``durable`` those of durable-rules on the same values.

        ``explain=False`` skips writing sentences, for bulk screening: every
        outcome, amount, bound, rank, citation and warning is the same, but
        ``reason.text``, ``reason.required``, ``support.lines[].text``,
        ``priority.text`` and ``summary`` are empty strings and
        ``reason.actual`` is empty (see docs/performance.md).

        Decisions are immutable and may share their parts (reasons,
        citations, warnings) with other decisions of the same rulebook.
        """
        if lang not in ("vi", "en"):
            raise InputError(f"lang must be 'vi' or 'en', not {lang!r}")
        app = self._reader.parse(application)  # an application parse_application returned: at once
        found = self._compiled.get(app.activity)
        if found is None:
            act = self._activity(app.activity)
            found = self._compiled[act.id] = (act, self._matcher(act, "compiled"))
        act, compiled = found
        day = law_date(on)
        if day is None:
            day = app.application_date  # outside the program, the period criterion refuses it
        else:
            self._law.check_in_force(day)
        engine = engine or self.engine
        if engine not in ENGINES:
            raise InputError(f"engine must be one of {ENGINES}, not {engine!r}")
        try:
            codes, read = compiled.match(app, self._law.fact_items(day))
        except Exception as err:  # the generated function's own failure, with the activity's citation
            raise EvaluationError(act.id, act.cite.text(), f"{type(err).__name__}: {err}") from err
        if UNDECIDED in codes:
            # A criterion without a single outcome: the flat fact says why.
            fact: Mapping[str, Any] = self._fact(app, day)
        elif engine == "native":
            values = dict(zip(compiled.keys, read)) if explain else None
            return self._decider.decide(app, act, codes, values, day, lang, explain)
        else:
            fact = dict(zip(compiled.keys, read))  # every value the rules and the reasons read (None: not set)
        codes = self._decider.codes(act, self._match(act, fact, engine), fact)
        return self._decider.decide(app, act, codes, fact, day, lang, explain)

    @overload
    def evaluate_many(self, applications: Iterable[Application | Mapping[str, Any] | str], *,
                      lang: Lang = ..., on: dt.date | None = ..., engine: Engine | None = ...,
                      explain: bool = ..., errors: Literal["raise"] = ...) -> Iterator[Decision]: ...

    @overload
    def evaluate_many(self, applications: Iterable[Application | Mapping[str, Any] | str], *,
                      lang: Lang = ..., on: dt.date | None = ..., engine: Engine | None = ...,
                      explain: bool = ..., errors: Literal["yield"]) -> Iterator[Decision | KcrulesError]: ...

    def evaluate_many(self, applications: Iterable[Application | Mapping[str, Any] | str], *,
                      lang: Lang = "vi", on: dt.date | None = None, engine: Engine | None = None,
                      explain: bool = True, errors: Literal["raise", "yield"] = "raise",
                      ) -> Iterator[Decision] | Iterator[Decision | KcrulesError]:
        """Evaluate a stream of applications lazily, one result per input, in order.

        Iterator in, iterator out: one application is held at a time, so
        memory stays bounded whatever the input size. With ``errors="raise"``
        a bad application raises (ApplicationError or EvaluationError) when its
        decision is reached, which ends the stream. With ``errors="yield"`` the
        error is yielded in place of that decision and the stream goes on
        (``kcrules batch`` does this).
        """
        if errors not in ("raise", "yield"):
            raise InputError(f"errors must be 'raise' or 'yield', not {errors!r}")
        if lang not in ("vi", "en"):
            raise InputError(f"lang must be 'vi' or 'en', not {lang!r}")
        return self._evaluate_stream(applications, errors == "yield",
                                     {"lang": lang, "on": on, "engine": engine, "explain": explain})

    def _evaluate_stream(self, applications: Iterable[Any], go_on: bool,
                         options: dict[str, Any]) -> Iterator[Decision | KcrulesError]:
        evaluate = self.evaluate
        for application in applications:
            if not go_on:
                yield evaluate(application, **options)
                continue
            try:
                decision: Decision | KcrulesError = evaluate(application, **options)
            except (ApplicationError, EvaluationError) as err:  # about this application: the next may be fine
                decision = err
            yield decision

    def evaluate_table(self, table: Any, *, on: dt.date | str | None = None, outcomes: bool = True) -> Any:
        """Decide every row of an Arrow table of applications at once (``pip install kcrules[columnar]``).

        ``table``: a ``pyarrow.Table`` or ``RecordBatch`` (or a polars or
        pandas DataFrame) whose columns are application fields, nested as
        struct columns or flat with dotted names. Returns a ``pyarrow.Table``
        with one row per input row: ``row``, ``id``, ``activity``, ``eligible``,
        ``amount_vnd``, ``bound``, ``score``, ``rank_key``, ``failed``,
        ``warnings`` (parameter ids), ``error_kind``/``error`` (a row that
        cannot be decided, with the message ``evaluate`` gives) and one
        ``outcome/CRITERION`` column per criterion (``outcomes=False`` leaves
        these out: most callers read only the verdict, amount and rank, and
        the outcome columns are a third of the work). Every value equals what
        ``evaluate`` decides for that row (tests/test_columnar.py); rows the
        vectorised checks do not pass are decided by ``evaluate`` itself.
        Record batches are independent, so it runs per partition on a
        distributed engine (docs/integrator-guide.md shows Dask).
        """
        try:
            from kcrules.columnar.table import Parts, evaluate_table
        except ImportError as err:
            raise InputError(f"evaluate_table needs the columnar extra ({err.name} is missing): "
                             "pip install 'kcrules[columnar]'") from None
        day = law_date(on)
        if day is not None:
            self._law.check_in_force(day)
        parts = Parts(self._d, self._decider.criteria_of, self._law, self._reader.find_code,
                      lambda row: self.evaluate(row, on=day, explain=False))
        return evaluate_table(parts, table, on=day, outcomes=outcomes)

    # ------------------------------------------------------------ the stages

    def _activity(self, activity: str) -> Activity:
        act = self._d.activities.get(activity)
        if act is None:
            if self._d.abstract:
                raise ApplicationError([Problem("activity", f"rulebook {self.id} is abstract (it holds national "
                                                "criteria and levels but no activities); load a program rulebook",
                                                activity, ", ".join(bundled_ids()))])
            raise ApplicationError([Problem("activity", "unknown activity", activity,
                                            ", ".join(self._d.activities), suggest(activity, self._d.activities))])
        return act

    def _fact(self, app: Application, day: dt.date) -> dict[str, Any]:
        """The flat fact both engines match (see kcrules.decide.facts)."""
        return self._fact_fn(app, self._law.fact_items(day))

    def _match(self, act: Activity, fact: Mapping[str, Any], engine: str) -> Outcomes:
        """Every criterion's outcome on the fact, from the engine asked for."""
        try:
            outcomes = self._matcher(act, engine).match(fact)
        except (EvaluationError, InputError):
            raise
        except Exception as err:  # the engine's own failure, surfaced with the activity's citation
            raise EvaluationError(act.id, act.cite.text(), f"{type(err).__name__}: {err}") from err
        if outcomes.get("program.period") == [NOT_MET]:
            # Outside the program the program's own parameters have no value, so
            # criteria reading them cannot be decided: they do not apply, and the
            # period criterion alone explains the refusal.
            for got in outcomes.values():
                if not got:
                    got.append(NA)
        return outcomes

    def _matcher(self, act: Activity, engine: str) -> Any:
        key = (act.id, engine)
        matcher = self._matchers.get(key)
        if matcher is None:
            with self._compile_lock:
                matcher = self._matchers.get(key)
                if matcher is None:
                    criteria = self._decider.criteria_of(act)
                    if engine == "durable":
                        matcher = DurableMatcher(act.id, criteria, self.version)
                    elif engine == "native":
                        matcher = NativeMatcher(act.id, criteria)
                    elif engine == "compiled":
                        matcher = CompiledMatcher(self._d, act.id, criteria, self._decider.shown(act))
                    else:
                        raise InputError(f"engine must be one of {ENGINES}, not {engine!r}")
                    self._matchers[key] = matcher
        return matcher


def _code_property(prop: dict[str, Any], choices: list[tuple[str, str]]) -> dict[str, Any]:
    """A code field's schema: pydantic's string (or string-or-null) narrowed to the table's codes."""
    nullable = any(alt.get("type") == "null" for alt in prop.get("anyOf", ()))
    out = {k: v for k, v in prop.items() if k in ("title", "description", "default")}
    out["type"] = ["string", "null"] if nullable else "string"
    out["oneOf"] = [{"const": code, "title": name} for code, name in choices]
    if nullable:
        out["oneOf"].append({"const": None, "title": "—"})
    out["description"] = (out.get("description", "") + " One of the codes listed; the library also reads a "
                          "code's Vietnamese or English name, accents optional.").strip()
    return out

