"""A loaded rulebook: evaluates applications into decisions (eligibility, support, priority, reasons, warnings).

Reading an application is _input's; writing a decision's sentences is _explain's.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from kcrules.engines import NA, NOT_MET
from kcrules.engines.durable import DurableMatcher
from kcrules.engines.native import NativeMatcher
from kcrules.errors import (
    ApplicationError,
    EvaluationError,
    InputError,
    Problem,
    UnknownRulebookError,
)
from kcrules.models import (
    Application,
    ComputationLine,
    Decision,
    DecisionWarning,
    Priority,
    Reason,
    RulebookInfo,
    Support,
)
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.codes import code_ids
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS
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
from kcrules.rulefiles.reader import Reader, field_value, law_date
from kcrules.text import i18n as i18n
from kcrules.text.reasons import (
    PARAM_NAME,
    PLACEHOLDER,
    Explainer,
    bare_reason,
    param_value,
)
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
        self._warning_cache: dict[tuple[Any, ...], tuple[DecisionWarning, ...]] = {}
        self._infos: dict[str, RulebookInfo] = {}
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
        self._reader = Reader(definition)
        self._explainer = Explainer(definition, _CACHE_MAX)
        self._generated = self._generate_criteria()
        self._values = [self._compile_value(d) for d in definition.derived.values()]
        # A broken [plan] table fails at load, like any rule; kcrules.plan uses the checked form.
        self._plan_spec: Any = None
        if definition.plan is not None:
            self._plan_spec = check_plan_table(definition)
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
            codes = code_ids(self._d, table)
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
        return self._reader.parse(data)

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
            raise InputError(f"lang must be 'vi' or 'en', not {lang!r}")
        app = self.parse_application(application)
        act = self._activity(app.activity)
        day = law_date(on) or app.application_date
        fact = self._fact(app, day)
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
        return self._decide(app, act, criteria, outcomes, fact, day, lang, explain)

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
                        raise InputError(f"engine must be one of {ENGINES}, not {engine!r}")
                    self._matchers[key] = matcher
        return matcher

    def _generate_criteria(self) -> list[Criterion]:
        """Criteria every rulebook has, built from its [program] and activity tables."""
        d = self._d
        out: list[Criterion] = []
        if d.program is not None:
            p = d.program
            day = cond.Ref("application_date", "date")
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
            explainer = self._explainer
            reasons: list[Reason] = []
            for (c, keys, _, _), outcome in zip(plan, outs):
                key: tuple[Any, ...] = (c.id, outcome, lang, *[fact.get(k) for k in keys])
                reason = cache.get(key)
                if reason is None:
                    reason = explainer.reason(c, outcome, fact, lang)
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
                               amount=i18n.money(support.amount_vnd, lang), activity=act.label[lang])
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
                shown += PARAM_NAME.findall(c.condition_text)
                for template in c.explain.values():
                    shown += PLACEHOLDER.findall(template)
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
            found = self._bare_reasons[key] = bare_reason(c, outcome, lang)
        return found

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
        base = field_value(app, s.base)
        if not isinstance(base, int):
            raise EvaluationError(f"{act.id}.support", s.cite.text(), f"{s.base} is missing")
        lines = [ComputationLine(step="base", amount_vnd=base,
                                 text=f"{i18n.msg('base', lang, field=s.base)}: {i18n.money(base, lang)}"
                                 if explain else "")]
        bounds: list[tuple[str, int]] = []
        if s.method == "share":
            assert s.share is not None
            pv = self._param(params, s.share, act)
            used.setdefault(s.share, None)
            amount = _floor_mul(base, pv.value)
            lines.append(ComputationLine(
                step="share", amount_vnd=amount, parameter=s.share,
                text=f"{i18n.msg('share', lang, share=i18n.percent(pv.value, lang), base=i18n.money(base, lang))}"
                     f" = {i18n.money(amount, lang)} ({pv.cite.text(lang)})" if explain else ""))
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
                text = i18n.msg("uplift", lang, ratio=i18n.number(ratio.value, lang), label=label) if explain else ""
            else:
                text = i18n.msg("cap", lang, label=label) if explain else ""
            lines.append(ComputationLine(step="cap", amount_vnd=cap, parameter=cap_id,
                                         text=f"{text}: {i18n.money(cap, lang)} ({pv.cite.text(lang)})"
                                         if explain else ""))
            bounds.append((cap_id, cap))
        if s.method == "share":
            bounds.append(("eligible_cost", base))
        requested = app.project.amount_requested_vnd
        if requested is not None:
            lines.append(ComputationLine(step="requested", amount_vnd=requested,
                                         text=f"{i18n.msg('requested', lang)}: {i18n.money(requested, lang)}"
                                         if explain else ""))
            bounds.append(("requested", requested))
        bound, amount = min(bounds, key=lambda b: b[1])  # first of equal bounds wins: stable and documented
        lines.append(ComputationLine(step="result", amount_vnd=amount,
                                     text=f"{i18n.msg('result', lang)}: {i18n.money(amount, lang)}" if explain else ""))
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
                         rule_assumptions: list[Criterion], law_date: dt.date, lang: Lang) -> tuple[DecisionWarning, ...]:
        # Keyed by the parameter values in force (their identity), not the date: many dates share them.
        params = self.params_at(law_date)
        key = (act.id, eligible, lang, tuple(used), tuple(id(params.get(p)) for p in used),
               tuple(c.id for c in rule_assumptions))
        found = self._warning_cache.get(key)
        if found is None:
            out = self._warnings(used, rule_assumptions, law_date, lang)
            if eligible and act.support.method == "full":
                note = act.support.note.get(lang, "") if act.support.note else ""
                out.append(DecisionWarning(parameter=f"{act.id}.support", provenance="assumption", value="",
                                   note=note, text=i18n.msg("warning_no_level", lang, note=note)))
            found = tuple(out)
            if len(self._warning_cache) >= _CACHE_MAX:
                self._warning_cache.clear()
            self._warning_cache[key] = found
        return found

    def _warnings(self, used: dict[str, None], rule_assumptions: list[Criterion], law_date: dt.date,
                  lang: Lang) -> list[DecisionWarning]:
        params = self.params_at(law_date)
        out: list[DecisionWarning] = []
        for pid in used:
            pv = params.get(pid)
            if pv is None or pv.provenance not in ("guidance", "assumption"):
                continue
            p = self._d.params[pid]
            value = param_value(p, pv.value, lang)
            text = i18n.msg(f"warning_{pv.provenance}", lang, label=p.label[lang], value=value, note=_in(pv.note, lang))
            out.append(DecisionWarning(parameter=pid, provenance=pv.provenance, value=value, note=_in(pv.note, lang),
                               text=text.strip()))
        for c in rule_assumptions:
            text = i18n.msg("warning_rule_assumption", lang, label=c.label[lang], note=_in(c.assumption, lang))
            out.append(DecisionWarning(parameter=c.id, provenance="assumption", value="", note=_in(c.assumption, lang),
                               text=text))
        return out


# ---------------------------------------------------------------- helpers


def _in(text: dict[str, str] | None, lang: str) -> str:
    """A bilingual rule-file text in ``lang`` ("" when there is none)."""
    return text[lang] if text else ""


def _criterion(cid: str, expr: cond.Expr, cite: Any, origin: str, label: dict[str, str], text: str,
               assumption: str | None = None) -> Criterion:
    return Criterion(id=cid, kind="eligibility", label=label, cite=cite, condition=expr, condition_text=text,
                     applies_when=None, applies_text=None, explain={}, assumption=assumption, tier=None, order=0,
                     origin=origin, file="(generated)")


#: Bound of each memo of a rulebook (reasons, priorities, warnings); cleared when full.
_CACHE_MAX = 100_000


def _floor_mul(amount: int, factor: Fraction | int) -> int:
    """amount × factor rounded down to the whole đồng, in integers.

    Support is "up to" a share, so it is never rounded up.
    """
    if isinstance(factor, Fraction):
        return (amount * factor.numerator) // factor.denominator
    return int(amount * factor)
