"""Valid applications generated from a rulebook, concentrated at its thresholds.

Everything a generator needs is read from the rulebook itself, so a province's
own rulebook gets generators that know its numbers:

- every whole number a condition compares a field with (a parameter, in every
  period it has, or a literal) gives that field the values just below, at and
  just above it (35/36 learners, 50 workers, SME limits…);
- every parameter period edge, the program period, date parameters and date
  facts derived from parameters alone give application dates on, the day
  before and the day after each edge;
- ``months`` and ``days`` parameters give class lengths on either side of the
  limit (3 months, 6 days);
- an activity's ceilings divided by its shares (with and without the priority
  multiplier) give eligible costs where the ceiling starts to bind.

Between thresholds, values are spread over realistic ranges. By default 45 %
of the applications are then aimed at eligibility, each failing criterion
repaired from its own condition (a district whose unit type the area rule
accepts, a listed sector, a count at or under its limit…); 35 % are aimed and
then get exactly one applicable criterion made to fail, so refusals with a
single known cause are common; 20 % keep the plain spread. Roughly half of
every activity's applications are eligible, so the properties of eligible
decisions (ceilings, monotone support, warnings) are exercised as often as
those of refusals.

One generator, two sources of randomness: Hypothesis (``applications``: shrinks
to a minimal failing application) and a seeded ``random.Random``
(``generate``: the same list for the same seed, for reports and corpora).
Applications are JSON-ready dicts (dates as ISO text) that
``Rulebook.parse_application`` accepts.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import operator
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from kcrules.models import MAX_VND
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS
from kcrules.util.jsonpath import get_path

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from kcrules.rulebook import Rulebook

T = TypeVar("T")

#: The program years the generators concentrate on; a few dates fall outside.
PERIOD = (dt.date(2016, 1, 1), dt.date(2020, 12, 31))
OUTSIDE = (dt.date(2013, 1, 1), dt.date(2023, 12, 31))

# Largest value each whole-number field accepts (kcrules.models) and its realistic range.
_BOUNDS = {"Count": 10_000_000, "Money": MAX_VND, "Percent": 100}
_INT_FIELDS: dict[str, tuple[int, tuple[int, int]]] = {
    "establishment.employees": (_BOUNDS["Count"], (1, 1_500)),
    "establishment.capital_vnd": (MAX_VND, (10_000_000, 300_000_000_000)),
    "establishment.revenue_vnd": (MAX_VND, (10_000_000, 500_000_000_000)),
    "establishment.local_material_share_percent": (100, (0, 100)),
    "project.eligible_cost_vnd": (MAX_VND, (1_000_000, 3_000_000_000)),
    "project.amount_requested_vnd": (MAX_VND, (1_000_000, 2_000_000_000)),
    "project.learners": (_BOUNDS["Count"], (1, 80)),
    "project.classes": (_BOUNDS["Count"], (1, 10)),
    "project.overseas_fairs_supported_this_year": (_BOUNDS["Count"], (0, 5)),
    "project.designs": (_BOUNDS["Count"], (0, 30)),
}
#: Share (percent) of "mixed" draws aimed at eligibility, and aimed then made to fail one criterion;
#: the rest is the plain spread. About half of all applications are eligible.
_MIX = (45, 35)
#: What ``applications`` and ``generate`` can aim at (see their docstrings).
FOCUS = ("mixed", "eligible", "one_unmet", "spread")
_NAMES = ("HTX Mây tre đan Phú Vinh", "Công ty TNHH Gốm Bát Tràng", "Hộ kinh doanh Nguyễn Văn A",
          "Xưởng khảm trai Chuyên Mỹ", "Tổ hợp tác dệt Vạn Phúc", "Workshop 7")


class _Draw(Protocol):
    """The randomness a generator needs; Hypothesis or a seeded Random provide it."""

    def integer(self, lo: int, hi: int) -> int: ...

    def choice(self, items: Sequence[T]) -> T: ...

    def chance(self, percent: int) -> bool: ...


class _HypothesisDraw:
    def __init__(self, draw: Any) -> None:
        from hypothesis import strategies as st

        self._draw = draw
        self._st = st

    def integer(self, lo: int, hi: int) -> int:
        return int(self._draw(self._st.integers(lo, hi)))

    def choice(self, items: Sequence[T]) -> T:
        return self._draw(self._st.sampled_from(items))  # type: ignore[no-any-return]

    def chance(self, percent: int) -> bool:
        # Shrinks towards True: a minimal example keeps the likely value.
        return bool(self._draw(self._st.integers(0, 99)) < percent)


class _RandomDraw:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self._rng.randint(lo, hi)

    def choice(self, items: Sequence[T]) -> T:
        return items[self._rng.randrange(len(items))]

    def chance(self, percent: int) -> bool:
        return self._rng.randrange(100) < percent


# ---------------------------------------------------------------- what the rulebook says


@dataclass
class _Context:
    """The thresholds, codes and activities generators draw from (one or more rulebooks)."""

    activities: dict[str, Any] = field(default_factory=dict)  # id -> kcrules.rulefiles.loader.Activity
    criteria: dict[str, list[Any]] = field(default_factory=dict)  # activity -> criteria
    codes: dict[str, list[str]] = field(default_factory=dict)  # table -> code ids
    spellings: dict[str, list[str]] = field(default_factory=dict)  # table -> other accepted spellings
    program_provinces: list[str] = field(default_factory=list)  # provinces a criterion's region list admits
    numbers: dict[str, set[int]] = field(default_factory=dict)  # field -> thresholds
    costs: dict[str, set[int]] = field(default_factory=dict)  # activity -> eligible costs where caps bind
    dates: set[dt.date] = field(default_factory=set)
    months: set[int] = field(default_factory=set)
    days: set[int] = field(default_factory=set)
    good: dict[str, dict[str, bool]] = field(default_factory=dict)  # activity -> bool field -> meeting value
    reads: dict[str, set[str]] = field(default_factory=dict)  # activity -> names its criteria and requirements read
    judges: dict[str, list[_Judge]] = field(default_factory=dict)  # activity -> its eligibility test per rulebook

    def add(self, rulebook: Rulebook) -> None:
        d = rulebook.definition
        for act_id, act in d.activities.items():
            self.activities.setdefault(act_id, act)
            self.judges.setdefault(act_id, []).append(_Judge(rulebook, act_id))
            crits = list(rulebook.criteria_of(act_id))
            self.criteria.setdefault(act_id, crits)
            good = self.good.setdefault(act_id, {})
            exprs = [e for c in crits for e in (c.condition, c.applies_when) if e is not None]
            exprs += [r.when for r in act.requirements if r.when is not None]
            self.reads.setdefault(act_id, set()).update(r for e in exprs for r in cond.refs_of(e))
            for c in crits:
                for expr in (c.condition, c.applies_when):
                    if expr is not None and c.kind == "eligibility":
                        good.update((k, v) for k, v in _bool_targets(expr).items() if k not in good)
            self._add_costs(d, act_id, act)
        for table, tbl in d.codes.items():
            ids = self.codes.setdefault(table, [])
            ids += [c for c in tbl.values if c not in ids]
            spell = self.spellings.setdefault(table, [])
            spell += [v.label["vi"] for v in tbl.values.values() if v.label["vi"] not in spell]
        for c in list(d.criteria.values()):
            for expr in (c.condition, c.applies_when):
                if expr is not None:
                    self._add_numbers(d, expr)
                    self._add_provinces(d, expr)
        for p in d.params.values():
            for v in p.values:
                self.dates.add(v.start)
                if v.until is not None:
                    self.dates.add(v.until)
                if p.unit == "date":
                    self.dates.add(dt.date.fromordinal(v.value))
                elif p.unit == "months" and isinstance(v.value, int):
                    self.months.add(v.value)
                elif p.unit == "days" and isinstance(v.value, int):
                    self.days.add(v.value)
        if d.program is not None:
            self.dates.update((d.program.start, d.program.until))
        # Date facts that depend on parameters only (e.g. the end of a 5-year window).
        for day in sorted({v.start for p in d.params.values() for v in p.values}):
            fact = {"params__" + pid: _fact_value(d.params[pid], pv.value)
                    for pid, pv in rulebook.params_at(day).items()}
            for der in d.derived.values():
                if der.type != "date":
                    continue
                try:
                    value = cond.compile_value(der.expr)(fact)
                except (ArithmeticError, ValueError, OverflowError):
                    continue
                if isinstance(value, int) and dt.date.min.toordinal() <= value <= dt.date.max.toordinal():
                    self.dates.add(dt.date.fromordinal(value))
        for year in range(PERIOD[0].year, PERIOD[1].year + 2):
            self.dates.update((dt.date(year, 1, 1), dt.date(year - 1, 12, 31)))

    def _add_provinces(self, d: Any, expr: Any) -> None:
        provinces = d.codes.get("province")
        for regions in _region_lists(expr):
            for code, value in (provinces.values.items() if provinces else ()):
                if value.attrs.get("region") in regions and code not in self.program_provinces:
                    self.program_provinces.append(code)

    def _add_numbers(self, d: Any, expr: Any) -> None:
        for node in _comparisons(expr):
            if not isinstance(node.right, cond.Expr):
                continue
            for side, other in ((node.left, node.right), (node.right, node.left)):
                if not (isinstance(side, cond.Ref) and side.path in _INT_FIELDS):
                    continue
                values: list[int] = []
                if isinstance(other, cond.Lit) and isinstance(other.value, int) and other.type == "int":
                    values.append(other.value)
                elif isinstance(other, cond.Ref) and other.path.startswith("params."):
                    p = d.params.get(other.path[7:])
                    if p is not None:
                        values += [v for pv in p.values if (v := _fact_value(p, pv.value)) is not None]
                self.numbers.setdefault(side.path, set()).update(values)

    def _add_costs(self, d: Any, act_id: str, act: Any) -> None:
        s = act.support
        out = self.costs.setdefault(act_id, set())
        shares = [pv.value for pv in d.params[s.share].values] if s.share in d.params else [Fraction(1)]
        ratios = [Fraction(1)] + ([pv.value for pv in d.params[s.uplift].values] if s.uplift in d.params else [])
        for cap in s.caps:
            if cap not in d.params:
                continue
            for pv in d.params[cap].values:
                for share in shares:
                    for ratio in ratios:
                        ceiling = pv.value * ratio
                        out.add(math.floor(ceiling))
                        if share:
                            out.add(math.ceil(ceiling / share))

    # -- drawing

    def number(self, draw: _Draw, path: str, extra: Iterable[int] = ()) -> int:
        top, (lo, hi) = _INT_FIELDS[path]
        near = sorted(self.numbers.get(path, set()) | set(extra))
        if near and draw.chance(40):
            value = draw.choice(near) + draw.integer(-1, 1)
        elif hi >= 1_000_000 and draw.chance(70):
            # Money spreads over magnitudes; round figures are what forms contain.
            digits = draw.integer(len(str(lo)), len(str(hi)))
            value = draw.integer(10 ** (digits - 1), 10 ** digits - 1)
            if draw.chance(60):
                value -= value % 1_000_000
        else:
            value = draw.integer(lo, hi)
        return max(0, min(top, value))

    def date(self, draw: _Draw) -> dt.date:
        roll = draw.integer(0, 99)
        if roll < 30 and self.dates:
            day = draw.choice(sorted(self.dates)) + dt.timedelta(days=draw.integer(-1, 1))
            return min(max(day, OUTSIDE[0]), OUTSIDE[1])
        lo, hi = OUTSIDE if roll >= 92 else PERIOD
        return lo + dt.timedelta(days=draw.integer(0, (hi - lo).days))

    def code(self, draw: _Draw, table: str) -> str:
        ids = self.codes[table]
        if draw.chance(10) and self.spellings.get(table):
            return draw.choice(self.spellings[table])  # a name, as an official would type it
        return draw.choice(ids)


def _fact_value(param: Any, value: Any) -> int | None:
    """A parameter's value as a condition compares it (percent as a whole number)."""
    if isinstance(value, Fraction):
        if param.unit != "percent" or (value * 100).denominator != 1:
            return None
        return int(value * 100)
    return value if isinstance(value, int) else None


