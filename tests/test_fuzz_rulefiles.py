"""Hostile rule files: whatever a rule file says, loading it gives a rulebook or a RuleFileError.

Conditions, explanation templates, ids, ``extends`` values and TOML shapes are
generated and written into a copy of the small rulebook of ``conftest``. Every
outcome must be a loaded rulebook (that also explains a decision without
error) or a :class:`RuleFileError` listing its problems: never another
exception. Each test is bounded to a few dozen examples so the suite stays fast;
a watchdog turns a hang into a failure instead of a stuck run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import signal
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conftest import MINI_RULEBOOK, MINI_RULES
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import kcrules
from kcrules import KcrulesError, RuleFileError

# KCRULES_FUZZ_EXAMPLES=2000 runs a longer search on demand.
FUZZ = settings(max_examples=int(os.environ.get("KCRULES_FUZZ_EXAMPLES", "40")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CONDITION = "project.learners <= params.max_learners"
APP = {"application_date": "2017-01-02", "activity": "training", "applicant": {"kind": "industry_trade_department"},
       "project": {"approved": True, "counterpart_funding_committed": True, "other_state_funding": False,
                   "eligible_cost_vnd": 100, "learners": 36}}
HANG_SECONDS = 60  # far beyond any load; only a hang reaches it


class Hang(Exception):
    pass


@contextlib.contextmanager
def watchdog() -> Iterator[None]:
    """Fail (rather than wait forever) if loading hangs; a no-op where there is no SIGALRM."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def ring(signum: int, frame: object) -> None:
        raise Hang(f"loading took more than {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def toml_str(text: str) -> str:
    """``text`` as a TOML basic string (control characters escaped)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    """Any generated value as an inline TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, str):
        return toml_str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{toml_str(k)} = {toml_value(v)}" for k, v in value.items()) + " }"


