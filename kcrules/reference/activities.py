"""The program and the activities on a reference page: who applies, each criterion by stage, the support formula."""

from __future__ import annotations

from kcrules.reference.conditions import words
from kcrules.reference.criteria import criterion
from kcrules.reference.diagram import diagram
from kcrules.reference.page import Page, cell, date, number
from kcrules.rulefiles.loader import Activity, Criterion, Requirement


def program(page: Page) -> str:
    """The program section: its period, budget and source."""
    p = page.d.program
    assert p is not None
    period = page.w("from_until", a=date(p.start, page.lang), b=date(p.until, page.lang))
    budget = page.param_inline(page.d.params[p.budget_param])
    return page.t("program_text", period=period, budget=budget, cite=page.cite(p.cite)) + "\n"


def activities(page: Page) -> str:
    """The activities section: a table of every activity, then each activity in full."""
    out = [page.t("act_table"), "|---|---|---|---|---|"]
    for act in page.d.activities.values():
        applicants = ", ".join(page.code_label("applicant_kind", a) for a in act.applicants)
        method = page.t(f"method.{act.support.method}")
        target = target_short(page, act)
        out.append(f"| [{act.id}](#activity-{act.id}) | {cell(act.label[page.lang])} | {cell(applicants)} "
                   f"| {method} | {cell(target)} |")
    out.append("")
    for act in page.d.activities.values():
        out.append(activity(page, act))
    return "\n".join(out)


def activity(page: Page, act: Activity) -> str:
    """One activity in full: who applies and benefits, criteria by stage, support, priority, target, diagram."""
    lang = page.lang
    out = [f'<a id="activity-{act.id}"></a>\n', f"### {act.id} — {act.label[lang]}\n"]
    out.append(f"{page.t('source')}: {page.cite(act.cite)}.\n")
    applicants = ", ".join(page.code_label("applicant_kind", a) for a in act.applicants)
    out.append(f"- **{page.t('who_applies')}**: {applicants}.")
    out.append(f"- **{page.t('who_benefits')}**: {page.t('benefits_yes' if act.beneficiary else 'benefits_no')}")
    # The facts always required, then those required under a condition, one line per condition.
    by_when: dict[str | None, list[Requirement]] = {}
    for r in act.requirements:
        by_when.setdefault(r.when_text, []).append(r)
    for reqs in by_when.values():
        fields = ", ".join(f"{page.field(r.field)} (`{r.field}`)" for r in reqs)
        when = reqs[0].when
        head = page.t("requires") if when is None else page.t("requires_when", x=words(page, when))
        out.append(f"- **{head}**: {fields}.")
    out.append("")
    stages = criteria_by_stage(page, act)
    out.append(f"#### {page.t('stage.entry')}\n")
    if page.d.program:
        p = page.d.program
        out.append("- " + page.t("period_crit", x=page.w("from_until", a=date(p.start, lang),
                                                             b=date(p.until, lang)))
                   + f" *{page.cite(p.cite)}*")
    out.append("- " + page.t("applicant_crit", x=", ".join(
        f"“{page.code_label('applicant_kind', a)}”" for a in act.applicants)) + f" *{page.cite(act.cite)}*")
    out.append("")
    for stage in ("beneficiary", "funding", "activity"):
        out.append(f"#### {page.t('stage.' + stage)}\n")
        items = stages[stage]
        out.append("\n".join(criterion(page, c) for c in items) if items else page.t("none"))
        out.append("")
    out.append(f"#### {page.t('stage.support')}\n")
    out.append(support(page, act))
    if stages["priority"]:
        out.append(f"#### {page.t('stage.priority')}\n")
        for c in stages["priority"]:
            if c.id.startswith(f"{act.id}."):
                out.append(criterion(page, c))
            else:  # shared: written out once, in the priority section
                out.append(f"- [{c.label[lang]}](#crit-{c.id}) (`{c.id}`) — {page.t('tier')} `{c.tier}`")
        out.append("")
    if act.target:
        t = act.target
        prov = page.w(t.provenance)
        out.append(f"#### {page.t('stage.target')}\n")
        out.append(page.t("target_text", count=target_short(page, act).split(" ")[0],
                          unit=t.unit[lang], prov=prov, cite=page.cite(t.cite)) + "\n")
    out.append(f"#### {page.t('stage.diagram')}\n")
    out.append(diagram(page, act, stages))
    return "\n".join(out)


def target_short(page: Page, act: Activity) -> str:
    """An activity's yearly target as a count (or a range) and its unit, or a dash."""
    t = act.target
    if t is None:
        return "—"
    count = number(t.count, page.lang) if t.count else ""
    if t.count_max:
        count = f"{count}–{number(t.count_max, page.lang)}" if count else number(t.count_max, page.lang)
    return f"{count} {t.unit[page.lang]}".strip()


def criteria_by_stage(page: Page, act: Activity) -> dict[str, list[Criterion]]:
    """An activity's criteria by the step of the decision they belong to."""
    out: dict[str, list[Criterion]] = {"beneficiary": [], "funding": [], "activity": [], "priority": []}
    for cid in act.criteria:
        c = page.d.criteria[cid]
        out[_stage(c, act)].append(c)
    return out


def _stage(c: Criterion, act: Activity) -> str:
    """Which step of the decision a criterion belongs to, by its id (see docs/rule-author-guide.md)."""
    if c.kind == "priority":
        return "priority"
    if c.id.startswith(f"{act.id}."):
        return "activity"
    prefix = c.id.split(".")[0]
    if prefix in ("beneficiary", "sector"):
        return "beneficiary"
    if prefix == "funding":
        return "funding"
    return "activity"


def support(page: Page, act: Activity) -> str:
    """How an activity's support is computed: base, share, ceilings, uplift, source."""
    s = act.support
    lang = page.lang
    out = [f"- {page.t('support.base')}: {page.field(s.base)} (`{s.base}`)."]
    if s.method == "share":
        assert s.share is not None
        out.append(f"- {page.t('support.share')}: {page.param_inline(page.d.params[s.share])}.")
        for cap in s.caps:
            out.append(f"- {page.t('support.caps')}: {page.param_inline(page.d.params[cap])}.")
        if s.uplift and s.caps:
            tiers = ", ".join(f"`{t.id}`" for t in page.d.tiers if t.uplift)
            out.append("- " + page.t("support.uplift", x=page.param_inline(page.d.params[s.uplift]),
                                     tiers=tiers))
        caps = page.t("support.caps_in_formula") if s.caps else ""
        out.append("- " + page.t("support.formula_share", caps=caps))
    else:
        out.append("- " + page.t("support.full", badge=page.w("assumption")))
    out.append(f"- {page.t('source')}: {page.cite(s.cite)}.")
    if s.note:
        out.append(f"- {page.t('note')}: {s.note[lang]}")
    return "\n".join(out) + "\n"
