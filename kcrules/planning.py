"""The annual plan: rank a call for proposals by the legal priority order and allocate a budget.

Every year the Department of Industry and Trade receives more applications than
its budget covers (QĐ 4892 §II.5 asks it to select beneficiaries better; TT
46/2012 Điều 6 khoản 3 sets the order: priority areas a → d, then priority
sectors, group b before group a; cleaner-production projects by effectiveness
and urgency instead). :func:`plan` evaluates every application, ranks the
eligible ones and allocates support down the ranking until the budget is spent,
within the program targets still open and the per-establishment limits.

The ranking order and the allocation policy are rulebook data: the ``[plan]``
table of a rule file (``rules/hanoi-2016-2020/plan.toml``), checked here. Its
format is in docs/planning.md. In short::

    [plan]
    cite = [ { source = "tt46", article = 6, clause = 3 } ]
    policy = "skip"                 # skip | partial | stop: the application that does not fit
    assumption = { vi = "…", en = "…" }   # what the policy assumes, when the law does not say

    [[plan.queues]]                 # funded in this order; an application joins the first that matches
    id = "priority"
    label = { vi = "…", en = "…" }
    cite = { source = "tt46", article = 6, clause = 3, point = "a" }
    cleaner_production = false      # selectors (optional): cleaner_production, beneficiary, activities
    order = ["priority_tiers", "application_date", "support_vnd", "id"]

    [plan.targets]                  # the program targets still open bound the plan
    bound = "count_max"             # count | count_max: which end of a range (80–100) bounds it
    units = { "3.1-craft-training" = "project.classes" }   # what one application counts (default 1)
    ignore = []                     # activities whose target does not bound the plan

    [[plan.limits]]                 # per establishment and plan year
    id = "overseas_fairs"
    activities = ["3.4-overseas-fair"]
    max = "overseas_fairs_max_per_year"                     # a parameter (count), never a literal
    used = "project.overseas_fairs_supported_this_year"     # supports already given this year

Ranking keys (``order``), lower first: ``priority_tiers`` (every tier of the
rulebook's ``[priority]`` in order) or ``tier:ID`` (one tier),
``effectiveness_rank`` (given by the official, 1 first; missing ranks last),
``application_date``, ``support_vnd`` (the support the rulebook computes), and
``id``, which must come last so the order is total. ``-application_date`` and
``-support_vnd`` sort descending.

The tier key is computed over the rulebook's whole set of priority criteria,
not per activity as ``Decision.priority.rank_key`` is: an activity without
priority criteria would otherwise rank first (its "worst" value is 1, the best
of an activity that has four area criteria). Here every activity is compared on
the same scale.

Allocation, down the ranking: an application whose activity's target is full is
passed over (``target``); one whose establishment reached a limit is passed over
(``limit``); one that fits the remaining budget gets its full support; the first
that does not fit is handled by the policy: ``skip`` passes over it and goes on,
``stop`` funds nothing below it, ``partial`` gives it what remains and then
stops. Money is whole đồng; a partial allocation is the remaining budget, a
whole number of đồng, so it is already rounded down to the đồng.

An establishment is identified by its name, compared without case, accents or
extra spaces; an application whose establishment has no name is its own
establishment (identified by the application id).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from itertools import compress
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kcrules.columnar import plain as plain_dicts
from kcrules.errors import ApplicationError, EvaluationError, InputError, Problem
from kcrules.models import (
    Application,
    RulebookInfo,
    assemble,
)
from kcrules.rulebook import Rulebook, load_rulebook
from kcrules.rulefiles.loader import Definition, Param
from kcrules.rulefiles.plantable import (
    POLICIES,
    PlanQueue,
    PlanSpec,
    check_plan_table,
    queue_for,
)
from kcrules.text import i18n as i18n
from kcrules.text.i18n import Catalogue
from kcrules.util.cycles import no_cycle_collection
from kcrules.util.words import fold, suggest

__all__ = ["INPUT_HEADLINE", "Plan", "PlanCriterion", "PlanEntry", "PlanStop", "ProgramProgress", "TargetProgress", "plan"]

Policy = Literal["skip", "partial", "stop"]
Status = Literal["funded", "partial", "not_funded", "ineligible"]
StopKind = Literal["budget", "stopped", "target", "limit", "ineligible"]

#: The headline of the plan's input problems: "catalogue:entry" of :data:`_INPUT_WORDS`.
INPUT_HEADLINE = "planning.input:headline"


# ---------------------------------------------------------------- the result


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanCriterion(_Output):
    """A priority criterion (or the official's rank) that placed an application."""

    criterion: str
    tier: str
    label: str
    citation: str


class PlanStop(_Output):
    """What kept an application from (full) funding: the budget, a target, a limit, or eligibility."""

    kind: StopKind
    ref: str | None = Field(None, description="The activity (target), limit id, or the application that stopped "
                                              "the plan (stopped).")
    citation: str | None = None
    text: str


class PlanEntry(_Output):
    """One application in the plan: its rank, its allocation and why."""

    application_id: str
    activity: str
    establishment: str | None = Field(description="The establishment's name (its identity for the limits).")
    eligible: bool
    queue: str | None = Field(description="The queue it was ranked in; None when not eligible.")
    rank: int | None = Field(description="1 = funded first; None when not eligible.")
    rank_key: tuple[int | str, ...] = Field(description="The sort key, lower first: queue, the keys of its "
                                                        "order, application id.")
    support_vnd: int = Field(description="The support the rulebook computes for it, whole đồng.")
    allocated_vnd: int = Field(description="What the plan allocates, whole đồng.")
    units: int = Field(description="What it counts towards its activity's target.")
    status: Status
    placed_by: tuple[PlanCriterion, ...]
    stopped_by: PlanStop | None
    why: str
    assumptions: tuple[str, ...] = Field(description="Values and rules not confirmed as Hanoi law that its rank "
                                                     "or amount used (parameter ids, plan assumptions).")


class TargetProgress(_Output):
    """One activity's target of the program: achieved so far, in this plan, and the percentages."""

    activity: str
    label: str
    unit: str
    target: int | None
    target_max: int | None
    citation: str
    provenance: str
    achieved_count: int
    achieved_vnd: int
    planned_count: int
    planned_vnd: int
    open_for_plan: int | None = Field(description="Units this plan could fund; None when unbounded.")
    percent_achieved: str | None = Field(description="Achieved before this plan, % of the target (decimal text).")
    percent_after_plan: str | None
    text: str


class ProgramProgress(_Output):
    """Spending against the program's budget (QĐ 4892 §II.4)."""

    program_budget_vnd: int | None
    citation: str | None
    achieved_vnd: int
    planned_vnd: int
    percent_achieved: str | None
    percent_after_plan: str | None
    text: str


class Plan(_Output):
    """The annual plan: every application ranked, allocated and explained."""

    rulebook: RulebookInfo
    year: int
    lang: Literal["vi", "en"]
    policy: Policy
    budget_vnd: int
    allocated_vnd: int
    remaining_vnd: int
    applications: int
    eligible: int
    funded: int
    ranking: tuple[str, ...] = Field(description="The ranking order and the policy, as sentences with citations.")
    entries: tuple[PlanEntry, ...] = Field(description="In rank order; ineligible applications last, by id.")
    targets: tuple[TargetProgress, ...]
    program: ProgramProgress
    assumptions: tuple[str, ...]
    summary: str


# ---------------------------------------------------------------- wording

_MSG = Catalogue("planning", {
    "funded": {"vi": "Hạng {rank} ({queue}){placed}. Được bố trí {amount}.",
               "en": "Rank {rank} ({queue}){placed}. Allocated {amount}."},
    "partial": {"vi": "Hạng {rank} ({queue}){placed}. Ngân sách chỉ còn {amount}: được bố trí một phần {amount} "
                      "trên {need} (số tiền còn lại, tính bằng đồng); các hồ sơ xếp sau không được xét.",
                "en": "Rank {rank} ({queue}){placed}. Only {amount} of the budget was left: a partial allocation of "
                      "{amount} of {need} (the whole đồng that remained); applications ranked below are not "
                      "considered."},
    "budget_skip": {"vi": "Hạng {rank} ({queue}){placed}. Không đủ ngân sách: cần {need}, còn {left}; "
                          "xét tiếp hồ sơ sau (chính sách: bỏ qua).",
                    "en": "Rank {rank} ({queue}){placed}. Not enough budget: needs {need}, {left} left; the next "
                          "application is considered (policy: skip)."},
    "budget_stop": {"vi": "Hạng {rank} ({queue}){placed}. Không đủ ngân sách: cần {need}, còn {left}; "
                          "dừng xét các hồ sơ xếp sau (chính sách: {policy}).",
                    "en": "Rank {rank} ({queue}){placed}. Not enough budget: needs {need}, {left} left; "
                          "applications ranked below are not considered (policy: {policy})."},
    "stopped": {"vi": "Hạng {rank} ({queue}){placed}. Không được xét: hồ sơ {by} xếp hạng {by_rank} đã không đủ "
                      "ngân sách và kế hoạch dừng ở đó (chính sách: {policy}).",
                "en": "Rank {rank} ({queue}){placed}. Not considered: application {by} at rank {by_rank} did not fit "
                      "the budget and the plan stops there (policy: {policy})."},
    "target": {"vi": "Hạng {rank} ({queue}){placed}. Chỉ tiêu {activity} đã đủ: còn {open} {unit} cho kế hoạch "
                     "này, đã bố trí {planned}, hồ sơ cần {units} ({cite}).",
               "en": "Rank {rank} ({queue}){placed}. The target of {activity} is reached: {open} {unit} open for this "
                     "plan, {planned} already allocated, this application needs {units} ({cite})."},
    "limit": {"vi": "Hạng {rank} ({queue}){placed}. {label}: cơ sở đã được hỗ trợ {used} lần trong năm "
                    "(kể cả kế hoạch này), tối đa {max} ({cite}).",
              "en": "Rank {rank} ({queue}){placed}. {label}: the establishment already has {used} this year "
                    "(this plan included), at most {max} ({cite})."},
    "ineligible": {"vi": "Không đủ điều kiện: {failed}.", "en": "Not eligible: {failed}."},
    "placed": {"vi": ", xếp theo: {items}", "en": ", placed by: {items}"},
    "placed_none": {"vi": ", không thuộc diện ưu tiên nào", "en": ", no priority criterion met"},
    "effectiveness": {"vi": "Thứ tự hiệu quả, cấp thiết {rank} (do cơ quan quản lý chương trình xác định)",
                      "en": "Effectiveness and urgency rank {rank} (set by the program's managing body)"},
    "no_effectiveness": {"vi": "Chưa có thứ tự hiệu quả, cấp thiết: xếp sau các hồ sơ đã có",
                         "en": "No effectiveness and urgency rank given: ranked after those that have one"},
    "key_tiers": {"vi": "theo các bậc ưu tiên của bộ quy tắc ({tiers})",
                  "en": "by the rulebook's priority tiers ({tiers})"},
    "key_tier": {"vi": "theo bậc ưu tiên {tier}", "en": "by the priority tier {tier}"},
    "key_effectiveness_rank": {"vi": "theo thứ tự hiệu quả, cấp thiết do cơ quan quản lý chương trình xác định "
                                     "(1 trước; hồ sơ chưa có xếp sau)",
                               "en": "by the effectiveness and urgency rank set by the program's managing body "
                                     "(1 first; applications without one last)"},
    "key_application_date": {"vi": "hồ sơ nộp trước xếp trước", "en": "earlier application first"},
    "key_-application_date": {"vi": "hồ sơ nộp sau xếp trước", "en": "later application first"},
    "key_support_vnd": {"vi": "mức hỗ trợ nhỏ hơn xếp trước", "en": "smaller support first"},
    "key_-support_vnd": {"vi": "mức hỗ trợ lớn hơn xếp trước", "en": "larger support first"},
    "key_id": {"vi": "mã hồ sơ (thứ tự chữ)", "en": "application id (text order)"},
    "queue_line": {"vi": "{n}. {label} ({cite}): {keys}.", "en": "{n}. {label} ({cite}): {keys}."},
    "policy_skip": {"vi": "Hồ sơ không đủ ngân sách còn lại bị bỏ qua, xét tiếp hồ sơ sau (chính sách: bỏ qua).",
                    "en": "An application that does not fit the remaining budget is passed over and the next is "
                          "considered (policy: skip)."},
    "policy_stop": {"vi": "Kế hoạch dừng ở hồ sơ đầu tiên không đủ ngân sách còn lại (chính sách: dừng).",
                    "en": "The plan stops at the first application that does not fit the remaining budget "
                          "(policy: stop)."},
    "policy_partial": {"vi": "Hồ sơ đầu tiên không đủ ngân sách được bố trí phần còn lại (tính bằng đồng) và kế "
                             "hoạch dừng ở đó (chính sách: một phần).",
                       "en": "The first application that does not fit gets what remains (whole đồng) and the plan "
                             "stops there (policy: partial)."},
    "targets_line": {"vi": "Chỉ tiêu còn lại của Chương trình và giới hạn theo từng cơ sở được tôn trọng: hồ sơ vượt "
                           "chỉ tiêu hoặc giới hạn được bỏ qua.",
                     "en": "The program targets still open and the per-establishment limits are respected: an "
                           "application beyond a target or a limit is passed over."},
    "target_text": {"vi": "{label}: đã thực hiện {done}/{target} {unit}, đạt {pct} kế hoạch; sau kế hoạch năm "
                          "{year}: {after}/{target}, đạt {pct_after} kế hoạch ({cite})",
                    "en": "{label}: {done} of {target} {unit} achieved, {pct} of the target; after the {year} plan: "
                          "{after} of {target}, {pct_after} of the target ({cite})"},
    "budget_text": {"vi": "Kinh phí: đã sử dụng {done}, đạt {pct} kế hoạch ({total}, {cite}); sau kế hoạch năm "
                          "{year}: {after}, đạt {pct_after} kế hoạch",
                    "en": "Budget: {done} spent, {pct} of the plan ({total}, {cite}); after the {year} plan: "
                          "{after}, {pct_after} of the plan"},
    "budget_text_none": {"vi": "Kinh phí: đã sử dụng {done}; sau kế hoạch năm {year}: {after}",
                         "en": "Budget: {done} spent; after the {year} plan: {after}"},
    "summary": {"vi": "Kế hoạch năm {year}: {funded}/{eligible} hồ sơ đủ điều kiện được bố trí {allocated} trên "
                      "ngân sách {budget} (còn {left}); {ineligible} hồ sơ không đủ điều kiện.",
                "en": "{year} plan: {funded} of {eligible} eligible applications allocated {allocated} of a "
                      "{budget} budget ({left} left); {ineligible} applications not eligible."},
})
_POLICY_WORD = {"vi": {"skip": "bỏ qua", "stop": "dừng", "partial": "một phần"},
                "en": {"skip": "skip", "stop": "stop", "partial": "partial"}}


#: What is wrong with a plan's input, in both languages (problems keep these keys: ``Problem.of``).
_INPUT_WORDS = Catalogue("planning.input", {
    "headline": {"vi": "dữ liệu kế hoạch không hợp lệ", "en": "invalid plan input"},
    "lang": {"vi": "lang phải là 'vi' hoặc 'en', không phải {given}", "en": "lang must be 'vi' or 'en', not {given}"},
    "unknown_policy": {"vi": "chính sách không có", "en": "unknown policy"},
    "budget": {"vi": "phải là một số đồng nguyên, từ 0 trở lên", "en": "must be a whole number of đồng, 0 or more"},
    "budget_allowed": {"vi": "ví dụ 32_000_000_000", "en": "e.g. 32_000_000_000"},
    "year": {"vi": "phải là một năm của Chương trình", "en": "must be a year of the program"},
    "json": {"vi": "không phải JSON hợp lệ: {detail}", "en": "not valid JSON: {detail}"},
    "json_deep": {"vi": "không phải JSON hợp lệ: lồng quá sâu hoặc không đọc được",
                  "en": "not valid JSON: nested too deeply or unreadable"},
    "id_missing": {"vi": "mỗi hồ sơ của kế hoạch cần một mã (id): mã gọi tên hồ sơ trong bảng xếp hạng và giữ kế "
                         "hoạch không phụ thuộc thứ tự nhập",
                   "en": "every application of a plan needs an id: it names the application in the ranking and "
                         "keeps the plan independent of input order"},
    "id_duplicate": {"vi": "mã trùng (cũng là mã của {other})", "en": "duplicate id (also {other})"},
    "unique_text": {"vi": "một chuỗi chữ không trùng", "en": "a unique text"},
    "not_in_year": {"vi": "không thuộc năm kế hoạch {year}: một kế hoạch xét đợt hồ sơ của một năm; hãy lập kế "
                          "hoạch cho hồ sơ này với năm của nó",
                    "en": "not in the plan year {year}: a plan decides one year's call; plan it with its own year"},
    "date_in": {"vi": "một ngày trong năm {year}", "en": "a date in {year}"},
    "counts_map": {"vi": "phải là bảng mã nội dung hỗ trợ → số nguyên", "en": "must map activity ids to whole numbers"},
    "unknown_activity": {"vi": "nội dung hỗ trợ không có", "en": "unknown activity"},
    "whole": {"vi": "phải là một số nguyên, từ 0 trở lên", "en": "must be a whole number, 0 or more"},
    "achieved_map": {"vi": "phải là bảng mã nội dung hỗ trợ → {{count, amount_vnd}}",
                     "en": "must map activity ids to {{count, amount_vnd}}"},
    "achieved_body": {"vi": "phải có dạng {{ count = …, amount_vnd = … }}", "en": "must be {{ count = …, amount_vnd = … }}"},
    "unknown_key": {"vi": "khóa không có", "en": "unknown key"},
    "ranks_map": {"vi": "phải là bảng mã hồ sơ → thứ hạng", "en": "must map application ids to ranks"},
    "no_such_id": {"vi": "không có hồ sơ nào mang mã này", "en": "no application has this id"},
    "rank": {"vi": "thứ hạng là một số nguyên, 1 là đầu tiên", "en": "a rank is a whole number, 1 first"},
})


def _m(key: str, lang: str, **values: object) -> str:
    return _MSG[key][lang].format(**values)


def _percent(part: int, whole: int | None) -> Decimal | None:
    """part / whole in percent, to at most two decimals as the program's review tables write it."""
    if not whole:
        return None
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return value.normalize() if value != value.to_integral() else value.quantize(Decimal(1))


def _percent_text(value: Decimal | None, lang: str) -> str:
    """'71,2%' in Vietnamese (QĐ 4892 §I: "đạt 71,2% kế hoạch"), '71.2%' in English."""
    if value is None:
        return "—"
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0.##", locale=i18n.LOCALES[lang]) + "%"


# ---------------------------------------------------------------- planning


@dataclass(slots=True)
class _Candidate:
    """An eligible application as the allocation sees it, and what placed it in its queue."""

    index: int
    app_id: str
    activity: str
    establishment: str  # folded identity, for the limits ("" when its activity has none)
    amount: int
    units: int
    limits: tuple[tuple[int, int, int], ...]  # (limit index, max, used before this plan)
    key: tuple[Any, ...]
    queue: PlanQueue | None = None
    placed_by: tuple[PlanCriterion, ...] = ()
    placed_text: str = ""


@dataclass(slots=True)
class _Outcome:
    status: str  # funded | partial | budget | stopped | target | limit
    allocated: int
    left: int = 0  # budget left when it was considered
    ref: int = -1  # limit index, or the position of the application that stopped the plan
    used: int = 0  # limit: supports counted; target: units already allocated


def _allocate(ranked: list[_Candidate], budget: int, policy: str,
              open_units: Mapping[str, int]) -> list[_Outcome]:
    """Walk the ranking once: targets, then limits, then the budget and the policy.

    ``open_units`` holds, per activity whose target bounds the plan, the units
    this plan may still fund; activities not in it are unbounded.
    """
    remaining = budget
    used_units: dict[str, int] = {}
    used_limits: dict[tuple[int, str], int] = {}
    stopped_by = -1
    out: list[_Outcome] = []
    for pos, c in enumerate(ranked):
        if stopped_by >= 0:
            out.append(_Outcome("stopped", 0, remaining, stopped_by))
            continue
        if c.activity in open_units:
            done = used_units.get(c.activity, 0)
            if done + c.units > open_units[c.activity]:
                out.append(_Outcome("target", 0, remaining, used=done))
                continue
        blocked = None
        for li, mx, before in c.limits:
            count = before + used_limits.get((li, c.establishment), 0)
            if count >= mx:
                blocked = _Outcome("limit", 0, remaining, li, count)
                break
        if blocked is not None:
            out.append(blocked)
            continue
        if c.amount <= remaining:
            outcome = _Outcome("funded", c.amount, remaining)
        elif policy == "partial" and remaining > 0:
            outcome = _Outcome("partial", remaining, remaining)
            stopped_by = pos
        else:
            out.append(_Outcome("budget", 0, remaining))
            if policy != "skip":
                stopped_by = pos
            continue
        remaining -= outcome.allocated
        if c.activity in open_units:
            used_units[c.activity] = used_units.get(c.activity, 0) + c.units
        for li, _mx, _before in c.limits:
            used_limits[(li, c.establishment)] = used_limits.get((li, c.establishment), 0) + 1
        out.append(outcome)
    return out


def _get(data: Any, path: str) -> Any:
    obj = data
    for part in path.split("."):
        obj = obj.get(part) if isinstance(obj, Mapping) else getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _tier_scale(d: Definition) -> list[tuple[str, str, dict[str, int], int]]:
    """Per tier: (id, mode, order of each of its criteria, worst value), over the whole rulebook."""
    out = []
    for t in d.tiers:
        members = {c.id: c.order for c in d.criteria.values() if c.kind == "priority" and c.tier == t.id}
        out.append((t.id, t.mode, members, max(members.values(), default=0) + 1))
    return out


def plan(applications: Iterable[Application | Mapping[str, Any] | str], *, budget: int, year: int,
         policy: Policy | None = None, achieved: Mapping[str, Mapping[str, int]] | None = None,
         targets: Mapping[str, int] | None = None, effectiveness: Mapping[str, int] | None = None,
         rulebook: Rulebook | str | Path | None = None, lang: Literal["vi", "en"] = "vi",
         engine: Literal["durable", "native"] | None = None,
         on_progress: Callable[[int, int], None] | None = None) -> Plan:
    """Rank a call for proposals by the rulebook's priority order and allocate ``budget`` (whole đồng).

    - ``applications``: dicts, JSON texts or :class:`kcrules.Application`; each needs a unique ``id``.
    - ``year``: the plan year (within the program); per-establishment limits count within it.
    - ``policy``: for the application that does not fit the remaining budget: ``skip``, ``partial``
      or ``stop``; default: the rulebook's ``[plan] policy``.
    - ``achieved``: what the program achieved before this plan, per activity:
      ``{"3.3-machinery": {"count": 12, "amount_vnd": 2_400_000_000}}``; the targets still open are
      the program targets minus these counts, and the progress report uses them.
    - ``targets``: per activity, the units this plan may fund (overrides what the program's target
      leaves open), e.g. the year's own quota.
    - ``effectiveness``: application id -> the official's effectiveness and urgency rank (1 first),
      for the queues ordered by ``effectiveness_rank`` (cleaner production, TT 46/2012 Điều 6.3.b).
    - ``on_progress``: called as ``on_progress(0, total)`` when deciding starts and
      ``on_progress(decided, total)`` after each application is decided, e.g. to show a
      progress line; the library prints nothing.

    Raises ApplicationError listing every bad application or argument, RuleFileError when the
    rulebook's ``[plan]`` table is malformed.

    The stages: read the call (:func:`_read_call`), check and decide every
    application (:func:`_decide`), rank the eligible ones (:class:`_Ranker`),
    allocate down the ranking (:func:`_allocate`), and report (:func:`_report`).
    """
    rb = rulebook if isinstance(rulebook, Rulebook) else load_rulebook(rulebook)
    spec = rb._plan_spec or check_plan_table(rb.definition)  # checked at load; check_plan_table says why if none
    if lang not in ("vi", "en"):
        raise InputError.of("planning.input:lang", given=repr(lang))
    with no_cycle_collection():
        call = _read_call(rb, spec, applications, budget=budget, year=year, policy=policy,
                          achieved=achieved, targets=targets, effectiveness=effectiveness)
        rows = _decide(rb, call, lang, engine, on_progress)
        ranked, names = _Ranker(rb.definition, call, lang).rank(rows)
        open_units = _open_units(rb.definition, spec, call.achieved, call.targets)
        outcomes = _allocate(ranked, call.budget, call.policy, open_units)
        return _report(rb, call, rows, _Allocation(ranked, outcomes, open_units), names, lang)


# ---------------------------------------------------------------- reading the call


@dataclass(slots=True)
class _Call:
    """The checked arguments of a plan (the applications themselves are checked as they are decided)."""

    spec: PlanSpec
    policy: str
    budget: int
    year: int
    achieved: dict[str, tuple[int, int]]  # activity -> (count, amount) achieved before this plan
    targets: dict[str, int]  # activity -> units this plan may fund, given by the caller
    effectiveness: dict[str, int]  # application id -> the official's rank
    raws: list[Any]  # the applications as given (a mapping, the mapping a JSON text holds, an Application)
    ids: list[str]  # their ids, stripped


def _read_call(rb: Rulebook, spec: PlanSpec, applications: Iterable[Any], *, budget: Any, year: Any,
               policy: Any, achieved: Any, targets: Any, effectiveness: Any) -> _Call:
    """Check every argument of a plan; raises ApplicationError listing every problem at once.

    The applications' JSON and ids are checked here. When anything is wrong, every application
    is also read in full (:func:`_checked`), so the error lists every problem of the call;
    otherwise :func:`_decide` checks them as it decides them.
    """
    d = rb.definition
    problems: list[Problem] = []
    policy = policy if policy is not None else spec.policy
    if policy not in POLICIES:
        problems.append(Problem.of("policy", "planning.input:unknown_policy", policy, ", ".join(POLICIES),
                                suggest(str(policy), POLICIES)))
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
        problems.append(Problem.of("budget", "planning.input:budget", budget,
                                   allowed_key="planning.input:budget_allowed"))
    if d.program is not None:
        first, last = d.program.start.year, (d.program.until - dt.timedelta(days=1)).year
    else:
        first, last = 1900, 9999
    if isinstance(year, bool) or not isinstance(year, int) or not first <= year <= last:
        problems.append(Problem.of("year", "planning.input:year", year, f"{first}–{last}"))
    achieved_n = _check_achieved(d, achieved, problems)
    override = _check_counts(d, targets, "targets", problems)
    raws, ids, found = _read_applications(applications)
    ranks: list[Problem] = []
    eff = _check_effectiveness(effectiveness, ids, ranks)
    if problems or found or ranks:
        for i, raw in enumerate(raws):
            problems += found.get(i, ())
            if raw is not _UNREADABLE:
                problems += _checked(rb, raw, i, year)[1]
        raise ApplicationError(problems + ranks, headline_key=INPUT_HEADLINE)
    return _Call(spec, policy, budget, year, achieved_n, override, eff, raws, ids)


# ---------------------------------------------------------------- ranking


class _Ranker:
    """Puts each eligible application in its queue and computes its sort key, units and limits."""

    def __init__(self, d: Definition, call: _Call, lang: str) -> None:
        self.d = d
        self.spec = call.spec
        self.effectiveness = call.effectiveness
        self.lang = lang
        self.scale = _tier_scale(d)
        self.limit_params: list[Param] = [d.params[lim.max] for lim in self.spec.limits]
        self.limits_of: dict[str, list[int]] = {}
        for li, lim in enumerate(self.spec.limits):
            for a in lim.activities:
                self.limits_of.setdefault(a, []).append(li)
        # Where an application stands depends only on its activity, cleaner production, the criteria
        # it met and the official's rank: built once per combination and shared (the parts are immutable).
        self.placements: dict[tuple[str, bool, tuple[str, ...], int | None], _Placement] = {}

    def rank(self, rows: _Rows) -> tuple[list[_Candidate], list[str | None]]:
        """The eligible applications sorted by their key, and every application's establishment name."""
        candidates: list[_Candidate] = []
        names: list[str | None] = []
        ids, activities, met, days, amounts = rows.app_id, rows.activity, rows.met, rows.day, rows.amount
        for index, (item, eligible) in enumerate(zip(rows.items, rows.eligible)):
            name, tax_code, cleaner = _establishment(item)
            names.append(name)
            if not eligible:
                continue
            app_id, activity, day, amount = ids[index], activities[index], days[index], amounts[index]
            cleaner = bool(cleaner)
            ranked = self.effectiveness and self.by_official(activity, cleaner)
            rank = self.effectiveness.get(app_id) if ranked else None
            where = (activity, cleaner, met[index], rank)
            p = self.placements.get(where) or self.place(*where)
            # Who the establishment is matters only to the per-establishment limits.
            who = _identity(tax_code, name, app_id) if activity in self.limits_of else ""
            candidates.append(_Candidate(
                index, app_id, activity, who, amount, self.units(activity, item), self.limits(activity, item, day),
                _key(p.segments, day, amount, app_id), p.queue, p.placed_by, p.text))
        candidates.sort(key=_key_of)
        return candidates, names

    def queue(self, activity: str, cleaner: bool) -> PlanQueue:
        act = self.d.activities[activity]
        queue = queue_for(self.spec.queues, act.id, act.beneficiary, cleaner)
        assert queue is not None  # coverage is checked with the [plan] table
        return queue

    def by_official(self, activity: str, cleaner: bool) -> bool:
        """Whether such an application's queue is ordered by the official's rank."""
        return "effectiveness_rank" in self.queue(activity, cleaner).order

    def place(self, activity: str, cleaner: bool, met: tuple[str, ...], rank: int | None) -> _Placement:
        """The queue of such an application, the shared part of its sort key, and what placed it."""
        queue = self.queue(activity, cleaner)
        parts, placed_by, text = _placement(self.d, self.spec, queue, self.scale, met, rank, self.lang)
        placement = _Placement(queue, _segments(self.spec.queues.index(queue), queue, parts), placed_by, text)
        self.placements[(activity, cleaner, met, rank)] = placement
        return placement

    def units(self, activity: str, item: Any) -> int:
        """What the application counts towards its activity's target (1 unless the [plan] table says)."""
        if activity not in self.spec.units:
            return 1
        value = _get(item, self.spec.units[activity])
        return value if isinstance(value, int) else 1

    def limits(self, activity: str, item: Any, day: dt.date) -> tuple[tuple[int, int, int], ...]:
        """Per limit of the activity: (limit index, its maximum on ``day``, supports already used)."""
        out = []
        for li in self.limits_of.get(activity, ()):
            lim = self.spec.limits[li]
            pv = self.limit_params[li].at(day)
            if pv is None:
                raise EvaluationError(f"plan.limits.{lim.id}", lim.cite.text(),
                                      f"parameter {lim.max} has no value on {day.isoformat()}")
            before = _get(item, lim.used) if lim.used else 0
            out.append((li, int(pv.value), before if isinstance(before, int) else 0))
        return tuple(out)


@dataclass(frozen=True, slots=True)
class _Placement:
    queue: PlanQueue
    segments: tuple[Any, ...]  # see _segments
    placed_by: tuple[PlanCriterion, ...]
    text: str


def _segments(queue_index: int, queue: PlanQueue, parts: list[Any]) -> tuple[Any, ...]:
    """The sort key of a placement as segments: tuples of values every application placed so shares,
    and the names of the keys each application fills in with its own value."""
    segments: list[Any] = []
    shared: list[Any] = [queue_index]
    for k, part in zip(queue.order, parts):
        if part is not None:
            shared += part
            continue
        if shared:
            segments.append(tuple(shared))
            shared = []
        segments.append(k)
    if shared:
        segments.append(tuple(shared))
    return tuple(segments)


def _key(segments: tuple[Any, ...], day: dt.date, amount: int, app_id: str) -> tuple[Any, ...]:
    """The sort key, lower first: the queue, then each key of its order (``-`` sorts descending)."""
    key: list[Any] = []
    for seg in segments:
        if type(seg) is tuple:
            key += seg
        elif seg == "id":  # last
            key.append(app_id)
        else:
            value = day.toordinal() if seg.endswith("application_date") else amount
            key.append(-value if seg[0] == "-" else value)
    return tuple(key)


def _key_of(c: _Candidate) -> tuple[Any, ...]:
    return c.key


def _establishment(item: Any) -> tuple[str | None, str | None, bool | None]:
    """The establishment's name, tax code and cleaner production, of an Application or of an
    application the columnar path checked (a dict)."""
    est = item.get("establishment") if type(item) is dict else item.establishment
    if est is None:
        return None, None, False
    if type(est) is dict:
        return est.get("name"), est.get("tax_code"), est.get("applies_cleaner_production")
    return est.name, est.tax_code, est.applies_cleaner_production


def _identity(tax_code: str | None, name: str | None, app_id: str) -> str:
    """Who an establishment is, for the limits: its tax code, else its name folded, else the application."""
    if tax_code:
        return f"#tax:{tax_code}"
    return fold(name) if isinstance(name, str) and name.strip() else f"#application:{app_id}"


# ---------------------------------------------------------------- reporting


@dataclass(slots=True)
class _Allocation:
    """The ranking and what the allocation gave each ranked application."""

    ranked: list[_Candidate]
    outcomes: list[_Outcome]
    open_units: dict[str, int]


def _report(rb: Rulebook, call: _Call, rows: _Rows, alloc: _Allocation, names: list[str | None],
            lang: str) -> Plan:
    """The plan: every entry explained, the progress against the targets and the budget, the summary."""
    d = rb.definition
    writer = _Writer(d, call, alloc, rows, names, lang)
    entries = [writer.entry(pos, c, o) for pos, (c, o) in enumerate(zip(alloc.ranked, alloc.outcomes))]
    refused = _refused_entries(rb, rows, names, lang)
    allocated = sum(o.allocated for o in alloc.outcomes)
    funded = sum(1 for o in alloc.outcomes if o.status in ("funded", "partial"))
    spec, budget, year = call.spec, call.budget, call.year
    assumptions = tuple(a[lang] for a in (spec.assumption, spec.targets_assumption,
                                          *(q.assumption for q in spec.queues)) if a)
    summary = _m("summary", lang, year=year, funded=funded, eligible=len(alloc.ranked),
                 allocated=i18n.money(allocated, lang), budget=i18n.money(budget, lang),
                 left=i18n.money(budget - allocated, lang), ineligible=len(refused))
    return Plan(
        rulebook=rb.info(lang), year=year, lang=lang, policy=call.policy, budget_vnd=budget,  # type: ignore[arg-type]
        allocated_vnd=allocated, remaining_vnd=budget - allocated, applications=len(call.raws),
        eligible=len(alloc.ranked), funded=funded, ranking=_ranking_text(d, spec, call.policy, lang),
        entries=(*entries, *refused),
        targets=_progress(d, spec, call.achieved, writer.planned, alloc.open_units, year, lang),
        program=_program_progress(d, call.achieved, allocated, year, lang), assumptions=assumptions, summary=summary)


#: Stands for the rank in a sentence written once for many applications (see _Writer.why).
_RANK = "\x00rank\x00"
#: The values of the sentences that are amounts of money (whole đồng, written in the plan's language).
_AMOUNTS = frozenset({"amount", "need", "left"})


class _Writer:
    """Writes the entry of each ranked application: its status, why, and what stopped it."""

    def __init__(self, d: Definition, call: _Call, alloc: _Allocation, rows: _Rows, names: list[str | None],
                 lang: str) -> None:
        self.d = d
        self.call = call
        self.alloc = alloc
        self.warnings = rows.warnings
        self.names = names
        self.lang = lang
        self.planned: dict[str, list[int]] = {}  # activity -> [units, đồng] this plan allocates
        self.sentences: dict[tuple[Any, ...], tuple[str, str]] = {}

    def entry(self, pos: int, c: _Candidate, o: _Outcome) -> PlanEntry:
        """The entry of the application ranked at ``pos``; adds what it was allocated to ``planned``."""
        queue = c.queue
        assert queue is not None
        status, why, stop = self.verdict(pos, c, o)
        if o.allocated or status == "funded":
            counts = self.planned.setdefault(c.activity, [0, 0])
            counts[0] += c.units
            counts[1] += o.allocated
        assumptions = self.warnings[c.index] + ((queue.assumption[self.lang],) if queue.assumption else ())
        return assemble(
            PlanEntry,
            application_id=c.app_id, activity=c.activity, establishment=self.names[c.index], eligible=True,
            queue=queue.id, rank=pos + 1, rank_key=c.key, support_vnd=c.amount, allocated_vnd=o.allocated,
            units=c.units, status=status, placed_by=c.placed_by, stopped_by=stop, why=why,  # type: ignore[arg-type]
            assumptions=assumptions)

    def verdict(self, pos: int, c: _Candidate, o: _Outcome) -> tuple[str, str, PlanStop | None]:
        """What the allocation did with the application ranked at ``pos``: status, why, and what stopped it."""
        lang, policy = self.lang, self.call.policy
        if o.status == "funded":
            return "funded", self.why("funded", pos, c, amount=o.allocated), None
        if o.status == "partial":
            why = self.why("partial", pos, c, amount=o.allocated, need=c.amount)
            return "partial", why, _stop(kind="budget", text=why)
        if o.status == "budget":
            why = self.why("budget_skip" if policy == "skip" else "budget_stop", pos, c, need=c.amount,
                           left=o.left, policy=_POLICY_WORD[lang][policy])
            return "not_funded", why, _stop(kind="budget", text=why)
        if o.status == "stopped":
            by = self.alloc.ranked[o.ref]
            why = self.why("stopped", pos, c, by=by.app_id, by_rank=o.ref + 1, policy=_POLICY_WORD[lang][policy])
            return "not_funded", why, _stop(kind="stopped", ref=by.app_id, text=why)
        if o.status == "target":
            act = self.d.activities[c.activity]
            assert act.target is not None
            cite = act.target.cite.text(lang)
            why = self.why("target", pos, c, activity=act.label[lang], open=self.alloc.open_units[c.activity],
                           unit=act.target.unit[lang], planned=o.used, units=c.units, cite=cite)
            return "not_funded", why, _stop(kind="target", ref=c.activity, citation=cite, text=why)
        lim = self.call.spec.limits[o.ref]  # status "limit"
        cite = lim.cite.text(lang)
        mx = next(m for li, m, _b in c.limits if li == o.ref)
        why = self.why("limit", pos, c, label=lim.label[lang], used=o.used, max=mx, cite=cite)
        return "not_funded", why, _stop(kind="limit", ref=lim.id, citation=cite, text=why)

    def why(self, key: str, pos: int, c: _Candidate, **values: Any) -> str:
        """The sentence ``key`` about the application ranked at ``pos`` (amounts given in đồng).

        It begins with the rank, and the rest is the same for every application of the same
        placement told alike (most applications of a large call: "not enough budget: needs …,
        … left"), so it is written once and the rank put in.
        """
        memo = (key, c.queue.id if c.queue else None, c.placed_text, *values.values())  # one order per key
        parts = self.sentences.get(memo)
        if parts is None:
            assert c.queue is not None
            lang = self.lang
            written = {k: i18n.money(v, lang) if k in _AMOUNTS else v for k, v in values.items()}
            text = _m(key, lang, rank=_RANK, queue=c.queue.label[lang], placed=c.placed_text, **written)
            head, _, tail = text.partition(_RANK)  # the rank comes before every other value
            parts = self.sentences[memo] = (head, tail)
        return f"{parts[0]}{pos + 1}{parts[1]}"


def _refused_entries(rb: Rulebook, rows: _Rows, names: list[str | None], lang: str) -> list[PlanEntry]:
    """The applications not eligible, by id, each with the criteria it failed."""
    out = []
    # One sentence per activity and set of failed criteria, shared by every application refused alike.
    refusals: dict[tuple[str, tuple[str, ...]], PlanStop] = {}
    ids = rows.app_id
    for i in sorted((i for i, eligible in enumerate(rows.eligible) if not eligible), key=ids.__getitem__):
        activity, failed = rows.activity[i], rows.failed[i]
        stop = refusals.get((activity, failed))
        if stop is None:
            labels = "; ".join(_label(rb, activity, f, lang) for f in failed) or "—"
            why = _m("ineligible", lang, failed=labels)
            stop = refusals[(activity, failed)] = _stop(kind="ineligible", ref=None, text=why)
        out.append(assemble(
            PlanEntry,
            application_id=ids[i], activity=activity, establishment=names[i],
            eligible=False, queue=None, rank=None, rank_key=(), support_vnd=0, allocated_vnd=0, units=0,
            status="ineligible", placed_by=(), stopped_by=stop, why=stop.text, assumptions=rows.warnings[i]))
    return out


def _stop(*, kind: str, text: str, ref: str | None = None, citation: str | None = None) -> PlanStop:
    """What stopped an application, built from checked values (one per application not funded)."""
    return assemble(PlanStop, kind=kind, ref=ref, citation=citation, text=text)


def _criterion(d: Definition, cid: str, tier: str, lang: str) -> PlanCriterion:
    c = d.criteria[cid]
    return PlanCriterion(criterion=cid, tier=tier, label=c.label[lang], citation=c.cite.text(lang))


def _label(rb: Rulebook, activity: str, cid: str, lang: str) -> str:
    c = rb.definition.criteria.get(cid)
    if c is None:
        c = next((x for x in rb.criteria_of(activity) if x.id == cid), None)
    return c.label[lang] if c is not None else cid


# ---------------------------------------------------------------- reading and deciding the applications


#: An application whose JSON could not be read (its problem says why).
_UNREADABLE = object()


def _read_applications(applications: Iterable[Any]) -> tuple[list[Any], list[str], dict[int, list[Problem]]]:
    """Read every application's JSON and id: the applications (JSON texts read), their ids, and
    per application what is wrong with its JSON or id. Each is read in full later (:func:`_checked`)."""
    raws: list[Any] = []
    ids: list[str] = []
    found: dict[int, list[Problem]] = {}
    first_at: dict[str, int] = {}
    for i, raw in enumerate(applications):
        readable = True
        if isinstance(raw, (str, bytes)):
            try:
                raw = json.loads(raw)
            except (ValueError, RecursionError) as err:
                found[i] = [Problem.of(f"applications[{i}]", "planning.input:json", detail=err.msg)
                            if isinstance(err, json.JSONDecodeError) else
                            Problem.of(f"applications[{i}]", "planning.input:json_deep")]
                raw, readable = _UNREADABLE, False
        app_id = raw.get("id") if type(raw) is dict else \
            _get(raw, "id") if isinstance(raw, (Mapping, Application)) else None
        given = app_id.strip() if isinstance(app_id, str) else ""
        if readable and not given:
            found.setdefault(i, []).append(Problem.of(f"applications[{i}].id", "planning.input:id_missing", app_id,
                                                      allowed_key="planning.input:unique_text"))
        app_id = given or f"#{i}"
        if app_id in first_at:
            found.setdefault(i, []).append(Problem.of(f"applications[{i}].id", "planning.input:id_duplicate", app_id,
                                                      allowed_key="planning.input:unique_text",
                                                      other=f"applications[{first_at[app_id]}]"))
        else:
            first_at[app_id] = i
        raws.append(raw)
        ids.append(app_id)
    return raws, ids, found


def _checked(rb: Rulebook, raw: Any, i: int, year: Any) -> tuple[Application | None, list[Problem]]:
    """One application read by the model, or its problems, each named by its place in the call."""
    app_id = _get(raw, "id") if isinstance(raw, (Mapping, Application)) else None
    label = f"applications[{i}]" + (f" ({app_id})" if isinstance(app_id, str) else "")
    try:
        app = rb.parse_application(raw)
    except ApplicationError as err:
        return None, [replace(p, where=f"{label}.{p.where}") for p in err.problems]
    if isinstance(year, int) and not isinstance(year, bool) and app.application_date.year != year:
        return app, [_not_in_year(label, app.application_date, year)]
    return app, []


def _not_in_year(label: str, day: dt.date, year: int) -> Problem:
    """A plan decides one year's call: an application dated in another year is refused rather than
    silently funded from this year's budget."""
    return Problem.of(f"{label}.application_date", "planning.input:not_in_year", day.isoformat(),
                      allowed_key="planning.input:date_in", year=year)


@dataclass(slots=True)
class _Rows:
    """What the plan needs of every application and its decision, one list per field, in input order
    (the decisions themselves are not kept: 100,000 of them weigh)."""

    items: list[Any]  # the Application, or the dict the columnar path read exactly as the model does
    app_id: list[str]
    activity: list[str]
    eligible: list[bool]
    amount: list[int]
    met: list[tuple[str, ...]]  # the priority criteria met, sorted
    day: list[dt.date]  # the law date
    warnings: list[tuple[str, ...]]  # parameter ids
    failed: list[tuple[str, ...]]  # eligibility criteria not met

    def set(self, i: int, *values: Any) -> None:
        (self.items[i], self.app_id[i], self.activity[i], self.eligible[i], self.amount[i], self.met[i],
         self.day[i], self.warnings[i], self.failed[i]) = values

    def fill(self, at: list[int], **columns: list[Any]) -> None:
        """Each column's values at the rows ``at``."""
        for name, values in columns.items():
            column = getattr(self, name)
            for i, value in zip(at, values):
                column[i] = value


#: From this many applications on, a plan decides them on the columnar path when it can.
COLUMNAR_FROM = 2_000


def _decide(rb: Rulebook, call: _Call, lang: str, engine: str | None,
            on_progress: Callable[[int, int], None] | None) -> _Rows:
    """Check and decide every application; raises ApplicationError naming every invalid one.

    A large call is decided on the columnar path (:func:`_decide_columns`) when the columnar
    extra is installed and no engine is asked for. The applications it does not decide are read
    by the model and decided row by row, as every application of a small call is: each problem
    is named as a call of few applications names it. tests/test_plan.py compares both paths,
    their plans and their problems.
    """
    n = len(call.raws)
    rows = _Rows(*([None] * n for _ in range(9)))
    if on_progress is not None:
        on_progress(0, n)
    done = _decide_columns(rb, call, rows) if engine is None and n >= COLUMNAR_FROM else 0
    problems: list[Problem] = []
    pending: list[int] = []
    for i, (raw, day) in enumerate(zip(call.raws, rows.day)):
        if day is not None:  # decided on columns
            if day.year != call.year:
                problems.append(_not_in_year(f"applications[{i}] ({raw['id']})", day, call.year))
            continue
        item, found = _checked(rb, raw, i, call.year)
        problems += found
        rows.items[i] = item
        pending.append(i)
    if problems:
        raise ApplicationError(problems, headline_key=INPUT_HEADLINE)
    if done and on_progress is not None:
        on_progress(done, n)
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}
    for i, dec in zip(pending, rb.evaluate_many([rows.items[i] for i in pending], lang=lang,  # type: ignore[arg-type]
                                                engine=engine, explain=False)):
        warnings = tuple(w.parameter for w in dec.warnings)
        failed = () if dec.eligible else tuple(r.criterion for r in dec.reasons
                                               if r.kind == "eligibility" and r.outcome == "not_met")
        rows.set(i, rows.items[i], dec.application_id or "", dec.activity, dec.eligible, dec.support.amount_vnd,
                 dec.priority.criteria_met, dec.law_date, shared.setdefault(warnings, warnings),
                 shared.setdefault(failed, failed))
        done += 1
        if on_progress is not None:
            on_progress(done, n)
    return rows


