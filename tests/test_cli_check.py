"""`kcrules check FILE`: the real command, run as a subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from plain_words import internals_in

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


pytestmark = pytest.mark.usefixtures("english_locale")


def run_cli(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "kcrules.cli", *args], input=stdin, capture_output=True,
                            text=True, timeout=60, cwd=cwd or ROOT, encoding="utf-8")
    # Money is formatted with no-break spaces (babel); compare with plain ones.
    result.stdout = result.stdout.replace("\u00a0", " ").replace("\u202f", " ")
    return result


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


MACHINERY = json.loads((ROOT / "examples" / "machinery-gia-lam.json").read_text(encoding="utf-8"))


def write(tmp_path: Path, data: object, name: str = "app.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False) if not isinstance(data, str) else data, encoding="utf-8")
    return path


# ---------------------------------------------------------------- every example


def test_there_is_an_example_for_every_activity() -> None:
    import kcrules

    covered = {json.loads(p.read_text(encoding="utf-8"))["activity"] for p in EXAMPLES}
    assert set(kcrules.load_rulebook().activities) <= covered


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_decides_with_the_documented_exit_code(path: Path) -> None:
    result = run_cli("check", str(path), "--format", "json")
    no_traceback(result)
    decision = json.loads(result.stdout)
    refused = path.stem.endswith("-refused")
    assert result.returncode == (1 if refused else 0), result.stderr
    assert decision["eligible"] is (not refused)
    assert decision["activity"] == json.loads(path.read_text(encoding="utf-8"))["activity"]


def test_text_report_vietnamese_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LANG")  # no locale: Vietnamese
    result = run_cli("check", "examples/machinery-gia-lam.json")
    assert result.returncode == 0
    out = result.stdout
    assert "ĐỦ ĐIỀU KIỆN HỖ TRỢ" in out
    assert "200.000.000 ₫" in out  # the normal ceiling decides: no priority level is approved
    assert "TT 46/2012/TT-BCT Điều 4 khoản 4 điểm b" in out  # citations are shown
    assert "Lưu ý" in out and "QĐ 27/2015" in out  # guidance levels are flagged


def test_text_report_in_english() -> None:
    result = run_cli("check", "examples/machinery-gia-lam.json", "--lang", "en")
    assert result.returncode == 0
    assert "ELIGIBLE FOR SUPPORT" in result.stdout and "₫200,000,000" in result.stdout
    assert "Article 4(4)(b)" in result.stdout


def test_refused_report_puts_failed_criteria_first_with_actual_required_and_citation() -> None:
    result = run_cli("check", "examples/3.3-machinery-refused.json", "--lang", "en")
    assert result.returncode == 1
    out = result.stdout
    assert "NOT ELIGIBLE" in out
    failed_at = out.index("Criteria not met")
    assert failed_at < out.index("Criteria met:")
    block = out[failed_at:out.index("Criteria met:")]
    assert "Found: The machinery is new: no" in block  # in words: the field's label, the value's name
    assert "Required: The machinery is new: yes" in block
    assert "[activity.machinery_new]" not in block  # ids and condition code are for --verbose
    verbose = run_cli("check", "examples/3.3-machinery-refused.json", "--lang", "en", "--verbose").stdout
    assert "The machinery is new [activity.machinery_new]" in verbose
    assert "Condition in the rule files: project.machinery_new == true" in verbose
    assert "TT 46/2012/TT-BCT Article 4(4)(b)" in block


def test_json_output_is_exactly_the_library_serialisation() -> None:
    import kcrules

    result = run_cli("check", "examples/machinery-gia-lam.json", "--format", "json", "--lang", "en")
    assert result.returncode == 0
    expected = kcrules.load_rulebook().evaluate(MACHINERY, lang="en").model_dump(mode="json")
    assert json.loads(result.stdout) == expected


def test_toml_application_and_stdin(tmp_path: Path) -> None:
    toml = """
