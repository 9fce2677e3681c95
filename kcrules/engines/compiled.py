"""The compiled matcher: one generated function per activity over the Application itself.

Where the native matcher reads a flat fact built for every application (about
a hundred keys), the function generated here reads only what the activity's
criteria read, straight from the validated
:class:`~kcrules.models.Application`'s attributes: its fields (dates as day
ordinals), the attributes of its codes, the parameters of its law date and the
derived facts it needs. It returns one outcome code per criterion and the values
it read, which are all a decision needs.

The source is generated from the parsed, checked conditions (never from rule
text) with the same rule as the other engines: a comparison reading a missing
value is false both ways. A fact key is present in the flat fact exactly when
its value is not None, so ``is set`` becomes ``is not None``. A criterion
without exactly one outcome gets :data:`UNDECIDED`; the caller then decides
that application on the flat fact, where the reason is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from kcrules.engines import MET, NA, NOT_MET
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS
from kcrules.rulefiles.loader import Criterion, Definition

#: Outcome codes, by position in :data:`OUTCOMES`; UNDECIDED: no single outcome.
CODE_MET, CODE_NOT_MET, CODE_NA, UNDECIDED = 0, 1, 2, -1
OUTCOMES = (MET, NOT_MET, NA)
CODES = {MET: CODE_MET, NOT_MET: CODE_NOT_MET, NA: CODE_NA}

#: (application, the parameters' fact items of the law date) -> (outcome codes, values read).
CompiledFn = Callable[[Any, dict[str, Any]], tuple[tuple[int, ...], tuple[Any, ...]]]


def _arith(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    return a + b if op == "+" else a - b if op == "-" else a * b


def _call(impl: Callable[..., Any], *args: Any) -> Any:
    if None in args:
        return None
    try:
        return impl(*args)
    except (ValueError, OverflowError):  # a date past the calendar's end: no value (as compile_value)
        return None


class CompiledMatcher:
    """Outcome codes of an activity's criteria, from one generated function over an Application.

    ``keys`` are the fact keys whose values the function returns (in that
    order): every key a criterion reads, then ``shown`` (what reasons show).
    """

    name = "compiled"

    def __init__(self, definition: Definition, activity: str, criteria: Sequence[Criterion],
                 shown: Iterable[str] = ()) -> None:
        self.activity = activity
        self.ids = tuple(c.id for c in criteria)
        gen = _Gen(definition)
        body: list[str] = []
        # A condition and its negation are read in three-valued logic: "holds" is true when the
        # condition is met, "fails" when it is not, neither when a value it reads is missing. The two
        # cannot both be true (each comparison and its negation read the same values), so "fails" is
        # read only where "holds" is not, and "does not apply" only where "applies" is not.
        for i, c in enumerate(criteria):
            decided = f"0 if {gen.expr(cond.nnf(c.condition))} else (1 if {gen.expr(cond.negate(c.condition))} else -1)"
            if c.applies_when is None:
                body.append(f"    o{i} = {decided}")
            else:
                body += [f"    if {gen.expr(cond.nnf(c.applies_when))}:", f"        o{i} = {decided}",
                         f"    else:", f"        o{i} = 2 if {gen.expr(cond.negate(c.applies_when))} else -1"]
        for key in shown:
            gen.local(key)
        self.keys = tuple(gen.locals)
        codes = ", ".join(f"o{i}" for i in range(len(criteria)))
        values = ", ".join(gen.locals.values())
        self.source = "\n".join(["def match(app, P):", *gen.loads(), *body,
                                 f"    return ({codes},), ({values},)", ""])
        namespace: dict[str, Any] = {"_arith": _arith, "_call": _call, **gen.constants}
        exec(compile(self.source, f"<kcrules compiled matcher {activity}>", "exec"), namespace)  # noqa: S102
        self.match: CompiledFn = namespace["match"]


class _Gen:
    """Conditions and values as Python expressions over locals loaded from the Application."""

    def __init__(self, definition: Definition) -> None:
        self._d = definition
        self.locals: dict[str, str] = {}     # fact key -> local name, in load order
        self.constants: dict[str, Any] = {}  # constant name -> value (code sets, attribute tables, functions)
        self._lines: dict[str, list[str]] = {}
        self._objects: dict[str, str] = {}   # application part -> local name
        self._head: list[str] = []
        self._within: int | None = None     # while writing a derived fact: its place in definition order
        self._temps = 0

    def loads(self) -> list[str]:
        return self._head + [line for key in self.locals for line in self._lines[key]]

    def constant(self, value: Any) -> str:
        name = f"K{len(self.constants)}"
        self.constants[name] = value
        return name

    def _part(self, head: str) -> str:
        """A local holding app.<head> (applicant: with the establishment's default, as the fact builder)."""
        name = self._objects.get(head)
        if name is None:
            if not head.isidentifier():
                raise ValueError(f"not a field name: {head!r}")
            name = self._objects[head] = f"p_{head}"
            self._head.append(f"    {name} = app.{head}")
        return name

    def local(self, key: str) -> str:
        """The local holding fact key ``key`` (its loading line generated once)."""
        name = self.locals.get(key)
        if name is not None:
            return name
        lines = self._load(key)  # may load other keys first (code fields, derived inputs)
        name = self.locals[key] = f"v{len(self.locals)}"
        self._lines[key] = [line.replace("{v}", name) for line in lines]
        return name

    def _load(self, key: str) -> list[str]:
        path = key.replace("__", ".")
        if path.startswith("params."):
            return [f"    {{v}} = P.get({key!r})"]
        if path.startswith("derived."):
            return self._derived(path[8:])
        if path in ("applicant.kind", "applicant.district"):
            leaf = path[10:]
            ap, est = self._part("applicant"), self._part("establishment")
            default = "'establishment'" if leaf == "kind" else f"{est}.district"
            return [f"    {{v}} = {ap}.{leaf} if {ap} is not None else ({default} if {est} is not None else None)"]
        if path in APPLICATION_FIELDS:
            kind = APPLICATION_FIELDS[path][0]
            head, _, leaf = path.partition(".")
            if not leaf:
                value = f"app.{head}"
            else:
                if not leaf.isidentifier():
                    raise ValueError(f"not a field name: {leaf!r}")
                part = self._part(head)
                value = f"({part}.{leaf} if {part} is not None else None)"
            if kind == "date":
                return [f"    {{v}} = {value}", "    if {v} is not None: {v} = {v}.toordinal()"]
            return [f"    {{v}} = {value}"]
        base, _, attr = path.rpartition(".")
        table = self._d.codes.get(CODE_FIELDS.get(base, ""))
        if table is not None and attr in table.attributes:
            values = {code: v.attrs[attr] for code, v in table.values.items() if v.attrs.get(attr) is not None}
            return [f"    {{v}} = {self.constant(values)}.get({self.local(cond.fact_key(base))})"]
        return ["    {v} = None"]  # a name the fact never holds

    def _derived(self, did: str) -> list[str]:
        der = self._d.derived.get(did)
        if der is None:
            return ["    {v} = None"]
        # The fact builder computes derived facts in definition order: one reading a later one reads None.
        outer, self._within = self._within, list(self._d.derived).index(did)
        try:
            return [f"    {{v}} = {self.value(der.expr)}"]
        finally:
            self._within = outer

    def value(self, e: Any) -> str:
        """A value expression (None when a value it reads is missing)."""
        if isinstance(e, cond.Lit):
            return repr(e.value) if type(e.value) in (int, bool, str) or e.value is None else self.constant(e.value)
        if isinstance(e, cond.Ref):
            if e.path.startswith("derived.") and self._within is not None and \
                    (e.path[8:] not in self._d.derived or list(self._d.derived).index(e.path[8:]) >= self._within):
                return "None"
            return self.local(cond.fact_key(e.path))
        if isinstance(e, cond.Arith):
            if e.op not in ("+", "-", "*"):
                raise ValueError(f"not an operator: {e.op!r}")
            return f"_arith({e.op!r}, {self.value(e.left)}, {self.value(e.right)})"
        if isinstance(e, cond.Func):
            impl = self.constant(cond.FUNCTIONS[e.name][2])
            return f"_call({impl}, {', '.join(self.value(a) for a in e.args)})"
        return f"({self.expr(cond.nnf(e))})"  # a condition used as a value

    def _operand(self, e: Any) -> tuple[list[str], str]:
        """A comparison's side: the None checks it needs, and the text that reads it."""
        if isinstance(e, cond.Lit) and e.value is not None:
            return [], self.value(e)
        text = self.value(e)
        if not text.isidentifier():  # computed: evaluated once, into a temporary
            self._temps += 1
            temp = f"t{self._temps}"
            return [f"(({temp} := {text}) is not None)"], temp
        return (["False"] if text == "None" else [f"{text} is not None"]), text

    def expr(self, e: cond.Expr) -> str:
        """A condition in negation normal form."""
        if isinstance(e, cond.And):
            return "(" + " and ".join(self.expr(i) for i in e.items) + ")"
        if isinstance(e, cond.Or):
            return "(" + " or ".join(self.expr(i) for i in e.items) + ")"
        if isinstance(e, cond.Lit):
            return "True" if e.value else "False"
        if isinstance(e, cond.Cmp):
            if e.op in ("is set", "is not set"):
                v = self.local(cond.fact_key(e.left.path))  # type: ignore[attr-defined]
                return f"({v} is {'not ' if e.op == 'is set' else ''}None)"
            if e.op in ("in", "not in") and isinstance(e.right, tuple):
                checks, v = self._operand(e.left)
                members = self.constant(frozenset(x.value for x in e.right))
                return "(" + " and ".join([*checks, f"{v} {e.op} {members}"]) + ")"
            if e.op in ("==", "!=", "<", "<=", ">", ">=") and isinstance(e.right, cond.Expr):
                lchecks, left = self._operand(e.left)
                rchecks, right = self._operand(e.right)
                return "(" + " and ".join([*lchecks, *rchecks, f"{left} {e.op} {right}"]) + ")"
        raise TypeError(f"not a condition: {e!r}")
