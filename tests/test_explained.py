"""An explained decision's sentences are the same however much of them was written before.

A rulebook keeps what it wrote: each reason on its criterion, outcome, language and
the values it reads; what a reason shows as found, shared between the criteria
reading the same facts; each fact's "label: value"; the words around a summary's
amount. Each test here compares what those memos give with what is written afresh:
a rulebook warmed on thousands of other applications against a new rulebook for
every decision (a memo key missing a value the sentence depends on would hand one
application another's sentence), and every reason against its own parts put
together from its own facts (a part shared between criteria that should not be).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import kcrules
from kcrules.util.memo import MEMO_MAX
from kcrules.errors import KcrulesError
from kcrules.models import Decision
from kcrules.rulefiles import conditions as cond
from kcrules.testing import generate
from kcrules.text import i18n
from kcrules.text.conditions import plain_name
from kcrules.text.reasons import Explainer

WARM = kcrules.load_rulebook(engine="native")
WARM_DURABLE = kcrules.load_rulebook(engine="durable")
for _app in generate(WARM, 1_500, seed=7):  # other applications first: the memos hold what they left
    for _lang in ("vi", "en"):
        WARM.evaluate(_app, lang=_lang).reasons  # noqa: B018 (written when first read)
APPS = generate(WARM, 120, seed=2016)


def decided(rb: kcrules.Rulebook, app: dict[str, Any], lang: str) -> Decision | None:
    try:
        return rb.evaluate(app, lang=lang)
    except KcrulesError:
        return None  # refused by both alike: compared below


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_warm_rulebook_writes_what_a_new_one_writes(lang: str) -> None:
    compared = 0
    for app in APPS:
        warm, new = decided(WARM, app, lang), decided(kcrules.load_rulebook(engine="native"), app, lang)
        assert (warm is None) == (new is None)
        if warm is not None and new is not None:
            assert warm.model_dump_json() == new.model_dump_json()
            compared += 1
    assert compared > 100


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_durable_engines_facts_give_the_same_sentences(lang: str) -> None:
    # durable-rules' fact holds only the values set: its memo keys are read another way, to the same reasons.
    for app in APPS[:60]:
        native, durable = decided(WARM, app, lang), decided(WARM_DURABLE, app, lang)
        assert (native is None) == (durable is None)
        if native is not None and durable is not None:
            assert native.model_dump_json() == durable.model_dump_json()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_reason_is_its_own_parts_put_together(lang: str) -> None:
    d = WARM.definition
    writer = Explainer(d, MEMO_MAX)  # new: nothing shared with the warm rulebook's writer
    criteria = {c.id: c for act in d.activities.values() for c in WARM.criteria_of(act.id)}
    found_word, required_word = i18n.msg("found", lang), i18n.msg("required", lang)
    checked = 0
    for app in APPS:
        decision = decided(WARM, app, lang)
        for r in decision.reasons if decision is not None else ():
            c = criteria[r.criterion]
            refs = cond.refs_of(c.condition) + (cond.refs_of(c.applies_when) if c.applies_when is not None else [])
            assert list(r.actual) == [ref for ref in dict.fromkeys(refs) if not ref.startswith("params.")]
            # The reason's own facts, as its fact holds them (dates as day numbers).
            fact = {cond.fact_key(ref): dt.date.fromisoformat(raw).toordinal()  # type: ignore[arg-type]
                    if raw is not None and writer._kind(ref) == "date" else raw for ref, raw in r.actual.items()}
            found = "; ".join(f"{plain_name(d, ref, lang)}: {writer.value(ref, fact, lang)}" for ref in r.actual)
            assert r.found == (found or "—")
            assert r.text == (f"{c.label[lang]} — {i18n.msg(r.outcome, lang)}. {found_word}: {r.found}. "
                              f"{required_word}: {r.required} ({r.citation.text})")
            checked += 1
    assert checked > 1_000


def test_a_summary_is_the_message_with_the_amount() -> None:
    for lang in ("vi", "en"):
        for app in APPS:
            decision = decided(WARM, app, lang)
            if decision is not None and decision.eligible:
                act = WARM.definition.activities[decision.activity]
                assert decision.summary == i18n.msg("summary_yes", lang, verdict=i18n.msg("eligible", lang),
                                                    amount=i18n.money(decision.support_vnd, lang),
                                                    activity=act.label[lang])


def test_the_words_around_a_field_are_the_message_with_it_filled_in() -> None:
    before, after = i18n.msg_around("summary_yes", "en", "amount", verdict="V", activity="{A}")
    assert before + "X" + after == i18n.msg("summary_yes", "en", verdict="V", amount="X", activity="{A}")
    with pytest.raises(ValueError):
        i18n.msg_around("summary_yes", "en", "nowhere", verdict="V", activity="A")
