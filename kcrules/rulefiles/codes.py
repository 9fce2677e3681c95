"""A rulebook's codes (activities and code tables): the code a typed name means, the codes allowed, their labels."""

from __future__ import annotations

from kcrules.rulefiles.loader import Definition
from kcrules.util.words import fold


def find_code(d: Definition, table: str, given: str) -> str | None:
    """The code a typed name means (id, Vietnamese or English name, alias; accents optional)."""
    key = fold(given)
    if table == "activity":
        for a in d.activities.values():
            if key in (fold(a.id), fold(a.label["vi"]), fold(a.label["en"])):
                return a.id
        return None
    tbl = d.codes.get(table)
    if tbl is None:
        return None
    if given in tbl.values:
        return given
    for v in tbl.values.values():
        if key in (fold(v.id), fold(v.label["vi"]), fold(v.label["en"]), *(fold(a) for a in v.aliases)):
            return v.id
    return None


def code_ids(d: Definition, table: str) -> list[str]:
    """The codes of a table, in the rulebook's order."""
    if table == "activity":
        return list(d.activities)
    tbl = d.codes.get(table)
    return list(tbl.values) if tbl else []


def code_choices(d: Definition, table: str, lang: str = "vi") -> list[tuple[str, str]]:
    """(code, label) of each code of a table, in the rulebook's order."""
    if table == "activity":
        return [(a.id, a.label[lang]) for a in d.activities.values()]
    tbl = d.codes.get(table)
    return [(v.id, v.label[lang]) for v in tbl.values.values()] if tbl else []


def code_names(d: Definition, table: str) -> list[str]:
    """Every name a code of the table may be typed as (ids, Vietnamese names, aliases): what to suggest from."""
    if table == "activity":
        acts = d.activities.values()
        return [a.id for a in acts] + [a.label["vi"] for a in acts]
    tbl = d.codes.get(table)
    return [c for v in tbl.values.values() for c in (v.id, v.label["vi"], *v.aliases)] if tbl else []


def code_label(d: Definition, table: str | None, code: str, lang: str) -> str:
    """The label of a code in ``lang``, or the code itself if the table does not hold it."""
    if table == "activity":
        act = d.activities.get(code)
        return act.label[lang] if act else code
    tbl = d.codes.get(table or "")
    if tbl and code in tbl.values:
        return tbl.values[code].label[lang]
    return str(code)
