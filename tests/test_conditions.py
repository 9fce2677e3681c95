"""The condition language: parsing, types, negation, and both compilers agreeing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kcrules
import kcrules.testing as kit
from kcrules.rulefiles import conditions as cond

TYPES = {"a": cond.FieldType("int", optional=True), "b": cond.FieldType("int", optional=True),
         "f": cond.FieldType("bool", optional=True), "s": cond.FieldType("code", ("x", "y", "z"), True)}


def parse(text: str, kind: str = "condition") -> cond.Expr:
    return cond.parse(text, TYPES.get, kind)


def test_and_binds_tighter_than_or() -> None:
    fn = cond.compile_python(parse("a > 1 or a > 5 and b > 5"))
    assert fn({"a": 2, "b": 0}) is True  # (a > 1) or ((a > 5) and (b > 5))


def test_not_in_and_is_set() -> None:
    fn = cond.compile_python(parse("s not in ['x', 'y'] and b is not set"))
    assert fn({"s": "z"}) and not fn({"s": "x"}) and not fn({"s": "z", "b": 1})


def test_a_missing_fact_makes_a_comparison_and_its_negation_false() -> None:
    expr = parse("a > 1")
    assert cond.compile_python(expr)({}) is False
    assert cond.compile_python(cond.negate(expr))({}) is False


@pytest.mark.parametrize(("text", "message"), [
    ("a + 1 > 2", "arithmetic belongs in a derived fact"),
    ("year(a) > 2", "functions belong in a derived fact"),
    ("a", "must be true or false"),
    ("s == 'w'", "is not a code of s"),
    ("a < true", "cannot compare int with bool"),
    ("f > f", "compares numbers or dates"),
    ("2017-02-30 > a", "not a real date"),
    ("a.__class__ > 1", "may not start with '_' or contain '__'"),
    ("", "empty condition"),
])
def test_refused_conditions_say_why(text: str, message: str) -> None:
    with pytest.raises(cond.ConditionSyntaxError, match=message):
        parse(text)


def test_derived_values_compute_dates_and_numbers() -> None:
    types = {"d": cond.FieldType("date"), "e": cond.FieldType("date")}
    span = cond.compile_value(cond.parse("days_between(d, add_months(d, 3))", types.get, "value"))
    import datetime as dt

    assert span({"d": dt.date(2017, 4, 1).toordinal()}) == 91
    assert span({"d": dt.date(2017, 11, 30).toordinal()}) == 90  # 30 Nov to 28 Feb (clamped)
    assert span({}) is None


# ---------------------------------------------------------------- random conditions, both compilers

leaf = st.one_of(
    st.builds(lambda n, op, v: f"{n} {op} {v}", st.sampled_from(["a", "b"]),
              st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), st.integers(-2, 2)),
    st.builds(lambda op: f"a {op} b", st.sampled_from(["==", "!=", "<", "<=", ">", ">="])),
    st.sampled_from(["f", "f == false", "s in ['x', 'y']", "s not in ['y']", "a is set", "b is not set"]),
)
conditions = st.recursive(leaf, lambda inner: st.one_of(
    st.builds(lambda x: f"not ({x})", inner),
    st.builds(lambda x, y, op: f"({x}) {op} ({y})", inner, inner, st.sampled_from(["and", "or"]))),
    max_leaves=8)
facts = st.fixed_dictionaries({}, optional={"a": st.integers(-3, 3), "b": st.integers(-3, 3),
                                            "f": st.booleans(), "s": st.sampled_from(["x", "y", "z"])})


def _durable_match(expr: cond.Expr, fact: dict[str, Any]) -> bool:
    """Evaluate the durable-rules JSON form with a tiny reference interpreter."""
    json = cond.to_durable(expr)
    full = dict(fact, kc__true=True)
    for key in ("a", "b", "f", "s"):
        full[cond.PRESENT + key] = key in fact

    def ev(node: dict[str, Any]) -> bool:
        (op, arg), = node.items()
        if op == "$and":
            return all(ev(n) for n in arg)
        if op == "$or":
            return any(ev(n) for n in arg)
        if not op.startswith("$"):
            return op in full and full[op] == arg
        (key, value), = arg.items()
        if key not in full:
            return False
        other = full.get(value["$m"]) if isinstance(value, dict) else value
        left = full[key]
        return {"$neq": left != other, "$lt": left < other, "$lte": left <= other, "$gt": left > other,
                "$gte": left >= other}[op]

    return ev(json)


@settings(max_examples=200, deadline=None)
@given(conditions, facts)
def test_negation_normal_form_and_durable_form_agree_with_python(text: str, fact: dict[str, Any]) -> None:
    expr = parse(text)
    holds = cond.compile_python(expr)(fact)
    fails = cond.compile_python(cond.negate(expr))(fact)
    assert not (holds and fails)  # never both
    if all(k in fact for k in ("a", "b", "f", "s")):
        assert holds != fails  # with every fact present, exactly one
    assert _durable_match(expr, fact) == holds
    assert _durable_match(cond.negate(expr), fact) == fails


# ---------------------------------------------------------------- every bundled criterion can decide both ways

def test_every_eligibility_criterion_is_met_and_not_met_somewhere() -> None:
    # Over the scenario cases and generated applications, each criterion decides both ways:
    # a criterion that can never fail (or never pass) is a rule-writing mistake.
    import tomllib
    from pathlib import Path

    rb = kcrules.load_rulebook(engine="native")
    apps = [case["application"] for path in sorted(Path(rb.definition.folder, "tests").glob("*.toml"))
            for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"] if "error" not in case["expect"]]
    for focus in ("one_unmet", "eligible"):
        apps += kit.generate(rb, 1200, seed=7, focus=focus)
    seen: dict[str, set[str]] = {}
    for app in apps:
        for r in rb.evaluate(app, explain=False).reasons:
            seen.setdefault(r.criterion, set()).add(r.outcome)
    every_kind = set(rb.definition.codes["applicant_kind"].values)
    one_sided = []
    for act in rb.activities:
        for c in rb.criteria_of(act):
            if c.kind != "eligibility" or c.id == f"{act}.applicant" and \
                    set(rb.definition.activities[act].applicants) == every_kind:  # any applicant may: cannot fail
                continue
            if not {"met", "not_met"} <= seen.get(c.id, set()):
                one_sided.append((c.id, sorted(seen.get(c.id, set()))))
    assert one_sided == []