def _decide_columns(rb: Rulebook, call: _Call, rows: _Rows) -> int:
    """Decide on the columnar path (``Rulebook.evaluate_table``) every application it reads exactly
    as the model does (:func:`kcrules.columnar.plain.plain`); fills their rows and says how many it decided.

    Its checks refuse every application the model refuses (they may refuse more, never less),
    so an application it decides needs no second reading; one it refuses is left to the row
    path, which names its problems.
    """
    try:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return 0
    days: dict[str, dt.date | None] = {}
    plain = [i for i, raw in enumerate(call.raws) if plain_dicts.plain(raw, days)]
    if not plain:
        return 0
    raws = [call.raws[i] for i in plain]
    out = plain_dicts.evaluate_plain(rb.evaluate_table, raws)
    if out is None:
        return 0
    # A row with no activity was not decided: the row path reads it and names its problems.
    decided = out.column("activity").is_valid().to_pylist()
    at = list(compress(plain, decided))
    raws = [call.raws[i] for i in at]
    activities = plain_dicts.texts(out.column("activity"))
    # The priority criteria each row met, sorted (as Priority.criteria_met): one bit per criterion.
    prio = sorted({c.id for a in set(activities) if a for c in rb.criteria_of(a) if c.kind != "eligibility"})
    mask = np.zeros(len(out), dtype=np.int64)
    for k, cid in enumerate(prio):
        met_k = pc.fill_null(pc.equal(out.column(f"outcome/{cid}").cast(pa.string()), "met"), False)
        mask |= np.asarray(met_k, dtype=np.int64) << k
    masks, which = np.unique(mask, return_inverse=True)
    met = [tuple(cid for k, cid in enumerate(prio) if bits >> k & 1) for bits in masks.tolist()]
    given = [raw["application_date"] for raw in raws]
    columns = {"activity": activities, "eligible": out.column("eligible").to_pylist(),
               "amount": out.column("amount_vnd").to_pylist(), "met": [met[k] for k in which.tolist()],
               "warnings": plain_dicts.tuples(out.column("warnings")), "failed": plain_dicts.tuples(out.column("failed"))}
    rows.fill(at, items=raws, app_id=[raw["id"] for raw in raws],
              day=[d if type(d) is dt.date else days[d] for d in given],
              **{name: list(compress(values, decided)) for name, values in columns.items()})
    return len(at)