def _comparisons(expr: Any) -> Iterable[Any]:
    if isinstance(expr, cond.Cmp):
        yield expr
    for child in getattr(expr, "items", ()) or ():
        yield from _comparisons(child)
    item = getattr(expr, "item", None)
    if item is not None:
        yield from _comparisons(item)


def _region_lists(expr: Any) -> Iterator[tuple[str, ...]]:
    """The region codes of each ``project.province.region in [...]`` in a condition."""
    if isinstance(expr, cond.Cmp) and expr.op == "in" and isinstance(expr.left, cond.Ref) \
            and expr.left.path == "project.province.region" and isinstance(expr.right, tuple):
        yield tuple(str(lit.value) for lit in expr.right)
    for item in getattr(expr, "items", ()):
        yield from _region_lists(item)
    item = getattr(expr, "item", None)
    if item is not None:
        yield from _region_lists(item)


def _bool_targets(expr: Any) -> dict[str, bool]:
    """Boolean fields a condition wants at a given value (``x == true``)."""
    out: dict[str, bool] = {}
    if isinstance(expr, (cond.And,)):
        for item in expr.items:
            out.update(_bool_targets(item))
    elif isinstance(expr, cond.Cmp) and expr.op in ("==", "!="):
        if isinstance(expr.left, cond.Ref) and isinstance(expr.right, cond.Lit) and expr.right.type == "bool":
            out[expr.left.path] = bool(expr.right.value) == (expr.op == "==")
    return out


