"""A decision's reasons, summary and computation lines are written when first read, and the decision is
the same to its reader.

``Rulebook.evaluate`` returns the Decision with its reasons and summary still to
write, and an eligible one's Support with its computation lines still to write
(see ``models._WrittenLater``). Each test takes a fresh decision, does one
thing a reader may do first, and compares with the decision read back from its
JSON (pydantic-validated, nothing left to write): a part missing, out of order or
written wrong breaks it.
"""

from __future__ import annotations

import copy
import pickle
import threading
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import kcrules
from kcrules.errors import KcrulesError
from kcrules.models import Decision
from kcrules.testing import applications
from kcrules.text.reasons import Explainer
from tests.conftest import machinery_app

NATIVE = kcrules.load_rulebook(engine="native")

APPS = {
    "eligible": machinery_app(),
    "refused": machinery_app(**{"project.machinery_new": False, "establishment.district": "hoan_kiem"}),
}


def fresh(rb: kcrules.Rulebook, which: str, **options: Any) -> Decision:
    return rb.evaluate(APPS[which], **options)


def read_back(d: Decision) -> Decision:
    return Decision.model_validate_json(d.model_dump_json())


class Holder(BaseModel):
    decisions: list[Decision]


FIRST_READS: dict[str, Callable[[Decision], Any]] = {
    "reasons": lambda d: d.reasons,
    "summary": lambda d: d.summary,
    "failed": lambda d: d.failed,
    "model_dump": lambda d: d.model_dump(),
    "dict": lambda d: dict(d),
    "repr": repr,
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
    "pickle": lambda d: pickle.loads(pickle.dumps(d)),
    "model_copy": lambda d: d.model_copy(),
    "inside another model": lambda d: Holder(decisions=[d]).model_dump_json(),
    "support.lines": lambda d: d.support.lines,
    "support.model_dump": lambda d: d.support.model_dump(),
    "support.model_dump_json": lambda d: d.support.model_dump_json(),
    "support repr": lambda d: repr(d.support),
    "support copy": lambda d: copy.copy(d.support),
    "support pickle": lambda d: pickle.loads(pickle.dumps(d.support)),
    "support hash": lambda d: hash(d.support),
    "support equality": lambda d: d.support == d.support.model_copy(),
}


@pytest.mark.parametrize("which", sorted(APPS))
@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("first", sorted(FIRST_READS))
def test_whatever_is_read_first_the_decision_equals_its_json_read_back(hanoi: kcrules.Rulebook, which: str,
                                                                         lang: str, first: str) -> None:
    expected = read_back(hanoi.evaluate(APPS[which], lang=lang))
    d = hanoi.evaluate(APPS[which], lang=lang)
    got = FIRST_READS[first](d)
    assert d == expected
    assert d.model_dump_json() == expected.model_dump_json()
    if isinstance(got, Decision):  # a copy (or pickled copy) is whole and equal
        assert got == expected and got.reasons == expected.reasons and got.summary == expected.summary
    if first == "inside another model":
        assert got == f'{{"decisions":[{expected.model_dump_json()}]}}'
    if first == "repr":
        assert "reasons=(" in got and "summary=" in got
    if first.startswith("support"):
        assert d.support == expected.support and d.support.lines == expected.support.lines
        assert hash(d.support) == hash(expected.support)
    if first in ("support copy", "support pickle"):
        assert got == expected.support and got.lines == expected.support.lines
    if first == "support repr":
        assert "lines=(" in got


def test_computation_lines_are_written_only_when_read(hanoi: kcrules.Rulebook) -> None:
    d = fresh(hanoi, "eligible", lang="en")
    s = d.support
    assert s.amount_vnd == 150_000_000 and s.bound == "share" and s.bound_label  # half of 300 M, under the cap
    assert "lines" not in s.__dict__  # amount, bound and its label need no line
    lines = s.lines
    assert [line.step for line in lines] == ["base", "share", "cap", "result"]
    assert lines[-1].amount_vnd == s.amount_vnd and s.lines is lines  # written once, then kept
    assert list(s.__dict__) == list(type(s).model_fields)  # the JSON's key order
    with pytest.raises(Exception, match="frozen"):
        s.lines = ()  # type: ignore[misc]


def test_equality_needs_no_read_first_on_either_side(hanoi: kcrules.Rulebook) -> None:
    assert fresh(hanoi, "eligible") == fresh(hanoi, "eligible")
    assert fresh(hanoi, "eligible") != fresh(hanoi, "refused")
    assert fresh(hanoi, "eligible") != fresh(hanoi, "eligible", lang="en")


def test_the_json_keeps_the_fields_order(hanoi: kcrules.Rulebook) -> None:
    d = fresh(hanoi, "refused")
    d.eligible  # noqa: B018 (a field that is there from the start, read first)
    assert list(d.model_dump()) == list(Decision.model_fields)
    assert list(fresh(hanoi, "refused").model_dump()) == list(Decision.model_fields)