def _placement(d: Definition, spec: PlanSpec, queue: PlanQueue, scale: list[tuple[str, str, dict[str, int], int]],
               met: tuple[str, ...], rank: int | None,
               lang: str) -> tuple[list[Any], tuple[PlanCriterion, ...], str]:
    """Per key of the queue's order, the sort values that depend on the criteria met (None for the
    others); the criteria that placed the application; and the sentence that says so."""
    parts: list[Any] = []
    placed: list[PlanCriterion] = []
    for k in queue.order:
        if k == "priority_tiers" or k.startswith("tier:"):
            values = []
            for tid, mode, members, worst in scale:
                if k != "priority_tiers" and k[5:] != tid:
                    continue
                hits = sorted((members[c], c) for c in met if c in members)
                if mode == "first_met":
                    values.append(hits[0][0] if hits else worst)
                    decisive = [c for o, c in hits if o == hits[0][0]] if hits else []
                else:
                    values.append(-len(hits))
                    decisive = [c for _o, c in hits]
                placed += [_criterion(d, c, tid, lang) for c in decisive]
            parts.append(values)
        elif k == "effectiveness_rank":
            parts.append([0, rank] if rank is not None else [1, 0])
            placed.append(PlanCriterion(
                criterion="effectiveness_rank", tier=queue.id,
                label=_m("effectiveness", lang, rank=rank) if rank is not None else _m("no_effectiveness", lang),
                citation=queue.cite.text(lang)))
        else:
            parts.append(None)
    items_text = "; ".join(f"{p.label} ({p.citation})" for p in placed)
    text = _m("placed", lang, items=items_text) if placed else _m("placed_none", lang)
    return parts, tuple(placed), text


