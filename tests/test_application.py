"""Input validation: every problem reported at once, with field, given, allowed and a suggestion."""

from __future__ import annotations

import json

import pytest
from conftest import machinery_app

import kcrules
from kcrules import ApplicationError


def problems(rb: kcrules.Rulebook, app: object) -> dict[str, kcrules.Problem]:
    with pytest.raises(ApplicationError) as info:
        rb.parse_application(app)  # type: ignore[arg-type]
    return {p.where: p for p in info.value.problems}


def test_names_without_accents_are_accepted(hanoi: kcrules.Rulebook) -> None:
    app = hanoi.parse_application(machinery_app(**{"establishment.district": "gia lam",
                                                   "establishment.kind": "Hộ kinh doanh",
                                                   "activity": "3.3 MACHINERY"}))
    assert app.establishment is not None
    assert (app.establishment.district, app.establishment.kind, app.activity) == \
        ("gia_lam", "household_business", "3.3-machinery")


def test_statistics_office_code_is_an_alias(hanoi: kcrules.Rulebook) -> None:
    app = hanoi.parse_application(machinery_app(**{"establishment.district": "018"}))
    assert app.establishment is not None and app.establishment.district == "gia_lam"


def test_unknown_district_suggests_the_closest(hanoi: kcrules.Rulebook) -> None:
    p = problems(hanoi, machinery_app(**{"establishment.district": "Gia Lamm"}))["establishment.district"]
    assert p.given == "Gia Lamm" and p.suggestion == "Gia Lâm" and "thuong_tin" in (p.allowed or "")


def test_unknown_activity_suggests(hanoi: kcrules.Rulebook) -> None:
    p = problems(hanoi, machinery_app(activity="3.3-machinary"))["activity"]
    assert p.suggestion == "3.3-machinery"


def test_numbers_are_not_coerced_from_text(hanoi: kcrules.Rulebook) -> None:
    p = problems(hanoi, machinery_app(**{"establishment.employees": "12"}))["establishment.employees"]
    assert p.given == "12" and "integer" in p.message


@pytest.mark.parametrize("value", [-1, 1.5, 10**14, True])
def test_money_is_whole_non_negative_dong(hanoi: kcrules.Rulebook, value: object) -> None:
    assert "project.eligible_cost_vnd" in problems(hanoi, machinery_app(**{"project.eligible_cost_vnd": value}))


def test_impossible_date(hanoi: kcrules.Rulebook) -> None:
    p = problems(hanoi, machinery_app(application_date="2017-02-30"))["application_date"]
    assert p.given == "2017-02-30"


def test_end_before_start(hanoi: kcrules.Rulebook) -> None:
    app = machinery_app(activity="3.2-management-training", establishment=None,
                        applicant={"kind": "industry_trade_department"},
                        **{"project.start_date": "2018-09-10", "project.end_date": "2018-09-01"})
    assert "before start_date" in problems(hanoi, app)["project"].message


def test_a_quantity_the_activity_needs_is_an_error_not_a_zero(hanoi: kcrules.Rulebook) -> None:
    p = problems(hanoi, machinery_app(**{"project.machinery_new": None}))["project.machinery_new"]
    assert "required for activity 3.3-machinery" in p.message


def test_unknown_field_suggests(hanoi: kcrules.Rulebook) -> None:
    app = machinery_app(**{"establishment.employes": 3})
    p = problems(hanoi, app)["establishment.employes"]
    assert p.message == "unknown field" and p.suggestion == "employees"


def test_every_problem_is_listed_at_once(hanoi: kcrules.Rulebook) -> None:
    app = machinery_app(**{"establishment.district": "Nowhere", "establishment.employees": -3,
                           "project.eligible_cost_vnd": "much", "application_date": "never"})
    found = problems(hanoi, app)
    assert {"establishment.district", "establishment.employees", "project.eligible_cost_vnd",
            "application_date"} <= set(found)


def test_a_beneficiary_activity_needs_an_establishment(hanoi: kcrules.Rulebook) -> None:
    assert "establishment" in problems(hanoi, machinery_app(establishment=None))


def test_not_json_is_a_clear_error(hanoi: kcrules.Rulebook) -> None:
    assert "not valid JSON" in problems(hanoi, "{oops")["(document)"].message


def test_json_text_and_model_give_the_same_decision(hanoi: kcrules.Rulebook) -> None:
    app = machinery_app()
    model = hanoi.parse_application(app)
    assert hanoi.evaluate(json.dumps(app)) == hanoi.evaluate(model) == hanoi.evaluate(app)


def test_the_schema_lists_codes(hanoi: kcrules.Rulebook) -> None:
    schema = hanoi.application_schema()
    text = json.dumps(schema, ensure_ascii=False)
    assert "3.3-machinery" in text and "gia_lam" in text
    assert schema["properties"]["application_date"]["format"] == "date"


def test_dates_outside_1990_2100_are_typing_mistakes(hanoi: kcrules.Rulebook) -> None:
    assert "application_date" in problems(hanoi, machinery_app(application_date="2917-05-10"))


def test_the_law_date_may_be_a_date_a_datetime_or_iso_text(hanoi: kcrules.Rulebook) -> None:
    import datetime as dt

    app = machinery_app(**{"project.eligible_cost_vnd": 900_000_000})
    assert hanoi.evaluate(app, on=dt.datetime(2019, 1, 2, 9, 30)).law_date == dt.date(2019, 1, 2)
    assert hanoi.evaluate(app, on="2019-01-02").support.amount_vnd == 300_000_000  # the assumed TT 28 ceiling
    with pytest.raises(ApplicationError) as info:
        hanoi.evaluate(app, on="next year")  # type: ignore[arg-type]
    assert info.value.problems[0].where == "on"


