"""The native matcher: each activity's criteria as one generated Python function over the fact."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kcrules.engines import MET, NA, NOT_MET, Outcomes
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.loader import Criterion


class NativeMatcher:
    """Evaluates an activity's criteria with one Python function generated for it.

    The function is built from the parsed conditions (never from rule text):
    each fact key a criterion reads is loaded once into a local, and each
    condition becomes a Python expression over those locals, in negation
    normal form, with the same rule as ``_conditions.compile_python``: a
    comparison reading a missing fact is false. Literals enter the source
    through ``repr`` of ints, bools and strings, or as named constants (sets of
    codes); the source is compiled once with ``compile`` and kept in
    ``self.source`` for inspection. The closures of ``compile_python`` remain
    the reference (``closure_match``) and the differential tests compare
    both with durable-rules.
    """

    name = "native"

    def __init__(self, activity: str, criteria: Sequence[Criterion]) -> None:
        self.activity = activity
        self.ids = [c.id for c in criteria]
        self._closures = [
            (c.id, cond.compile_python(c.condition), cond.compile_python(cond.negate(c.condition)),
             cond.compile_python(c.applies_when) if c.applies_when is not None else None,
             cond.compile_python(cond.negate(c.applies_when)) if c.applies_when is not None else None)
            for c in criteria
        ]
        gen = _PyGen()
        body: list[str] = []
        for i, c in enumerate(criteria):
            holds = gen.expr(cond.nnf(c.condition))
            fails = gen.expr(cond.negate(c.condition))
            if c.applies_when is None:
                body.append(f"    g{i} = []")
                body.append(f"    if {holds}: g{i}.append(MET)")
                body.append(f"    if {fails}: g{i}.append(NOT_MET)")
            else:
                applies = gen.expr(cond.nnf(c.applies_when))
                not_applies = gen.expr(cond.negate(c.applies_when))
                body.append(f"    g{i} = []")
                body.append(f"    if {applies}:")
                body.append(f"        if {holds}: g{i}.append(MET)")
                body.append(f"        if {fails}: g{i}.append(NOT_MET)")
                body.append(f"    if {not_applies}: g{i}.append(NA)")
        loads = [f"    {local} = get({key!r})" for key, local in gen.locals.items()]
        result = ", ".join(f"{cid!r}: g{i}" for i, cid in enumerate(self.ids))
        self.source = "\n".join(["def match(f):", "    get = f.get", *loads, *body,
                                 f"    return {{{result}}}", ""])
        namespace: dict[str, Any] = {"MET": MET, "NOT_MET": NOT_MET, "NA": NA, **gen.constants}
        exec(compile(self.source, f"<kcrules native matcher {activity}>", "exec"), namespace)  # noqa: S102
        self.match: Callable[[dict[str, Any]], Outcomes] = namespace["match"]

    def closure_match(self, fact: dict[str, Any]) -> Outcomes:
        """The same outcomes from the closures of ``_conditions.compile_python`` (the reference)."""
        out: Outcomes = {}
        for cid, holds, fails, applies, not_applies in self._closures:
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


_PY_CMP = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class _PyGen:
    """Turns a condition in negation normal form into a Python expression over loaded fact locals."""

    def __init__(self) -> None:
        self.locals: dict[str, str] = {}     # fact key -> local name
        self.constants: dict[str, Any] = {}  # constant name -> value (code sets, fallbacks)

    def local(self, key: str) -> str:
        name = self.locals.get(key)
        if name is None:
            name = self.locals[key] = f"v{len(self.locals)}"
        return name

    def constant(self, value: Any) -> str:
        name = f"K{len(self.constants)}"
        self.constants[name] = value
        return name

    def literal(self, value: Any) -> str:
        if type(value) in (int, bool, str):
            return repr(value)
        return self.constant(value)

    def expr(self, e: cond.Expr) -> str:
        if isinstance(e, cond.And):
            return "(" + " and ".join(self.expr(i) for i in e.items) + ")"
        if isinstance(e, cond.Or):
            return "(" + " or ".join(self.expr(i) for i in e.items) + ")"
        if isinstance(e, cond.Lit):
            return "True" if e.value else "False"
        if isinstance(e, cond.Cmp):
            if e.op in ("is set", "is not set") and isinstance(e.left, cond.Ref):
                test = f"({cond.fact_key(e.left.path)!r} in f)"
                return test if e.op == "is set" else f"(not {test})"
            if e.op in ("in", "not in") and isinstance(e.left, cond.Ref) and isinstance(e.right, tuple):
                v = self.local(cond.fact_key(e.left.path))
                members = self.constant(frozenset(x.value for x in e.right))
                return f"({v} is not None and {v} {e.op} {members})"
            if e.op in _PY_CMP and isinstance(e.right, cond.Expr):
                sides = []
                for side in (e.left, e.right):
                    if isinstance(side, cond.Ref):
                        sides.append((self.local(cond.fact_key(side.path)), True))
                    elif isinstance(side, cond.Lit):
                        sides.append((self.literal(side.value), side.value is None))
                    else:
                        break
                else:
                    checks = [f"{text} is not None" for text, may_be_none in sides if may_be_none]
                    compare = f"{sides[0][0]} {_PY_CMP[e.op]} {sides[1][0]}"
                    return "(" + " and ".join([*checks, compare]) + ")"
        # Anything else (arithmetic, functions): the reference closure, called.
        return f"{self.constant(cond.compile_python(e))}(f)"