def _add_months(day: dt.date, months: int) -> dt.date:
    return dt.date.fromordinal(cond._add_months(day.toordinal(), months))


@lru_cache(maxsize=32)
def _context(rulebooks: tuple[Rulebook, ...]) -> _Context:
    ctx = _Context()
    for rb in rulebooks:
        ctx.add(rb)
    return ctx


def _as_rulebook(rulebook: Rulebook | str | Path | None) -> Rulebook:
    from kcrules.rulebook import Rulebook

    if isinstance(rulebook, Rulebook):
        return rulebook
    return _load_cached(None if rulebook is None else str(rulebook))


@lru_cache(maxsize=16)
def _load_cached(id_or_path: str | None) -> Rulebook:
    from kcrules.rulebook import load_rulebook

    return load_rulebook(id_or_path)


# ---------------------------------------------------------------- building one application


def _build(ctx: _Context, draw: _Draw, activity: str, app_id: str | None,
           focus: str = "mixed") -> dict[str, Any]:
    """One application; ``focus`` says whether it is aimed at eligibility (see FOCUS)."""
    if focus == "mixed":
        roll = draw.integer(0, 99)
        focus = "eligible" if roll < _MIX[0] else "one_unmet" if roll < _MIX[0] + _MIX[1] else "spread"
    app = _spread(ctx, draw, activity, app_id)
    if focus != "spread":
        judges = ctx.judges[activity]
        # Several rulebooks (a diff): aim at each in turn, so what either makes eligible is probed.
        judge = judges[0] if len(judges) == 1 else draw.choice(judges)
        _aim(judge, ctx, draw, app)
        if focus == "one_unmet":
            _unmeet_one(judge, ctx, draw, app)
    return app