def _check_counts(d: Definition, data: Mapping[str, Any] | None, name: str,
                  problems: list[Problem]) -> dict[str, int]:
    out: dict[str, int] = {}
    if data is None:
        return out
    if not isinstance(data, Mapping):
        problems.append(Problem.of(name, "planning.input:counts_map", type(data).__name__))
        return out
    for act, value in data.items():
        if act not in d.activities:
            problems.append(Problem.of(f"{name}.{act}", "planning.input:unknown_activity", act, ", ".join(d.activities),
                                    suggest(str(act), d.activities)))
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(Problem.of(f"{name}.{act}", "planning.input:whole", value))
        else:
            out[act] = value
    return out


def _check_achieved(d: Definition, data: Mapping[str, Any] | None,
                    problems: list[Problem]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    if data is None:
        return out
    if not isinstance(data, Mapping):
        problems.append(Problem.of("achieved", "planning.input:achieved_map", type(data).__name__))
        return out
    for act, body in data.items():
        where = f"achieved.{act}"
        if act not in d.activities:
            problems.append(Problem.of(where, "planning.input:unknown_activity", act, ", ".join(d.activities),
                                    suggest(str(act), d.activities)))
            continue
        if not isinstance(body, Mapping):
            problems.append(Problem.of(where, "planning.input:achieved_body", body))
            continue
        values = []
        for k in body:
            if k not in ("count", "amount_vnd"):
                problems.append(Problem.of(f"{where}.{k}", "planning.input:unknown_key", k, "count, amount_vnd",
                                        suggest(str(k), ("count", "amount_vnd"))))
        for k in ("count", "amount_vnd"):
            v = body.get(k, 0)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                problems.append(Problem.of(f"{where}.{k}", "planning.input:whole", v))
                v = 0
            values.append(v)
        out[act] = (values[0], values[1])
    return out


def _check_effectiveness(data: Mapping[str, Any] | None, ids: list[str], problems: list[Problem]) -> dict[str, int]:
    out: dict[str, int] = {}
    if data is None:
        return out
    if not isinstance(data, Mapping):
        problems.append(Problem.of("effectiveness", "planning.input:ranks_map", type(data).__name__))
        return out
    known = set(ids)
    for app_id, rank in data.items():
        if app_id not in known:
            problems.append(Problem.of(f"effectiveness.{app_id}", "planning.input:no_such_id", app_id,
                                    suggestion=suggest(str(app_id), known) if len(known) < 5000 else None))
        elif isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            problems.append(Problem.of(f"effectiveness.{app_id}", "planning.input:rank", rank))
        else:
            out[app_id] = rank
    return out


def _open_units(d: Definition, spec: PlanSpec, achieved: Mapping[str, tuple[int, int]],
                override: Mapping[str, int]) -> dict[str, int]:
    """Per activity whose target bounds the plan: the units still open (target minus achieved)."""
    out: dict[str, int] = {}
    for act in d.activities.values():
        if act.id in override:
            out[act.id] = override[act.id]
            continue
        t = act.target
        if t is None or act.id in spec.ignore:
            continue
        bound = (t.count_max if spec.bound == "count_max" and t.count_max else t.count)
        if bound is None:
            continue
        out[act.id] = max(0, bound - achieved.get(act.id, (0, 0))[0])
    return out


def _progress(d: Definition, spec: PlanSpec, achieved: Mapping[str, tuple[int, int]],
              planned: Mapping[str, list[int]], open_units: Mapping[str, int], year: int,
              lang: str) -> tuple[TargetProgress, ...]:
    out = []
    for act in d.activities.values():
        t = act.target
        if t is None:
            continue
        done, done_vnd = achieved.get(act.id, (0, 0))
        now, now_vnd = planned.get(act.id, [0, 0])
        pct, pct_after = _percent(done, t.count), _percent(done + now, t.count)
        target_text = f"{t.count}–{t.count_max}" if t.count_max else str(t.count)
        cite = t.cite.text(lang)
        text = _m("target_text", lang, label=act.label[lang], done=done, target=target_text, unit=t.unit[lang],
                  pct=_percent_text(pct, lang), year=year, after=done + now, pct_after=_percent_text(pct_after, lang),
                  cite=cite)
        out.append(TargetProgress(
            activity=act.id, label=act.label[lang], unit=t.unit[lang], target=t.count, target_max=t.count_max,
            citation=cite, provenance=t.provenance, achieved_count=done, achieved_vnd=done_vnd, planned_count=now,
            planned_vnd=now_vnd, open_for_plan=open_units.get(act.id),
            percent_achieved=str(pct) if pct is not None else None,
            percent_after_plan=str(pct_after) if pct_after is not None else None, text=text))
    return tuple(out)


def _program_progress(d: Definition, achieved: Mapping[str, tuple[int, int]], allocated: int, year: int,
                      lang: str) -> ProgramProgress:
    done = sum(v[1] for v in achieved.values())
    total: int | None = None
    cite = None
    if d.program is not None:
        p = d.params.get(d.program.budget_param)
        pv = p.at(dt.date(year, 1, 1)) if p is not None else None
        if pv is not None:
            total, cite = int(pv.value), pv.cite.text(lang)
    pct, pct_after = _percent(done, total), _percent(done + allocated, total)
    if total is not None:
        text = _m("budget_text", lang, done=i18n.money(done, lang), pct=_percent_text(pct, lang),
                  total=i18n.money(total, lang), cite=cite, year=year, after=i18n.money(done + allocated, lang),
                  pct_after=_percent_text(pct_after, lang))
    else:
        text = _m("budget_text_none", lang, done=i18n.money(done, lang), year=year, after=i18n.money(done + allocated, lang))
    return ProgramProgress(program_budget_vnd=total, citation=cite, achieved_vnd=done, planned_vnd=allocated,
                           percent_achieved=str(pct) if pct is not None else None,
                           percent_after_plan=str(pct_after) if pct_after is not None else None, text=text)


def _ranking_text(d: Definition, spec: PlanSpec, policy: str, lang: str) -> tuple[str, ...]:
    lines = []
    for n, q in enumerate(spec.queues, 1):
        keys = []
        for k in q.order:
            if k == "priority_tiers":
                keys.append(_m("key_tiers", lang, tiers=" → ".join(
                    f"{t.label[lang]} ({t.cite.text(lang)})" for t in d.tiers)))
            elif k.startswith("tier:"):
                t = next(t for t in d.tiers if t.id == k[5:])
                keys.append(_m("key_tier", lang, tier=f"{t.label[lang]} ({t.cite.text(lang)})"))
            else:
                keys.append(_m(f"key_{k}", lang))
        lines.append(_m("queue_line", lang, n=n, label=q.label[lang], cite=q.cite.text(lang), keys="; ".join(keys)))
    lines.append(_m(f"policy_{policy}", lang))
    lines.append(_m("targets_line", lang))
    cites = "; ".join(c.text(lang) for c in spec.cites)
    if cites:
        lines.append(cites)
    return tuple(lines)
