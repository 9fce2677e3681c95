"""Criteria on a reference page: one criterion, the catalogue of unused ones, groups, the priority order."""

from __future__ import annotations

from kcrules.reference.conditions import words
from kcrules.reference.page import Page, cell
from kcrules.rulefiles.loader import Criterion


def criterion(page: Page, c: Criterion, anchor: bool = False) -> str:
    """One criterion: its name, citation, condition in words, when it applies, explanation, assumption."""
    lang = page.lang
    head = f"- **{c.label[lang]}** (`{c.id}`; {page.cite(c.cite)})"
    if anchor:
        head = f'- <a id="crit-{c.id}"></a>' + head[2:]
    if c.kind == "priority" and c.tier:
        head += f" — {page.t('tier')} [`{c.tier}`](#priority)"
    lines = [head, f"  - {page.t('condition')}: {words(page, c.condition)}."]
    if c.applies_when is not None:
        lines.append(f"  - {page.t('applies_when')}: {words(page, c.applies_when)}.")
    if c.explain.get(lang):
        lines.append(f"  - {page.t('explain')}: {c.explain[lang]}")
    if c.assumption:
        lines.append(f"  - **{page.w('assumption')}**: {c.assumption[lang]}")
    return "\n".join(lines)


def catalogue(page: Page, used: set[str]) -> str:
    """The criteria no activity uses (or all of an abstract rulebook's), by id prefix."""
    out = []
    current = None
    for c in page.d.criteria.values():
        if (c.id in used and page.d.activities) or c.kind == "priority":
            continue  # priority criteria are written out in the priority section
        prefix = c.id.split(".")[0]
        if prefix != current:
            out.append(f"\n### `{prefix}.*`\n")
            current = prefix
        out.append(criterion(page, c))
    return "\n".join(out) + "\n"


def groups(page: Page) -> str:
    """The criteria groups (``@name``) and what each holds."""
    out = [page.t("groups_text") + "\n"]
    for key, items in page.d.groups.items():
        refs = []
        for item in items:
            if item.startswith("@"):
                refs.append(f"[`{item}`](#group-{item[1:]})")
            else:
                c = page.d.criteria.get(item)
                refs.append(f"`{item}`" + (f" ({c.label[page.lang]})" if c else ""))
        out.append(f'- <a id="group-{key}"></a>**`@{key}`**: ' + "; ".join(refs) + ".")
    return "\n".join(out) + "\n"


def priority(page: Page) -> str:
    """The priority order: one row per tier, then the priority criteria that activities share."""
    out = [page.t("priority_text") + "\n", page.t("tier_table"), "|---|---|---|---|---|---|"]
    for tier in page.d.tiers:
        members = sorted((c for c in page.d.criteria.values() if c.kind == "priority" and c.tier == tier.id),
                         key=lambda c: (c.order, c.id))
        names = "; ".join(f"{c.label[page.lang]} ({c.order})" if tier.mode == "first_met"
                          else c.label[page.lang] for c in members) or "—"
        uplift = page.w("yes" if tier.uplift else "no")
        out.append(f"| `{tier.id}` | {cell(tier.label[page.lang])} | {page.t('mode.' + tier.mode)} | {uplift} "
                   f"| {cell(page.cite(tier.cite))} | {cell(names)} |")
    shared = [c for c in page.d.criteria.values()
              if c.kind == "priority" and not any(c.id.startswith(f"{a}.") for a in page.d.activities)]
    if shared:
        out.append("")
        out += [criterion(page, c, anchor=True) for c in shared]
    return "\n".join(out) + "\n"
