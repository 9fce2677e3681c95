"""Source documents and the citations that point into them.

Takes the ``[sources.ID]`` tables of a rulebook's files (read first: every other
definition cites them) and any ``cite = { source, article, clause, point,
section }`` value; gives :class:`Source` records in the definition and a checked
:class:`Cite` for the definition that cites.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kcrules.rulefiles.builders.context import Context, RuleFile
from kcrules.rulefiles.definition import Cite, Source
from kcrules.util.words import suggest

_CITE_KEYS = ("source", "article", "clause", "point", "section")


def read_source(ctx: Context, key: str, body: dict[str, Any], f: RuleFile) -> None:
    d = ctx.d
    if not ctx.check_id(key, f, "sources"):
        return
    if key in d.sources:
        ctx.p.add(ctx.where(f, "sources", key), "duplicate source id", key)
        return
    if not ctx.keys(body, ("short", "title", "in_force_from", "note"), ("short", "title"), f, "sources", key):
        return
    start = body.get("in_force_from")
    if start is not None:
        start = ctx.date(start, f, "sources", key, "in_force_from")
    note = ctx.label(body["note"], f, "sources", key, "note") if "note" in body else None
    d.sources[key] = Source(key, str(body["short"]), str(body["title"]), start, note)


def cite(ctx: Context, value: Any, f: RuleFile, section: str, rule: str, key: str = "cite") -> Cite:
    """The checked citation ``value`` of ``section.rule.key`` (a placeholder when it is broken).

    A list cites the highest text that states the rule first, then those detailing it.
    """
    if isinstance(value, list) and value:
        cites = [cite(ctx, v, f, section, rule, f"{key}[{i}]") for i, v in enumerate(value)]
        return replace(cites[0], also=tuple(cites[1:]))
    sources = ctx.d.sources
    fallback = Cite("?", "?")
    if not isinstance(value, dict):
        ctx.p.add(ctx.where(f, section, rule, key), "missing or malformed citation", value,
                  "{ source = \"…\", article = …, clause = …, point = \"…\" } or { source, section }, "
                  "or a list of them (the highest text first)")
        return fallback
    if not ctx.keys(value, _CITE_KEYS, ("source",), f, section, f"{rule}.{key}"):
        return fallback
    src = value["source"]
    if not isinstance(src, str) or src not in sources:
        ctx.p.add(ctx.where(f, section, rule, f"{key}.source"), "unknown source document", src,
                  ", ".join(sorted(sources)), suggest(str(src), sources))
        return fallback
    parts = {k: (str(value[k]) if k in value else None) for k in _CITE_KEYS[1:]}
    # A section is the document's own numbering ("II.3.1"), or words in both languages where the
    # text is not at hand ({ vi = "mức hỗ trợ", en = "levels" }).
    words = ctx.label(value["section"], f, section, rule, f"{key}.section") \
        if isinstance(value.get("section"), dict) else None
    if words is not None:
        parts["section"] = words["vi"]
    if not any(parts.values()):
        ctx.p.add(ctx.where(f, section, rule, key), "a citation names an article or a section")
    return Cite(src, sources[src].short, parts["article"], parts["clause"], parts["point"], parts["section"],
                section_en=words["en"] if words else None)
