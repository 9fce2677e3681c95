"""kcrules diff: the report of a rule change, on the two changes docs/changing-rules.md shows."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import machinery_app

import kcrules
from kcrules import cli
from kcrules.diff import diff, read_corpus, resolve
from kcrules.errors import InputError
from kcrules.rulefiles.loader import bundled_root
from kcrules.testing import generate

HANOI = kcrules.load_rulebook(engine="native")


def raised_cap(folder: Path, value: str = "250_000_000") -> Path:
    """A copy of the Hanoi rulebook with the 2016–2018 machinery ceiling raised (the docs' example)."""
    book = folder / "hanoi-raised-cap"
    shutil.copytree(bundled_root() / "hanoi-2016-2020", book, ignore=shutil.ignore_patterns("tests"))
    params = book / "parameters.toml"
    text = params.read_text(encoding="utf-8")
    old = 'until = 2018-05-11\nvalue = 200_000_000\nprovenance = "guidance"'
    assert old in text
    params.write_text(text.replace(old, old.replace("200_000_000", value)), encoding="utf-8")
    return book


NO_ND39 = '''
[rulebook]
id = "hanoi-nd56-only"
extends = "hanoi-2016-2020"
title = { vi = "Hà Nội 2016–2020 nếu NĐ 56/2009 còn hiệu lực", en = "Hanoi 2016–2020 had NĐ 56/2009 stayed in force" }
'''


def nd56_only(folder: Path) -> Path:
    """Hanoi as if NĐ 39/2018 never replaced NĐ 56/2009: the old side of the 2018-03-11 switch."""
    book = folder / "hanoi-nd56-only"
    book.mkdir()
    (book / "rulebook.toml").write_text(NO_ND39, encoding="utf-8")
    national = (bundled_root() / "national-2012" / "parameters.toml").read_text(encoding="utf-8")
    blocks = []
    for pid in ("sme56_industry_capital_max", "sme56_industry_workers_max", "sme56_trade_capital_max",
                "sme56_trade_workers_max"):
        block = re.search(rf"\[parameters\.{pid}\]\n.*?(?=\n\[parameters\.(?!{pid}\.)|\Z)", national, re.S)
        assert block
        blocks.append(block.group(0).replace("until = 2018-03-11\n", "")
                      .replace('unit = "', 'overrides = "national-2012"\nunit = "', 1))
    blocks.append('''
[parameters.sme_decree_switch]
overrides = "national-2012"
label = { vi = "NĐ 39/2018 không thay NĐ 56/2009 (để so sánh)", en = "NĐ 39/2018 never replaces NĐ 56/2009 (for comparison)" }
unit = "date"
[[parameters.sme_decree_switch.values]]
from = 2012-07-05
value = 2100-01-01
provenance = "assumption"
note = { vi = "Giả định đối chứng, chỉ để so sánh.", en = "Counterfactual for kcrules diff only." }
cite = { source = "nd56", article = 3 }
''')
    (book / "parameters.toml").write_text("\n".join(blocks), encoding="utf-8")
    return book


def test_the_same_rulebook_changes_nothing() -> None:
    report = diff(HANOI, "hanoi-2016-2020", generate(HANOI, 200, seed=2))
    assert not report.changed and report.changed_decisions == 0
    assert report.parameters == () and report.rules == ()
    assert report.evaluated + sum(report.refused_counts.values()) == 200
    assert report.budget["delta_vnd"] == 0


def test_raising_the_machinery_cap(tmp_path: Path) -> None:
    new = resolve(raised_cap(tmp_path))
    apps = generate([HANOI, new], 600, seed=1, activity="3.3-machinery")
    report = diff(HANOI, new, apps)
    assert report.flip_counts == {"to_ineligible": 0, "to_eligible": 0}  # a cap moves money, not eligibility
    (machinery,) = report.activities
    assert machinery.decreased == 0 and machinery.increased > 0
    assert machinery.max_delta_vnd == 50_000_000  # 50 M more: no generated application states an approved level
    assert report.budget["delta_vnd"] == machinery.delta_vnd > 0
    (param,) = report.parameters
    assert param.id == "machinery_cap" and "200,000,000" in param.old and "250,000,000" in param.new
    assert report.rules == ()
    # each increase is exactly what the cap explains
    for app in apps:
        old, new_d = HANOI.evaluate(app), new.evaluate(app)
        if new_d.support.amount_vnd != old.support.amount_vnd:
            assert old.support.bound == "machinery_cap" and app["application_date"] < "2018-05-11"


def test_the_sme_decree_switch_of_2018_03_11(tmp_path: Path) -> None:
    old = resolve(nd56_only(tmp_path))
    apps = generate([old, HANOI], 1500, seed=1)
    report = diff(old, HANOI, apps)
    assert report.flip_counts["to_ineligible"] > 0 and report.flip_counts["to_eligible"] > 0
    assert set(report.flip_criteria) <= {"beneficiary.sme_nd39_industry", "beneficiary.sme_nd39_trade",
                                         "beneficiary.sme_nd56_industry", "beneficiary.sme_nd56_trade",
                                         "beneficiary.sme_nd56_industry_2018", "beneficiary.sme_nd56_trade_2018"}
    for flip in report.flips:
        app = apps[flip.index]
        assert app["application_date"] >= "2018-03-11"  # before the switch both decide alike
        assert HANOI.parse_application(app).establishment.kind == "enterprise"  # typed as a code or a name
    changed = {c.id for c in report.parameters}
    assert changed == {"sme_decree_switch", "sme56_industry_capital_max", "sme56_industry_workers_max",
                       "sme56_trade_capital_max", "sme56_trade_workers_max"}


def test_refused_applications_are_counted_per_side(tmp_path: Path) -> None:
    good, typo = machinery_app(), machinery_app(**{"establishment.district": "Atlantis"})
    report = diff(HANOI, HANOI, [good, typo, "not json object"])
    assert report.evaluated == 1 and report.refused_counts == {"both": 2}
    assert "Atlantis" in report.refused[0].message or "district" in report.refused[0].message
    assert not report.changed  # refused by both is not a change


def test_rulebook_specs(tmp_path: Path) -> None:
    assert resolve("hanoi-2016-2020").id == "hanoi-2016-2020"
    assert resolve(f"hanoi-2016-2020@{HANOI.version[:8]}").version == HANOI.version
    with pytest.raises(InputError, match="REV:PATH"):
        resolve("hanoi-2016-2020@0000")
    with pytest.raises(kcrules.UnknownRulebookError):
        resolve("hanoi-2061-2020")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_rulebook_at_a_git_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(bundled_root() / "hanoi-2016-2020", repo / "rules" / "hanoi-2016-2020")
    shutil.copytree(bundled_root() / "national-2012", repo / "rules" / "national-2012")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "rules"], check=True)
    params = repo / "rules" / "hanoi-2016-2020" / "parameters.toml"
    params.write_text(params.read_text(encoding="utf-8").replace("value = 35\n", "value = 40\n"), encoding="utf-8")
    monkeypatch.chdir(repo)
    before = resolve("HEAD:rules/hanoi-2016-2020")
    assert before.version == HANOI.version
    report = diff("HEAD:rules/hanoi-2016-2020", "rules/hanoi-2016-2020",
                  generate(HANOI, 300, seed=5, activity=["3.1-craft-training", "3.7-provincial-training"]))
    assert [c.id for c in report.parameters] == ["craft_class_max_learners"]
    assert report.flip_counts["to_eligible"] > 0 and report.flip_counts["to_ineligible"] == 0
    assert set(report.flip_criteria) <= {"3.1-craft-training.class_size", "3.7-provincial-training.class_size"}
    with pytest.raises(InputError, match="no-such-rev"):
        resolve("no-such-rev:rules/hanoi-2016-2020")


