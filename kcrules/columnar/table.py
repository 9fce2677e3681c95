"""A whole population of applications at once: an Arrow table in, a table of decisions out.

``evaluate_table`` runs the same stages as ``Rulebook.evaluate``, each over
columns instead of one application: read (``frame``), the law on each row's
date (rows grouped by the set of parameter values in force), code attributes,
derived facts and every criterion's outcome (``vector``), then per distinct
outcome vector the decision's outline and priority (the row-by-row functions
of ``kcrules.decide``, called once per vector), the support in int64 and the
warnings per (vector, set of parameter values). Rows that are not clean, whose
arithmetic could leave int64, or whose criteria cannot all be decided are
handed to the row-by-row evaluation, so their decision or error is exactly
that of ``Rulebook.evaluate``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa

from kcrules.columnar.frame import Frame, Lookup, as_table, read_frame
from kcrules.columnar.vector import Col, Evaluator
from kcrules.decide.criteria import Step, steps
from kcrules.decide.params import LawOnDate
from kcrules.decide.warnings import warned
from kcrules.engines import MET, NA, NOT_MET
from kcrules.errors import KcrulesError
from kcrules.models import Decision
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.fields import CODE_FIELDS
from kcrules.rulefiles.loader import Activity, Criterion, Definition
from kcrules.util.jsonpath import unflatten

OUTCOMES = (MET, NOT_MET, NA)
_NO_BOUND = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Parts:
    """What a rulebook lends the columnar path: its rules, its law by date, code lookup and the row path."""

    definition: Definition
    criteria_of: Callable[[Activity], tuple[Criterion, ...]]
    law: LawOnDate
    find_code: Callable[[str, str], str | None]
    one: Callable[[dict[str, Any]], Decision]  # evaluate one application (raises KcrulesError)


class _Out:
    """The result columns, filled group by group; lists shared by many rows are stored once and indexed."""

    def __init__(self, n: int, outcomes: bool) -> None:
        self.n = n
        self.keep_outcomes = outcomes  # False: each criterion's outcome is not kept (nor returned)
        self._lock = threading.Lock()
        self.eligible = np.zeros(n, dtype=bool)
        self.amount = np.zeros(n, dtype=np.int64)
        self.score = np.zeros(n, dtype=np.int64)
        self.bound = np.full(n, -1, dtype=np.int64)   # index into self.names
        self.failed = np.full(n, -1, dtype=np.int64)  # index into self.failures
        self.activity = np.full(n, -1, dtype=np.int64)  # index into self.activities
        self.activities: tuple[str, ...] = ()
        self.rank = np.zeros((n, 0), dtype=np.int64)  # one column per rank tier (set by evaluate_table)
        self.warned = np.full(n, -1, dtype=np.int64)  # index into self.warnings
        self.names: list[str] = []
        self.failures: list[list[str]] = []
        self.warnings: list[list[str]] = []
        self.error: dict[int, tuple[str, str]] = {}
        #: criterion -> per row its outcome's index in OUTCOMES, -1 where it has none (int8, as the result holds
        #: it: 70 such columns a row, so a byte each rather than four)
        self.outcomes: dict[str, np.ndarray] = {}

    def add(self, items: list[Any], value: Any) -> int:
        with self._lock:  # activities are decided side by side
            items.append(value)
            return len(items) - 1

    def name(self, text: str) -> int:
        with self._lock:
            if text not in self.names:
                self.names.append(text)
            return self.names.index(text)

    def set_outcome(self, cid: str, rows: Any, codes: Any) -> None:
        if not self.keep_outcomes:
            return
        index = self.outcomes.get(cid)
        if index is None:
            index = self.outcomes[cid] = np.full(self.n, -1, dtype=np.int8)
        index[rows] = codes


def evaluate_table(parts: Parts, data: Any, *, on: dt.date | None = None, outcomes: bool = True) -> pa.Table:
    """Decisions for every row of ``data`` (see Rulebook.evaluate_table)."""
    table = as_table(data)
    d = parts.definition
    exprs = [e for c in d.criteria.values() for e in (c.condition, c.applies_when) if e is not None]
    exprs += [derived.expr for derived in d.derived.values()]
    exprs += [r.when for act in d.activities.values() for r in act.requirements if r.when is not None]
    read = frozenset(cond.fact_key(r) for e in exprs for r in cond.refs_of(e))
    frame = read_frame(table, d, parts.find_code, read)
    n = frame.n
    out = _Out(n, outcomes)
    out.rank = np.zeros((n, len(d.tiers)), dtype=np.int64, order="F")
    for act in d.activities.values():  # the same columns whatever rows a table (or partition) holds
        for c in parts.criteria_of(act):
            out.set_outcome(c.id, slice(0, 0), -1)
    versions, params = _law_columns(frame, parts.law, on)
    _applicant_default(frame)
    _code_attributes(frame, d)
    activity = frame.columns["activity"]
    out.activities = activity.vocab or ()
    out.activity = np.where(activity.present, activity.values, -1)
    # Rows grouped by activity with one stable sort of small integers (each group in table order).
    small = np.int16 if len(out.activities) < 2**15 else np.int32  # numpy sorts 16-bit integers by radix
    group = np.where(frame.clean & activity.present, activity.values, -1).astype(small)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(len(out.activities) + 1))
    groups = [(d.activities[name], order[bounds[code]:bounds[code + 1]]) for code, name in enumerate(out.activities)
              if name in d.activities and bounds[code + 1] > bounds[code]]
    # Activities are decided side by side, the largest first: numpy works on whole columns without
    # holding the GIL, and each activity writes only its own rows of the result.
    groups.sort(key=lambda g: -len(g[1]))
    with ThreadPoolExecutor(max_workers=max(1, min(pa.cpu_count(), len(groups)))) as pool:
        list(pool.map(lambda g: _decide_group(parts, frame, g[0], g[1], versions, params, out), groups))
    for i in np.flatnonzero(~frame.clean):
        _one_by_one(parts, table, int(i), on, out)
    return _result(table, out)


# ---------------------------------------------------------------- facts over columns

def _law_columns(frame: Frame, law: LawOnDate, on: dt.date | None) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Each row's set of parameter values (an index into the list returned); their facts are lookups."""
    n = frame.n
    if on is not None:
        days = np.full(n, on.toordinal(), dtype=np.int64)
    else:
        app_date = frame.columns["application_date"]
        days = np.where(app_date.present, app_date.values, dt.date(2000, 1, 1).toordinal())
    unique_days, inverse = _distinct_numbers(days)
    version_of: dict[tuple[int, ...], int] = {}
    day_version = np.zeros(len(unique_days), dtype=np.int64)
    params: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for i, day in enumerate(unique_days.tolist()):
        date = dt.date.fromordinal(day)
        values = law.values(date)
        key = (tuple(values), tuple(map(id, values.values())))  # the same values in force: one set
        if key not in version_of:
            version_of[key] = len(params)
            params.append(values)
            items.append(law.fact_items(date))
        day_version[i] = version_of[key]
    for fact_key in sorted({k for it in items for k in it} & frame.read):
        per_version = np.array([it.get(fact_key, 0) for it in items], dtype=np.int64)
        has = np.array([fact_key in it for it in items], dtype=bool)
        frame.lookups[fact_key] = Lookup(None, per_version, has)
    return day_version[inverse], params