def test_a_law_date_with_no_law_in_force_is_an_input_error(hanoi: kcrules.Rulebook) -> None:
    # Regression: on=1990-01-01 used to stop with an EvaluationError about missing facts.
    with pytest.raises(kcrules.InputError) as info:
        hanoi.evaluate(machinery_app(), on="1990-01-01")
    assert str(info.value) == ("the rulebook has no law in force on 1990-01-01; "
                               "it covers 2016-01-01 to 2020-12-31")
    with pytest.raises(kcrules.InputError):
        hanoi.evaluate(machinery_app(), on="2021-01-01")
    assert hanoi.evaluate(machinery_app(), on="2020-12-31").eligible


def test_the_example_gets_the_normal_ceiling_and_an_approved_level_raises_it(hanoi: kcrules.Rulebook) -> None:
    from pathlib import Path

    app = json.loads((Path(__file__).parent.parent / "examples" / "machinery-gia-lam.json").read_text("utf-8"))
    plain = hanoi.evaluate(app, lang="en")
    assert plain.support.amount_vnd == 200_000_000 and plain.support.bound == "machinery_cap"
    assert [line.step for line in plain.support.lines if line.step.startswith("approved")] == []
    assert any(line.step == "could_approve" and "up to 1.5" in line.text for line in plain.support.lines)
    assert "priority_uplift" not in {w.parameter for w in plain.warnings}  # no money rests on it
    app["project"].update(approved_level_percent=150, approved_by="UBND thành phố Hà Nội",
                          approved_decision="QĐ 1234/QĐ-UBND ngày 02/5/2017")
    raised = hanoi.evaluate(app, lang="en")
    assert raised.support.amount_vnd == 300_000_000
    (line,) = [line for line in raised.support.lines if line.step == "approved_level"]
    assert "UBND thành phố Hà Nội" in line.text and "QĐ 1234/QĐ-UBND" in line.text
    assert "priority_uplift" in {w.parameter for w in raised.warnings}


def test_a_short_activity_code_suggests_the_one_it_starts(hanoi: kcrules.Rulebook) -> None:
    assert problems(hanoi, machinery_app(activity="3.3"))["activity"].suggestion == "3.3-machinery"


def test_bytes_that_are_not_utf8_are_an_application_error(hanoi: kcrules.Rulebook) -> None:
    assert "not UTF-8" in problems(hanoi, b"\xff\xfe{")["(document)"].message


def test_the_abstract_national_rulebook_refuses_any_application_clearly() -> None:
    national = kcrules.load_rulebook("national-2012")
    app = machinery_app(**{"establishment.product_line": "ceramics"})  # a code table it does not have
    with pytest.raises(ApplicationError) as info:
        national.evaluate(app)
    assert "abstract" in str(info.value)


def test_a_decimal_is_not_read_as_a_whole_number() -> None:
    from kcrules.whatif import parse_value

    assert parse_value(None, "establishment.employees", "1.200") == 1200  # a thousands group
    with pytest.raises(ValueError, match="whole number"):
        parse_value(None, "establishment.employees", "12.5")


def test_a_reason_shared_between_decisions_cannot_be_changed(hanoi: kcrules.Rulebook) -> None:
    first = hanoi.evaluate(machinery_app())
    with pytest.raises(TypeError):
        first.reasons[0].actual["x"] = 1  # type: ignore[index]
    assert "x" not in hanoi.evaluate(machinery_app()).reasons[0].actual


@pytest.mark.parametrize("change", [
    {"project.machinery_new": None},                            # a fact the activity always asks for
    {"establishment": None, "applicant": {"kind": "industry_trade_department"}},  # no beneficiary
    {"project.machinery": None, "project.technology_transfer": None, "project.machinery_improves": None},
])
def test_a_model_built_without_the_rulebook_is_checked_for_its_activity_needs(
        hanoi: kcrules.Rulebook, change: dict[str, object]) -> None:
    """An Application validated by the model alone (not by parse_application) lacks what the activity
    needs: evaluate names the same problems as for the same application given as a dict."""
    app = machinery_app(**change)
    model = kcrules.Application.model_validate(app)
    with pytest.raises(ApplicationError) as from_model:
        hanoi.evaluate(model)
    assert sorted(p.where for p in from_model.value.problems) == sorted(problems(hanoi, app))
    assert problems(hanoi, app)


def test_an_application_the_rulebook_validated_is_known_while_it_lives(hanoi: kcrules.Rulebook) -> None:
    """parse_application's result, given again, is returned as it is (it is frozen, so still valid);
    a copy with changes is read again; the rulebook forgets an application once it is gone."""
    import gc

    app = hanoi.parse_application(machinery_app())
    assert hanoi.parse_application(app) is app
    assert hanoi.evaluate(app) == hanoi.evaluate(machinery_app())
    # A copy is another object, read again: a district given by name is normalised, an unknown one refused.
    typed = app.model_copy(update={"establishment": app.establishment.model_copy(update={"district": "Thường Tín"})})
    assert hanoi.parse_application(typed).establishment.district == "thuong_tin"
    wrong = app.model_copy(update={"establishment": app.establishment.model_copy(update={"district": "Nowhere"})})
    with pytest.raises(ApplicationError) as refused:
        hanoi.evaluate(wrong)
    assert [p.where for p in refused.value.problems] == ["establishment.district"]
    # So is a model the rulebook never validated, even equal to one it did.
    assert hanoi.parse_application(kcrules.Application.model_validate(machinery_app())) == app
    known = hanoi._reader._valid
    assert any(ref() is app for ref in known.values())
    before = len(known)
    del app, typed, wrong
    gc.collect()
    assert len(known) < before and all(ref() is not None for ref in known.values())  # no entry outlives its application