# ---------------------------------------------------------------- the command


def test_cli_text_report_and_ci_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = raised_cap(tmp_path)
    args = ["diff", "hanoi-2016-2020", str(new), "--generate", "300", "--activity", "3.3-machinery"]
    assert cli.main([*args, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "parameter machinery_cap: changed" in out and "Budget impact" in out
    assert "Result: decisions changed" in out and "Tác động" not in out
    assert re.search(r"total support: ₫[\d,]+ → ₫[\d,]+ \(\+₫[\d,]+\)", out)
    assert cli.main(args) == 0  # Vietnamese, the default: every heading, and money in the Vietnamese style
    out = capsys.readouterr().out
    assert "tham số machinery_cap: thay đổi" in out and "Tác động ngân sách" in out
    assert "Kết quả: có kết quả xét thay đổi" in out and "Budget impact" not in out and "Population" not in out
    assert re.search(r"tổng mức hỗ trợ: [\d.]+\s₫ → [\d.]+\s₫ \(\+[\d.]+\s₫\)", out)
    assert cli.main([*args, "--fail-on-change"]) == 1
    capsys.readouterr()
    assert cli.main(["diff", "hanoi-2016-2020", "hanoi-2016-2020", "--generate", "50", "--fail-on-change"]) == 0
    assert "không kết quả xét nào thay đổi" in capsys.readouterr().out
    assert cli.main(["diff", "hanoi-2016-2020", "hanoi-2016-2020", "--generate", "50", "--lang", "en"]) == 0
    assert "no decision changed" in capsys.readouterr().out


def test_refused_applications_are_said_in_the_reports_language(tmp_path: Path) -> None:
    corpus = tmp_path / "apps.jsonl"
    corpus.write_text(json.dumps(machinery_app(activity="3.3-machinary")) + "\n{not json\n", encoding="utf-8")
    report = diff("hanoi-2016-2020", "hanoi-2016-2020", read_corpus(corpus))
    # The JSON report keeps the English message, and nothing else of the sentence.
    assert [r["message"].split(":")[0] for r in report.to_dict()["refused"]] == [
        "invalid for hanoi-2016-2020", "apps.jsonl line 2"]
    assert "said" not in report.to_dict()["refused"][0]
    vi, en = report.to_text(lang="vi"), report.to_text(lang="en")
    assert "[cả hai] không hợp lệ theo hanoi-2016-2020: activity: mã không có trong danh mục activity" in vi
    assert "apps.jsonl dòng 2: không phải JSON hợp lệ" in vi
    assert "[both] invalid for hanoi-2016-2020: activity: unknown activity" in en
    assert "apps.jsonl line 2: not valid JSON" in en


def test_cli_json_report_with_a_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "apps.jsonl"
    big = machinery_app(**{"project.eligible_cost_vnd": 900_000_000})
    corpus.write_text(json.dumps(big) + "\n\n{not json\n" + json.dumps(machinery_app()) + "\n", encoding="utf-8")
    new = raised_cap(tmp_path)
    assert cli.main(["diff", "hanoi-2016-2020", str(new), "--corpus", str(corpus), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["population"] == {"corpus": [str(corpus)], "generated": 0, "seed": 0, "corpus_count": 3}
    assert report["evaluated"] == 2 and report["refused_counts"] == {"both": 1}
    assert "line 3: not valid JSON" in report["refused"][0]["message"]
    (machinery,) = report["activities"]
    assert machinery["delta_vnd"] == 50_000_000 and report["changed"] is True


@pytest.mark.parametrize(("args", "message"), [
    (["hanoi-2016-2020", "hanoi-2016-2020", "--activity", "3.3-machinary"], "did you mean '3.3-machinery'"),
    (["hanoi-2016-2020", "nowhere/rulebook"], "no rulebook 'nowhere/rulebook'"),
    (["hanoi-2016-2020", "hanoi-2016-2020", "--corpus", "missing.jsonl"], "cannot read the corpus"),
])
def test_cli_bad_input_is_one_message(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["diff", *args, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(("args", "message"), [
    (["hanoi-2016-2020", "hanoi-2016-2020", "--activity", "3.3-machinary"],
     "--activity: không có nội dung hỗ trợ này; đã nhập '3.3-machinary'"),
    (["hanoi-2016-2020", "hanoi-2016-2020", "--corpus", "missing.jsonl"],
     "missing.jsonl: không đọc được tệp hồ sơ (không có tệp hoặc thư mục này)"),
    (["hanoi-2016-2020", "hanoi-2016-2020@0000"], "bộ quy tắc hanoi-2016-2020 ở đây có phiên bản"),
])
def test_cli_bad_input_in_vietnamese(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["diff", *args, "--lang", "vi"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_bad_counts_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["diff", "a", "b", "--generate", "-3", "--lang", "en"])
    assert info.value.code == 2
    assert "must be between 0 and 1,000,000" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["diff", "a", "b", "--examples", "x", "--lang", "vi"])
    assert "không phải số nguyên: 'x'" in capsys.readouterr().err


def test_the_columnar_path_and_the_row_path_give_the_same_report(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyarrow")
    import kcrules.diff as diff_module

    old = resolve(nd56_only(tmp_path))
    apps = list(generate([old, HANOI], 900, seed=4))
    apps[5] = dict(apps[5], activity="3.9-nothing")  # refused on both sides, by the row path's words
    monkeypatch.setattr(diff_module, "CHUNK", 250)  # several chunks, the last one short
    taken: list[bool] = []
    chunked = diff_module._columnar

    def spy(*args: Any) -> Any:
        found = chunked(*args)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(diff_module, "_columnar", spy)
    columnar = diff(old, HANOI, apps)
    assert taken == [True] * 4  # every chunk was decided on the columnar path, none fell back
    monkeypatch.setattr(diff_module, "_columnar", lambda *args: None)
    rows = diff(old, HANOI, apps)
    assert columnar.to_dict() == rows.to_dict()
    assert columnar.flip_counts["to_eligible"] > 0 and columnar.refused_counts["both"] >= 1


def test_an_unknown_field_in_a_chunk_refuses_that_application_only() -> None:
    apps = list(generate(HANOI, 30, seed=6))
    apps[3] = dict(apps[3], colour="blue")
    report = diff(HANOI, HANOI, apps)
    assert report.refused_counts == {"both": 1} and report.evaluated == 29
    assert "colour" in report.refused[0].message