def _spread(ctx: _Context, draw: _Draw, activity: str, app_id: str | None) -> dict[str, Any]:
    """Every fact drawn on its own, at and around the thresholds (booleans lean towards meeting)."""
    act = ctx.activities[activity]
    good = ctx.good.get(activity, {})
    requires = set(act.always_required)

    def flag(path: str, percent_good: int = 85, default: bool = False) -> bool:
        want = good.get(path)
        if want is None:
            return draw.chance(percent_good) if default else draw.chance(100 - percent_good)
        return want if draw.chance(percent_good) else not want

    day = ctx.date(draw)
    app: dict[str, Any] = {"application_date": day.isoformat(), "activity": activity}
    if app_id is not None:
        app["id"] = app_id

    establishment = None
    # An establishment needs a district: a rulebook without districts gets none unless it must.
    if act.beneficiary or (ctx.codes.get("district") and draw.chance(15)):
        establishment = _establishment(ctx, draw, flag)
        app["establishment"] = establishment
    if not act.beneficiary or draw.chance(40):
        applicant: dict[str, Any] = {"kind": draw.choice(list(act.applicants)) if draw.chance(85)
                                     else ctx.code(draw, "applicant_kind")}
        if "applicant.district" in requires or (ctx.codes.get("district") and draw.chance(25)):
            applicant["district"] = ctx.code(draw, "district")
        if draw.chance(30):
            applicant["name"] = draw.choice(_NAMES)
        app["applicant"] = applicant

    project: dict[str, Any] = {
        "approved": flag("project.approved"),
        "counterpart_funding_committed": flag("project.counterpart_funding_committed"),
        "other_state_funding": flag("project.other_state_funding"),
        "eligible_cost_vnd": ctx.number(draw, "project.eligible_cost_vnd", ctx.costs.get(activity, ())),
    }
    if draw.chance(35):
        cost = project["eligible_cost_vnd"]
        if draw.chance(50):
            project["amount_requested_vnd"] = draw.integer(0, cost) if cost else 0
        else:
            project["amount_requested_vnd"] = ctx.number(draw, "project.amount_requested_vnd",
                                                         ctx.costs.get(activity, ()))
    if {"project.start_date", "project.end_date"} & requires or draw.chance(30):
        start = day + dt.timedelta(days=draw.integer(-30, 180))
        start = min(max(start, dt.date(1900, 1, 1)), dt.date(2100, 1, 1))
        project["start_date"] = start.isoformat()
        if "project.end_date" in requires or draw.chance(80):
            roll = draw.integer(0, 99)
            if roll < 30 and ctx.months:
                end = _add_months(start, draw.choice(sorted(ctx.months))) + dt.timedelta(days=draw.integer(-1, 1))
            elif roll < 60 and ctx.days:
                end = start + dt.timedelta(days=draw.choice(sorted(ctx.days)) - 1 + draw.integer(-1, 1))
            else:
                end = start + dt.timedelta(days=draw.integer(0, 200))
            project["end_date"] = max(end, start).isoformat()
    for path in ("project.learners", "project.classes", "project.overseas_fairs_supported_this_year",
                 "project.designs"):
        if path in requires or draw.chance(20):
            project[path[8:]] = ctx.number(draw, path)
    for path in ("project.employment_committed", "project.machinery_new", "project.machinery_improves",
                 "project.within_craft_village_festival", "project.village_without_craft",
                 "project.machinery_one_kind", "project.technology_transfer",
                 "project.fair_international_handicraft", "project.consultancy_new_designs",
                 "project.craft_small_industry", "project.learners_rural_workers", "project.trainees_managers"):
        if path in requires or draw.chance(15):
            project[path[8:]] = flag(path, default=True)
    # Whether the project applies machinery (TT 46/2012 Điều 4 khoản 4), for an activity that reads
    # it, is drawn either way more often than the other facts: it decides which conditions and
    # facts the project needs.
    if "project.machinery" in requires or ("project.machinery" in ctx.reads[activity] and draw.chance(30)):
        project["machinery"] = draw.chance(50)
    if "project.employment_committed" in project and draw.chance(50):
        project["employer_name"] = draw.choice(_NAMES)
    if "province" in ctx.codes and ("project.province" in requires or draw.chance(10)):
        aimed = ctx.program_provinces
        project["province"] = draw.choice(aimed) if aimed and draw.chance(80) else ctx.code(draw, "province")
    app["project"] = project
    _fill_required(ctx, draw, app)
    return app


def _fill_required(ctx: _Context, draw: _Draw, app: dict[str, Any]) -> None:
    """Give any field the activity requires that is still missing: those it always requires (a
    rulebook may require more than the bundled one does), and those it requires under a condition
    that holds for the application as it is now (drawn, or changed to meet a criterion)."""
    act = ctx.activities[app["activity"]]
    for path in sorted(set(act.required(lambda p: get_path(app, p)))):
        head, _, leaf = path.partition(".")
        holder = app.get(head) if leaf else None
        # Only beneficiary activities require establishment facts, and they always have one.
        if isinstance(holder, dict) and leaf not in holder:
            holder[leaf] = _any_value(ctx, draw, path)


