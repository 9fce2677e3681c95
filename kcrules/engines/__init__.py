"""Layer 2 — engines: matching an application's facts against criteria, and nothing else.

Both matchers take one activity's criteria and return, for a flat fact, the
outcome of every criterion: met, not_met or not_applicable. Each criterion is
three rules: applies and holds (met), applies and fails (not met), does not
apply (not applicable). Conditions are in negation normal form where a
comparison on a missing fact is false both ways, so a criterion whose facts are
missing gets no outcome at all and is reported as undecidable.

``durable`` (the default) runs them on durable-rules; ``native`` gives the same
outcomes from generated Python. Knows only ``kcrules.rulefiles`` and below.
"""

from __future__ import annotations

MET, NOT_MET, NA = "met", "not_met", "not_applicable"
Outcomes = dict[str, list[str]]
