"""What a rulebook works out once per activity, against what each decision would work out itself.

A decision's outline, from one function generated per activity, against its definition read
plainly. The outline is what eligibility, priority, support and warnings take from the outcome codes:
the eligibility criteria not met, the priority criteria met, the parameters the decision used
(each step's when it applies, or when it does not; in step order, each once) and the criteria
applied whose rule is an assumption. Every activity of every bundled rulebook, on any codes.

A decision's support, from the terms worked out once per activity, law in force, language and
explanation: one rulebook deciding under two laws in turn gives each law's ceiling.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kcrules
from kcrules.decide.criteria import steps as steps_of
from kcrules.decide.outcomes import Outline, Skeleton
from kcrules.engines.compiled import CODE_MET, CODE_NA, CODE_NOT_MET
from kcrules.rulefiles.loader import bundled_ids
from kcrules.text import i18n

RULEBOOKS = [kcrules.load_rulebook(i, engine="native") for i in bundled_ids()]  # an abstract one has no activity
SKELETONS = [(rb.id, act, Skeleton(steps_of(rb.definition, rb.criteria_of(act))))
             for rb in RULEBOOKS for act in rb.activities]


def plainly(skeleton: Skeleton, codes: tuple[int, ...]) -> Outline:
    steps = skeleton.steps
    failed_at = tuple(i for i, s in enumerate(steps)
                      if s.criterion.kind == "eligibility" and codes[i] == CODE_NOT_MET)
    used: list[str] = []
    for i, s in enumerate(steps):
        for p in (s.not_applied if codes[i] == CODE_NA else s.applied):
            if p not in used:
                used.append(p)
    return Outline(
        failed=tuple(steps[i].criterion.id for i in failed_at),
        met=tuple(s.criterion.id for i, s in enumerate(steps) if s.criterion.kind != "eligibility"
                  and codes[i] == CODE_MET),
        used=tuple(used),
        assumed=tuple(s.criterion for i, s in enumerate(steps) if s.criterion.assumption and codes[i] != CODE_NA),
        failed_at=failed_at)


@pytest.mark.parametrize(("rulebook", "activity", "skeleton"), SKELETONS, ids=[f"{r}:{a}" for r, a, _ in SKELETONS])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_outline_is_its_definition(rulebook: str, activity: str, skeleton: Skeleton, data: st.DataObject) -> None:
    n = len(skeleton.steps)
    codes = tuple(data.draw(st.lists(st.sampled_from((CODE_MET, CODE_NOT_MET, CODE_NA)), min_size=n, max_size=n)))
    assert skeleton.outline(codes) == plainly(skeleton, codes)


def test_the_activities_use_parameters_and_assumptions() -> None:
    """The property above has something to compare: steps that use parameters (both ways) and assumptions."""
    steps = [s for _, _, sk in SKELETONS for s in sk.steps]
    assert any(s.applied for s in steps) and any(s.not_applied for s in steps)
    assert any(s.criterion.assumption for s in steps)
    assert any(s.criterion.kind != "eligibility" for s in steps)


MACHINERY = json.loads((Path(__file__).parent.parent / "examples" / "machinery-gia-lam.json").read_text("utf-8"))


def test_support_follows_the_law_in_force_in_one_rulebook() -> None:
    """The machinery ceiling is 200 M until 11 May 2018 and 300 M after (parameters.toml): deciding
    on either date, in turn and in both languages, explained or not, gives that date's ceiling."""
    rb = kcrules.load_rulebook(engine="native")
    cost = MACHINERY["project"]["eligible_cost_vnd"]  # 700 M: half of it is 350 M, above either ceiling
    for on, cap in [("2017-05-10", 200_000_000), ("2019-01-10", 300_000_000), ("2017-05-10", 200_000_000)]:
        for lang in ("vi", "en"):
            for explain in (False, True):
                d = rb.evaluate(MACHINERY, on=on, lang=lang, explain=explain)
                assert d.eligible and d.support.amount_vnd == cap == min(cost // 2, cap)
                assert d.support.bound == "machinery_cap"
                caps = [line for line in d.support.lines if line.step == "cap"]
                assert [line.amount_vnd for line in caps] == [cap]
                assert (i18n.money(cap, lang) in caps[0].text) if explain else caps[0].text == ""
