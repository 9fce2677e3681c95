"""Hostile inputs for the standing fuzz suite (tests/test_fuzz_inputs.py) and its long run (benchmarks/fuzz.py).

An input is hostile when it is what a careless or malicious caller could send:
wrong types (bytes, floats, sets, objects), text JSON allows but UTF-8 does not
(lone surrogates), numbers of thousands of digits, very long text, deep nesting,
unknown fields, and valid applications with one part replaced by any of these.
Every one must give a decision or a clear KcrulesError, never anything else.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import strategies as st

from kcrules.testing import applications

#: Values a JSON document can hold.
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30), st.sampled_from(["2017-05-10", "Gia Lâm", "3.3-machinery", "", "HTX", "10/05/2017",
                                           "2017-02-30", "1e3", "true", "０１２", "е"]),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat),
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3),  # lone surrogates
    st.sampled_from([2**63, 2**64 - 1, -(2**63)]),
    # Built by a function, so that a strategy's description never writes them out.
    st.integers(4301, 6000).map(lambda n: 10**n), st.integers(4301, 6000).map(lambda n: -(10**n)),
    st.integers(100_000, 200_000).map(lambda n: "x" * n), st.integers(4301, 6000).map(lambda n: "9" * n),
)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)), max_leaves=20)

#: Values only a Python caller can send.
python_only = st.one_of(
    st.binary(max_size=20), st.floats(), st.dates(), st.datetimes(), st.sets(st.integers(), max_size=3),
    st.tuples(st.integers()), st.builds(object), st.just(b"Gia Lam"), st.just(float("nan")),
    st.just(bytearray(b"x")), st.decimals(allow_nan=True),
)
hostile_values = st.one_of(json_values, python_only)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@st.composite
def mutated(draw: Any, values: st.SearchStrategy[Any] = hostile_values) -> dict[str, Any]:
    """A valid application with one to three parts replaced, removed or added."""
    app = draw(applications())
    for _ in range(draw(st.integers(1, 3))):
        part = draw(st.sampled_from(["project", "establishment", "applicant", None]))
        target = app.get(part) if part else app
        if not isinstance(target, dict) or not target:
            target = app
        key = draw(st.sampled_from(sorted(target)))
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            target[key] = draw(values)
        elif action == "delete":
            del target[key]
        else:
            target[draw(st.one_of(st.text(min_size=1, max_size=10), st.integers(10_000, 10_001).map(lambda n: "x" * n)))] = draw(values)
    return app


def as_line(app: Any) -> str:
    """One JSON Lines line (surrogates become JSON escapes, as a JSON writer would put them).

    Python writes no int of more than 4,300 digits; JSON text may hold one, so it is written by hand.
    """
    huge: list[int] = []

    def digits(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: digits(v) for k, v in value.items()}
        if isinstance(value, list):
            return [digits(v) for v in value]
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 14_000:
            huge.append(value)
            return f"\x00huge{len(huge) - 1}\x00"
        return value

    text = json.dumps(digits(app))
    for i, value in enumerate(huge):
        text = text.replace(json.dumps(f"\x00huge{i}\x00"), ("-" if value < 0 else "") + "9" * 4400)
    return text


#: Lines of a JSON Lines file, good and bad.
lines = st.one_of(
    mutated(json_values).map(as_line),
    applications().map(as_line),
    json_values.map(as_line),
    st.text(max_size=40).map(lambda t: t.replace("\n", " ").replace("\r", " ")),
    st.sampled_from(['{"id": "HS-\\ud800-1"}', "{", "[]", "null", '{"application_date": 1494374400}', "\ufeff{}"]),
    st.integers(4301, 6000).map(lambda n: '{"id": ' + "9" * n + "}"), st.integers(1000, 6000).map(nested),
)
#: The bytes of such a file: its lines, and now and then bytes that are not UTF-8.
files = st.lists(st.one_of(lines.map(lambda t: t.encode("utf-8", "surrogatepass")),
                           st.binary(max_size=30).map(lambda b: b.replace(b"\n", b" "))), max_size=6)