def _establishment(ctx: _Context, draw: _Draw, flag: Any) -> dict[str, Any]:
    kinds = ctx.codes["establishment_kind"]
    kind = "enterprise" if "enterprise" in kinds and draw.chance(55) else ctx.code(draw, "establishment_kind")
    est: dict[str, Any] = {
        "kind": kind,
        "district": ctx.code(draw, "district"),
        "sector": ctx.code(draw, "sector"),
        "employees": ctx.number(draw, "establishment.employees"),
    }
    if draw.chance(40):
        est["name"] = draw.choice(_NAMES)
    if draw.chance(70):
        est["sme_group"] = ctx.code(draw, "sme_group")
    if draw.chance(80):
        est["capital_vnd"] = ctx.number(draw, "establishment.capital_vnd")
    if draw.chance(60):
        est["revenue_vnd"] = ctx.number(draw, "establishment.revenue_vnd")
    if draw.chance(15):
        est["registered_district"] = ctx.code(draw, "district")
    if "product_line" in ctx.codes and draw.chance(60):
        est["product_line"] = ctx.code(draw, "product_line")
    if draw.chance(40):
        est["local_material_share_percent"] = ctx.number(draw, "establishment.local_material_share_percent")
    est["fired_clay_brick_kiln"] = flag("establishment.fired_clay_brick_kiln", 90)
    for name, percent in (("applies_cleaner_production", 15), ("causes_pollution", 30),
                          ("in_highland_border_ethnic_area", 15), ("in_poor_district", 10),
                          ("in_new_rural_commune", 25), ("in_disadvantaged_area", 20),
                          ("has_export_contract", 25), ("typical_product_certified", 15),
                          ("key_industry_product", 15), ("supporting_industry_product", 15)):
        if draw.chance(70):  # leave some out: they default to false
            est[name] = draw.chance(percent)
    return est


def _any_value(ctx: _Context, draw: _Draw, path: str) -> Any:
    kind, _ = APPLICATION_FIELDS[path]
    if path in CODE_FIELDS and CODE_FIELDS[path] in ctx.codes:
        return ctx.code(draw, CODE_FIELDS[path])
    if kind == "bool":
        return draw.chance(50)
    if kind == "int":
        return ctx.number(draw, path) if path in _INT_FIELDS else draw.integer(0, 100)
    if kind == "date":
        return ctx.date(draw).isoformat()
    return draw.choice(_NAMES)


# ---------------------------------------------------------------- aiming at eligibility
#
# A draw that leaves every fact to chance meets all of a beneficiary activity's
# dozen conditions rarely (about one application in ten), so the properties of
# eligible decisions would be tested on few of them. After the spread draw, an
# aimed application has each failing eligibility criterion repaired, read from
# the criterion's own condition: a code whose attributes satisfy it, a number
# on the meeting side of (mostly at) its threshold, the boolean it asks for.
# A "one unmet" application then has exactly one applicable criterion made to
# fail the same way (its negated condition satisfied), so its refusal has a
# single, known cause. Each step is checked by deciding the criteria on the
# draft as the engines do, never by trusting the repair.

#: Rounds of repair before an aimed application is left as it is.
_ROUNDS = 5
#: Attempts at making exactly one criterion fail.
_UNMEET_TRIES = 4
_DAY_RANGE = (dt.date(1990, 1, 1), dt.date(2100, 12, 31))  # kcrules.models.Day
_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
        ">=": operator.ge}
_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_CLASS_DATES = frozenset({"project.start_date", "project.end_date"})


