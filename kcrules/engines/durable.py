"""The durable-rules matcher: one ruleset per activity, each application asserted as a fact.

durable-rules traps, and what this module does about each:

- rulesets registered in module globals (``durable.lang``) cannot be replaced:
  we never import durable.lang; every compiled rulebook owns a private Host
  with uniquely named rulesets, so two rulebooks (or two versions of one) in
  one process cannot see each other;
- the Host starts timer threads that dispatch actions in the background: our
  Host subclass does not start them, all work happens in ``match``;
- fact identity is a 32-bit hash of the content: every fact carries a unique
  ``kc__id`` so two equal applications never collide;
- an event (``post``) is consumed by the first rule that fires, so the other
  criteria would never see it: the application is asserted as a fact, which
  every matching rule sees;
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
- sessions keep facts: each evaluation uses its own session id (sid) and
  deletes that session's state afterwards, which frees the fact with it (a
  retraction would run the engine once more: about a sixth of a match; memory
  stays flat without it, `benchmarks/run.py --durable-rss`);
- no locking: one lock per matcher serialises the engine calls, so concurrent
  evaluations from threads stay correct and independent;
- every rule that fires round-trips the session state and the fact through
  JSON in Python (durable.engine decodes and re-encodes them per action): our
  own dispatch reads only the fired rule's name (``_lean_dispatch``), and the
  fact sent holds only the keys the activity's rules read, by short names;
  the engine still writes the fact out for every rule that fires, and its
  matching and those writes are most of a durable decision's time
  (docs/performance.md).
"""

from __future__ import annotations

import importlib
import itertools
import json
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kcrules.engines import MET, NA, NOT_MET, Outcomes
from kcrules.errors import EngineUnavailableError
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.loader import Criterion

_DURABLE_FIX = (
    "CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject pip install --force-reinstall --no-cache-dir "
    "--no-binary durable-rules durable-rules==2.0.28"
)


def check_engine() -> None:
    """Fail early, with the command that fixes it, if durable-rules' C extension cannot load.

    durable-rules 2.0.28 is shipped as source; on Python 3.13 it only builds
    with a compiler flag (see README). The extension is tiny to import, unlike
    ``durable.engine``, which is imported only when a ruleset is compiled.
    """
    try:
        importlib.import_module("durable_rules_engine")
    except ImportError as err:
        raise EngineUnavailableError(str(err), _DURABLE_FIX) from None


def import_engine() -> Any:
    """Import durable-rules' engine, or fail with the one command that fixes it."""
    try:
        from durable import engine
    except ImportError as err:
        raise EngineUnavailableError(str(err), _DURABLE_FIX) from err
    # durable-rules 2.0.28 calls datetime.utcfromtimestamp() on every action,
    # deprecated since Python 3.12; the warning is about its code, not ours or
    # the caller's, so it is silenced for that one module only.
    warnings.filterwarnings("ignore", message=r"datetime\.datetime\.utcfromtimestamp", category=DeprecationWarning,
                            module=r"durable\.engine")
    return engine


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


