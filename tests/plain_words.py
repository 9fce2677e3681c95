"""What a report must not show a person: the check shared by the terminal and rules-browsing tests."""

from __future__ import annotations

import re

#: Condition operators, dotted field paths or criterion ids, and a score in place of the order of priority.
INTERNALS = re.compile(r"==|!=|\b[a-z_]+\.[a-z_]+(\.[a-z_]+)*\b|\((điểm|score) \d+\)")


def rule_notes_removed(text: str) -> str:
    """``text`` less the assumptions and notes quoted from the rule files: their wording is the rule
    files', which this program does not change (a few name a field or parameter by its id)."""
    import kcrules

    d = kcrules.load_rulebook().definition
    notes = [c.assumption for c in d.criteria.values() if c.assumption]
    notes += [v.note for p in d.params.values() for v in p.values if v.note]
    notes += [a.support.note for a in d.activities.values() if a.support.note]
    for note in notes:
        for words in note.values():
            text = text.replace(words, "")
    return text


def internals_in(text: str, param_ids: list[str]) -> list[str]:
    """The lines of a report that show an internal name (a command to type is no report line)."""
    ids = re.compile(r"\b(" + "|".join(map(re.escape, param_ids)) + r")\b")
    return [line for line in rule_notes_removed(text).splitlines()
            if not line.strip().startswith(("Thử: kcrules", "Try: kcrules"))
            and (INTERNALS.search(line) or ids.search(line))]
