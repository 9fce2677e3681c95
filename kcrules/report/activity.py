"""An activity of a rulebook as plain data: who applies, criteria, support levels, citations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kcrules.text import i18n
from kcrules.text.conditions import PlainVoice, day, plain_name, sentence


def describe_activity(rb: Any, act_id: str, lang: str) -> dict[str, Any]:
    """Everything about an activity, as JSON-ready data (``rules show --format json``, ``GET /v1/…/activities/ID``)."""
    d = rb.definition
    act = d.activities[act_id]
    kinds = d.codes["applicant_kind"].values
    voice = PlainVoice(d, lang, lambda pid: _param_words(d.params[pid], lang))
    criteria = [{
        "id": c.id, "kind": c.kind, "label": c.label[lang], "condition": c.condition_text,
        "applies_when": c.applies_text, "citation": c.cite.text(lang), "assumption": c.assumption[lang] if c.assumption else None,
        "tier": c.tier, "origin": c.origin, "condition_words": sentence(voice, c.condition),
        "applies_when_words": sentence(voice, c.applies_when) if c.applies_when is not None else None,
    } for c in rb.criteria_of(act_id)]
    s = act.support
    params = []
    roles = ([("share", s.share)] if s.share else []) + [("cap", c) for c in s.caps] + \
        ([("uplift", s.uplift)] if s.uplift else [])
    for role, pid in roles:
        p = d.params[pid]
        params.append({"role": role, "id": pid, "label": p.label[lang], "unit": p.unit,
                       "values": [_value_info(p, v, lang) for v in p.values]})
    target = None
    if act.target is not None:
        t = act.target
        target = {"count": t.count, "count_max": t.count_max, "unit": t.unit[lang], "provenance": t.provenance,
                  "citation": t.cite.text(lang)}
    return {
        "id": act.id, "label": act.label[lang], "citation": act.cite.text(lang), "origin": act.origin,
        "applicants": list(act.applicants),
        "applicants_labels": [kinds[k].label[lang] if k in kinds else k for k in act.applicants],
        "beneficiary": act.beneficiary, "requires": list(act.always_required),
        "requires_labels": [plain_name(d, r, lang) for r in act.always_required],
        # The facts required only when a condition on the application holds.
        "requires_when": [{"field": r.field, "label": plain_name(d, r.field, lang), "when": r.when_text,
                           "when_words": sentence(voice, r.when)} for r in act.requirements if r.when is not None],
        "criteria": criteria,
        "support": {"method": s.method, "base": s.base, "base_label": plain_name(d, s.base, lang),
                    "citation": s.cite.text(lang),
                    "note": s.note.get(lang) if s.note else None, "parameters": params},
        "target": target,
    }


def _value_info(p: Any, v: Any, lang: str) -> dict[str, Any]:
    return {"from": v.start.isoformat(), "until": v.until.isoformat() if v.until else None,
            "value": show_param(p, v, lang), "raw": v.raw, "provenance": v.provenance,
            "citation": v.cite.text(lang), "source": v.cite.source, "note": v.note[lang] if v.note else None}


def _param_words(p: Any, lang: str) -> str:
    """A parameter named in a condition: its label and every level, dated when there are several."""
    since = "từ" if lang == "vi" else "from"
    levels = [show_param(p, v, lang) + (f" {since} {day(v.start, lang)}" if len(p.values) > 1 else "")
              for v in p.values]
    return f"{p.label[lang]} ({'; '.join(levels)})"


def show_param(p: Any, v: Any, lang: str) -> str:
    """A parameter's value in force, formatted for ``lang`` with its unit."""
    if p.unit == "vnd":
        return i18n.money(v.value, lang)
    if p.unit == "percent":
        return i18n.percent(v.value, lang)
    if p.unit == "date":
        return day(dt.date.fromordinal(v.value), lang)
    unit = {"days": " ngày" if lang == "vi" else " days", "months": " tháng" if lang == "vi" else " months",
            "years": " năm" if lang == "vi" else " years"}.get(p.unit, "")
    return i18n.number(v.value, lang) + unit