def _fired(message: str) -> str:
    """The rule name of an action message ``{"NAME": {...}}`` (our names are plain ``c<i>_<tag>``)."""
    end = message.find('"', 2)
    if message.startswith('{"') and end > 2:
        return message[2:end]
    return next(iter(json.loads(message)))


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
        # The engine knows each fact key the rules read by a short name (k0, k1, …): durable-rules
        # parses the fact and writes it back out for every rule that fires, so its size is much of
        # the engine's time. Only those keys are sent; dropping a key no rule reads cannot change
        # a match.
        names: dict[str, str] = {}

        def name(key: str) -> str:
            return names.setdefault(key, f"k{len(names)}")

        rules: dict[str, Any] = {}
        for i, c in enumerate(criteria):
            holds = cond.to_durable(c.condition, name)
            fails = cond.to_durable(cond.negate(c.condition), name)
            if c.applies_when is not None:
                applies = cond.to_durable(c.applies_when, name)
                holds = {"$and": [applies, holds]}
                fails = {"$and": [applies, fails]}
                rules[f"c{i}_na"] = self._rule(cond.to_durable(cond.negate(c.applies_when), name), i, NA)
            rules[f"c{i}_met"] = self._rule(holds, i, MET)
            rules[f"c{i}_not"] = self._rule(fails, i, NOT_MET)
        self._host.register_rulesets({self.ruleset: rules})
        self._sessions = itertools.count()
        self.names = names  # fact key -> the engine's name for it
        flag = len(cond.PRESENT)
        self._values = tuple((k, n) for k, n in names.items() if not k.startswith(cond.PRESENT) and k != cond.TRUE)
        self._flags = tuple((k[flag:], n) for k, n in names.items() if k.startswith(cond.PRESENT))
        self._true = names.get(cond.TRUE)
        self._records = {f"c{i}_{tag}": (i, outcome) for i in range(len(criteria))
                         for tag, outcome in (("met", MET), ("not", NOT_MET), ("na", NA))}
        self._lean_dispatch()

    def _lean_dispatch(self) -> None:
        """Read which rules fired without durable-rules' per-action Python round trip.

        durable.engine runs each fired rule's action by decoding the session
        state and the matched fact from JSON, building a Closure, calling the
        action, and encoding the state back. Our actions only record which rule
        fired and never touch the state, so for this matcher's ruleset the
        dispatch loop is replaced by one that reads the rule name and asks the
        engine for the next action: the matching itself is still entirely
        durable-rules'. Only for the pinned durable-rules version this was
        written against (2.0.28); otherwise the engine's own dispatch runs.
        """
        import durable_rules_engine as native_engine

        try:
            from importlib.metadata import version

            pinned = version("durable-rules") == "2.0.28"
        except Exception:  # noqa: BLE001 (metadata missing: keep the engine's own dispatch)
            pinned = False
        ruleset = self._host.get_ruleset(self.ruleset)
        handle = getattr(ruleset, "_handle", None)
        if not pinned or handle is None or not hasattr(ruleset, "do_actions"):
            return
        sink, records = self._sink, self._records
        start, complete_and_start = native_engine.start_action_for_state, native_engine.complete_and_start_action

        def do_actions(state_handle: Any, complete: Callable[[Any, Any], None]) -> None:
            try:
                result = start(handle, state_handle)
                if not result:
                    complete(None, None)
                    return
                message = result[1]
                while message:
                    # A message is {"RULE": {...}}: the name is read in place, parsed only if unknown.
                    record = records.get(message[2:message.find('"', 2)])
                    sink.append(record if record is not None else records[_fired(message)])
                    message = complete_and_start(handle, state_handle)
                complete(None, {})
            except BaseException as error:  # noqa: BLE001 (reported as durable-rules reports it)
                complete(error, None)

        ruleset.do_actions = do_actions

    def _rule(self, expr: dict[str, Any], index: int, outcome: str) -> dict[str, Any]:
        sink = self._sink
        record = (index, outcome)

        def action(c: Any) -> None:
            sink.append(record)

        return {"all": [{"m": expr}], "run": action}

    def sent(self, fact: Mapping[str, Any]) -> dict[str, Any]:
        """What the engine is given for a fact: the values set of the keys its rules read and their
        presence flags, by the engine's names (a key whose value is None is not set)."""
        out = {n: v for k, n in self._values if (v := fact.get(k)) is not None}
        for k, n in self._flags:
            out[n] = fact.get(k) is not None
        if self._true is not None:
            out[self._true] = True
        return out

    def match(self, fact: Mapping[str, Any]) -> Outcomes:
        """Every criterion's outcomes on a fact: the flat fact, or any mapping of fact keys to values."""
        sent = self.sent(fact)
        with self._lock:
            sid = f"{self.ruleset}.{next(self._sessions)}"
            sent["sid"] = sent["kc__id"] = sid
            self._sink.clear()
            try:
                try:
                    state = self._host.assert_fact(self.ruleset, sent)
                except self._not_handled:
                    state = None
                if isinstance(state, dict) and state.get("exception"):
                    raise RuntimeError(f"durable-rules action failed: {state['exception']}")
                found = list(self._sink)
            finally:
                self._sink.clear()
                self._host.delete_state(self.ruleset, sid)  # the session's fact with it
        # A rule whose condition is an 'or' fires once per true branch: keep
        # each outcome once. Two different outcomes would be a contradiction.
        out: Outcomes = {cid: [] for cid in self.ids}
        for index, outcome in dict.fromkeys(found):
            out[self.ids[index]].append(outcome)
        return out
