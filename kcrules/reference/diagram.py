"""An activity's decision as a Mermaid flowchart: entry, criteria by stage, support formula, decision."""

from __future__ import annotations

from kcrules.reference.page import Page, mermaid
from kcrules.rulefiles.loader import Activity, Criterion


def diagram(page: Page, act: Activity, stages: dict[str, list[Criterion]]) -> str:
    """An activity's decision as a Mermaid flowchart."""
    lang = page.lang
    kinds = ", ".join(page.code_label("applicant_kind", a) for a in act.applicants)
    entry = page.t("d.entry" if page.d.program else "d.entry_abstract", x=kinds)
    lines = ["```mermaid", "flowchart TD",
             f'  start(["{mermaid(page.t("d.start", x=act.id))}"])',
             f'  s1{{"{mermaid(entry)}"}}',
             f'  refused(["{mermaid(page.t("d.refused"))}"])',
             "  start --> s1"]
    prev = "s1"
    yes, no = page.t("d.yes"), page.t("d.no")
    lines.append(f"  s1 -->|{no}| refused")
    for n, stage in enumerate(("beneficiary", "funding", "activity"), start=2):
        items = stages[stage]
        if not items:
            continue
        title = page.t("stage." + stage)
        if len(items) <= 4:
            body = "<br/>".join(f"• {c.label[lang]}" for c in items)
        else:
            body = page.t("d.count", n=len(items), s=title.split(".")[0])
        node = f"s{n}"
        lines.append(f'  {node}{{"{mermaid(title)}<br/>{mermaid(body)}"}}')
        lines.append(f"  {prev} -->|{yes}| {node}")
        lines.append(f"  {node} -->|{no}| refused")
        prev = node
    s = act.support
    if s.method == "share":
        assert s.share is not None
        uplift = ""
        if s.uplift and s.caps:
            uplift = page.t("d.uplift", x=page.param_short(page.d.params[s.uplift]))
        caps = "".join(page.t("d.cap", cap=page.param_short(page.d.params[c])) + uplift for c in s.caps)
        formula = page.t("d.share", share=page.param_short(page.d.params[s.share]), caps=caps)
    else:
        formula = page.t("d.full")
    lines.append(f'  sup["{mermaid(formula)}"]')
    lines.append(f"  {prev} -->|{yes}| sup")
    if stages["priority"]:
        tiers = " → ".join(t.label[lang] for t in page.d.tiers
                           if any(c.tier == t.id for c in stages["priority"]))
        lines.append(f'  prio[["{mermaid(page.t("d.priority", x=tiers))}"]]')
        lines.append("  prio -.-> sup")
    lines.append(f'  dec(["{mermaid(page.t("d.decision"))}"])')
    lines.append("  sup --> dec")
    lines.append("  refused --> dec")
    lines.append("```\n")
    return "\n".join(lines)
