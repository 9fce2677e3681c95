"""The scenario-case plugin: where it finds case files, and how it reports a mismatch."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import machinery_app

import kcrules
from kcrules.rulefiles.loader import bundled_root

pytest_plugins = ["pytester"]

# The inner pytest runs in this process and forgets the modules it imported;
# babel's Locale objects cached by kcrules must come from modules imported here.
kcrules.load_rulebook().evaluate(machinery_app(), lang="en")
kcrules.load_rulebook().evaluate(machinery_app(), lang="vi")

CASE = """
[[case]]
name = "household in Thường Tín, half of the cost"
[case.application]
application_date = 2017-05-10
activity = "3.3-machinery"
[case.application.establishment]
kind = "household_business"
district = "Thường Tín"
sector = "handicraft"
employees = 12
[case.application.project]
approved = true
counterpart_funding_committed = true
other_state_funding = false
eligible_cost_vnd = 300_000_000
machinery_new = true
machinery_improves = true
machinery_one_kind = true
[case.expect]
eligible = true
support_vnd = {amount}
bound = "share"
failed = []
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # Hypothesis' own plugin costs a second at every start and is not needed inside.
    return pytester.runpytest("-p", "no:hypothesispytest", "-p", "no:cacheprovider", *args)


def case_text(amount: str = "150_000_000", head: str = "") -> str:
    return textwrap.dedent(head) + CASE.replace("{amount}", amount)


def test_cases_beside_a_rulebook_run(pytester: pytest.Pytester) -> None:
    book = pytester.path / "my-province"
    shutil.copytree(bundled_root() / "hanoi-2016-2020", book, ignore=shutil.ignore_patterns("tests"))
    (book / "rulebook.toml").write_text(
        (book / "rulebook.toml").read_text(encoding="utf-8").replace('id = "hanoi-2016-2020"', 'id = "my-province"'),
        encoding="utf-8")
    (book / "tests").mkdir()
    (book / "tests" / "machinery.toml").write_text(case_text(), encoding="utf-8")
    (book / "notes.toml").write_text("", encoding="utf-8")  # a rule file, not a case file
    result = run(pytester, "-q")
    result.assert_outcomes(passed=1)


def test_user_case_files_by_suffix_and_by_ini_folder(pytester: pytest.Pytester) -> None:
    pytester.makefile(".kccases.toml", mine=case_text(head='rulebook = "hanoi-2016-2020"\n'))
    folder = pytester.path / "acceptance"
    folder.mkdir()
    (folder / "a.toml").write_text(case_text(), encoding="utf-8")
    (pytester.path / "other.toml").write_text("[tool]\nx = 1\n", encoding="utf-8")  # not a case file
    pytester.makeini("[pytest]\nkcrules_cases = acceptance\n")
    result = run(pytester, "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*acceptance/a.toml::household in Th*PASSED*",
                                 "*mine.kccases.toml::household in Th*PASSED*"])


def test_a_case_file_names_its_rulebook_folder(pytester: pytest.Pytester, mini: Path) -> None:
    shutil.copytree(mini, pytester.path / "mini")
    pytester.makefile(".kccases.toml", training=textwrap.dedent("""
        rulebook = "mini"
        engine = "native"
        [[case]]
        name = "36 learners is one too many"
        [case.application]
        application_date = 2017-01-01
        activity = "training"
        applicant = { kind = "industry_trade_department" }
        project = { approved = true, counterpart_funding_committed = true, other_state_funding = false, eligible_cost_vnd = 100, learners = 36 }
        [case.expect]
        eligible = false
        failed = ["mini.class_size"]
        """))
    run(pytester).assert_outcomes(passed=1)


def test_a_mismatch_is_a_table_of_expected_and_actual_with_the_reasons(pytester: pytest.Pytester) -> None:
    pytester.makefile(".kccases.toml", wrong=case_text(amount="160_000_000"))
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*scenario case 'household in Thường Tín, half of the cost' does not match the decision:",
        "*field * expected * actual",
        "*support_vnd * 160,000,000 * 150,000,000",
        "*decision: *",
        "*support: *",
    ])
    assert "Traceback" not in result.stdout.str() and "def runtest" not in result.stdout.str()


def test_expected_refusal_of_an_invalid_application(pytester: pytest.Pytester) -> None:
    text = case_text().replace("employees = 12", 'employees = "twelve"')
    text = text.replace('eligible = true\nsupport_vnd = 150_000_000\nbound = "share"\nfailed = []',
                        'error = "establishment.employees"')
    pytester.makefile(".kccases.toml", refused=text)
    run(pytester).assert_outcomes(passed=1)
    pytester.makefile(".kccases.toml", refused=text.replace('"establishment.employees"', '"project.learners"'))
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*error at * project.learners * [[]establishment.employees[]]*"])


def test_an_invalid_application_without_error_expected_is_one_clear_message(pytester: pytest.Pytester) -> None:
    pytester.makefile(".kccases.toml", bad=case_text().replace('district = "Thường Tín"', 'district = "Thuong Tinn"'))
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ApplicationError: invalid application*", "*did you mean 'Thường Tín'?*"])
    assert "Traceback" not in result.stdout.str()


@pytest.mark.parametrize(("text", "message"), [
    ("[[case]]\nname = 'x'\n[case.application\n", "not valid TOML"),
    ("title = 'cases'\n[[case]]\nname = 'x'\n", "a case file holds*tables"),
    ("[[case]]\nname = 'x'\n[[case]]\nname = 'x'\n", "case #2 needs a unique name"),
    ("engine = 'fast'\n[[case]]\nname = 'x'\n", "engine must be one of*"),
])
def test_malformed_case_files_are_reported_without_traceback(pytester: pytest.Pytester, text: str,
                                                             message: str) -> None:
    pytester.makefile(".kccases.toml", broken=text)
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*{message}*"])
    assert "Traceback" not in result.stdout.str()


def test_unknown_keys_in_a_case_are_named(pytester: pytest.Pytester) -> None:
    pytester.makefile(".kccases.toml", keys=case_text().replace("[case.expect]", "[case.expect]\namount = 1"))
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*expect keys*got*amount*"])