class _Judge:
    """An activity's eligibility criteria, decided on a draft application as both engines decide them."""

    def __init__(self, rulebook: Rulebook, activity: str) -> None:
        d = rulebook.definition
        self.rulebook = rulebook
        self.codes = d.codes
        self.params = d.params
        self.criteria = [c for c in rulebook.criteria_of(activity) if c.kind == "eligibility"]
        self.derived = [("derived__" + x.id, cond.compile_value(x.expr)) for x in d.derived.values()]
        self.derived_refs = {"derived." + x.id: cond.refs_of(x.expr) for x in d.derived.values()}
        self.derived_exprs = {"derived." + x.id: x.expr for x in d.derived.values()}
        # fact key of a code field -> {code: its attributes as fact items} (as the rulebook builds facts)
        self.attrs: dict[str, dict[str, dict[str, Any]]] = {}
        for path, table in CODE_FIELDS.items():
            tbl = d.codes.get(table)
            if tbl is not None:
                key = cond.fact_key(path)
                self.attrs[key] = {code: {f"{key}__{a}": v for a, v in cv.attrs.items() if v is not None}
                                   for code, cv in tbl.values.items()}
        # Class-length limits the activity's criteria read (months/days parameters), for dates to aim with.
        self.months: set[int] = set()
        self.days: set[int] = set()
        for c in self.criteria:
            for ref in self.reads(c.condition):
                p = d.params.get(ref[7:]) if ref.startswith("params.") else None
                if p is not None and p.unit in ("months", "days"):
                    (self.months if p.unit == "months" else self.days).update(
                        v.value for v in p.values if isinstance(v.value, int))

    def reads(self, expr: Any) -> set[str]:
        """Every name an expression reads, through derived facts."""
        out: set[str] = set()
        todo = list(cond.refs_of(expr)) if expr is not None else []
        while todo:
            ref = todo.pop()
            if ref not in out:
                out.add(ref)
                todo += self.derived_refs.get(ref, [])
        return out

    def fact(self, app: dict[str, Any]) -> dict[str, Any] | None:
        """The flat fact the engines match (None if the draft is not a valid application)."""
        from kcrules.errors import KcrulesError

        try:
            parsed = self.rulebook.parse_application(app)
        except KcrulesError:
            return None
        f: dict[str, Any] = {}
        for path, (kind, _) in APPLICATION_FIELDS.items():
            value: Any = parsed
            for part in path.split("."):
                value = getattr(value, part, None)
                if value is None:
                    break
            if value is not None:
                f[cond.fact_key(path)] = value.toordinal() if kind == "date" else value
        if parsed.applicant is None and parsed.establishment is not None:
            f["applicant__kind"] = "establishment"
            f["applicant__district"] = parsed.establishment.district
        for key, table in self.attrs.items():
            if key in f:
                f.update(table.get(f[key], {}))
        for pid, pv in self.rulebook.params_at(parsed.application_date).items():
            value = _fact_value(self.params[pid], pv.value)
            if value is not None:
                f["params__" + pid] = value
        for key, compute in self.derived:
            value = compute(f)
            if value is not None:
                f[key] = value
        return f

    def failing(self, app: dict[str, Any]) -> list[Any] | None:
        """The criteria that apply and are not met (None if the draft is not a valid application)."""
        f = self.fact(app)
        if f is None:
            return None
        return [c for c in self.criteria if _applies(c, f) and not _holds(c.condition, f)]

    def met(self, app: dict[str, Any]) -> list[Any]:
        """The criteria that apply and are met."""
        f = self.fact(app)
        if f is None:
            return []
        return [c for c in self.criteria if _applies(c, f) and _holds(c.condition, f)]


@lru_cache(maxsize=1024)
def _predicate(expr: Any) -> Any:
    return cond.compile_python(expr)


def _holds(expr: Any, fact: dict[str, Any]) -> bool:
    return bool(_predicate(expr)(fact))


def _applies(criterion: Any, fact: dict[str, Any]) -> bool:
    return criterion.applies_when is None or _holds(criterion.applies_when, fact)


def _aim(judge: _Judge, ctx: _Context, draw: _Draw, app: dict[str, Any]) -> None:
    """Repair every failing eligibility criterion, a few rounds at most (a repair may upset another)."""
    for _ in range(_ROUNDS):
        failing = judge.failing(app)
        if not failing:
            return
        for c in failing:
            _make(judge, ctx, draw, app, c, meet=True)


def _unmeet_one(judge: _Judge, ctx: _Context, draw: _Draw, app: dict[str, Any]) -> None:
    """Make one applicable, met criterion fail, so that it alone refuses the application."""
    candidates = judge.met(app)
    tries = 0
    while candidates and tries < _UNMEET_TRIES:
        tries += 1
        c = candidates.pop(draw.integer(0, len(candidates) - 1))
        trial = json.loads(json.dumps(app))
        if not _make(judge, ctx, draw, trial, c, meet=False):
            continue
        failing = judge.failing(trial)
        if failing is not None and [f.id for f in failing] == [c.id]:
            app.clear()
            app.update(trial)
            return


def _make(judge: _Judge, ctx: _Context, draw: _Draw, app: dict[str, Any], criterion: Any, *, meet: bool) -> bool:
    """Change facts so the criterion is met (or, still applying, not met); False if nothing could be changed."""
    fact = judge.fact(app)
    if fact is None:
        return False
    target = criterion.condition if meet else cond.negate(criterion.condition)
    changed = _satisfy(judge, ctx, draw, app, cond.nnf(target), fact) or (
        # e.g. a ward past its 5 years: produce somewhere the criterion does not apply
        meet and criterion.applies_when is not None and
        _satisfy(judge, ctx, draw, app, cond.negate(criterion.applies_when), fact))
    if changed:
        _fill_required(ctx, draw, app)  # a changed fact may make the activity require another
        return True
    if _CLASS_DATES & judge.reads(criterion.condition) and "start_date" in app.get("project", {}):
        # A class length is a derived fact: draw the last day again, on the wanted side of the limit.
        project = app["project"]
        start = dt.date.fromisoformat(project["start_date"])
        project["end_date"] = _class_end(judge, draw, start, meet=meet).isoformat()
        return True
    return False