def _distinct_numbers(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, sorted, and each row's index among them (as np.unique gives), without
    sorting the rows where the values span a short range (days of a few years)."""
    if not len(values):
        return values, np.zeros(0, dtype=np.int64)
    low, high = int(values.min()), int(values.max())
    if high - low >= len(values):
        unique, inverse = np.unique(values, return_inverse=True)
        return unique, inverse.reshape(-1)
    seen = np.zeros(high - low + 1, dtype=bool)
    seen[values - low] = True
    rank = np.cumsum(seen) - 1
    return np.flatnonzero(seen) + low, rank[values - low]


def _applicant_default(frame: Frame) -> None:
    """An application without an applicant is the establishment applying for itself."""
    itself = ~frame.parents["applicant"] & frame.parents["establishment"]
    if not itself.any():
        return
    kind = frame.columns["applicant__kind"]
    district = frame.columns["applicant__district"]
    est = frame.columns["establishment__district"]
    assert kind.vocab is not None and district.vocab == est.vocab  # both are codes of the district table
    frame.columns["applicant__kind"] = Col(np.where(itself, kind.vocab.index("establishment"), kind.values),
                                           kind.present | itself, kind.vocab)
    frame.columns["applicant__district"] = Col(np.where(itself, est.values, district.values),
                                               np.where(itself, est.present, district.present), district.vocab)


def _code_attributes(frame: Frame, d: Definition) -> None:
    """Per code field, each attribute of its code as a lookup (``establishment__district__area``)."""
    for path, table in CODE_FIELDS.items():
        tbl = d.codes.get(table)
        key = cond.fact_key(path)
        col = frame.columns.get(key)
        if tbl is None or col is None or col.vocab is None:
            continue
        for attr in sorted({a for v in tbl.values.values() for a in v.attrs}):
            got = [tbl.values[code].attrs.get(attr) if code in tbl.values else None for code in col.vocab]
            has = np.array([g is not None for g in got] + [False], dtype=bool)  # the last: no code (-1)
            sample = next((v.attrs[attr] for v in tbl.values.values() if v.attrs.get(attr) is not None), None)
            if isinstance(sample, str):  # texts as indices into the attribute's own vocabulary
                vocab = tuple(sorted({g for g in got if isinstance(g, str)}))
                values = np.array([vocab.index(g) if isinstance(g, str) else -1 for g in got] + [-1])
                frame.lookups[f"{key}__{attr}"] = Lookup(key, values, has, vocab)
                continue
            fill = False if isinstance(sample, bool) else 0
            values = np.array([fill if g is None else g for g in got] + [fill])
            frame.lookups[f"{key}__{attr}"] = Lookup(key, values, has)


# ---------------------------------------------------------------- one activity's rows

def _decide_group(parts: Parts, frame: Frame, act: Activity, rows: np.ndarray,
                  versions: np.ndarray, params: list[dict[str, Any]], out: _Out) -> None:
    d = parts.definition
    rows = rows[_activity_needs(frame, act, rows)]
    if not len(rows):  # every row lacks something the activity needs: the row path says what
        return
    criteria = parts.criteria_of(act)
    sub = _group_columns(frame, d, _reads(act, criteria), rows, versions)
    codes, decided = _outcomes(sub, criteria)
    ok = decided & ~sub.overflow
    sub_rows: np.ndarray | slice = slice(None)  # the group's rows among those of ``sub``: all of them, mostly
    if not ok.all():
        frame.clean[rows[~ok]] = False  # decided row by row: the error (or decision) is the row path's
        rows, codes, sub_rows = rows[ok], codes[ok], np.flatnonzero(ok)
    if not len(rows):
        return
    act_steps = steps(d, criteria)
    failed_id, eligible = _failures(criteria, codes, out)
    rank, score, uplift = _priority(d, criteria, codes)
    row_versions = versions[rows]
    amount, bound_index, bound_names, support_used, computable = _support(sub, sub_rows, act, d, uplift,
                                                                          row_versions, params)
    amount = np.where(eligible, amount, 0)
    rowwise = eligible & ~computable  # a missing base or level: the row path raises the right error
    if rowwise.any():
        frame.clean[rows[rowwise]] = False
        keep = ~rowwise
        rows, codes, eligible, failed_id, rank, score, uplift = (
            rows[keep], codes[keep], eligible[keep], failed_id[keep], rank[keep], score[keep], uplift[keep])
        amount, bound_index, row_versions = amount[keep], bound_index[keep], row_versions[keep]
    for j, c in enumerate(criteria):
        out.set_outcome(c.id, rows, codes[:, j])
    out.warned[rows] = _warnings(act, act_steps, codes, eligible, uplift, row_versions, params, support_used, out)
    name_ids = np.array([out.name(b) for b in bound_names], dtype=np.int64)
    out.eligible[rows] = eligible
    out.amount[rows] = amount
    out.score[rows] = score
    for t in range(rank.shape[1]):  # tier by tier: out.rank is held column by column
        out.rank[rows, t] = rank[:, t]
    out.failed[rows] = failed_id
    out.bound[rows] = np.where(eligible, name_ids[bound_index], out.name("ineligible"))


def _packed(bits: list[np.ndarray], n: int, extra: np.ndarray | None = None) -> np.ndarray:
    """Each row's index among the distinct rows of some columns of booleans (and an extra integer).

    The columns are packed eight to a byte, a row's bytes read as one key, and the keys hashed by
    Arrow (dictionary_encode), several times quicker than sorting the rows.
    """
    size = max(8, -(-len(bits) // 64) * 8)  # bytes per row, whole 8-byte words
    packed = np.zeros((size, n), dtype=np.uint8)  # byte by byte, each byte's column contiguous
    for j, column in enumerate(bits):
        packed[j // 8] |= column.view(np.uint8) << (j % 8)
    rows = packed.T.copy()
    if size == 8:
        keys = pa.array(rows.view(np.int64)[:, 0])
    else:
        keys = pa.FixedSizeBinaryArray.from_buffers(pa.binary(size), n, [None, pa.py_buffer(rows)])
    inverse = keys.dictionary_encode().indices.to_numpy()
    if extra is None:
        return inverse
    # Then each (row kind, extra) pair: the extra is small, so the pair is one int64.
    pairs = inverse.astype(np.int64) * (int(extra.max(initial=0)) + 1) + extra
    return pa.array(pairs).dictionary_encode().indices.to_numpy()


def _first_rows(inverse: np.ndarray) -> list[int]:
    """For each distinct value, one row that has it."""
    first = np.zeros(inverse.max() + 1 if len(inverse) else 0, dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(inverse))[::-1]
    return first.tolist()


def _failures(criteria: tuple[Criterion, ...], codes: np.ndarray, out: _Out) -> tuple[np.ndarray, np.ndarray]:
    """Each row's failed eligibility criteria (an index into out.failures) and whether it is eligible."""
    elig = [j for j, c in enumerate(criteria) if c.kind == "eligibility"]
    failed = [codes[:, j] == 1 for j in elig]
    inverse = _packed(failed, len(codes))
    ids = np.array([out.add(out.failures, [criteria[j].id for j in elig if codes[r, j] == 1])
                    for r in _first_rows(inverse)], dtype=np.int64)
    eligible = np.ones(len(codes), dtype=bool)
    for column in failed:
        eligible &= ~column
    return ids[inverse], eligible


def _priority(d: Definition, criteria: tuple[Criterion, ...],
              codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rank key, score and higher-ceiling flag per row, as kcrules.decide.priority computes them."""
    n = len(codes)
    rank = np.zeros((n, len(d.tiers)), dtype=np.int64, order="F")
    score = np.zeros(n, dtype=np.int64)
    uplift = np.zeros(n, dtype=bool)
    for t, tier in enumerate(d.tiers):
        members = [j for j, c in enumerate(criteria) if c.kind == "priority" and c.tier == tier.id]
        met = codes[:, members] == 0 if members else np.zeros((n, 0), dtype=bool)
        if tier.mode == "first_met":
            worst = max([criteria[j].order for j in members], default=0) + 1
            orders = np.array([criteria[j].order for j in members], dtype=np.int64)
            value = np.where(met, orders, worst).min(axis=1) if members else np.full(n, worst)
            rank[:, t] = value
            score = score * 100 + (worst - value)
        else:
            hits = met.sum(axis=1)
            rank[:, t] = -hits
            score = score * 100 + hits
        if tier.uplift:
            uplift |= met.any(axis=1)
    return rank, score, uplift


def _warnings(act: Activity, act_steps: tuple[Step, ...], codes: np.ndarray, eligible: np.ndarray,
              uplift: np.ndarray, versions: np.ndarray, params: list[dict[str, Any]],
              support_used: dict[bool, tuple[str, ...]], out: _Out) -> np.ndarray:
    """Each row's warnings (an index into out.warnings), from the row path's function, once per distinct input."""
    relevant = [j for j, s in enumerate(act_steps) if s.applied or s.not_applied or s.criterion.assumption]
    signature = [codes[:, j] != 2 for j in relevant] + [eligible, uplift & eligible]
    inverse = _packed(signature, len(codes), versions)
    ids = []
    for r in _first_rows(inverse):
        used: dict[str, None] = {}
        assumed = []
        for j, step in enumerate(act_steps):
            if codes[r, j] != 2:
                used.update(dict.fromkeys(step.applied))
                if step.criterion.assumption:
                    assumed.append(step.criterion)
            else:
                used.update(dict.fromkeys(step.not_applied))
        if eligible[r]:
            used.update(dict.fromkeys(support_used[bool(uplift[r])]))
        found = warned(act, bool(eligible[r]), used, tuple(assumed), params[int(versions[r])])
        ids.append(out.add(out.warnings, found))
    return np.array(ids, dtype=np.int64)[inverse]


def _reads(act: Activity, criteria: tuple[Criterion, ...]) -> set[str]:
    """The fact keys an activity's decision reads."""
    refs = [r for c in criteria for e in (c.condition, c.applies_when) if e is not None for r in cond.refs_of(e)]
    return {cond.fact_key(r) for r in refs} | {cond.fact_key(act.support.base), "project__amount_requested_vnd"}


def _group_columns(frame: Frame, d: Definition, reads: set[str], rows: np.ndarray, versions: np.ndarray) -> Evaluator:
    """The columns one activity's rows read: fields taken for those rows, lookups looked up for
    them, and the derived facts it reads (with those they read) computed for them alone."""
    needed = set(reads)
    for derived in reversed(d.derived.values()):  # a derived fact reads facts and earlier derived facts
        if "derived__" + derived.id in needed:
            needed |= {cond.fact_key(r) for r in cond.refs_of(derived.expr)}
    columns: dict[str, Col] = {}
    for key in sorted(needed):
        if key in frame.columns:
            col = frame.columns[key]
            columns[key] = Col(_take(col.values, rows), col.present[rows], col.vocab)
    row_versions = versions[rows]
    in_force = np.flatnonzero(np.bincount(row_versions, minlength=1))  # the sets of parameters these rows use
    everywhere = np.ones(len(rows), dtype=bool)
    for key in sorted(needed):
        lookup = frame.lookups.get(key)
        if lookup is None:
            continue
        if lookup.source is None:
            values, has = lookup.values[in_force], lookup.has[in_force]
            if has.all() and (values == values[0]).all():  # the same value for every row: held once
                columns[key] = Col(values[0], everywhere, lookup.vocab)
                continue
            index, present = row_versions, everywhere
        else:
            source = columns.get(lookup.source) or Col(_take(frame.columns[lookup.source].values, rows),
                                                        frame.columns[lookup.source].present[rows])
            index, present = source.values, source.present
        columns[key] = Col(lookup.values[index], lookup.has[index] & present, lookup.vocab)
    ev = Evaluator(columns, len(rows))
    for derived in d.derived.values():
        if "derived__" + derived.id in needed:
            columns["derived__" + derived.id] = ev.value(derived.expr)
    return ev


def _take(values: Any, rows: np.ndarray | slice) -> Any:
    return values[rows] if isinstance(values, np.ndarray) and values.ndim else values


def _activity_needs(frame: Frame, act: Activity, rows: np.ndarray) -> np.ndarray:
    """Rows that have what the activity needs beyond the model (else the row path reports what is missing)."""
    ok = np.ones(len(rows), dtype=bool)
    if act.beneficiary:
        ok &= frame.parents["establishment"][rows]
    ok &= frame.parents["applicant"][rows] | frame.parents["establishment"][rows]
    for req in act.requirements:
        col = frame.columns.get(cond.fact_key(req.field))
        given = col.present[rows] if col is not None else np.zeros(len(rows), dtype=bool)
        head = req.field.partition(".")[0]
        if head in frame.parents:
            # The field itself, as the reader asks it: an applicant's district is not given by the
            # establishment's, which the fact's column takes in its place.
            given = given & frame.parents[head][rows]
        if req.when is not None:
            # Not needed where the condition is false. Where it cannot be decided (a fact it reads is
            # absent) the row path decides: it reads such a condition as false, as the reader does.
            keys = {cond.fact_key(r) for r in cond.refs_of(req.when)} & frame.columns.keys()
            ev = Evaluator({k: Col(_take(frame.columns[k].values, rows), frame.columns[k].present[rows],
                                   frame.columns[k].vocab) for k in keys}, len(rows))
            given = given | ev.predicate(cond.negate(req.when))
        ok &= given
    approved = frame.columns.get("project__approved_level_percent")
    if approved is not None:
        ok &= ~approved.present[rows]  # an approved priority level is checked and explained row by row
    frame.clean[rows[~ok]] = False
    return ok


def _outcomes(ev: Evaluator, criteria: tuple[Criterion, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per row and criterion the outcome's index in OUTCOMES, and the rows where every criterion got one."""
    n = ev.n
    # Criterion by criterion: each criterion's column of outcomes is contiguous (Fortran order).
    codes = np.empty((n, len(criteria)), dtype=np.int8, order="F")
    counts = np.empty((n, len(criteria)), dtype=np.int8, order="F")
    for j, c in enumerate(criteria):
        met, not_met = ev.predicate(c.condition), ev.predicate(cond.negate(c.condition))
        counts[:, j] = met.view(np.int8) + not_met.view(np.int8)
        if c.applies_when is not None:
            applies, not_applies = ev.predicate(c.applies_when), ev.predicate(cond.negate(c.applies_when))
            met, not_met = applies & met, applies & not_met
            counts[:, j] = met.view(np.int8) + not_met.view(np.int8) + not_applies.view(np.int8)
        # A condition and its negation never both hold: 0 met, 1 not met, 2 neither.
        codes[:, j] = 2 - 2 * met.view(np.int8) - not_met.view(np.int8)
    period = [j for j, c in enumerate(criteria) if c.id == "program.period"]
    if period:
        # Outside the program its own parameters have no value: undecided criteria do not apply.
        outside = (counts[:, period[0]] == 1) & (codes[:, period[0]] == 1)
        fill = outside[:, None] & (counts == 0)
        codes[fill] = 2
        counts[fill] = 1
    return codes, (counts == 1).all(axis=1)


def _support(ev: Evaluator, sub_rows: np.ndarray | slice, act: Activity, d: Definition, uplift: np.ndarray,
             versions: np.ndarray, params: list[dict[str, Any]]
             ) -> tuple[np.ndarray, np.ndarray, list[str], dict[bool, tuple[str, ...]], np.ndarray]:
    """Amounts as kcrules.decide.support computes them (same bounds, same order, floor to the đồng).

    Also gives the parameters support reads (without and with the higher
    ceiling) and the rows it can compute: a base given, every level in force,
    products well inside int64.
    """
    s = act.support
    n = len(uplift)
    base_col = ev.columns.get(cond.fact_key(s.base), Col(0, np.zeros(ev.n, dtype=bool)))
    base = np.broadcast_to(_take(base_col.values, sub_rows), (n,)).astype(np.int64)
    computable = base_col.present[sub_rows].copy()
    names: list[str] = []
    bounds: list[np.ndarray] = []
    if s.method == "share":
        assert s.share is not None
        share = _per_version(params, s.share, versions)
        computable &= _has(params, s.share, versions) & (base.astype(float) * share[0] < 2**62)
        bounds.append(_floor_mul(base, share))
        names.append("share")
    else:
        bounds.append(base)
        names.append("eligible_cost")
    if s.uplift and s.caps:
        # The "may be approved up to" line reads the maximum; a row without it is the row path's.
        computable &= ~uplift | _has(params, s.uplift, versions)
    for cap_id in s.caps:  # the normal ceilings: an approved higher level is decided row by row
        num, den = _per_version(params, cap_id, versions)
        computable &= _has(params, cap_id, versions)
        bounds.append(num // den)
        names.append(cap_id)
    if s.method == "share":
        bounds.append(base)
        names.append("eligible_cost")
    requested = ev.columns.get("project__amount_requested_vnd")
    if requested is not None:
        req = np.broadcast_to(_take(requested.values, sub_rows), (n,))
        bounds.append(np.where(requested.present[sub_rows], req, _NO_BOUND))
        names.append("requested")
    stacked = np.vstack([np.broadcast_to(b, (n,)) for b in bounds])
    index = np.argmin(stacked, axis=0)  # the first of equal bounds, as the row path takes it
    amount = stacked[index, np.arange(n)]
    share_id = (s.share,) if s.method == "share" and s.share else ()
    used = {False: share_id + tuple(s.caps), True: share_id + tuple(s.caps)}
    return amount, index, names, used, computable


def _has(params: list[dict[str, Any]], pid: str, versions: np.ndarray) -> np.ndarray:
    return np.array([pid in p for p in params], dtype=bool)[versions]


def _per_version(params: list[dict[str, Any]], pid: str, versions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A parameter's value per row as (numerator, denominator); a row without one cannot get here."""
    num = np.array([_fraction(p.get(pid)).numerator for p in params], dtype=np.int64)
    den = np.array([_fraction(p.get(pid)).denominator for p in params], dtype=np.int64)
    return num[versions], den[versions]


def _fraction(pv: Any) -> Fraction:
    return Fraction(pv.value) if pv is not None else Fraction(0)


def _floor_mul(amount: np.ndarray, factor: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    num, den = factor
    return (amount.astype(np.int64) * num) // den


# ---------------------------------------------------------------- rows decided one by one

def _one_by_one(parts: Parts, table: pa.Table, i: int, on: dt.date | None, out: _Out) -> None:
    row = _without_nulls(unflatten(table.slice(i, 1).to_pylist()[0]))
    try:
        decision = parts.one(row)
    except KcrulesError as err:
        out.error[i] = (type(err).__name__, str(err))
        return
    out.eligible[i] = decision.eligible
    out.activity[i] = out.activities.index(decision.activity)
    out.amount[i] = decision.support.amount_vnd
    out.bound[i] = out.name(decision.support.bound)
    out.score[i] = decision.priority.score
    out.rank[i] = decision.priority.rank_key
    out.failed[i] = out.add(out.failures, [r.criterion for r in decision.reasons
                                           if r.kind == "eligibility" and r.outcome == NOT_MET])
    out.warned[i] = out.add(out.warnings, [w.parameter for w in decision.warnings])
    for r in decision.reasons:
        out.set_outcome(r.criterion, i, OUTCOMES.index(r.outcome))


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: _without_nulls(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in kept.items() if v != {} or not isinstance(v, dict)}
    return value


# ---------------------------------------------------------------- the result table

def _result(table: pa.Table, out: _Out) -> pa.Table:
    n = table.num_rows
    ids = table.column("id") if "id" in table.column_names else pa.nulls(n, pa.string())
    failed = np.zeros(n, dtype=bool)
    failed[list(out.error)] = True
    errors = [out.error.get(i, (None, None)) for i in range(n)] if out.error else None
    columns: dict[str, Any] = {
        "row": pa.array(np.arange(n, dtype=np.int64)),
        "id": ids,
        "activity": _indexed(np.where(failed, -1, out.activity), pa.array(out.activities, pa.string())),
        "eligible": pa.array(out.eligible, mask=failed),
        "amount_vnd": pa.array(out.amount, mask=failed),
        "bound": _sorted_names(out.bound, out.names),
        "score": pa.array(out.score, mask=failed),
        "rank_key": _rank_keys(out.rank, failed),
        "failed": _listed(out.failed, out.failures),
        "warnings": _listed(out.warned, out.warnings),
        "error_kind": pa.array([e[0] for e in errors] if errors else pa.nulls(n), pa.string()),
        "error": pa.array([e[1] for e in errors] if errors else pa.nulls(n), pa.string()),
    }
    names = pa.array(OUTCOMES, pa.string())
    for cid, index in out.outcomes.items():
        columns[f"outcome/{cid}"] = _indexed(index, names)
    return pa.table(columns)


def _sorted_names(index: np.ndarray, names: list[str]) -> pa.DictionaryArray:
    """A dictionary column of names whose dictionary is sorted: activities decided side by side
    add names in whichever order they finish, and the same table must give the same result."""
    order = sorted(range(len(names)), key=names.__getitem__)
    position = np.empty(len(names) + 1, dtype=np.int64)
    position[order] = np.arange(len(names))
    position[-1] = -1  # index -1 (no name) stays null
    return _indexed(position[index], pa.array([names[i] for i in order], pa.string()))


def _rank_keys(rank: np.ndarray, missing: np.ndarray) -> pa.Array:
    """One list per row from the rows × tiers array (null where the row has no decision)."""
    n, tiers = rank.shape
    offsets = pa.array(np.arange(0, (n + 1) * tiers, tiers, dtype=np.int32) if tiers else np.zeros(n + 1, np.int32))
    lists = pa.ListArray.from_arrays(offsets, pa.array(np.ascontiguousarray(rank).reshape(-1)))
    return pa.array(lists.to_pylist(), pa.list_(pa.int64()), mask=missing) if missing.any() else lists


def _validity(present: np.ndarray) -> tuple[pa.Buffer | None, int]:
    """An Arrow validity bitmap and null count (no bitmap where nothing is null)."""
    nulls = len(present) - int(np.count_nonzero(present))
    return (pa.py_buffer(np.packbits(present, bitorder="little")) if nulls else None), nulls


def _indexed(index: np.ndarray, dictionary: pa.Array) -> pa.DictionaryArray:
    """A dictionary-encoded column, null where the index is -1 (int8 indices for an int8 index: the
    outcome columns, of three names; int32 otherwise). Built from its buffers: the indices are known
    to be in range, so Arrow need not check them again."""
    width = np.int8 if index.dtype == np.int8 else np.int32
    given = index >= 0
    bitmap, nulls = _validity(given)
    values = pa.py_buffer(np.maximum(index, 0, dtype=width) if nulls else index.astype(width, copy=False))
    indices = pa.Array.from_buffers(pa.from_numpy_dtype(width), len(index), [bitmap, values], null_count=nulls)
    return pa.DictionaryArray.from_arrays(indices, dictionary, safe=False)


def _listed(index: np.ndarray, items: list[list[str]]) -> pa.Array:
    """Per row, the list of texts stored once at its index (null where -1).

    The texts are dictionary-encoded: each row's list holds indices into the distinct texts,
    so a million rows of warnings are a million short lists of integers, not of strings.
    """
    texts = sorted({t for item in items for t in item})
    position = {t: i for i, t in enumerate(texts)}
    sizes = np.array([len(item) for item in items] + [0], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pool = np.array([position[t] for item in items for t in item], dtype=np.int32)
    row_sizes = sizes[index]  # -1 takes the empty list appended last
    offsets = np.zeros(len(index) + 1, dtype=np.int64)
    np.cumsum(row_sizes, out=offsets[1:])
    # Row r's texts are pool[starts[index[r]] : + sizes[index[r]]], laid end to end.
    at = np.repeat(starts[index] - offsets[:-1], row_sizes) + np.arange(offsets[-1])
    child = pa.DictionaryArray.from_arrays(pa.array(pool[at], pa.int32()), pa.array(texts, pa.string()), safe=False)
    bitmap, nulls = _validity(index >= 0)
    narrow = pa.array(offsets, pa.int32())  # refuses, rather than wraps, past 2**31 texts
    return pa.Array.from_buffers(pa.list_(child.type), len(index), [bitmap, narrow.buffers()[1]],
                                 null_count=nulls, children=[child])
