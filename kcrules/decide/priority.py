"""Priority criteria met → the rank key, score and text of a decision.

Takes the rulebook's rank tiers (in order), an activity's criteria and the ids
of its priority criteria met; gives a :class:`~kcrules.models.Priority` and
whether a tier marked ``uplift`` was met. The text explains the rank by the
legal order itself — each tier in turn, by its label, with what it found — and
never by the score, which only machines compare.
"""

from __future__ import annotations

from kcrules.models import Priority, assemble
from kcrules.rulefiles.loader import Criterion, Definition, Tier
from kcrules.text import i18n


def priority(d: Definition, criteria: tuple[Criterion, ...], met_ids: tuple[str, ...],
             lang: str, explain: bool = True) -> tuple[Priority, bool]:
    """Rank key: one number per tier, lower ranks first; score: the same read as one number, higher first.

    Unexplained (``explain=False``), the text is empty.
    """
    met = set(met_ids)
    key: list[int] = []
    score = 0
    uplift = False
    parts: list[str] = []
    for tier in d.tiers:
        members = [c for c in criteria if c.kind == "priority" and c.tier == tier.id]
        hits = [c for c in members if c.id in met]
        if tier.mode == "first_met":
            worst = max([c.order for c in members], default=0) + 1
            value = min([c.order for c in hits], default=worst)
            key.append(value)
            score = score * 100 + (worst - value)
        else:
            key.append(-len(hits))
            score = score * 100 + len(hits)
        if hits and tier.uplift:
            uplift = True
        if members and explain:
            parts.append(_tier_words(len(parts) + 1, tier, hits, lang))
    if not explain:
        text = ""
    elif met:
        text = i18n.msg("priority_order", lang, items="; ".join(parts))
    else:
        text = i18n.msg("priority_none", lang)
    # Built here from checked values: assembled without validating them again (see models.assemble).
    return assemble(Priority, rank_key=tuple(key), score=score, criteria_met=tuple(sorted(met)), text=text), uplift


def _tier_words(n: int, tier: Tier, hits: list[Criterion], lang: str) -> str:
    """One tier of the order in words: "2) Ngành nghề ưu tiên (…): Sản phẩm có thị trường xuất khẩu"."""
    names = ", ".join(c.label[lang] for c in sorted(hits, key=lambda c: c.order))
    if not hits:
        found = i18n.msg("priority_tier_none", lang)
    elif tier.mode == "count":
        found = i18n.msg("priority_tier_count", lang, n=str(len(hits)), items=names)
    else:
        found = names
    return f"{n}) {tier.label[lang]}: {found}"