def test_sentences_are_written_only_when_read(hanoi: kcrules.Rulebook, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[str] = []
    real = Explainer.reason

    def counting(self: Explainer, c: Any, *args: Any) -> Any:
        written.append(c.id)
        return real(self, c, *args)

    monkeypatch.setattr(Explainer, "reason", counting)
    # A day and a cost no other test decides: no reason of it is already written (and memoised).
    app = machinery_app(**{"project.eligible_cost_vnd": 287_654_321, "application_date": "2017-02-27"})
    d = hanoi.evaluate(app)
    assert d.eligible and d.support_vnd == 143_827_160  # half the cost, rounded down
    assert d.priority.rank_key and d.warnings and d.support.lines[-1].text
    assert written == []  # eligibility, amount, rank and warnings need no sentence
    reasons = d.reasons
    assert written and d.reasons is reasons  # written once, then kept
    assert len(written) == len(set(written))


def test_unexplained_decisions_are_written_bare(hanoi: kcrules.Rulebook) -> None:
    d = fresh(hanoi, "refused", explain=False)
    assert d.summary == "" and d.reasons and all(r.text == "" and r.actual == {} for r in d.reasons)
    assert [r.outcome for r in d.reasons] == [r.outcome for r in fresh(hanoi, "refused").reasons]


def test_a_decision_stays_frozen_before_and_after_its_parts_are_written(hanoi: kcrules.Rulebook) -> None:
    d = fresh(hanoi, "eligible")
    with pytest.raises(Exception, match="frozen"):
        d.summary = "x"  # type: ignore[misc]
    d.reasons  # noqa: B018
    with pytest.raises(Exception, match="frozen"):
        d.reasons = ()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        d.no_such_field  # type: ignore[attr-defined]  # noqa: B018


def test_a_copy_with_changes_leaves_the_decisions_it_came_from_as_they_were(hanoi: kcrules.Rulebook) -> None:
    """The parts kcrules assembles share their class's set of fields given (models.assemble): a copy
    made with changes gets a set of its own, and every other decision and part keeps all its fields."""
    one, two = fresh(hanoi, "eligible"), fresh(hanoi, "refused")
    changed = one.model_copy(update={"summary": "x"})
    reason = one.reasons[0].model_copy(update={"text": "x"})
    assert (changed.summary, reason.text) == ("x", "x")
    # Each copy's set is its own: changing it leaves every decision and part it came from whole.
    changed.model_fields_set.discard("summary")
    reason.model_fields_set.discard("text")
    for model in (one, two, one.support, two.support, *one.reasons, *two.reasons, *one.support.lines):
        assert model.model_fields_set == set(type(model).model_fields)
    assert one == read_back(one) and two == read_back(two)
    assert one.summary != "x" and one.reasons[0].text != "x"


def test_threads_reading_one_new_decision_all_read_the_same_parts(hanoi: kcrules.Rulebook) -> None:
    expected = read_back(fresh(hanoi, "refused"))
    for _ in range(20):
        d = fresh(hanoi, "refused")
        seen: list[Any] = []
        start = threading.Barrier(6)

        def read(d: Decision = d) -> None:
            start.wait()
            seen.append((d.reasons, d.summary, d.model_dump_json()))

        threads = [threading.Thread(target=read) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert seen == [(expected.reasons, expected.summary, expected.model_dump_json())] * 6


def test_a_decision_is_unhashable_as_before(hanoi: kcrules.Rulebook) -> None:
    # Its reasons hold a dict of the facts read: a frozen model of them cannot be hashed.
    with pytest.raises(TypeError, match="unhashable"):
        hash(fresh(hanoi, "eligible"))
    with pytest.raises(TypeError, match="unhashable"):
        hash(read_back(fresh(hanoi, "eligible")))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(app=applications(NATIVE), lang=st.sampled_from(["vi", "en"]), explain=st.booleans())
def test_any_application_screened_writes_no_sentence_and_reads_back_equal(app: dict[str, Any], lang: str,
                                                                           explain: bool) -> None:
    # Invariants of every decision: what a screening caller reads needs no sentence, and the
    # decision written later is the one its JSON describes.
    written: list[str] = []
    real = Explainer.reason

    def counting(self: Explainer, c: Any, *args: Any) -> Any:
        written.append(c.id)
        return real(self, c, *args)

    try:
        Explainer.reason = counting  # type: ignore[method-assign]
        try:
            d = NATIVE.evaluate(app, lang=lang, explain=explain)
        except KcrulesError:
            return  # a generated application the rulebook refuses: nothing to write
        d.eligible, d.support.amount_vnd, d.support.bound, d.priority.rank_key, d.warnings  # noqa: B018
        assert written == []
        assert d == read_back(d)
        assert sorted(r.criterion for r in d.reasons) == sorted(c.id for c in NATIVE.criteria_of(d.activity))
    finally:
        Explainer.reason = real  # type: ignore[method-assign]
