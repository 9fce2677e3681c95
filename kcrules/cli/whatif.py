"""The what-if reports of ``kcrules check``: what changed facts did, and the smallest changes that make it eligible.

The results come from :mod:`kcrules.whatif`; this module only words them.
"""

from __future__ import annotations

import shlex
from typing import Any

from kcrules.text import i18n
from kcrules.text.i18n import Catalogue
from kcrules.text.values import label_of, show_value
from kcrules.whatif import Suggestion, WhatIf

_W = Catalogue("cli.whatif", {
    "changed": {"vi": "Giả sử", "en": "What if"},
    "diff": {"vi": "Thay đổi so với hồ sơ gốc", "en": "Changes from the original application"},
    "verdict": {"vi": "Kết quả", "en": "Result"},
    "amount": {"vi": "Mức hỗ trợ", "en": "Support"},
    "priority": {"vi": "Ưu tiên", "en": "Priority"},
    "ranks_higher": {"vi": "xếp trước hồ sơ gốc", "en": "ranks ahead of the original"},
    "ranks_lower": {"vi": "xếp sau hồ sơ gốc", "en": "ranks behind the original"},
    "same": {"vi": "Quyết định không đổi.", "en": "The decision does not change."},
    "yes": {"vi": "đủ điều kiện", "en": "eligible"},
    "no": {"vi": "không đủ điều kiện", "en": "not eligible"},
    "suggest_head": {"vi": "Những thay đổi nhỏ nhất để hồ sơ đủ điều kiện (giữ nguyên: {fixed})",
                     "en": "The smallest changes that would make the application eligible (held fixed: {fixed})"},
    "option": {"vi": "Phương án", "en": "Option"},
    "none": {"vi": "Không tính được thay đổi nào làm hồ sơ đủ điều kiện mà không đổi các thông tin được giữ nguyên; "
                   "xem các tiêu chí không đạt ở trên.",
             "en": "No change that keeps the fixed facts would make it eligible, as far as the rules allow "
                   "computing; see the failed criteria above."},
    "one_of": {"vi": "một trong", "en": "one of"},
    "try": {"vi": "Thử: kcrules check {file} --what-if {items}", "en": "Try: kcrules check {file} --what-if {items}"},
})

#: Codes shown for a change any of several codes would do; the rest are elided.
_SHOWN_CODES = 12


def _w(key: str, lang: str, **kw: Any) -> str:
    return _W[key][lang].format(**kw)


def diff_text(rulebook: Any, result: WhatIf, lang: str) -> str:
    """The changes made, then what they changed: verdict, amount, rank, criteria outcomes, all in words."""
    out = [f"{_w('diff', lang)}:"]
    for change in result.changes:
        out.append(f"  {_w('changed', lang)}: {label_of(rulebook, change.field, lang)} = "
                   f"{show_value(rulebook, change.field, change.new, lang)}")
    diff = result.difference
    lines = []
    if diff.eligible.changed:
        lines.append(f"  {_w('verdict', lang)}: {_w('yes' if diff.eligible.before else 'no', lang)} → "
                     f"{_w('yes' if diff.eligible.after else 'no', lang)}")
    if diff.amount_vnd.changed:
        lines.append(f"  {_w('amount', lang)}: {i18n.money(diff.amount_vnd.before, lang)} → "
                     f"{i18n.money(diff.amount_vnd.after, lang)}")
    if diff.priority_score.changed:
        # The rank key orders applications (lower first); the score is only its display form for machines.
        ahead = result.after.priority.rank_key < result.before.priority.rank_key
        lines.append(f"  {_w('priority', lang)}: {_w('ranks_higher' if ahead else 'ranks_lower', lang)} — "
                     f"{result.after.priority.text}")
    for shift in diff.criteria:
        was = i18n.msg(shift.before, lang) if shift.before is not None else "—"
        lines.append(f"  {shift.label}: {was} → {i18n.msg(shift.after, lang)}")
    return "\n".join(out + (lines or [f"  {_w('same', lang)}"]))


def suggestions_text(rulebook: Any, found: tuple[Suggestion, ...], fixed: tuple[str, ...], lang: str,
                     file: str | None = None) -> str:
    """Each suggestion as old → new values, with the ``--what-if`` command that tries it on ``file``."""
    held = ", ".join(label_of(rulebook, f, lang) for f in fixed) or "—"
    head = _w("suggest_head", lang, fixed=held)
    if not found:
        return f"{head}:\n  {_w('none', lang)}"
    out = [f"{head}:"]
    shown_file = shlex.quote(file) if file and file != "-" else "FILE"
    for i, suggestion in enumerate(found, 1):
        out.append(f"  {_w('option', lang)} {i}:")
        items = []
        for change in suggestion.changes:
            old = show_value(rulebook, change.field, change.old, lang)
            if change.one_of:
                more = " …" if len(change.one_of) > _SHOWN_CODES else ""
                codes = ", ".join(show_value(rulebook, change.field, c, lang) for c in change.one_of[:_SHOWN_CODES])
                new = f"{_w('one_of', lang)}: {codes}{more}"
            else:
                new = show_value(rulebook, change.field, change.new, lang)
            items.append(shlex.quote(f"{change.field}={_plain(change.new)}"))
            out.append(f"    {label_of(rulebook, change.field, lang)}: {old} → {new}")
        out.append(f"    {_w('try', lang, file=shown_file, items=' '.join(items))}")
    return "\n".join(out)


def _plain(value: Any) -> str:
    """A value as typed after ``--what-if FIELD=``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