def _satisfy(judge: _Judge, ctx: _Context, draw: _Draw, app: dict[str, Any], expr: Any,
             fact: dict[str, Any]) -> bool:
    """Change facts so a condition in negation normal form holds; False if no fact it reads could change."""
    if _holds(expr, fact):
        return False
    if isinstance(expr, cond.And):
        changed = [_satisfy(judge, ctx, draw, app, item, fact) for item in expr.items]
        return any(changed)
    if isinstance(expr, cond.Or):
        items = list(expr.items)
        first = draw.integer(0, len(items) - 1)
        return any(_satisfy(judge, ctx, draw, app, item, fact) for item in items[first:] + items[:first])
    if isinstance(expr, cond.Cmp):
        return _satisfy_cmp(judge, ctx, draw, app, expr, fact)
    return False


def _satisfy_cmp(judge: _Judge, ctx: _Context, draw: _Draw, app: dict[str, Any], expr: Any,
                 fact: dict[str, Any]) -> bool:
    op, left, right = expr.op, expr.left, expr.right
    if not isinstance(left, cond.Ref) and isinstance(right, cond.Ref):
        left, right, op = right, left, _FLIP[op]
    if not isinstance(left, cond.Ref):
        return False
    derived = judge.derived_exprs.get(left.path)
    if derived is not None and derived.type == "bool" and isinstance(right, cond.Lit) and op in ("==", "!="):
        # A derived true/false fact (e.g. a handicraft producer): change the facts it is derived from.
        wanted_true = bool(right.value) == (op == "==")
        target = derived if wanted_true else cond.negate(derived)
        return _satisfy(judge, ctx, draw, app, cond.nnf(target), fact)
    path, attr = _field_of(left.path)
    if path is None:
        return False  # a parameter or a derived fact: not the applicant's to change
    kind, optional = APPLICATION_FIELDS[path]
    if op == "is not set":
        return attr is None and optional and _drop(app, path)
    if op == "is set":
        return attr is None and _put(app, path, _any_value(ctx, draw, path))
    if isinstance(right, tuple):
        wanted: Any = frozenset(v.value for v in right)
    elif isinstance(right, cond.Lit):
        wanted = right.value
    elif isinstance(right, cond.Ref):
        wanted = fact.get(cond.fact_key(right.path))
        if wanted is None:
            return False
    else:
        return False
    if kind == "code":
        tbl = judge.codes.get(CODE_FIELDS[path])
        if tbl is None:
            return False
        fits = [code for code, cv in tbl.values.items()
                if _compare(op, code if attr is None else cv.attrs.get(attr), wanted)]
        return bool(fits) and _put(app, path, draw.choice(fits))
    if attr is not None:
        return False
    if kind == "bool" and op in ("==", "!="):
        return _put(app, path, bool(wanted) == (op == "=="))
    if kind == "int" and isinstance(wanted, int):
        value = _number_on_side(draw, path, op, wanted)
        return value is not None and _put(app, path, value)
    if kind == "date" and isinstance(wanted, int):
        day = _day_on_side(draw, op, wanted)
        return day is not None and _put(app, path, day.isoformat())
    return False


def _compare(op: str, value: Any, wanted: Any) -> bool:
    if value is None:
        return False
    if op in ("in", "not in"):
        return (value in wanted) == (op == "in")
    return bool(_OPS[op](value, wanted))


def _field_of(path: str) -> tuple[str | None, str | None]:
    """(application field, code attribute or None) of a name a condition reads."""
    if path in APPLICATION_FIELDS:
        return path, None
    head, _, attr = path.rpartition(".")
    if head in CODE_FIELDS and head in APPLICATION_FIELDS:
        return head, attr
    return None, None


def _edge(op: str, wanted: int) -> tuple[int, int] | None:
    """The value closest to the threshold that meets the comparison, and the direction away from it."""
    return {"<=": (wanted, -1), "<": (wanted - 1, -1), ">=": (wanted, 1), ">": (wanted + 1, 1),
            "==": (wanted, 0), "!=": (wanted + 1, 1)}.get(op)


def _number_on_side(draw: _Draw, path: str, op: str, wanted: int) -> int | None:
    top, (lo, hi) = _INT_FIELDS.get(path, (_BOUNDS["Count"], (0, 100)))
    edge = _edge(op, wanted)
    if edge is None:
        return None
    value, away = edge
    if away and not draw.chance(50):  # half at the threshold, half anywhere on its meeting side
        if draw.chance(40):
            value += away
        else:
            value = draw.integer(min(lo, value), value) if away < 0 else draw.integer(value, max(hi, value))
    return value if 0 <= value <= top else None


def _day_on_side(draw: _Draw, op: str, wanted: int) -> dt.date | None:
    edge = _edge(op, wanted)
    if edge is None:
        return None
    value, away = edge
    if away and not draw.chance(40):
        value += away * draw.integer(1, 400)
    day = dt.date.fromordinal(value)
    return day if _DAY_RANGE[0] <= day <= _DAY_RANGE[1] else None


def _class_end(judge: _Judge, draw: _Draw, start: dt.date, *, meet: bool) -> dt.date:
    """A last day under (``meet``) or at and over the activity's class-length limit."""
    if judge.days:
        limit = (min if meet else max)(judge.days) - 1  # days from the first day to the day the limit is reached
    elif judge.months:
        limit = (_add_months(start, (min if meet else max)(judge.months)) - start).days
    else:
        limit = 90
    if meet:
        gap = limit - 1 if draw.chance(50) else draw.integer(0, max(0, limit - 1))
    else:
        gap = limit if draw.chance(50) else limit + draw.integer(1, 60)
    return min(start + dt.timedelta(days=max(0, gap)), _DAY_RANGE[1])


