"""Decision → JSON text, the same bytes as ``Decision.model_dump_json()``, faster in bulk.

Most of a decision's JSON is its reasons, warnings and rulebook description,
and a rulebook shares those objects between decisions (see decider.py): each
one's JSON is written once by pydantic and kept, and a decision's text is put
together from these fragments and the few values of its own. The fragments are
held per writer, at most ``limit`` of them (emptied when full); each entry
holds its object, so an id is never mistaken for another object's. The default
limit is the rulebook's own memo bound: a fragment is found again only while
its object is shared, that is while the rulebook's memos hold it, so a larger
writer mostly keeps reasons no decision will share again (`kcrules batch` of
60,000 varied lines: 336 MB resident with 50,000 fragments, 122 MB with 10,000,
in the same time).
``tests/test_engines_equal.py`` compares the text with pydantic's on every
decision it checks.
"""

from __future__ import annotations

import json
from typing import Any

from kcrules.models import Decision
from kcrules.util.memo import MEMO_MAX, remember

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class DecisionWriter:
    """Writes decisions as compact JSON text, identical to pydantic's."""

    def __init__(self, limit: int = MEMO_MAX) -> None:
        self._limit = limit
        self._fragments: dict[int, tuple[Any, str]] = {}

    def _json(self, part: Any) -> str:
        found = self._fragments.get(id(part))
        if found is not None and found[0] is part:
            return found[1]
        return remember(self._fragments, id(part), (part, part.model_dump_json()), self._limit)[1]

    def write(self, d: Decision) -> str:
        """The decision's JSON text."""
        fragment = self._json
        s = d.support
        support = (f'{{"amount_vnd":{s.amount_vnd},"lines":[{",".join(map(_line, s.lines))}],'
                   f'"bound":{_dumps(s.bound)},"rounding":{_dumps(s.rounding)},"bound_label":{_dumps(s.bound_label)}}}')
        return (f'{{"application_id":{_dumps(d.application_id)},"activity":{_dumps(d.activity)},'
                f'"eligible":{"true" if d.eligible else "false"},"support":{support},'
                f'"priority":{fragment(d.priority)},"reasons":[{",".join(map(fragment, d.reasons))}],'
                f'"warnings":[{",".join(map(fragment, d.warnings))}],"rulebook":{fragment(d.rulebook)},'
                f'"law_date":"{d.law_date.isoformat()}","lang":"{d.lang}","summary":{_dumps(d.summary)}}}')


def _line(line: Any) -> str:
    return (f'{{"step":{_dumps(line.step)},"amount_vnd":{line.amount_vnd},"text":{_dumps(line.text)},'
            f'"parameter":{_dumps(line.parameter)}}}')
