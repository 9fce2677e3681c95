"""What a rule change does: one population of applications decided under two rulebooks.

``diff(old, new, applications)`` evaluates every application under both
rulebooks and returns a :class:`DiffReport`: the decisions that flip between
eligible and ineligible (with the criteria responsible), the change of support
per activity, the total budget impact, the applications one side refuses, and
the parameters and rules that differ between the two definitions.

A rulebook is given as a loaded Rulebook, a bundled id, a folder, ``ID@VERSION``
(the bundled rulebook, checked to have that content hash) or ``REV:PATH``, the
rulebook folder PATH as it was at git revision REV (its sibling rulebooks, which
``extends`` may name, are taken from the same revision).
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fractions import Fraction

from kcrules.errors import ApplicationError, EvaluationError, InputError, Said, shown
from kcrules.rulebook import Rulebook, load_rulebook
from kcrules.text import i18n
from kcrules.text.i18n import Catalogue

#: Examples of flips kept per direction (all are counted).
MAX_EXAMPLES = 20
#: The largest corpus file read (it is read whole).
MAX_CORPUS_BYTES = 256 << 20


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class Flip:
    """One application whose eligibility differs between the two rulebooks."""

    index: int  # position in the population, from 0
    application_id: str | None
    activity: str
    direction: str  # "to_ineligible" | "to_eligible"
    criteria: tuple[str, ...]  # failed under one rulebook only: what is responsible
    old_support_vnd: int
    new_support_vnd: int
    where: str = ""  # where it came from: "corpus.jsonl:135", "generated #3", or "#136" (1-based position)


@dataclass(frozen=True)
class ActivityDelta:
    """Support under both rulebooks for one activity's applications (whole đồng)."""

    activity: str
    evaluated: int
    eligible_old: int
    eligible_new: int
    increased: int
    decreased: int
    total_old_vnd: int
    total_new_vnd: int
    min_delta_vnd: int
    max_delta_vnd: int
    median_delta_vnd: int  # of the applications whose support changed (0 if none)

    @property
    def delta_vnd(self) -> int:
        return self.total_new_vnd - self.total_old_vnd


@dataclass(frozen=True)
class Change:
    """A definition that differs: a parameter, criterion, activity, derived fact, code table…"""

    kind: str
    id: str
    change: str  # added | removed | changed
    old: str = ""
    new: str = ""


@dataclass(frozen=True)
class Refused:
    """An application one rulebook (or both) cannot decide: invalid, or undecidable."""

    index: int  # position in the population, from 0
    application_id: str | None
    side: str  # old | new | both
    message: str  # English, as the JSON report gives it
    where: str = ""  # as Flip.where
    #: The message as a sentence, for the text report in either language (not in ``to_dict``).
    said: Said | None = field(default=None, compare=False, repr=False)

    def text(self, lang: str = "en") -> str:
        return self.said.text(lang) if self.said is not None else self.message


@dataclass(frozen=True)
class DiffReport:
    old: dict[str, Any]
    new: dict[str, Any]
    population: dict[str, Any]
    evaluated: int
    changed_decisions: int
    flip_counts: dict[str, int]
    flip_criteria: dict[str, int]
    flips: tuple[Flip, ...]
    activities: tuple[ActivityDelta, ...]
    budget: dict[str, int]
    parameters: tuple[Change, ...]
    rules: tuple[Change, ...]
    refused: tuple[Refused, ...]
    refused_counts: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """True when any decision differs, or an application is refused by one side only."""
        return bool(self.changed_decisions or self.refused_counts.get("old", 0) or
                    self.refused_counts.get("new", 0))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["changed"] = self.changed
        for refused in out["refused"]:
            del refused["said"]
        for act, obj in zip(out["activities"], self.activities):
            act["delta_vnd"] = obj.delta_vnd
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=list)

    def to_text(self, examples: int = 5, lang: str = "vi") -> str:
        """The report to read, in ``lang`` (vi or en); numbers and money in that locale's style."""
        return _text(self, examples, lang)


# ---------------------------------------------------------------- resolving rulebooks