def _put(app: dict[str, Any], path: str, value: Any) -> bool:
    head, _, leaf = path.partition(".")
    if not leaf:
        if head == "activity":
            return False
        app[head] = value
        return True
    holder = app.get(head)
    if holder is None and head == "applicant" and leaf == "kind":
        holder = app["applicant"] = {}
    if not isinstance(holder, dict):
        return False
    holder[leaf] = value
    if head == "project" and leaf == "start_date" and holder.get("end_date", value) < value:
        holder["end_date"] = value  # the model refuses a class that ends before it starts
    if head == "project" and leaf == "end_date" and holder.get("start_date", value) > value:
        holder["start_date"] = value
    return True


def _drop(app: dict[str, Any], path: str) -> bool:
    head, _, leaf = path.partition(".")
    holder = app.get(head)
    if not leaf or not isinstance(holder, dict) or leaf not in holder:
        return False
    del holder[leaf]
    return True


def _activity_list(rulebooks: Sequence[Rulebook], activity: str | Sequence[str] | None) -> list[str]:
    known = [a for rb in rulebooks for a in rb.activities]
    known = list(dict.fromkeys(known))
    if activity is None:
        return known
    wanted = [activity] if isinstance(activity, str) else list(activity)
    unknown = [a for a in wanted if a not in known]
    if unknown or not wanted:
        raise ValueError(f"unknown activity {unknown or wanted!r}; the rulebook has {', '.join(known)}")
    return wanted


# ---------------------------------------------------------------- public


def applications(rulebook: Rulebook | str | Path | None = None,
                 activity: str | Sequence[str] | None = None, *,
                 focus: str = "mixed") -> SearchStrategy[dict[str, Any]]:
    """A Hypothesis strategy of valid applications (JSON-ready dicts) for a rulebook.

    ``rulebook`` is a Rulebook, a bundled id or a rulebook folder (default: the
    bundled Hanoi rulebook). ``activity`` restricts to one activity or a list of
    them; by default every activity of the rulebook is drawn.

    ``focus``: ``"mixed"`` (default) gives about as many eligible applications
    as refused ones; ``"eligible"`` aims every application at eligibility (each
    failing criterion repaired, at its threshold where it has one);
    ``"one_unmet"`` aims, then makes exactly one applicable criterion fail, so
    the refusal has a single cause; ``"spread"`` draws every fact on its own.
    Aiming is best effort: a few applications of each focus do not reach it.
    """
    from hypothesis import strategies as st

    _check_focus(focus)
    rb = _as_rulebook(rulebook)
    acts = _activity_list([rb], activity)
    ctx = _context((rb,))

    @st.composite
    def strategy(draw: Any) -> dict[str, Any]:
        d = _HypothesisDraw(draw)
        act = d.choice(acts)
        app_id = f"app-{d.integer(0, 9999)}" if d.chance(50) else None
        return _build(ctx, d, act, app_id, focus)

    return strategy()


def generate(rulebook: Rulebook | str | Path | Sequence[Rulebook] | None = None, n: int = 100, *,
             seed: int = 0, activity: str | Sequence[str] | None = None,
             focus: str = "mixed") -> list[dict[str, Any]]:
    """``n`` valid applications, the same for the same seed (no Hypothesis needed).

    Given several rulebooks (e.g. before and after a change), the thresholds of
    all of them are used, and each aimed application is aimed at the criteria
    of one of them, drawn in turn. Each application gets the id ``gen-SEED-INDEX``. ``focus`` is as
    for :func:`applications`.
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    _check_focus(focus)
    if isinstance(rulebook, (list, tuple)):
        rbs = tuple(_as_rulebook(r) for r in rulebook)
    else:
        rbs = (_as_rulebook(rulebook),)  # type: ignore[arg-type]
    acts = _activity_list(rbs, activity)
    ctx = _context(rbs)
    draw = _RandomDraw(random.Random(seed))
    return [_build(ctx, draw, draw.choice(acts), f"gen-{seed}-{i}", focus) for i in range(n)]


def _check_focus(focus: str) -> None:
    if focus not in FOCUS:
        raise ValueError(f"unknown focus {focus!r}; use one of {', '.join(FOCUS)}")


def thresholds(rulebook: Rulebook | str | Path | None = None) -> dict[str, list[Any]]:
    """What the generators concentrate on: field -> threshold values, ``application_date`` -> edge days."""
    ctx = _context((_as_rulebook(rulebook),))
    out: dict[str, list[Any]] = {k: sorted(v) for k, v in sorted(ctx.numbers.items())}
    out["application_date"] = sorted(ctx.dates)
    out["class_months"] = sorted(ctx.months)
    out["class_days"] = sorted(ctx.days)
    for act, costs in sorted(ctx.costs.items()):
        if costs:
            out[f"project.eligible_cost_vnd[{act}]"] = sorted(costs)
    return out
