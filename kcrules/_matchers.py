"""Matching criteria against a fact: on durable-rules, or natively in Python.

Both matchers take one activity's criteria and return, for a flat fact, the
outcome of every criterion: met, not_met or not_applicable. Each criterion is
three rules: applies and holds (met), applies and fails (not met), does not
apply (not applicable). Conditions are in negation normal form where a
comparison on a missing fact is false both ways, so a criterion whose facts are
missing gets no outcome at all and is reported as undecidable.

durable-rules traps, and what this module does about each:

- rulesets registered in module globals (``durable.lang``) cannot be replaced:
  we never import durable.lang; every compiled rulebook owns a private Host
  with uniquely named rulesets, so two rulebooks (or two versions of one) in
  one process cannot see each other;
- the Host starts timer threads that dispatch actions in the background: our
  Host subclass does not start them, all work happens in ``match``;
- fact identity is a 32-bit hash of the content: every fact carries a unique
  ``kc__id`` so two equal applications never collide;
- a fact no rule matches raises MessageNotHandledException: caught, and the
  missing outcomes are reported by the caller;
- a rule whose condition is an ``or`` fires once per true branch: outcomes
  are de-duplicated;
- ``$nex`` (not exists) inside an ``or`` loops forever: presence is tested on
  flags the fact carries (``kc__set__KEY``), never with ``$ex``/``$nex``;
- errors inside actions are swallowed into the state's ``exception``: our
  actions only append to a list, and the state is checked after each fact;
- only plain JSON goes in: facts hold ints, bools and strings (dates as day
  ordinals, no Decimal or date objects);
- sessions keep facts: each evaluation uses its own session id (sid), retracts
  its fact and deletes the session state;
- no locking: one lock per matcher serialises the engine calls, so concurrent
  evaluations from threads stay correct and independent.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from typing import Any

from . import _conditions as cond
from ._loader import Criterion
from .errors import EngineUnavailableError

MET, NOT_MET, NA = "met", "not_met", "not_applicable"
Outcomes = dict[str, list[str]]

_DURABLE_FIX = (
    "CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject pip install --force-reinstall --no-cache-dir "
    "--no-binary durable-rules durable-rules==2.0.28"
)


def import_engine() -> Any:
    """Import durable-rules' engine, or fail with the one command that fixes it."""
    try:
        from durable import engine
    except ImportError as err:
        raise EngineUnavailableError(str(err), _DURABLE_FIX) from err
    return engine


class NativeMatcher:
    """Evaluates the compiled conditions as Python closures."""

    name = "native"

    def __init__(self, activity: str, criteria: Sequence[Criterion]) -> None:
        self.activity = activity
        self.rules: list[tuple[str, Callable[[Any], bool], Callable[[Any], bool],
                               Callable[[Any], bool] | None, Callable[[Any], bool] | None]] = []
        for c in criteria:
            applies = cond.compile_python(c.applies_when) if c.applies_when is not None else None
            not_applies = cond.compile_python(cond.negate(c.applies_when)) if c.applies_when is not None else None
            self.rules.append((c.id, cond.compile_python(c.condition),
                               cond.compile_python(cond.negate(c.condition)), applies, not_applies))

    def match(self, fact: dict[str, Any]) -> Outcomes:
        out: Outcomes = {}
        for cid, holds, fails, applies, not_applies in self.rules:
            got: list[str] = []
            if applies is None or applies(fact):
                if holds(fact):
                    got.append(MET)
                if fails(fact):
                    got.append(NOT_MET)
            if not_applies is not None and not_applies(fact):
                got.append(NA)
            out[cid] = got
        return out


class _QuietHost:
    """Builds a durable-rules Host that starts no background dispatch threads."""

    _cls: Any = None

    @classmethod
    def make(cls) -> Any:
        if cls._cls is None:
            engine = import_engine()

            class Host(engine.Host):  # type: ignore[misc, name-defined]
                def _run(self) -> None:  # no timer threads: we drive every action ourselves
                    pass

            cls._cls = Host
        return cls._cls()


_names = itertools.count()


class DurableMatcher:
    """Compiles criteria into one durable-rules ruleset and asserts each fact into it."""

    name = "durable"

    def __init__(self, activity: str, criteria: Sequence[Criterion], tag: str) -> None:
        engine = import_engine()
        self._not_handled = engine.MessageNotHandledException
        self.activity = activity
        self.ids = [c.id for c in criteria]
        self._sink: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        self._host = _QuietHost.make()
        self.ruleset = f"kc_{tag}_{next(_names)}"
        rules: dict[str, Any] = {}
        for i, c in enumerate(criteria):
            holds = cond.to_durable(c.condition)
            fails = cond.to_durable(cond.negate(c.condition))
            if c.applies_when is not None:
                applies = cond.to_durable(c.applies_when)
                holds = {"$and": [applies, holds]}
                fails = {"$and": [applies, fails]}
                rules[f"c{i}_na"] = self._rule(cond.to_durable(cond.negate(c.applies_when)), i, NA)
            rules[f"c{i}_met"] = self._rule(holds, i, MET)
            rules[f"c{i}_not"] = self._rule(fails, i, NOT_MET)
        self._host.register_rulesets({self.ruleset: rules})
        self._sessions = itertools.count()

    def _rule(self, expr: dict[str, Any], index: int, outcome: str) -> dict[str, Any]:
        sink = self._sink
        record = (index, outcome)

        def action(c: Any) -> None:
            sink.append(record)

        return {"all": [{"m": expr}], "run": action}

    def match(self, fact: dict[str, Any]) -> Outcomes:
        with self._lock:
            sid = f"{self.ruleset}.{next(self._sessions)}"
            fact = dict(fact, sid=sid, kc__id=sid)
            self._sink.clear()
            try:
                try:
                    state = self._host.assert_fact(self.ruleset, fact)
                except self._not_handled:
                    state = None
                if isinstance(state, dict) and state.get("exception"):
                    raise RuntimeError(f"durable-rules action failed: {state['exception']}")
                found = list(self._sink)
            finally:
                self._sink.clear()
                try:
                    self._host.retract_fact(self.ruleset, fact)
                except self._not_handled:
                    pass
                self._host.delete_state(self.ruleset, sid)
        # A rule whose condition is an 'or' fires once per true branch: keep
        # each outcome once. Two different outcomes would be a contradiction.
        out: Outcomes = {cid: [] for cid in self.ids}
        for index, outcome in dict.fromkeys(found):
            out[self.ids[index]].append(outcome)
        return out