application_date = 2017-05-10
activity = "3.3-machinery"
[establishment]
kind = "HTX"
district = "Chuong My"
sector = "handicraft"
employees = 60
[project]
approved = true
counterpart_funding_committed = true
other_state_funding = false
eligible_cost_vnd = 100_000_000
machinery_new = true
machinery_improves = true
machinery_one_kind = true
"""
    path = write(tmp_path, toml, "app.toml")
    result = run_cli("check", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["support"]["amount_vnd"] == 50_000_000  # 50 % of 100 million
    piped = run_cli("check", "-", "--format", "json", stdin=json.dumps(MACHINERY))
    assert piped.returncode == 0
    assert json.loads(piped.stdout)["support"]["amount_vnd"] == 200_000_000
    piped_toml = run_cli("check", "-", "--format", "json", stdin=toml)
    assert json.loads(piped_toml.stdout)["support"]["amount_vnd"] == 50_000_000


def test_on_date_evaluates_under_the_law_then_in_force(tmp_path: Path) -> None:
    # The machinery ceiling changes on 2018-05-11 (200 → 300 million, assumed); no priority level is
    # approved in the example, so the normal ceiling bounds it either way.
    app = dict(MACHINERY, project=dict(MACHINERY["project"], eligible_cost_vnd=1_000_000_000))
    path = write(tmp_path, app)
    before = json.loads(run_cli("check", str(path), "--format", "json").stdout)
    after = json.loads(run_cli("check", str(path), "--format", "json", "--on", "2019-01-01").stdout)
    assert before["support"]["amount_vnd"] == 200_000_000
    assert after["support"]["amount_vnd"] == 300_000_000
    assert after["law_date"] == "2019-01-01"


# ---------------------------------------------------------------- bad input: one message, exit 2


@pytest.mark.parametrize("content, expected", [
    ("", "empty"),
    ("   \n", "empty"),
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not an object"),
    ("activity = ", "neither JSON nor TOML"),
])
def test_bad_documents(tmp_path: Path, content: str, expected: str) -> None:
    path = write(tmp_path, content, "app.txt" if expected == "neither JSON nor TOML" else "app.json")
    result = run_cli("check", str(path))
    no_traceback(result)
    assert result.returncode == 2
    assert expected in result.stderr
    assert result.stderr.startswith("kcrules: error:")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    result = run_cli("check", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "no such file" in result.stderr
    result = run_cli("check", str(tmp_path))
    assert result.returncode == 2 and "is a folder" in result.stderr
    no_traceback(result)


def test_empty_stdin() -> None:
    result = run_cli("check", "-", stdin="")
    assert result.returncode == 2 and "stdin is empty" in result.stderr
    no_traceback(result)


def test_unknown_codes_get_suggestions(tmp_path: Path) -> None:
    app = dict(MACHINERY, establishment=dict(MACHINERY["establishment"], district="Chuong Myy", sector="handicrafts"))
    result = run_cli("check", str(write(tmp_path, app)))
    no_traceback(result)
    assert result.returncode == 2
    assert "establishment.district" in result.stderr and "did you mean 'Chương Mỹ'?" in result.stderr
    assert "establishment.sector" in result.stderr and "did you mean 'handicraft'?" in result.stderr
    assert "kcrules schema" in result.stderr  # says what to do


def test_unknown_activity_and_field(tmp_path: Path) -> None:
    app = dict(MACHINERY, activity="3.3-machinry", projekt={})
    result = run_cli("check", str(write(tmp_path, app)))
    assert result.returncode == 2
    assert "3.3-machinery" in result.stderr  # suggested
    assert "projekt" in result.stderr and "unknown field" in result.stderr


def test_wrong_types(tmp_path: Path) -> None:
    app = dict(MACHINERY, application_date="10/05/2017",
               establishment=dict(MACHINERY["establishment"], employees="60"),
               project=dict(MACHINERY["project"], eligible_cost_vnd=7.5e8, approved="yes"))
    result = run_cli("check", str(write(tmp_path, app)))
    no_traceback(result)
    assert result.returncode == 2
    for field in ("application_date", "establishment.employees", "project.eligible_cost_vnd", "project.approved"):
        assert field in result.stderr


def test_usage_errors() -> None:
    result = run_cli("check", "examples/machinery-gia-lam.json", "--on", "yesterday")
    assert result.returncode == 2 and "not a date" in result.stderr
    result = run_cli("check", "examples/machinery-gia-lam.json", "--lang", "fr")
    assert result.returncode == 2
    result = run_cli("check", stdin="")  # no file and stdin is not a terminal
    assert result.returncode == 2 and "no application given" in result.stderr
    result = run_cli("check", "examples/machinery-gia-lam.json", "--rulebook", "hanoi-2016-2021")
    assert result.returncode == 2 and "hanoi-2016-2020" in result.stderr
    no_traceback(result)


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, dict(MACHINERY, activity="nope"))
    assert "Traceback" not in run_cli("check", str(path)).stderr
    assert "Traceback" in run_cli("--debug", "check", str(path)).stderr
    assert "Traceback" in run_cli("check", str(path), "--debug").stderr


# ---------------------------------------------------------------- what-if and the smallest changes


def test_what_if_shows_what_changes() -> None:
    result = run_cli("check", "examples/3.3-machinery-refused.json", "--lang", "en",
                     "--what-if", "project.machinery_new=yes")
    assert result.returncode == 0  # eligible after the change
    out = result.stdout
    assert "not eligible → eligible" in out
    assert "The machinery is new: not met → met" in out
    assert "Support: ₫0 → ₫150,000,000" in out  # 50 % of 300 million, under the ceiling
    # What changed comes first, then the whole report on the changed application.
    assert out.index("What if: The machinery is new = yes") < out.index("Support: ₫0 → ₫150,000,000") \
        < out.index("Application: ") < out.index("Criteria met:")


def test_what_if_json_has_before_and_after() -> None:
    result = run_cli("check", "examples/machinery-gia-lam.json", "--format", "json",
                     "--what-if", "project.eligible_cost_vnd=100.000.000", "establishment.employees=10")
    data = json.loads(result.stdout)
    assert data["before"]["support"]["amount_vnd"] == 200_000_000
    assert data["after"]["support"]["amount_vnd"] == 50_000_000
    assert data["changes"] == {"project.eligible_cost_vnd": 100_000_000, "establishment.employees": 10}


@pytest.mark.parametrize("item, message", [
    ("establishment.employes=5", "did you mean 'establishment.employees'"),
    ("project.approved=maybe", "yes or no"),
    ("establishment.district=Atlantis", "unknown code"),
    ("employees", "FIELD=VALUE"),
])
def test_what_if_bad_items(item: str, message: str) -> None:
    result = run_cli("check", "examples/machinery-gia-lam.json", "--what-if", item)
    no_traceback(result)
    assert result.returncode == 2
    assert message.lower() in result.stderr.lower()


def test_smallest_changes_for_a_refused_application(tmp_path: Path) -> None:
    # An enterprise too big for an SME (no capital given: 320 workers > 300) whose project is not approved.
    app = dict(MACHINERY, establishment={"kind": "enterprise", "district": "Chuong My", "sector": "handicraft",
                                         "employees": 320},
               project=dict(MACHINERY["project"], approved=False))
    path = write(tmp_path, app)
    result = run_cli("check", str(path), "--lang", "en")
    assert result.returncode == 1
    out = result.stdout
    assert "smallest changes" in out
    assert "Average number of workers: 320 → 300" in out  # the threshold, exactly
    assert "Project approved by the competent authority: no → yes" in out
    # The command to try names the real file.
    assert f"Try: kcrules check {path} --what-if establishment.employees=300 project.approved=true" in out
    # The suggestion is verified: applying it makes the application eligible.
    follow = run_cli("check", str(path), "--what-if", "establishment.employees=300", "project.approved=true")
    assert follow.returncode == 0


def test_smallest_changes_list_allowed_codes_and_respect_fixed_facts(tmp_path: Path) -> None:
    app = dict(MACHINERY, establishment=dict(MACHINERY["establishment"], district="Hoan Kiem"))
    path = write(tmp_path, app)
    held = run_cli("check", str(path), "--lang", "en")
    assert held.returncode == 1
    assert "No change that keeps the fixed facts" in held.stdout  # the district is held fixed by default
    free = run_cli("check", str(path), "--lang", "en", "--fixed", "establishment.kind")
    change = "District where the establishment produces: Hoan Kiem → one of: "
    assert change in free.stdout
    allowed = free.stdout.split(change)[1].split("\n")[0]
    assert "Soc Son" in allowed and "Hoan Kiem" not in allowed  # rural districts only, by name
    suggested = free.stdout.split("--what-if ")[1].split()[0]
    assert run_cli("check", str(path), "--what-if", suggested).returncode == 0


def test_what_if_names_every_bad_item_at_once() -> None:
    result = run_cli("check", "examples/machinery-gia-lam.json", "--what-if", "employees",
                     "establishment.employes=5", "project.approved=maybe")
    no_traceback(result)
    assert result.returncode == 2 and result.stdout == ""
    assert "invalid changes (3 problems)" in result.stderr


def test_an_unknown_fixed_fact_is_named_before_any_report() -> None:
    result = run_cli("check", "examples/3.3-machinery-refused.json", "--fixed", "establishment.knd,project")
    no_traceback(result)
    assert result.returncode == 2 and result.stdout == ""
    assert "did you mean 'establishment.kind'" in result.stderr


# ---------------------------------------------------------------- plain words (no internals in the report)

@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_report_is_in_plain_words(path: Path, lang: str) -> None:
    import kcrules
    from kcrules.cli.check import render
    from kcrules.cli.whatif import suggestions_text
    from kcrules.whatif import DEFAULT_FIXED, smallest_changes

    rb = kcrules.load_rulebook()
    app = rb.parse_application(json.loads(path.read_text(encoding="utf-8")))
    decision = rb.evaluate(app, lang=lang)
    text = render(rb, decision, lang, show_all=True)
    if not decision.eligible:
        text += "\n" + suggestions_text(rb, smallest_changes(rb, app), DEFAULT_FIXED, lang, file=str(path))
    assert not internals_in(text, list(rb.definition.params)), internals_in(text, list(rb.definition.params))
    # The check is not vacuous: the verbose report does show the ids.
    verbose = render(rb, decision, lang, show_all=True, verbose=True)
    assert internals_in(verbose, list(rb.definition.params))


def test_the_internals_check_catches_what_the_issue_names() -> None:
    params = ["machinery_cap"]
    for old in ("Yêu cầu: project.machinery_new == true", "Thực tế: establishment.district.unit_type = quan",
                "Mức hỗ trợ: 200.000.000 ₫ — giới hạn bởi machinery_cap", "Ưu tiên: … (điểm 20204)",
                "Priority: … (score 1)", "  ✓ Máy móc thiết bị là máy mới — NĐ 45/2012/NĐ-CP [activity.machinery_new]"):
        assert internals_in(old, params) == [old]
    assert not internals_in("Căn cứ: TT 46/2012/TT-BCT Điều 4 khoản 4 điểm b; QĐ 4892/QĐ-UBND §II.3.3", params)


@pytest.mark.parametrize("lang, line, bound, order", [
    ("vi", "Mức trần: Mức hỗ trợ tối đa mỗi cơ sở cho máy móc thiết bị, chuyển giao công nghệ: 200.000.000 ₫ × 1,5 "
           "(mức ưu tiên được phê duyệt) = 300.000.000 ₫",
     "Mức hỗ trợ: 300.000.000 ₫ — giới hạn bởi Mức hỗ trợ tối đa mỗi cơ sở cho máy móc thiết bị, chuyển giao công nghệ",
     "Thứ tự ưu tiên (xét lần lượt): 1) Địa bàn ưu tiên (theo thứ tự điểm a → d): "
     "Xã trong kế hoạch xây dựng nông thôn mới; 2) Ngành nghề ưu tiên (nhóm b trước, nhóm a sau): "),
    ("en", "Ceiling: Ceiling per establishment for machinery or technology transfer: ₫200,000,000 × 1.5 (approved priority level) "
           "= ₫300,000,000",
     "Support: ₫300,000,000 — bounded by Ceiling per establishment for machinery or technology transfer",
     "Order of priority (compared in turn): 1) Priority area (in the order of points a → d): "
     "Commune in the new-rural-areas programme plan; 2) Priority sector (group b before group a): "),
])
def test_an_uplifted_ceiling_shows_its_multiplication(tmp_path: Path, lang: str, line: str, bound: str,
                                                      order: str) -> None:
    app = dict(MACHINERY, project=dict(MACHINERY["project"], approved_level_percent=150,
                                       approved_by="Bộ Công Thương", approved_decision="QĐ 123/QĐ-BCT"))
    result = run_cli("check", str(write(tmp_path, app)), "--lang", lang)
    assert result.returncode == 0, result.stderr
    assert line in result.stdout and bound in result.stdout and order in result.stdout


def test_json_keeps_the_machine_forms_beside_the_words() -> None:
    result = run_cli("check", "examples/machinery-gia-lam.json", "--format", "json", "--lang", "vi")
    data = json.loads(result.stdout)
    assert data["support"]["bound"] == "machinery_cap"
    assert data["support"]["bound_label"] == "Mức hỗ trợ tối đa mỗi cơ sở cho máy móc thiết bị, chuyển giao công nghệ"
    assert data["priority"]["score"] == 20203 and data["priority"]["rank_key"] == [3, 1, -3]
    cap = next(w for w in data["warnings"] if w["parameter"] == "machinery_cap")
    assert cap["value_raw"] == 200_000_000 and cap["value"] == "200.000.000 ₫"
    share = next(w for w in data["warnings"] if w["parameter"] == "machinery_share")
    assert share["value_raw"] == "0.5" and share["value"] == "50%"
    start = next(w for w in data["warnings"] if w["parameter"] == "sme_law_start")
    assert start["value_raw"] == "2018-01-01" and start["value"] == "01/01/2018"
    period = next(r for r in data["reasons"] if r["criterion"] == "program.period")
    assert period["actual"] == {"application_date": "2017-05-10"}  # raw, ISO
    assert period["found"] == "Ngày nộp hồ sơ: 10/05/2017"
