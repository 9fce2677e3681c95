"""A loaded rulebook: validates applications and evaluates them into explained decisions."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from . import _conditions as cond
from . import _i18n as i18n
from ._jsondata import copy_tree, get_path
from ._loader import (
    DEFAULT_RULEBOOK, Activity, CodeTable, Criterion, Definition, Param, bundled_ids, bundled_root,
    load_definition,
)
from ._matchers import NA, NOT_MET, DurableMatcher, NativeMatcher
from ._schema import APPLICATION_FIELDS, CODE_FIELDS
from ._text import fold, suggest
from .errors import ApplicationError, EvaluationError, Problem, UnknownRulebookError
from .models import (
    Application, Citation, ComputationLine, Decision, Priority, Reason, RulebookInfo, Support, Warning,
)

Lang = Literal["vi", "en"]
Engine = Literal["durable", "native"]
ENGINES = ("durable", "native")


def load_rulebook(id_or_path: str | Path | None = None, *, engine: Engine = "durable") -> Rulebook:
    """Load a bundled rulebook by id (default: the Hanoi 2016–2020 program) or a rulebook folder.

    ``engine`` picks how criteria are matched: ``durable`` (durable-rules) or
    ``native`` (compiled Python); both give identical decisions.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
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
        self._d = definition
        self.engine: Engine = engine
        self._matchers: dict[tuple[str, str], Any] = {}
        self._compile_lock = threading.Lock()
        self._params_cache: dict[dt.date, dict[str, Any]] = {}
        # Memos of decision parts (see _decide); bounded by _CACHE_MAX.
        self._plans: dict[str, list[Any]] = {}
        self._shapes: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._bare_cache: dict[tuple[Any, ...], tuple[Reason, ...]] = {}
        self._bare_reasons: dict[tuple[str, str, str], Reason] = {}  # (criterion, outcome, lang): few
        self._criteria_cache: dict[str, tuple[Criterion, ...]] = {}
        self._reason_cache: dict[tuple[Any, ...], Reason] = {}
        self._priorities: dict[tuple[Any, ...], tuple[Priority, bool]] = {}
        self._warning_cache: dict[tuple[Any, ...], tuple[Warning, ...]] = {}
        self._infos: dict[str, RulebookInfo] = {}
        self._renderers: dict[tuple[str, str], tuple[str, Any]] = {}
        self._kind_memo: dict[str, str] = {}
        self._required_names: dict[str, tuple[str, ...]] = {}
        self._required_memo: dict[tuple[Any, ...], str] = {}
        self._code_memo: dict[str, dict[str, str | None]] = {}
        self._param_facts: dict[dt.date, dict[str, Any]] = {}
        # fact key of a code field -> {code: its attributes as fact items}
        self._code_attrs: list[tuple[str, dict[str, dict[str, Any]]]] = []
        for path, table in CODE_FIELDS.items():
            tbl = definition.codes.get(table)
            if tbl is not None:
                key = cond.fact_key(path)
                self._code_attrs.append((key, {code: {f"{key}__{attr}": value for attr, value in v.attrs.items()
                                                      if value is not None}
                                               for code, v in tbl.values.items()}))
        self._generated = self._generate_criteria()
        self._values = [self._compile_value(d) for d in definition.derived.values()]
        if definition.plan is not None:  # a broken [plan] table fails at load, like any rule
            from ._plan import _check as check_plan

            check_plan(definition)
        every = list(definition.criteria.values()) + self._generated
        self._presence = sorted({k for c in every for e in (c.condition, c.applies_when)
                                 for k in cond.presence_keys(e)})
        self._presence_flags = [(cond.PRESENT + key, key) for key in self._presence]
        self._fact_fn = self._build_fact_fn()

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
        """The checked content (sources, codes, parameters, criteria, activities)."""
        return self._d

    @property
    def activities(self) -> tuple[str, ...]:
        return tuple(self._d.activities)

    def title(self, lang: Lang = "vi") -> str:
        return self._d.title[lang]

    def info(self, lang: Lang = "vi") -> RulebookInfo:
        return RulebookInfo(id=self.id, version=self.version, title=self.title(lang), chain=self.chain)

    def criteria_of(self, activity: str) -> tuple[Criterion, ...]:
        """Every criterion an activity's decision checks, in order."""
        found = self._criteria_cache.get(activity)
        if found is None:
            act = self._activity(activity)
            generated = [c for c in self._generated if c.id in ("program.period", f"{act.id}.applicant")]
            found = self._criteria_cache[act.id] = tuple(generated) + tuple(self._d.criteria[c] for c in act.criteria)
        return found

    def application_schema(self) -> dict[str, Any]:
        """The JSON Schema of an application, with this rulebook's codes listed per field."""
        schema = Application.model_json_schema()
        defs = schema.get("$defs", {})
        for path, table in CODE_FIELDS.items():
            head, _, leaf = path.rpartition(".")
            target = schema if not head else defs.get(head.capitalize())
            if target is None or leaf not in target.get("properties", {}):
                continue
            codes = self._code_ids(table)
            prop = target["properties"][leaf]
            prop["examples"] = codes[:5]
            prop["description"] = (prop.get("description", "") +
                                   f" Codes: {', '.join(codes)} (or their Vietnamese names).").strip()
        schema["title"] = f"kcrules application ({self.id})"
        return schema

    # ------------------------------------------------------------ input

    def parse_application(self, data: Application | Mapping[str, Any] | str | bytes) -> Application:
        """Validate an application, accepting code names typed without accents.

        Raises ApplicationError listing every problem: field path, what was
        given, what is allowed, and the closest allowed value.
        """
        if isinstance(data, (str, bytes)):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as err:
                raise ApplicationError([Problem("(document)", f"not valid JSON: {err.msg} at line {err.lineno}")]) \
                    from None
            except RecursionError:
                raise ApplicationError([Problem("(document)", "nested too deeply to be an application")]) from None
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
        try:
            normalised = self._normalise_codes(data, problems)
            app = Application.model_validate(normalised)
        except ValidationError as err:
            problems += _pydantic_problems(err)
        except RecursionError:
            problems.append(Problem("(document)", "nested too deeply to be an application"))
        if app is not None:
            problems += self._activity_problems(app)
        if problems:
            raise ApplicationError(problems)
        assert app is not None
        return app

    def _codes_exact(self, app: Application) -> bool:
        """Whether every code of ``app`` is already the id this rulebook would normalise it to."""
        for path, table in CODE_FIELDS.items():
            value = _get(app, path)
            if value is not None and self._find_code(table, value) != value:
                return False
        return True

    def _normalise_codes(self, data: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
        if isinstance(data, dict) and all(self._find_code(table, value) == value
                                          for path, table in CODE_FIELDS.items()
                                          if isinstance(value := get_path(data, path), str)):
            return data  # nothing to change: validation does not modify its input
        out = copy_tree(data)
        for path, table in CODE_FIELDS.items():
            parent: Any = out
            *heads, leaf = path.split(".")
            for h in heads:
                parent = parent.get(h) if isinstance(parent, dict) else None
            if not isinstance(parent, dict) or not isinstance(parent.get(leaf), str):
                continue
            given = parent[leaf]
            code = self._find_code(table, given)
            if code is None and table == "activity" and self._d.abstract:
                problems.append(Problem(path, f"rulebook {self.id} is abstract: it holds national criteria and "
                                        "levels but no activities; load a program rulebook", given,
                                        ", ".join(i for i in bundled_ids() if i != self.id)))
            elif code is None:
                choices = self._code_choices(table)
                problems.append(Problem(path, f"unknown {table.replace('_', ' ')}", given,
                                        ", ".join(self._code_ids(table)), suggest(given, choices)))
            else:
                parent[leaf] = code
        return out

    def _code_ids(self, table: str) -> list[str]:
        if table == "activity":
            return list(self._d.activities)
        tbl = self._d.codes.get(table)
        return list(tbl.values) if tbl else []

    def _code_choices(self, table: str) -> list[str]:
        if table == "activity":
            acts = self._d.activities.values()
            return [a.id for a in acts] + [a.label["vi"] for a in acts]
        tbl = self._d.codes[table]
        return [c for v in tbl.values.values() for c in (v.id, v.label["vi"], *v.aliases)]

    def _find_code(self, table: str, given: str) -> str | None:
        memo = self._code_memo.get(table)
        if memo is None:
            memo = self._code_memo[table] = {}
        try:
            return memo[given]
        except KeyError:
            pass
        found = self._find_code_slow(table, given)
        if len(memo) < 4096:  # bounded: only typed names beyond the ids and labels add entries
            memo[given] = found
        return found

    def _find_code_slow(self, table: str, given: str) -> str | None:
        key = fold(given)
        if table == "activity":
            for a in self._d.activities.values():
                if key in (fold(a.id), fold(a.label["vi"]), fold(a.label["en"])):
                    return a.id
            return None
        tbl: CodeTable | None = self._d.codes.get(table)
        if tbl is None:
            return None
        if given in tbl.values:
            return given
        for v in tbl.values.values():
            if key in (fold(v.id), fold(v.label["vi"]), fold(v.label["en"]), *(fold(a) for a in v.aliases)):
                return v.id
        return None

    def _activity_problems(self, app: Application) -> list[Problem]:
        problems: list[Problem] = []
        act = self._d.activities.get(app.activity)
        if act is None:
            return problems
        if act.beneficiary and app.establishment is None:
            problems.append(Problem("establishment", f"activity {act.id} supports an establishment: describe it",
                                    allowed="an establishment object"))
        if app.applicant is None and app.establishment is None:
            problems.append(Problem("applicant", f"activity {act.id} needs an applicant or an establishment",
                                    allowed=", ".join(act.applicants)))
        for path in act.requires:
            if _get(app, path) is None:
                problems.append(Problem(path, f"required for activity {act.id} ({act.label['en']})",
                                        allowed=_field_help(path)))
        return problems

    # ------------------------------------------------------------ evaluation

    def evaluate(self, application: Application | Mapping[str, Any] | str, *, lang: Lang = "vi",
                 on: dt.date | None = None, engine: Engine | None = None, explain: bool = True) -> Decision:
        """Decide one application: eligibility, support in whole đồng, priority, reasons.

        ``on`` evaluates under the parameters in force on that date (default:
        the application date). ``engine`` overrides the rulebook's matcher.

        ``explain=False`` skips writing sentences, for bulk screening: every
        outcome, amount, bound, rank, citation and warning is the same, but
        ``reason.text``, ``reason.required``, ``support.lines[].text``,
        ``priority.text`` and ``summary`` are empty strings and
        ``reason.actual`` is empty (see docs/performance.md).

        Decisions are immutable and may share their parts (reasons,
        citations, warnings) with other decisions of the same rulebook.
        """
        if lang not in ("vi", "en"):
            raise ValueError(f"lang must be 'vi' or 'en', not {lang!r}")
        app = self.parse_application(application)
        act = self._activity(app.activity)
        law_date = _law_date(on) or app.application_date
        fact = self._fact(app, law_date)
        criteria = self.criteria_of(act.id)
        matcher = self._matcher(act, criteria, engine or self.engine)
        try:
            outcomes = matcher.match(fact)
        except EvaluationError:
            raise
        except Exception as err:  # the engine's own failure, surfaced with the activity's citation
            raise EvaluationError(act.id, act.cite.text(), f"{type(err).__name__}: {err}") from err
        if outcomes.get("program.period") == [NOT_MET]:
            # Outside the program the program's own parameters have no value, so
            # criteria reading them cannot be decided: they do not apply, and the
            # period criterion alone explains the refusal.
            for cid, got in outcomes.items():
                if not got:
                    got.append(NA)
        return self._decide(app, act, criteria, outcomes, fact, law_date, lang, explain)

    def evaluate_many(self, applications: Iterable[Application | Mapping[str, Any] | str], *,
                      lang: Lang = "vi", on: dt.date | None = None,
                      engine: Engine | None = None, explain: bool = True) -> Iterator[Decision]:
        """Evaluate a stream of applications lazily, one decision per input, in order.

        Iterator in, iterator out: one application is held at a time, so
        memory stays bounded whatever the input size. A bad application raises
        (ApplicationError or EvaluationError) when its decision is reached;
        ``kcrules batch`` shows how to report it and go on.
        """
        evaluate = self.evaluate
        for application in applications:
            yield evaluate(application, lang=lang, on=on, engine=engine, explain=explain)

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

    def _matcher(self, act: Activity, criteria: tuple[Criterion, ...], engine: str) -> Any:
        key = (act.id, engine)
        matcher = self._matchers.get(key)
        if matcher is None:
            with self._compile_lock:
                matcher = self._matchers.get(key)
                if matcher is None:
                    if engine == "durable":
                        matcher = DurableMatcher(act.id, criteria, self.version)
                    elif engine == "native":
                        matcher = NativeMatcher(act.id, criteria)
                    else:
                        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
                    self._matchers[key] = matcher
        return matcher

    def _generate_criteria(self) -> list[Criterion]:
        """Criteria every rulebook has, built from its [program] and activity tables."""
        d = self._d
        out: list[Criterion] = []
        if d.program is not None:
            p = d.program
            day = Ref("application_date", "date")
            expr = cond.And((cond.Cmp(">=", day, cond.Lit(p.start.toordinal(), "date")),
                             cond.Cmp("<", day, cond.Lit(p.until.toordinal(), "date"))))
            until = p.until - dt.timedelta(days=1)
            out.append(_criterion(
                "program.period", expr, p.cite, d.id,
                {"vi": f"Hồ sơ nộp trong thời gian chương trình ({p.start:%d/%m/%Y}–{until:%d/%m/%Y})",
                 "en": f"Application within the program period ({p.start.isoformat()} to {until.isoformat()})"},
                f"application_date >= {p.start.isoformat()} and application_date < {p.until.isoformat()}"))
        kinds = d.codes["applicant_kind"]
        for act in d.activities.values():
            ftype = cond.FieldType("code", tuple(kinds.values), False, "applicant_kind")
            expr = cond.Cmp("in", cond.Ref("applicant.kind", "code", ftype),
                            tuple(cond.Lit(k, "str") for k in act.applicants))
            names_vi = ", ".join(kinds.values[k].label["vi"] for k in act.applicants)
            names_en = ", ".join(kinds.values[k].label["en"] for k in act.applicants)
            out.append(_criterion(
                f"{act.id}.applicant", expr, act.cite, act.origin,
                {"vi": f"Đơn vị đề nghị phù hợp nội dung ({names_vi})",
                 "en": f"The applicant may carry out this activity ({names_en})"},
                f"applicant.kind in [{', '.join(repr(k) for k in act.applicants)}]", act.applicants_assumption))
        return out

    def _compile_value(self, derived: Any) -> tuple[str, Any]:
        return "derived__" + derived.id, cond.compile_value(derived.expr)

    def params_at(self, day: dt.date) -> dict[str, Any]:
        """Every parameter's value in force on ``day`` (exact: int, Fraction or day ordinal)."""
        cached = self._params_cache.get(day)
        if cached is None:
            cached = {}
            for p in self._d.params.values():
                v = p.at(day)
                if v is not None:
                    cached[p.id] = v
            if len(self._params_cache) > 8192:  # days of a decade, at one entry each
                self._params_cache.clear()
            self._params_cache[day] = cached
        return cached

    def _fact(self, app: Application, law_date: dt.date) -> dict[str, Any]:
        """The flat fact both engines match: fields, code attributes, parameters, derived facts, presence flags."""
        return self._fact_fn(app, self._param_fact(law_date))

    def _build_fact_fn(self) -> Callable[[Application, dict[str, Any]], dict[str, Any]]:
        """Generate the fact builder: one straight-line function over the application's fields.

        The source is made from the Application model's field names (Python
        identifiers) and fact keys, never from rule text; code attributes,
        derived-fact functions and presence flags enter as named constants.
        """
        lines = ["def fact(app, params):", "    f = {'kc__true': True}"]
        groups: dict[str, list[tuple[str, str, bool]]] = {}
        for path, (kind, _) in APPLICATION_FIELDS.items():
            head, _, leaf = path.partition(".")
            groups.setdefault(head, []).append((leaf, cond.fact_key(path), kind == "date"))
        for head, leaves in groups.items():
            if not head.isidentifier():
                raise ValueError(f"not a field name: {head!r}")
            if leaves == [("", head, leaves[0][2])]:
                value = "v.toordinal()" if leaves[0][2] else "v"
                lines += [f"    v = app.{head}", f"    if v is not None: f[{head!r}] = {value}"]
                continue
            lines += [f"    o = app.{head}", "    if o is not None:"]
            for leaf, key, is_date in leaves:
                if not leaf.isidentifier():
                    raise ValueError(f"not a field name: {leaf!r}")
                value = "v.toordinal()" if is_date else "v"
                lines += [f"        v = o.{leaf}", f"        if v is not None: f[{key!r}] = {value}"]
        lines += ["    if app.applicant is None and app.establishment is not None:",
                  "        f['applicant__kind'] = 'establishment'",
                  "        f['applicant__district'] = app.establishment.district"]
        constants: dict[str, Any] = {}
        for i, (key, attrs) in enumerate(self._code_attrs):
            constants[f"A{i}"] = attrs
            lines += [f"    v = f.get({key!r})", "    if v is not None:", f"        a = A{i}.get(v)",
                      "        if a: f.update(a)"]
        lines.append("    f.update(params)")
        for i, (key, compute) in enumerate(self._values):
            constants[f"D{i}"] = compute
            lines += [f"    v = D{i}(f)", f"    if v is not None: f[{key!r}] = v"]
        for flag, key in self._presence_flags:
            lines.append(f"    f[{flag!r}] = {key!r} in f")
        lines.append("    return f")
        self._fact_source = "\n".join(lines) + "\n"
        namespace = dict(constants)
        exec(compile(self._fact_source, f"<kcrules fact builder {self.id}>", "exec"), namespace)  # noqa: S102
        return namespace["fact"]  # type: ignore[no-any-return]

    def _param_fact(self, law_date: dt.date) -> dict[str, Any]:
        """The parameters' part of a fact on a date (memoised per date)."""
        found = self._param_facts.get(law_date)
        if found is None:
            found = {}
            for pid, pv in self.params_at(law_date).items():
                value = pv.value
                if isinstance(value, Fraction):
                    scaled = value * 100
                    if self._d.params[pid].unit != "percent" or scaled.denominator != 1:
                        continue  # ratios and fractional percents are for computing support only
                    value = int(scaled)
                found["params__" + pid] = value
            if len(self._param_facts) > 4096:
                self._param_facts.clear()
            self._param_facts[law_date] = found
        return found

    # ------------------------------------------------------------ the decision

    def _decide(self, app: Application, act: Activity, criteria: tuple[Criterion, ...],
                outcomes: dict[str, list[str]], fact: dict[str, Any], law_date: dt.date, lang: Lang,
                explain: bool = True) -> Decision:
        # Every part of a decision that depends only on a few facts is built
        # once and reused (reasons, priority, warnings): a reason is a pure
        # function of its criterion, outcome, language and the fact values it
        # reads, which is the cache key. Formatting (babel) is the dominant
        # cost of an explained decision; see docs/performance.md.
        plan = self._plan(act, criteria)
        vkey = (act.id, tuple(outcomes), *map(tuple, outcomes.values()))
        shape = self._shapes.get(vkey)
        if shape is None:
            shape = self._shape(plan, outcomes, fact)
            if len(self._shapes) >= _CACHE_MAX:
                self._shapes.clear()
            self._shapes[vkey] = shape
        outs, failed, met, used, assumed, order = shape
        used_params = dict.fromkeys(used)
        rule_assumptions = list(assumed)
        cache = self._reason_cache
        if explain:
            fmt: _Formatter | None = None
            reasons: list[Reason] = []
            for (c, keys, _, _), outcome in zip(plan, outs):
                key: tuple[Any, ...] = (c.id, outcome, lang, *[fact.get(k) for k in keys])
                reason = cache.get(key)
                if reason is None:
                    if fmt is None:
                        fmt = _Formatter(self, fact, lang)
                    reason = fmt.reason(c, outcome)
                    if len(cache) >= _CACHE_MAX:
                        cache.clear()
                    cache[key] = reason
                reasons.append(reason)
            ordered = tuple([reasons[i] for i in order])
        else:
            bkey = (vkey, lang)
            ordered = self._bare_cache.get(bkey)  # type: ignore[assignment]
            if ordered is None:
                bare = [self._bare_reason(c, outcome, lang) for (c, *_), outcome in zip(plan, outs)]
                ordered = tuple([bare[i] for i in order])
                if len(self._bare_cache) >= _CACHE_MAX:
                    self._bare_cache.clear()
                self._bare_cache[bkey] = ordered
        eligible = not failed
        priority, uplift = self._priority_cached(act, criteria, met, lang, explain)
        support = self._support(app, act, eligible, uplift, law_date, lang, used_params, explain)
        warnings = self._warnings_cached(act, eligible, used_params, rule_assumptions, law_date, lang)
        if not explain:
            summary = ""
        elif eligible:
            summary = i18n.msg("summary_yes", lang, verdict=i18n.msg("eligible", lang),
                               amount=_money(support.amount_vnd, lang), activity=act.label[lang])
        else:
            summary = i18n.msg("summary_no", lang, verdict=i18n.msg("ineligible", lang),
                               failed="; ".join(failed),
                               activity=act.label[lang])
        return Decision(
            application_id=app.id, activity=act.id, eligible=eligible, support=support, priority=priority,
            reasons=ordered, warnings=warnings, rulebook=self._info_cached(lang), law_date=law_date,
            lang=lang, summary=summary,
        )

    def _shape(self, plan: list[Any], outcomes: dict[str, list[str]], fact: dict[str, Any]) -> tuple[Any, ...]:
        """What an outcome vector implies, whatever the facts: failures, priorities met, parameters
        used, assumptions relied on, and the order reasons are shown in (failures first)."""
        outs: list[str] = []
        failed: list[str] = []
        met: list[str] = []
        used: dict[str, None] = {}
        assumed: list[Criterion] = []
        for c, _, applied, not_applied in plan:
            got = outcomes.get(c.id, ())
            if len(got) != 1:
                missing = [p for p in cond.refs_of(c.condition) + cond.refs_of(c.applies_when or cond.Lit(True, "bool"))
                           if cond.fact_key(p) not in fact]
                detail = (f"no outcome (facts missing: {', '.join(missing) or 'none'})" if not got
                          else f"contradictory outcomes {got}")
                raise EvaluationError(c.id, c.cite.text(), detail)
            outcome = got[0]
            outs.append(outcome)
            if outcome != NA:
                used.update(dict.fromkeys(applied))
                if c.assumption:
                    assumed.append(c)
                if outcome == NOT_MET:
                    if c.kind == "eligibility":
                        failed.append(c.id)
                elif c.kind == "priority":
                    met.append(c.id)
            else:
                used.update(dict.fromkeys(not_applied))
        # Put failures first: that is what a reader looks for (a stable sort by
        # failed eligibility, other eligibility, priority).
        eligibility = [item[0].kind == "eligibility" for item in plan]
        order = [i for i, e in enumerate(eligibility) if e and outs[i] == NOT_MET] + \
                [i for i, e in enumerate(eligibility) if e and outs[i] != NOT_MET] + \
                [i for i, e in enumerate(eligibility) if not e]
        return tuple(outs), tuple(failed), tuple(met), tuple(used), tuple(assumed), tuple(order)

    def _plan(self, act: Activity, criteria: tuple[Criterion, ...]) -> list[tuple[Criterion, tuple[str, ...],
                                                                                   tuple[str, ...], tuple[str, ...]]]:
        """Per criterion of an activity: the fact keys its reason reads, and the parameters it uses."""
        plan = self._plans.get(act.id)
        if plan is None:
            plan = []
            for c in criteria:
                refs = cond.refs_of(c.condition) + cond.refs_of(c.applies_when or cond.Lit(True, "bool"))
                shown = list(refs)
                shown += re.findall(r"params\.[a-z0-9_]+", c.condition_text)
                for template in c.explain.values():
                    shown += re.findall(r"\{([a-z_][a-z0-9_.]*)\}", template)
                keys = tuple(dict.fromkeys(cond.fact_key(r) for r in shown))
                applied = tuple(dict.fromkeys(p for r in refs for p in self._params_behind(r)))
                not_applied = tuple(dict.fromkeys(
                    p for r in (cond.refs_of(c.applies_when) if c.applies_when is not None else [])
                    for p in self._params_behind(r)))
                plan.append((c, keys, applied, not_applied))
            self._plans[act.id] = plan
        return plan

    def _bare_reason(self, c: Criterion, outcome: str, lang: Lang) -> Reason:
        key = (c.id, outcome, lang)
        found = self._bare_reasons.get(key)
        if found is None:
            found = self._bare_reasons[key] = self._make_bare_reason(c, outcome, lang)
        return found

    def _make_bare_reason(self, c: Criterion, outcome: str, lang: Lang) -> Reason:
        return Reason(
            criterion=c.id, kind=c.kind, outcome=outcome, actual={}, required="",  # type: ignore[arg-type]
            citation=_citation(c.cite, lang), text="",
            assumptions=(c.assumption,) if c.assumption and outcome != NA else (),
        )

    def _info_cached(self, lang: Lang) -> RulebookInfo:
        info = self._infos.get(lang)
        if info is None:
            info = self._infos[lang] = self.info(lang)
        return info

    def _priority_cached(self, act: Activity, criteria: tuple[Criterion, ...], met: tuple[str, ...], lang: Lang,
                         explain: bool) -> tuple[Priority, bool]:
        key = (act.id, met, lang, explain)
        found = self._priorities.get(key)
        if found is None:
            priority, uplift = self._priority(criteria, met, lang)
            if not explain:
                priority = priority.model_copy(update={"text": ""})
            found = (priority, uplift)
            if len(self._priorities) >= _CACHE_MAX:
                self._priorities.clear()
            self._priorities[key] = found
        return found

    def _params_behind(self, ref: str) -> list[str]:
        """The parameters a name depends on (through derived facts too)."""
        if ref.startswith("params."):
            return [ref[7:]]
        if ref.startswith("derived."):
            der = self._d.derived.get(ref[8:])
            if der is None:
                return []
            return [p for r in cond.refs_of(der.expr) for p in self._params_behind(r)]
        return []

    def _priority(self, criteria: tuple[Criterion, ...], met_ids: tuple[str, ...],
                  lang: Lang) -> tuple[Priority, bool]:
        met = set(met_ids)
        key: list[int] = []
        score = 0
        uplift = False
        names: list[str] = []
        for tier in self._d.tiers:
            members = [c for c in criteria if c.kind == "priority" and c.tier == tier.id]
            hits = [c for c in members if c.id in met]
            if tier.mode == "first_met":
                worst = max([c.order for c in members], default=0) + 1
                value = min([c.order for c in hits], default=worst)
                key.append(value)
                score = score * 100 + (worst - value)
            else:
                key.append(-len(hits))
                score = score * 100 + len(hits)
            if hits and tier.uplift:
                uplift = True
            names += [c.label[lang] for c in sorted(hits, key=lambda c: c.order)]
        text = i18n.msg("priority_met", lang, items="; ".join(names)) if names else i18n.msg("priority_none", lang)
        return Priority(rank_key=tuple(key), score=score, criteria_met=tuple(sorted(met)), text=text), uplift

    def _support(self, app: Application, act: Activity, eligible: bool, uplift: bool, law_date: dt.date,
                 lang: Lang, used: dict[str, None], explain: bool = True) -> Support:
        s = act.support
        rounding = i18n.msg("rounding", lang)
        if not eligible:
            line = ComputationLine(step="ineligible", amount_vnd=0,
                                   text=i18n.msg("not_eligible_zero", lang) if explain else "")
            return Support(amount_vnd=0, lines=(line,), bound="ineligible", rounding=rounding)
        params = self.params_at(law_date)
        base = _get(app, s.base)
        if not isinstance(base, int):
            raise EvaluationError(f"{act.id}.support", s.cite.text(), f"{s.base} is missing")
        lines = [ComputationLine(step="base", amount_vnd=base,
                                 text=f"{i18n.msg('base', lang, field=s.base)}: {_money(base, lang)}"
                                 if explain else "")]
        bounds: list[tuple[str, int]] = []
        if s.method == "share":
            assert s.share is not None
            pv = self._param(params, s.share, act)
            used.setdefault(s.share, None)
            amount = _floor_mul(base, pv.value)
            lines.append(ComputationLine(
                step="share", amount_vnd=amount, parameter=s.share,
                text=f"{i18n.msg('share', lang, share=_percent(pv.value, lang), base=_money(base, lang))}"
                     f" = {_money(amount, lang)} ({pv.cite.text(lang)})" if explain else ""))
            bounds.append(("share", amount))
        else:
            lines.append(ComputationLine(step="full", amount_vnd=base, text=i18n.msg("full", lang) if explain else ""))
            bounds.append(("eligible_cost", base))
        ratio = None
        if uplift and s.uplift and s.caps:
            rv = self._param(params, s.uplift, act)
            ratio = rv
            used.setdefault(s.uplift, None)
        for cap_id in s.caps:
            pv = self._param(params, cap_id, act)
            used.setdefault(cap_id, None)
            cap = pv.value
            label = self._d.params[cap_id].label[lang]
            if ratio is not None:
                cap = _floor_mul(cap, ratio.value)
                text = i18n.msg("uplift", lang, ratio=_number(ratio.value, lang), label=label) if explain else ""
            else:
                text = i18n.msg("cap", lang, label=label) if explain else ""
            lines.append(ComputationLine(step="cap", amount_vnd=cap, parameter=cap_id,
                                         text=f"{text}: {_money(cap, lang)} ({pv.cite.text(lang)})"
                                         if explain else ""))
            bounds.append((cap_id, cap))
        if s.method == "share":
            bounds.append(("eligible_cost", base))
        requested = app.project.amount_requested_vnd
        if requested is not None:
            lines.append(ComputationLine(step="requested", amount_vnd=requested,
                                         text=f"{i18n.msg('requested', lang)}: {_money(requested, lang)}"
                                         if explain else ""))
            bounds.append(("requested", requested))
        bound, amount = min(bounds, key=lambda b: b[1])  # first of equal bounds wins: stable and documented
        lines.append(ComputationLine(step="result", amount_vnd=amount,
                                     text=f"{i18n.msg('result', lang)}: {_money(amount, lang)}" if explain else ""))
        return Support(amount_vnd=amount, lines=tuple(lines), bound=bound, rounding=rounding)

    def _param(self, params: dict[str, Any], pid: str, act: Activity) -> Any:
        pv = params.get(pid)
        if pv is None:
            p = self._d.params[pid]
            periods = ", ".join(f"[{v.start}, {v.until or '…'})" for v in p.values)
            raise EvaluationError(f"{act.id}.support", act.support.cite.text(),
                                  f"parameter {pid} has no value on this date (it has values for {periods})")
        return pv

    def _warnings_cached(self, act: Activity, eligible: bool, used: dict[str, None],
                         rule_assumptions: list[Criterion], law_date: dt.date, lang: Lang) -> tuple[Warning, ...]:
        # Keyed by the parameter values in force (their identity), not the date: many dates share them.
        params = self.params_at(law_date)
        key = (act.id, eligible, lang, tuple(used), tuple(id(params.get(p)) for p in used),
               tuple(c.id for c in rule_assumptions))
        found = self._warning_cache.get(key)
        if found is None:
            out = self._warnings(used, rule_assumptions, law_date, lang)
            if eligible and act.support.method == "full":
                note = act.support.note.get(lang, "") if act.support.note else ""
                out.append(Warning(parameter=f"{act.id}.support", provenance="assumption", value="",
                                   note=note, text=i18n.msg("warning_no_level", lang, note=note)))
            found = tuple(out)
            if len(self._warning_cache) >= _CACHE_MAX:
                self._warning_cache.clear()
            self._warning_cache[key] = found
        return found

    def _warnings(self, used: dict[str, None], rule_assumptions: list[Criterion], law_date: dt.date,
                  lang: Lang) -> list[Warning]:
        params = self.params_at(law_date)
        fmt = _Formatter(self, {}, lang)
        out: list[Warning] = []
        for pid in used:
            pv = params.get(pid)
            if pv is None or pv.provenance not in ("guidance", "assumption"):
                continue
            p = self._d.params[pid]
            value = fmt.param_value(p, pv.value)
            text = i18n.msg(f"warning_{pv.provenance}", lang, label=p.label[lang], value=value, note=pv.note or "")
            out.append(Warning(parameter=pid, provenance=pv.provenance, value=value, note=pv.note or "",
                               text=text.strip()))
        for c in rule_assumptions:
            text = i18n.msg("warning_rule_assumption", lang, label=c.label[lang], note=c.assumption or "")
            out.append(Warning(parameter=c.id, provenance="assumption", value="", note=c.assumption or "", text=text))
        return out


# ---------------------------------------------------------------- helpers

Ref = cond.Ref


def _criterion(cid: str, expr: cond.Expr, cite: Any, origin: str, label: dict[str, str], text: str,
               assumption: str | None = None) -> Criterion:
    return Criterion(id=cid, kind="eligibility", label=label, cite=cite, condition=expr, condition_text=text,
                     applies_when=None, applies_text=None, explain={}, assumption=assumption, tier=None, order=0,
                     origin=origin, file="(generated)")


#: Bound of each memo of a rulebook (reasons, priorities, warnings); cleared when full.
_CACHE_MAX = 100_000


@functools.lru_cache(maxsize=512)
def _citation(cite: Any, lang: str) -> Citation:
    return Citation(document=cite.document, article=cite.article or cite.section, clause=cite.clause,
                    point=cite.point, text=cite.text(lang))


_MONEY_STYLE: dict[str, tuple[str, str, str] | None] = {}


def _money(amount: int, lang: str) -> str:
    """i18n.money, without babel's per-call cost: the locale's pattern is read from babel once.

    The pattern (prefix, group separator, suffix) is derived from babel's own
    output and checked against it on several amounts; if babel ever formats
    differently (e.g. another locale), babel is used for every amount.
    """
    style = _MONEY_STYLE.get(lang, False)
    if style is False:
        style = _money_style(lang)
        _MONEY_STYLE[lang] = style
    if style is None or amount < 0:
        return i18n.money(amount, lang)
    return _styled(style, amount)  # type: ignore[arg-type]


def _styled(style: tuple[str, str, str], amount: int) -> str:
    prefix, sep, suffix = style
    return f"{prefix}{f'{amount:,}'.replace(',', sep)}{suffix}"


def _money_style(lang: str) -> tuple[str, str, str] | None:
    sample = i18n.money(1234567, lang)
    head, _, rest = sample.partition("1")
    tail = rest.rpartition("7")[2]
    body = sample[len(head):len(sample) - len(tail)]
    sep = body[1] if len(body) > 7 else ""
    if not sep or sep.isdigit() or any(c.isdigit() for c in head + tail):
        return None
    style = (head, sep, tail)
    for probe in (0, 7, 999, 1000, 10**6, 1234567, 123456789012, 10**13):
        if _styled(style, probe) != i18n.money(probe, lang):
            return None
    return style


@functools.lru_cache(maxsize=256)
def _percent(value: Fraction, lang: str) -> str:
    return i18n.percent(value, lang)


_NUMBER_STYLE: dict[str, tuple[str, str, str] | None] = {}


def _number(value: Fraction | int, lang: str) -> str:
    """i18n.number; whole numbers use babel's grouping read once (checked as for money)."""
    if type(value) is int and value >= 0:
        style = _NUMBER_STYLE.get(lang, False)
        if style is False:
            style = _NUMBER_STYLE[lang] = _number_style(lang)
        if style is not None:
            return _styled(style, value)  # type: ignore[arg-type]
    return _number_babel(value, lang)


def _number_style(lang: str) -> tuple[str, str, str] | None:
    sample = i18n.number(1234567, lang)
    sep = sample[1] if len(sample) == 9 and sample[0] == "1" and not sample[1].isdigit() else ""
    if not sep:
        return None
    style = ("", sep, "")
    for probe in (0, 7, 999, 1000, 35, 10**6, 1234567, 123456789012, 10**13):
        if _styled(style, probe) != i18n.number(probe, lang):
            return None
    return style


@functools.lru_cache(maxsize=256)
def _number_babel(value: Fraction | int, lang: str) -> str:
    return i18n.number(value, lang)


@functools.lru_cache(maxsize=4096)
def _date(value: dt.date, lang: str) -> str:
    return i18n.date(value, lang)


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


def _floor_mul(amount: int, factor: Fraction | int) -> int:
    """amount × factor rounded down to the whole đồng, in integers (same as _floor(amount * factor))."""
    if isinstance(factor, Fraction):
        return (amount * factor.numerator) // factor.denominator
    return int(amount * factor)


def _law_date(on: object) -> dt.date | None:
    """The ``on`` argument as a date: a date, a datetime (its day) or ISO text."""
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


def _floor(value: Fraction | int) -> int:
    """Round down to the whole đồng: support is 'up to' a share, so never round up."""
    return int(value // 1) if isinstance(value, Fraction) else int(value)


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


_GETTERS = [(path, _make_getter(path)) for path in APPLICATION_FIELDS]
_GETTER_BY_PATH = dict(_GETTERS)

# Where each field of an application goes in a fact: for a top-level field,
# (key, is_date); for a nested model, {field: (key, is_date)}.
_TOP_KEYS: dict[str, tuple[str, bool]] = {}
_FACT_KEYS: dict[str, dict[str, tuple[str, bool]]] = {}
for _path, (_kind, _) in APPLICATION_FIELDS.items():
    _head, _, _leaf = _path.partition(".")
    if _leaf:
        _FACT_KEYS.setdefault(_head, {})[_leaf] = (cond.fact_key(_path), _kind == "date")
    else:
        _TOP_KEYS[_head] = (cond.fact_key(_path), _kind == "date")


def _get(app: Application, path: str) -> Any:
    return _GETTER_BY_PATH[path](app)


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
    model: type[BaseModel] = Application
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        from ._schema import _base_type

        tp, _ = _base_type(field.annotation)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            model = tp
        else:
            return []
    return list(model.model_fields)


class _Formatter:
    """Renders values, requirements and sentences of one decision in one language."""

    def __init__(self, rulebook: Rulebook, fact: dict[str, Any], lang: Lang) -> None:
        self.rb = rulebook
        self.fact = fact
        self.lang = lang

    def value(self, path: str) -> str:
        key, render = self.renderer(path)
        raw = self.fact.get(key)
        if raw is None:
            return "—"
        return render(raw)

    def renderer(self, path: str) -> tuple[str, Callable[[Any], str]]:
        """The fact key of ``path`` and the function that writes its value (memoised per rulebook)."""
        memo = self.rb._renderers
        found = memo.get((path, self.lang))
        if found is None:
            found = memo[(path, self.lang)] = (cond.fact_key(path), self._render_fn(path))
        return found

    def _render_fn(self, path: str) -> Callable[[Any], str]:
        lang = self.lang
        if path.startswith("params."):
            p = self.rb.definition.params[path[7:]]
            if p.unit == "vnd":
                return lambda raw: _money(raw, lang)
            if p.unit == "date":
                return lambda raw: _date(dt.date.fromordinal(raw), lang)
            if p.unit == "percent":
                return lambda raw: _percent(Fraction(raw, 100), lang)
            return lambda raw: _number(raw, lang)
        kind = self._kind(path)
        if kind == "date":
            return lambda raw: _date(dt.date.fromordinal(raw), lang)
        if kind == "bool":
            words = {"vi": ("có", "không"), "en": ("yes", "no")}[lang]
            return lambda raw: words[0 if raw else 1]
        if kind == "code":
            return lambda raw: self._code_label(path, raw)

        def other(raw: Any) -> str:
            if isinstance(raw, int):
                return _money(raw, lang) if path.endswith("_vnd") else _number(raw, lang)
            return str(raw)

        return other

    def _kind_cached(self, path: str) -> str:
        kind = self.rb._kind_memo.get(path)
        if kind is None:
            kind = self.rb._kind_memo[path] = self._kind(path)
        return kind

    def _kind(self, path: str) -> str:
        if path in APPLICATION_FIELDS:
            return APPLICATION_FIELDS[path][0]
        if path.startswith("derived."):
            der = self.rb.definition.derived.get(path[8:])
            return der.type if der else "str"
        base, _, attr = path.rpartition(".")
        table = self.rb.definition.codes.get(CODE_FIELDS.get(base, ""))
        if table and attr in table.attributes:
            return table.attributes[attr][0]
        return "str"

    def _code_label(self, path: str, code: str) -> str:
        table_id = CODE_FIELDS.get(path)
        if table_id is None:
            base, _, attr = path.rpartition(".")
            table = self.rb.definition.codes.get(CODE_FIELDS.get(base, ""))
            table_id = table.attributes[attr][2] if table and attr in table.attributes else None
        if table_id == "activity":
            act = self.rb.definition.activities.get(code)
            return act.label[self.lang] if act else code
        table = self.rb.definition.codes.get(table_id or "")
        if table and code in table.values:
            return table.values[code].label[self.lang]
        return str(code)

    def param_value(self, p: Param, value: Any) -> str:
        if p.unit == "vnd":
            return _money(value, self.lang)
        if p.unit == "percent":
            return _percent(value, self.lang)
        if p.unit == "ratio":
            return _number(value, self.lang)
        if p.unit == "date":
            return _date(dt.date.fromordinal(value), self.lang)
        return _number(value, self.lang)

    def actual(self, c: Criterion) -> dict[str, object]:
        refs = _shown_refs(c)
        out: dict[str, object] = {}
        for ref in refs:
            if ref.startswith("params."):
                continue
            key, _ = self.renderer(ref)
            raw = self.fact.get(key)
            if raw is not None and self._kind_cached(ref) == "date":
                raw = dt.date.fromordinal(raw).isoformat()
            out[ref] = raw
        return out

    def required(self, c: Criterion) -> str:
        # Only parameters appear in it, so it is memoised on their values.
        names = self.rb._required_names.get(c.id)
        if names is None:
            names = self.rb._required_names[c.id] = tuple(
                dict.fromkeys(cond.fact_key(m) for m in re.findall(r"params\.[a-z0-9_]+", c.condition_text)))
        key = (c.id, self.lang, *[self.fact.get(n) for n in names])
        found = self.rb._required_memo.get(key)
        if found is None:
            text = c.condition_text
            found = re.sub(r"params\.([a-z0-9_]+)", lambda m: self.value(m.group(0)), text)
            if len(self.rb._required_memo) >= _CACHE_MAX:
                self.rb._required_memo.clear()
            self.rb._required_memo[key] = found
        return found

    def reason(self, c: Criterion, outcome: str) -> Reason:
        lang = self.lang
        required = self.required(c)
        actual = self.actual(c)
        template = c.explain.get(lang)
        word = i18n.msg(outcome, lang)
        if template:
            body = re.sub(r"\{([a-z_][a-z0-9_.]*)\}", lambda m: self.value(m.group(1)), template)
        else:
            found = ", ".join(f"{k} = {self.value(k)}" for k in actual) or "—"
            body = f"{i18n.msg('found', lang)}: {found}. {i18n.msg('required', lang)}: {required}"
        citation = _citation(c.cite, lang)
        text = f"{c.label[lang]} — {word}. {body} ({citation.text})"
        return Reason(
            criterion=c.id, kind=c.kind, outcome=outcome, actual=actual, required=required,  # type: ignore[arg-type]
            citation=citation, text=text, assumptions=(c.assumption,) if c.assumption and outcome != NA else (),
        )