def load(files: dict[str, str]) -> None:
    """Load a rulebook made of ``files`` (beside the national one); assert the outcome is clean."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "mini"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        with watchdog():
            try:
                rulebook = kcrules.load_rulebook(folder, engine="native")
            except RuleFileError as err:
                assert err.problems and all(p.where and p.message for p in err.problems)
                assert str(err)  # every problem can be written out
                return
            for lang in ("vi", "en"):
                try:
                    decision = rulebook.evaluate(APP, lang=lang)
                except KcrulesError as err:  # e.g. the application does not fit the fuzzed rules
                    assert str(err)
                    continue
                assert all(r.text for r in decision.reasons)


def mini(rulebook: str = MINI_RULEBOOK, rules: str = MINI_RULES, **more: str) -> dict[str, str]:
    return {"rulebook.toml": textwrap.dedent(rulebook), "rules.toml": textwrap.dedent(rules), **more}


# ---------------------------------------------------------------- strategies

text_chars = st.characters(exclude_categories=("Cs",))  # a file holds no lone surrogates
WORDS = ["project.learners", "params.max_learners", "params.budget", "application_date", "project.region",
         "establishment.__class__", "__import__", "derived.x", "and", "or", "not", "in", "is", "set", "true",
         "false", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "(", ")", "[", "]", ",", "'north'", '"x"',
         "2017-01-01", "2017-02-30", "1", "35", "99999999999999999999", "1_000", "year(", "min(", "add_months(",
         "е", "\u00a0", "١", "{", "}", ".", "..", "'", "\\", "\n", "\x00", "#"]
hostile_text = st.one_of(
    st.text(text_chars, max_size=60),
    st.lists(st.sampled_from(WORDS), max_size=14).map(" ".join),
    st.builds(lambda opener, n, core: opener * n + core + ")" * n,
              st.sampled_from(["(", "not (", "min(", "- ", "year("]), st.integers(0, 400), st.sampled_from(
                  ["project.learners > 1", "1", "application_date", "true"])),
    st.builds(lambda s, n: s * n + "1", st.sampled_from(["-", "- ", "not ", "(", "[", "'", "{", "a.", "_"]),
              st.integers(1, 2500)),
)
placeholder_text = st.one_of(
    hostile_text,
    st.lists(st.one_of(st.text(text_chars, max_size=8), st.sampled_from(WORDS).map(lambda w: "{" + w + "}"),
                       st.sampled_from(["{project.learners}", "{params.max_learners}", "{params.nope}",
                                        "{establishment.__class__.__mro__}", "{project.learners:>10}",
                                        "{project.learners!r}", "{{", "}}", "{", "}", "{0}", "{}"])),
             max_size=8).map("".join),
)
ids = st.one_of(
    st.text(text_chars, max_size=30),
    st.sampled_from(["", ".", "..", "../../escaped", "/etc", "a/b", "a\\b", "mini\n", "MINI", "x" * 65,
                     "national-2012", "hanoi-2016-2020", "con", "a" * 300, "-x", "_x", "a..b", "\x00", "é"]),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(text_chars, max_size=20),
                    st.dates(), st.datetimes())
toml_values = st.recursive(
    scalars.filter(lambda v: v is not None),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(text_chars, max_size=8), inner, max_size=4)),
    max_leaves=12,
)


# ---------------------------------------------------------------- the tests


@FUZZ
@given(hostile_text)
@example("-" * 1500 + "1 > project.learners")  # once a RecursionError
@example("project.learners > " + "- " * 900 + "1")
@example("(" * 41 + "true" + ")" * 41)
@example("project.\u0435learners > 1")
def test_hostile_conditions(condition: str) -> None:
    load(mini(rules=MINI_RULES.replace(f'"{CONDITION}"', toml_str(condition))))


@FUZZ
@given(hostile_text, st.sampled_from(["applies_when", "condition"]))
def test_hostile_conditions_in_every_place_a_condition_goes(condition: str, key: str) -> None:
    rules = MINI_RULES + textwrap.dedent(f"""
        [derived.fuzzed]
        label = {{ vi = "x", en = "x" }}
        type = "int"
        expr = {toml_str(condition)}
        cite = {{ source = "prog", section = "I" }}

        [criteria.fuzzed]
        label = {{ vi = "x", en = "x" }}
        cite = {{ source = "prog", section = "I" }}
        condition = "project.learners > 0"
        {key} = {toml_str(condition)}
        """)
    load(mini(rules=rules))


@FUZZ
@given(placeholder_text, placeholder_text)
@example("{params.}", "x")  # once a KeyError when a decision was explained
@example("{params.nope}", "{establishment.__class__.__mro__}")
def test_hostile_templates(vi: str, en: str) -> None:
    explain = f"\nexplain = {{ vi = {toml_str(vi)}, en = {toml_str(en)} }}"
    load(mini(rules=MINI_RULES.replace(f'condition = "{CONDITION}"', f'condition = "{CONDITION}"' + explain)))


@FUZZ
@given(ids, st.sampled_from(["rulebook", "criterion", "parameter", "activity", "code"]))
@example("\x00", "rulebook")  # once a ValueError (embedded null byte) from the file system
@example("../../escaped", "rulebook")
@example("ok\n", "criterion")
def test_hostile_ids(value: str, where: str) -> None:
    rulebook, rules = MINI_RULEBOOK, MINI_RULES
    target, replacement = {
        "rulebook": ('id = "mini"', f"id = {toml_str(value)}"),
        "criterion": ('"mini.class_size"', toml_str(value)),
        "parameter": ("parameters.max_learners", f"parameters.{toml_str(value)}"),
        "activity": ("activities.training", f"activities.{toml_str(value)}"),
        "code": ("other = {", f"{toml_str(value)} = {{"),
    }[where]
    # Each case must find its target, or it would quietly load the unchanged rulebook.
    if where in ("rulebook", "code"):
        assert target in rulebook
        rulebook = rulebook.replace(target, replacement)
    else:
        assert target in rules
        rules = rules.replace(target, replacement)
    load(mini(rulebook=rulebook, rules=rules))


@FUZZ
@given(st.one_of(ids, toml_values))
@example("a" * 300)  # once an OSError (file name too long)
@example("\x00")
@example(["national-2012"])
def test_hostile_extends(value: Any) -> None:
    shown = toml_str(value) if isinstance(value, str) else toml_value(value)
    load(mini(rulebook=MINI_RULEBOOK.replace('extends = "national-2012"', f"extends = {shown}")))


KEYS = ["id", "extends", "title", "short", "from", "until", "budget", "cite", "label", "values", "unit", "value",
        "provenance", "condition", "applicants", "beneficiary", "criteria", "requires", "support"]


@FUZZ
@given(st.sampled_from(KEYS), toml_values, st.booleans())
@example("criteria", [False], False)  # once an AttributeError
@example("requires", [{"a": 1}], False)
@example("cite", {"source": ["prog"]}, False)
@example("budget", ["budget"], True)
def test_any_key_given_any_value(key: str, value: Any, in_rulebook: bool) -> None:
    # Each key's first assignment is replaced by a generated value of any shape.
    rulebook, rules = textwrap.dedent(MINI_RULEBOOK), textwrap.dedent(MINI_RULES)
    text = rulebook if in_rulebook else rules
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(f"{key} = "):
            lines[i] = f"{key} = {toml_value(value)}"
            break
    else:
        lines.append(f"{key} = {toml_value(value)}")
    text = "\n".join(lines)
    load(mini(rulebook=text, rules=rules) if in_rulebook else mini(rulebook=rulebook, rules=text))


@FUZZ
@given(st.sampled_from(["sources", "codes", "parameters", "derived", "criteria", "groups", "activities",
                        "priority", "program", "plan", "unknown"]), toml_values)
def test_any_section_of_any_shape(section: str, value: Any) -> None:
    load(mini(**{"more.toml": f"{section} = {toml_value(value)}\n"}))


@FUZZ
@given(st.one_of(
    st.text(text_chars, max_size=200),
    st.builds(lambda o, c, n: "x = " + o * n + c * n, st.sampled_from(["[", "{ a = ["]), st.sampled_from(["]", "] }"]),
              st.integers(1, 6000)),
    st.builds(lambda n: "[" + ".".join(["a"] * n) + "]\nx = 1", st.integers(1, 3000)),
    st.builds(lambda n: "\n".join(f"[[a{i % 3}]]" for i in range(n)), st.integers(1, 300)),
))
@example("x = " + "[" * 5000 + "]" * 5000)  # once an internal RecursionError
@example("x = " + "{ a = " * 3000 + "1" + " }" * 3000)
@example("[" + ".".join(["a"] * 3000) + "]\nx = 1")
def test_any_text_as_a_rule_file(text: str) -> None:
    load(mini(**{"more.toml": text}))
