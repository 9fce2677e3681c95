"""`kcrules check FILE`: the real command, run as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
    assert "Article 4 clause 4 point b" in result.stdout


def test_refused_report_puts_failed_criteria_first_with_actual_required_and_citation() -> None:
    result = run_cli("check", "examples/3.3-machinery-refused.json", "--lang", "en")
    assert result.returncode == 1
    out = result.stdout
    assert "NOT ELIGIBLE" in out
    failed_at = out.index("Criteria not met")
    assert failed_at < out.index("Criteria met:")
    block = out[failed_at:out.index("Criteria met:")]
    assert "[activity.machinery_new]" in block
    assert "Found: project.machinery_new = no" in block
    assert "Required: project.machinery_new == true" in block
    assert "TT 46/2012/TT-BCT Article 4 clause 4 point b" in block


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
    assert "[activity.machinery_new]: not met → met" in out
    assert "Support: ₫0 → ₫150,000,000" in out  # 50 % of 300 million, under the ceiling


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
    assert "establishment.employees: 320 → 300" in out  # the threshold, exactly
    assert "project.approved: no → yes" in out
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
    assert "establishment.district:" in free.stdout and "one of: " in free.stdout
    allowed = free.stdout.split("one of: ")[1].split("\n")[0]
    assert "soc_son" in allowed and "hoan_kiem" not in allowed  # rural districts only
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
