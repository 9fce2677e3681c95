"""What a rulebook works out once per activity, against what each decision would work out itself.

A decision's outline, from one function generated per activity, against its definition read
plainly. The outline is what eligibility, priority, support and warnings take from the outcome codes:
the eligibility criteria not met, the priority criteria met, the parameters the decision used
(each step's when it applies, or when it does not; in step order, each once) and the criteria
applied whose rule is an assumption. Every activity of every bundled rulebook, on any codes.

A decision's support and warnings, from the terms worked out once per activity, law in force,
language and explanation and the warnings written once per parameter value: one rulebook deciding
under two laws in turn gives each law's ceiling and says each law's provenance of it.

The law of a day, worked out once per period in which no parameter changes value (found by
bisection): every parameter's value on that day, read plainly, on any day of every bundled rulebook.
"""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kcrules
from kcrules.decide.criteria import steps as steps_of
from kcrules.decide.outcomes import Outline, Skeleton
from kcrules.decide.params import LawOnDate
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
                # Before 11 May 2018 the ceiling is national guidance, after it an assumption: each warned as such.
                warned = {w.parameter: w for w in d.warnings}["machinery_cap"]
                assert (warned.provenance, warned.value_raw) == (
                    ("guidance", 200_000_000) if cap == 200_000_000 else ("assumption", 300_000_000))


def law_plainly(rulebook: kcrules.Rulebook, day: dt.date) -> dict[str, object]:
    """Every parameter's value on ``day``, each read from its own periods."""
    found = {}
    for p in rulebook.definition.params.values():
        for v in p.values:
            if v.start <= day and (v.until is None or day < v.until):
                found[p.id] = v
                break
    return found


# Every day a parameter's value starts or ends, the day before, and days far from any.
CHANGES = sorted({b + dt.timedelta(days=k) for rb in RULEBOOKS for p in rb.definition.params.values()
                  for v in p.values for b in (v.start, v.until) if b is not None for k in (-1, 0)})


@settings(max_examples=200, deadline=None)
@given(days=st.lists(st.one_of(st.sampled_from(CHANGES),
                               st.dates(min_value=CHANGES[0] - dt.timedelta(days=800),
                                        max_value=CHANGES[-1] + dt.timedelta(days=800))), min_size=1, max_size=8))
def test_the_law_of_a_day_is_each_parameters_value(days: list[dt.date]) -> None:
    for rb in RULEBOOKS:
        law = LawOnDate(rb.definition)  # days in any order: a period worked out first serves the later ones
        for day in days:
            expected = law_plainly(rb, day)
            got = law.values(day)
            assert list(got) == list(expected) and all(got[k] is expected[k] for k in expected)
            # What rules match: whole numbers, and percents that are whole; ratios only compute support.
            facts = {}
            for k, v in expected.items():
                value = v.value
                if isinstance(value, Fraction):
                    if rb.definition.params[k].unit != "percent" or (value * 100).denominator != 1:
                        continue
                    value = int(value * 100)
                facts[f"params__{k}"] = value
            assert law.fact_items(day) == facts