def resolve(spec: Any, *, engine: str = "native") -> Any:
    """A Rulebook from a Rulebook, an id, a folder, ``ID@VERSION`` or ``REV:PATH`` (git)."""
    if isinstance(spec, Rulebook):
        return spec
    text = str(spec)
    path = Path(text)
    if path.exists():
        return load_rulebook(path, engine=engine)  # type: ignore[arg-type]
    if "@" in text and ":" not in text:
        rid, _, version = text.partition("@")
        rb = load_rulebook(rid, engine=engine)  # type: ignore[arg-type]
        if not version or not rb.version.startswith(version):
            raise InputError.of("diff:version", text=text, rid=rid, version=rb.version, given=repr(version))
        return rb
    if ":" in text:
        rev, _, rel = text.partition(":")
        return _from_git(rev, rel, engine)
    return load_rulebook(text, engine=engine)  # type: ignore[arg-type]


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise InputError.of("diff:no_git", detail=err) from None
    if done.returncode != 0:
        raise InputError.of("diff:git", args=" ".join(args), detail=done.stderr.decode(errors="replace").strip())
    return done.stdout


def _from_git(rev: str, rel: str, engine: str) -> Any:
    if not rev or not rel:
        raise InputError.of("diff:rev_path", rev=rev, rel=rel)
    cwd = Path.cwd()
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip())
    _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top)
    folder = (cwd / rel).resolve()
    try:
        inside = folder.relative_to(top.resolve())
    except ValueError:
        raise InputError.of("diff:outside", rel=rel, top=top) from None
    parent = inside.parent.as_posix() if inside.parent != Path(".") else "."
    data = _git(["archive", "--format=tar", rev, "--", parent], top)
    with tempfile.TemporaryDirectory(prefix="kcrules-diff-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            if hasattr(tarfile, "data_filter"):  # Python 3.11.4+: refuse links and paths outside tmp
                tar.extractall(tmp, filter="data")
            else:  # pragma: no cover
                tar.extractall(tmp)  # noqa: S202 - the archive comes from the user's own repository
        target = Path(tmp) / inside
        if not (target / "rulebook.toml").is_file():
            raise InputError.of("diff:no_rulebook", rev=rev, rel=rel)
        return load_rulebook(target, engine=engine)  # type: ignore[arg-type]


# ---------------------------------------------------------------- populations


def read_corpus(path: str | Path) -> Iterator[tuple[str, Any]]:
    """(label, application) for each line of a JSON Lines file (or each item of a JSON array).

    A line that is not JSON yields its error text instead of an application, so
    one bad line is reported, not fatal.
    """
    p = Path(path)
    try:
        with p.open("rb") as stream:
            raw = stream.read(MAX_CORPUS_BYTES + 1)
        text = raw.decode("utf-8")
    except OSError as err:
        from kcrules.errors import os_reason

        raise InputError.of("diff:unreadable", path=path, detail=os_reason(err)) from None
    except UnicodeDecodeError as err:
        raise InputError.of("diff:not_utf8", path=path, start=err.start) from None
    if len(raw) > MAX_CORPUS_BYTES:
        raise InputError.of("diff:too_large", path=path, mib=MAX_CORPUS_BYTES >> 20)
    if text.lstrip().startswith("["):
        # A whole-file JSON array; if it is not one, the lines are read one by one.
        try:
            items = json.loads(text)
        except (ValueError, RecursionError):
            items = None
        if isinstance(items, list):
            for i, item in enumerate(items, 1):
                yield f"{p.name}[{i}]", item
            return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield f"{p.name}:{n}", json.loads(line)
        except json.JSONDecodeError as err:
            yield f"{p.name}:{n}", _BadLine(Said("diff:bad_json", (("name", p.name), ("n", n), ("detail", err.msg))))
        except ValueError as err:  # e.g. a number of more than 4,300 digits
            yield f"{p.name}:{n}", _BadLine(Said("diff:unreadable_json",
                                                 (("name", p.name), ("n", n), ("detail", str(err)))))
        except RecursionError:
            yield f"{p.name}:{n}", _BadLine(Said("diff:deep_json", (("name", p.name), ("n", n))))


@dataclass(frozen=True)
class _BadLine:
    said: Said


# ---------------------------------------------------------------- the diff


def diff(old: Any, new: Any, applications: Iterable[Any], *, engine: str = "native",
         population: dict[str, Any] | None = None,
         on_progress: Callable[[int, int | None], None] | None = None) -> DiffReport:
    """Decide every application under both rulebooks and report what the change does.

    Each item of ``applications`` is an application, or a ``(label, application)`` pair naming
    where it came from (as :func:`read_corpus` yields them); reports name an application by its
    label, or by its position counted from 1. ``on_progress(0, None)`` is called when deciding
    starts and ``on_progress(done, None)`` after each application is decided under both (the
    total of an iterable is not known here); the library prints nothing.
    """
    rb_old, rb_new = resolve(old, engine=engine), resolve(new, engine=engine)
    flips: list[Flip] = []
    per_direction: Counter[str] = Counter()
    responsible: Counter[str] = Counter()
    refused: list[Refused] = []
    refused_counts: Counter[str] = Counter()
    acts: dict[str, list[tuple[int, int, bool, bool]]] = {}
    evaluated = changed = 0
    if on_progress is not None:
        on_progress(0, None)
    for index, where, app, d_old, d_new in _both(rb_old, rb_new, applications):
        if on_progress is not None:
            on_progress(index + 1, None)
        # As a message shows it: long ids cut, a lone surrogate as its escape (the report is UTF-8 text).
        app_id = str(shown(app["id"])) if isinstance(app, dict) and isinstance(app.get("id"), str) else None
        if isinstance(app, _BadLine):
            refused_counts["both"] += 1
            refused.append(Refused(index, None, "both", app.said.text(), where, app.said))
            continue
        if isinstance(d_old, Said) or isinstance(d_new, Said):
            side = "both" if (isinstance(d_old, Said) and isinstance(d_new, Said)) else (
                "old" if isinstance(d_old, Said) else "new")
            refused_counts[side] += 1
            if len(refused) < 1000:
                why = d_old if isinstance(d_old, Said) else d_new
                refused.append(Refused(index, app_id, side, why.text(), where, why))
            if side != "both":
                changed += 1
            continue
        evaluated += 1
        if d_old.eligible != d_new.eligible or d_old.amount != d_new.amount or d_old.failed != d_new.failed:
            changed += 1
        acts.setdefault(d_new.activity, []).append((d_old.amount, d_new.amount, d_old.eligible, d_new.eligible))
        if d_old.eligible != d_new.eligible:
            direction = "to_ineligible" if d_old.eligible else "to_eligible"
            crits = tuple(sorted(d_new.failed - d_old.failed if d_old.eligible else d_old.failed - d_new.failed))
            per_direction[direction] += 1
            responsible.update(crits)
            if sum(f.direction == direction for f in flips) < MAX_EXAMPLES:
                flips.append(Flip(index, app_id, d_new.activity, direction, crits, d_old.amount, d_new.amount,
                                  where))
    deltas = tuple(_activity_delta(a, rows) for a, rows in sorted(acts.items()))
    total_old = sum(a.total_old_vnd for a in deltas)
    total_new = sum(a.total_new_vnd for a in deltas)
    budget = {"total_old_vnd": total_old, "total_new_vnd": total_new, "delta_vnd": total_new - total_old}
    prog = rb_new.definition.program
    if prog is not None and prog.budget_param in rb_new.definition.params:
        values = rb_new.definition.params[prog.budget_param].values
        if values and isinstance(values[-1].value, int):
            budget["program_budget_vnd"] = values[-1].value
    return DiffReport(
        old=_info(rb_old), new=_info(rb_new), population=dict(population or {}), evaluated=evaluated,
        changed_decisions=changed,
        flip_counts={"to_ineligible": per_direction["to_ineligible"], "to_eligible": per_direction["to_eligible"]},
        flip_criteria=dict(responsible.most_common()), flips=tuple(flips), activities=deltas, budget=budget,
        parameters=tuple(_param_changes(rb_old.definition, rb_new.definition)),
        rules=tuple(_rule_changes(rb_old.definition, rb_new.definition)),
        refused=tuple(refused), refused_counts=dict(refused_counts),
    )


def _labelled(item: Any) -> bool:
    """Whether a population item is a (label, application) pair (JSON gives lists, never tuples)."""
    return isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What the diff compares of one decision."""

    activity: str
    eligible: bool
    amount: int
    failed: frozenset[str]


#: Applications decided together on the columnar path, when its extra is installed.
CHUNK = 20_000


def _both(rb_old: Any, rb_new: Any, applications: Iterable[Any]) -> Iterator[tuple[int, str, Any, Any, Any]]:
    """(index, where, application, outcome or refusal under old, under new), in input order.

    With pyarrow and numpy installed, applications are decided a chunk at a time on the
    columnar path (``Rulebook.evaluate_table``, equal to ``evaluate`` by its tests); a
    refusal's message is always the row path's own. Without them, or for a chunk Arrow cannot
    hold (values of different types in one field), one application at a time.
    """
    try:
        import pyarrow as pa  # noqa: F401  (the columnar path's extra)
    except ImportError:
        pa = None
    chunk: list[tuple[int, str, Any]] = []
    for index, item in enumerate(applications):
        where, app = item if _labelled(item) else (f"#{index + 1}", item)
        chunk.append((index, where, app))
        if len(chunk) >= CHUNK:
            yield from _decide_chunk(rb_old, rb_new, chunk, pa)
            chunk = []
    yield from _decide_chunk(rb_old, rb_new, chunk, pa)


def _decide_chunk(rb_old: Any, rb_new: Any, chunk: list[tuple[int, str, Any]],
                  pa: Any) -> Iterator[tuple[int, str, Any, Any, Any]]:
    apps = [app for _, _, app in chunk if isinstance(app, dict)]
    tables = _columnar(rb_old, rb_new, apps, pa) if pa is not None and len(apps) > 1 else None
    rows = iter(zip(*tables)) if tables else None
    for index, where, app in chunk:
        if isinstance(app, _BadLine):
            yield index, where, app, None, None
        elif rows is not None and isinstance(app, dict):
            old, new = next(rows)
            yield index, where, app, _read_row(rb_old, app, old), _read_row(rb_new, app, new)
        else:
            yield index, where, app, _decide(rb_old, app), _decide(rb_new, app)


def _columnar(rb_old: Any, rb_new: Any, apps: list[dict[str, Any]], pa: Any) -> tuple[list[Any], list[Any]] | None:
    try:
        table = pa.Table.from_struct_array(pa.array(apps))
    except (pa.ArrowException, ValueError, TypeError, OverflowError):
        return None  # Arrow cannot hold this chunk: the row path decides it
    keep = ["activity", "eligible", "amount_vnd", "failed", "error"]
    try:
        return (rb_old.evaluate_table(table).select(keep).to_pylist(),
                rb_new.evaluate_table(table).select(keep).to_pylist())
    except InputError:
        return None  # a column that is no field: the row path names it, application by application


def _read_row(rb: Any, app: Any, row: dict[str, Any]) -> Any:
    if row["error"] is not None:
        return _decide(rb, app)  # the refusal's message as the row path words it
    return _Outcome(row["activity"], row["eligible"], row["amount_vnd"], frozenset(row["failed"]))


def _decide(rb: Any, app: Any) -> Any:
    """The outcome of one application, or the message saying why it was refused."""
    try:
        d = rb.evaluate(app, explain=False)
    except ApplicationError as err:
        more = len(err.problems) - 1
        return Said("diff:invalid_more" if more else "diff:invalid",
                    (("rulebook", rb.id), ("problem", err.problems[0]), ("n", more)))
    except EvaluationError as err:
        return Said("diff:undecidable", (("rulebook", rb.id), ("error", err)))
    return _Outcome(d.activity, d.eligible, d.support.amount_vnd, frozenset(r.criterion for r in d.failed))


def _info(rb: Any) -> dict[str, Any]:
    return {"id": rb.id, "version": rb.version, "chain": list(rb.chain), "folder": str(rb.definition.folder)}


def _activity_delta(activity: str, rows: list[tuple[int, int, bool, bool]]) -> ActivityDelta:
    deltas = [new - old for old, new, _, _ in rows]
    moved = sorted(d for d in deltas if d)
    return ActivityDelta(
        activity=activity, evaluated=len(rows), eligible_old=sum(r[2] for r in rows),
        eligible_new=sum(r[3] for r in rows), increased=sum(d > 0 for d in deltas),
        decreased=sum(d < 0 for d in deltas), total_old_vnd=sum(r[0] for r in rows),
        total_new_vnd=sum(r[1] for r in rows), min_delta_vnd=min(deltas, default=0),
        max_delta_vnd=max(deltas, default=0), median_delta_vnd=moved[len(moved) // 2] if moved else 0,
    )


# ---------------------------------------------------------------- what differs in the definitions


def _periods(p: Any) -> str:
    parts = []
    for v in p.values:
        until = v.until.isoformat() if v.until else "…"
        value = f"{v.value:,}" if p.unit == "vnd" and isinstance(v.value, int) else v.raw
        parts.append(f"[{v.start.isoformat()}, {until}) {value} {v.provenance} ({v.cite.text()})")
    return f"{p.unit}: " + "; ".join(parts)


def _param_changes(a: Any, b: Any) -> Iterator[Change]:
    for pid in sorted(set(a.params) | set(b.params)):
        pa, pb = a.params.get(pid), b.params.get(pid)
        if pa is None:
            yield Change("parameter", pid, "added", "", _periods(pb))
        elif pb is None:
            yield Change("parameter", pid, "removed", _periods(pa), "")
        elif _periods(pa) != _periods(pb):
            yield Change("parameter", pid, "changed", _periods(pa), _periods(pb))


def _criterion_text(c: Any) -> str:
    parts = [f"{c.kind}: {c.condition_text}"]
    if c.applies_text:
        parts.append(f"applies when {c.applies_text}")
    if c.tier:
        parts.append(f"tier {c.tier} #{c.order}")
    if c.assumption:
        parts.append(f"assumption: {c.assumption['en']}")
    parts.append(f"({c.cite.text()})")
    return "; ".join(parts)


def _activity_text(act: Any) -> str:
    s = act.support
    support = f"{s.method} of {s.base}" + (f" × {s.share}" if s.share else "") + \
        (f", caps {', '.join(s.caps)}" if s.caps else "") + (f", priority × {s.uplift}" if s.uplift else "")
    return (f"applicants {', '.join(act.applicants)}; criteria {', '.join(act.criteria)}; "
            f"requires {', '.join(_requirement_text(r) for r in act.requirements) or '—'}; support {support}")


def _requirement_text(r: Any) -> str:
    return r.field if r.when is None else f"{r.field} when {r.when_text}"


def _code_text(tbl: Any) -> str:
    return "; ".join(f"{k} {json.dumps(v.attrs, sort_keys=True, ensure_ascii=False)}"
                     for k, v in sorted(tbl.values.items()))


def _rule_changes(a: Any, b: Any) -> Iterator[Change]:
    tables: list[tuple[str, dict[str, Any], dict[str, Any], Any]] = [
        ("criterion", a.criteria, b.criteria, _criterion_text),
        ("activity", a.activities, b.activities, _activity_text),
        ("derived", a.derived, b.derived, lambda d: f"{d.type} = {d.text}"),
        ("code table", a.codes, b.codes, _code_text),
    ]
    for kind, old, new, show in tables:
        for key in sorted(set(old) | set(new)):
            x, y = old.get(key), new.get(key)
            if x is None:
                yield Change(kind, key, "added", "", show(y))
            elif y is None:
                yield Change(kind, key, "removed", show(x), "")
            elif show(x) != show(y):
                yield Change(kind, key, "changed", show(x), show(y))
    tiers_a = "; ".join(f"{t.id} {t.mode}{' uplift' if t.uplift else ''}" for t in a.tiers)
    tiers_b = "; ".join(f"{t.id} {t.mode}{' uplift' if t.uplift else ''}" for t in b.tiers)
    if tiers_a != tiers_b:
        yield Change("priority order", "tiers", "changed", tiers_a, tiers_b)
    prog_a = f"[{a.program.start}, {a.program.until}) budget {a.program.budget_param}" if a.program else ""
    prog_b = f"[{b.program.start}, {b.program.until}) budget {b.program.budget_param}" if b.program else ""
    if prog_a != prog_b:
        yield Change("program", "period", "changed", prog_a, prog_b)


# ---------------------------------------------------------------- the text report


#: The report's words (the JSON report is data, in neither language).
WORDS = Catalogue("diff", {
    "version": {"vi": "{text}: bộ quy tắc {rid} ở đây có phiên bản {version}, không phải {given}; để so với một "
                      "phiên bản cũ hơn, hãy viết REV:PATH (một phiên bản git)",
                "en": "{text}: rulebook {rid} here has version {version}, not {given}; to compare with an older "
                      "version, give REV:PATH (a git revision)"},
    "no_git": {"vi": "không chạy được git: {detail}", "en": "cannot run git: {detail}"},
    "git": {"vi": "git {args}: {detail}", "en": "git {args}: {detail}"},
    "rev_path": {"vi": "{rev}:{rel}: hãy viết một phiên bản git và một thư mục bộ quy tắc, ví dụ "
                       "HEAD~1:rules/hanoi-2016-2020",
                 "en": "{rev}:{rel}: give a git revision and a rulebook folder, e.g. HEAD~1:rules/hanoi-2016-2020"},
    "outside": {"vi": "{rel}: không nằm trong kho git {top}", "en": "{rel}: not inside the git repository {top}"},
    "no_rulebook": {"vi": "{rev}:{rel}: ở phiên bản đó không có rulebook.toml tại đây",
                    "en": "{rev}:{rel}: no rulebook.toml there at that revision"},
    "unreadable": {"vi": "{path}: không đọc được tệp hồ sơ ({detail})",
                   "en": "{path}: cannot read the corpus ({detail})"},
    "not_utf8": {"vi": "{path}: không đọc được tệp hồ sơ (không phải văn bản UTF-8, byte {start})",
                 "en": "{path}: cannot read the corpus (not UTF-8 text, byte {start})"},
    "too_large": {"vi": "{path}: lớn hơn {mib} MiB, lớn hơn mọi tệp hồ sơ được đọc cả một lần; hãy chia nhỏ, hoặc "
                        "kiểm tra đó có đúng là tệp cần dùng",
                  "en": "{path}: larger than {mib} MiB, more than a corpus is read whole; split it, or check that "
                        "it is the right file"},
    "bad_json": {"vi": "{name} dòng {n}: không phải JSON hợp lệ ({detail})",
                 "en": "{name} line {n}: not valid JSON ({detail})"},
    "unreadable_json": {"vi": "{name} dòng {n}: không đọc được JSON ({detail})",
                        "en": "{name} line {n}: not readable JSON ({detail})"},
    "deep_json": {"vi": "{name} dòng {n}: JSON lồng quá sâu", "en": "{name} line {n}: JSON nested too deeply"},
    "invalid": {"vi": "không hợp lệ theo {rulebook}: {problem}", "en": "invalid for {rulebook}: {problem}"},
    "invalid_more": {"vi": "không hợp lệ theo {rulebook}: {problem} (và {n} lỗi khác)",
                     "en": "invalid for {rulebook}: {problem} (and {n} more)"},
    "undecidable": {"vi": "không xét được theo {rulebook}: {error}", "en": "undecidable under {rulebook}: {error}"},
    "not_whole": {"vi": "không phải số nguyên: {given}", "en": "not a whole number: {given}"},
    "out_of_range": {"vi": "phải từ 0 đến 1.000.000, không phải {given}",
                     "en": "must be between 0 and 1,000,000, not {given}"},
    "unknown_activity": {"vi": "không có nội dung hỗ trợ này", "en": "unknown activity"},
    # the text report
    "title": {"vi": "kcrules diff  CŨ {old} ({old_version})  →  MỚI {new} ({new_version})",
              "en": "kcrules diff  OLD {old} ({old_version})  →  NEW {new} ({new_version})"},
    "corpus": {"vi": "tệp hồ sơ {files} ({n})", "en": "corpus {files} ({n})"},
    "generated": {"vi": "{n} hồ sơ sinh ra (hạt giống {seed})", "en": "{n} generated (seed {seed})"},
    "given": {"vi": "các hồ sơ được đưa vào", "en": "given applications"},
    "population": {"vi": "Tập hồ sơ: {source}; xét theo cả hai: {evaluated}; kết quả thay đổi: {changed}",
                   "en": "Population: {source}; decided under both: {evaluated}; decisions changed: {changed}"},
    "flips": {"vi": "Đổi kết quả đủ điều kiện", "en": "Eligibility flips"},
    "to_ineligible": {"vi": "đủ điều kiện → không đủ điều kiện", "en": "eligible → ineligible"},
    "to_eligible": {"vi": "không đủ điều kiện → đủ điều kiện", "en": "ineligible → eligible"},
    "responsible": {"vi": "tiêu chí gây ra:", "en": "criteria responsible:"},
    "examples": {"vi": "ví dụ, {title}:", "en": "examples, {title}:"},
    "no_id": {"vi": "(không có mã)", "en": "(no id)"},
    "support": {"vi": "Mức hỗ trợ theo nội dung (đồng)", "en": "Support per activity (whole đồng)"},
    "col_activity": {"vi": "nội dung", "en": "activity"},
    "col_apps": {"vi": "hồ sơ", "en": "apps"},
    "col_eligible": {"vi": "đủ ĐK cũ→mới", "en": "elig old→new"},
    "col_up": {"vi": "tăng", "en": "up"},
    "col_down": {"vi": "giảm", "en": "down"},
    "col_total": {"vi": "tổng chênh lệch", "en": "total delta"},
    "col_min": {"vi": "chênh lệch nhỏ nhất", "en": "min delta"},
    "col_median": {"vi": "trung vị", "en": "median"},
    "col_max": {"vi": "chênh lệch lớn nhất", "en": "max delta"},
    "budget": {"vi": "Tác động ngân sách", "en": "Budget impact"},
    "total": {"vi": "tổng mức hỗ trợ: {old} → {new} ({delta})", "en": "total support: {old} → {new} ({delta})"},
    "share": {"vi": "thay đổi bằng {share} ngân sách Chương trình {budget} (cho tập hồ sơ này, không phải dự báo)",
              "en": "the change is {share} of the program budget {budget} (for this population, not a forecast)"},
    "refused": {"vi": "Hồ sơ không xét được ({counts})", "en": "Refused applications ({counts})"},
    "side_old": {"vi": "cũ", "en": "old"},
    "side_new": {"vi": "mới", "en": "new"},
    "side_both": {"vi": "cả hai", "en": "both"},
    "definitions": {"vi": "Quy định khác nhau", "en": "Definitions that differ"},
    "none": {"vi": "không có", "en": "none"},
    "kind_parameter": {"vi": "tham số", "en": "parameter"},
    "kind_criterion": {"vi": "tiêu chí", "en": "criterion"},
    "kind_activity": {"vi": "nội dung hỗ trợ", "en": "activity"},
    "kind_derived": {"vi": "thông tin suy ra", "en": "derived"},
    "kind_code table": {"vi": "bảng mã", "en": "code table"},
    "kind_priority order": {"vi": "thứ tự ưu tiên", "en": "priority order"},
    "kind_program": {"vi": "Chương trình", "en": "program"},
    "change_added": {"vi": "thêm mới", "en": "added"},
    "change_removed": {"vi": "bỏ đi", "en": "removed"},
    "change_changed": {"vi": "thay đổi", "en": "changed"},
    "changed": {"vi": "Kết quả: có kết quả xét thay đổi", "en": "Result: decisions changed"},
    "unchanged": {"vi": "Kết quả: không kết quả xét nào thay đổi", "en": "Result: no decision changed"},
})


def _text(r: DiffReport, examples: int, lang: str) -> str:
    out: list[str] = []
    w = out.append

    def say(key: str, **values: Any) -> str:
        return WORDS(key, lang, **values)

    def vnd(n: int, sign: bool = False) -> str:
        return ("+" if sign and n >= 0 else "") + i18n.money(n, lang)

    def num(n: int) -> str:
        return i18n.number(n, lang)

    w(say("title", old=r.old["id"], old_version=r.old["version"], new=r.new["id"], new_version=r.new["version"]))
    pop = r.population
    source = ", ".join(filter(None, [
        say("corpus", files=", ".join(pop["corpus"]), n=num(pop.get("corpus_count", 0))) if pop.get("corpus") else "",
        say("generated", n=num(pop["generated"]), seed=pop.get("seed", 0)) if pop.get("generated") else "",
    ])) or say("given")
    w(say("population", source=source, evaluated=num(r.evaluated), changed=num(r.changed_decisions)))
    w("")
    w(say("flips"))
    w(f"  {say('to_ineligible')}: {num(r.flip_counts['to_ineligible'])}")
    w(f"  {say('to_eligible')}: {num(r.flip_counts['to_eligible'])}")
    if r.flip_criteria:
        w(f"  {say('responsible')}")
        for crit, n in r.flip_criteria.items():
            w(f"    {num(n):>6}  {crit}")
    for direction in ("to_ineligible", "to_eligible"):
        listed = [f for f in r.flips if f.direction == direction][:examples]
        if listed:
            w(f"  {say('examples', title=say(direction))}")
            for f in listed:
                w(f"    {f.where} {f.application_id or say('no_id')} {f.activity}: {', '.join(f.criteria) or '—'}"
                  f"  ({vnd(f.old_support_vnd)} → {vnd(f.new_support_vnd)})")
    w("")
    w(say("support"))
    if r.activities:
        w(f"  {say('col_activity'):<26}{say('col_apps'):>6}{say('col_eligible'):>15}{say('col_up'):>6}"
          f"{say('col_down'):>6}{say('col_total'):>22}{say('col_min'):>22}{say('col_median'):>22}"
          f"{say('col_max'):>22}")
        for a in r.activities:
            w(f"  {a.activity:<26}{num(a.evaluated):>6}{f'{num(a.eligible_old)}→{num(a.eligible_new)}':>15}"
              f"{num(a.increased):>6}{num(a.decreased):>6}{vnd(a.delta_vnd, True):>22}"
              f"{vnd(a.min_delta_vnd, True):>22}{vnd(a.median_delta_vnd, True):>22}{vnd(a.max_delta_vnd, True):>22}")
    b = r.budget
    w("")
    w(say("budget"))
    w(f"  {say('total', old=vnd(b['total_old_vnd']), new=vnd(b['total_new_vnd']), delta=vnd(b['delta_vnd'], True))}")
    if b.get("program_budget_vnd"):
        # To the thousandth of a percent, signed: the babel percent of the rounded share.
        share = Fraction(round(Fraction(b["delta_vnd"], b["program_budget_vnd"]) * 100_000), 100_000)
        text = ("+" if share >= 0 else "-") + i18n.percent(abs(share), lang)
        w(f"  {say('share', share=text, budget=vnd(b['program_budget_vnd']))}")
    if r.refused:
        w("")
        counts = ", ".join(f"{say('side_' + k)}: {num(v)}" for k, v in sorted(r.refused_counts.items()))
        w(say("refused", counts=counts))
        for x in r.refused[:examples]:
            w(f"  {x.where} {x.application_id or ''} [{say('side_' + x.side)}] {x.text(lang)}")
    w("")
    w(say("definitions"))
    if not r.parameters and not r.rules:
        w(f"  {say('none')}")
    for c in r.parameters + r.rules:
        w(f"  {say('kind_' + c.kind)} {c.id}: {say('change_' + c.change)}")
        if c.old:
            w(f"    - {c.old}")
        if c.new:
            w(f"    + {c.new}")
    w("")
    w(say("changed" if r.changed else "unchanged"))
    return "\n".join(out) + "\n"
