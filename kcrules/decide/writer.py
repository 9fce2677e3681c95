"""Decision → a line of JSON Lines: pydantic's JSON of the decision in UTF-8, faster in bulk.

Most of a decision's JSON is its reasons, warnings and rulebook description,
and a rulebook shares those objects between decisions (see decider.py): each
one's JSON is written once by pydantic and kept, and a decision's line is put
together from these fragments and the few values of its own, as the UTF-8
bytes a file or a response is given (a decision is about 20,000 characters:
decoding its fragments and encoding it whole again cost more than putting it
together). The three line ends JSON leaves raw are escaped in each fragment
and value, once (see :func:`json_line`). The fragments are held per writer,
at most ``limit`` of them (emptied when full); each entry holds its object,
so an id is never mistaken for another object's. The default limit is the
rulebook's own memo bound: a fragment is found again only while its object is
shared, that is while the rulebook's memos hold it, so a larger writer mostly
keeps reasons no decision will share again (`kcrules batch` of 60,000 varied
lines: 336 MB resident with 50,000 fragments, 122 MB with 10,000, in the same
time).
``tests/test_engines_equal.py`` compares each line with ``json_line`` of
pydantic's JSON on every decision it checks.
"""

from __future__ import annotations

import json
from typing import Any

from kcrules.models import Decision
from kcrules.util.memo import MEMO_MAX, remember

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class DecisionWriter:
    """Writes decisions as lines of JSON Lines, the same bytes as :func:`json_line` of pydantic's JSON."""

    def __init__(self, limit: int = MEMO_MAX) -> None:
        self._limit = limit
        self._fragments: dict[int, tuple[Any, bytes]] = {}

    def _json(self, part: Any) -> bytes:
        found = self._fragments.get(id(part))
        if found is not None and found[0] is part:
            return found[1]
        text = _one_line(part.__pydantic_serializer__.to_json(part))  # what model_dump_json() decodes
        return remember(self._fragments, id(part), (part, text), self._limit)[1]

    def line(self, d: Decision) -> bytes:
        """The decision as one line: ``json_line(d.model_dump_json().encode())``."""
        fragment = self._json
        s = d.support
        return b"".join((
            b'{"application_id":', _json(d.application_id), b',"activity":', _json(d.activity),
            b',"eligible":', b"true" if d.eligible else b"false",
            b',"support":{"amount_vnd":', b"%d" % s.amount_vnd, b',"lines":[', b",".join(map(_line, s.lines)),
            b'],"bound":', _json(s.bound), b',"rounding":', _json(s.rounding), b',"bound_label":', _json(s.bound_label),
            b'},"priority":', fragment(d.priority), b',"reasons":[', b",".join(map(fragment, d.reasons)),
            b'],"warnings":[', b",".join(map(fragment, d.warnings)), b'],"rulebook":', fragment(d.rulebook),
            b',"law_date":"', d.law_date.isoformat().encode(), b'","lang":', _json(d.lang),
            b',"summary":', _json(d.summary), b"}\n"))


#: Characters some readers take for line ends (Python's str.splitlines, JavaScript) that JSON
#: leaves as they are (it escapes only those below U+0020). In JSON text they stand only inside
#: strings, where the escape means the same character: each in UTF-8, and its escape.
_LINE_END_CHARS = ("\x85", "\u2028", "\u2029")
_LINE_ENDS = tuple((char.encode(), f"\\u{ord(char):04x}".encode()) for char in _LINE_END_CHARS)


def json_line(data: bytes) -> bytes:
    """One JSON value in UTF-8 as a line that every line splitter reads as one: the line ends JSON
    leaves raw written as escapes, and a newline after it."""
    return _one_line(data) + b"\n"


def _one_line(data: bytes) -> bytes:
    # Done once per fragment kept, never on a whole decision. Searching the bytes for each
    # sequence costs about 3 us a kilobyte; decoding them and searching the text for each
    # character, about 1.
    if _has_line_end(data.decode()):
        for raw, escape in _LINE_ENDS:
            data = data.replace(raw, escape)
    return data


def _has_line_end(text: str) -> bool:
    # _LINE_END_CHARS spelled out: a character search in text is fast, and a loop would cost more
    # than the searches for the dozen short values of every decision.
    return "\x85" in text or "\u2028" in text or "\u2029" in text


def _json(value: Any) -> bytes:
    text = _dumps(value)
    return _one_line(text.encode()) if _has_line_end(text) else text.encode()


def _line(line: Any) -> bytes:
    return b"".join((b'{"step":', _json(line.step), b',"amount_vnd":', b"%d" % line.amount_vnd, b',"text":',
                     _json(line.text), b',"parameter":', _json(line.parameter), b"}"))
