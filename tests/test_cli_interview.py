"""`kcrules check --interactive`: answers piped on stdin, and a real terminal (pseudo-terminal, pexpect)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

ROOT = Path(__file__).resolve().parent.parent

#: A cooperative in Chương Mỹ buying new machinery: the answer to each question, by field. Fields not
#: listed get an empty answer (Enter: the default, or skipped). Lists are successive tries.
MACHINERY: dict[str, object] = {
    "activity": "3.3", "application_date": "2017-05-10",          # an id prefix; the applicant is implied
    "establishment.kind": "HTX", "establishment.district": "Chuong My",  # alias; name without accents
    "establishment.sector": "thu cong", "establishment.product_line": "may tre",
    "establishment.applies_cleaner_production": "k", "establishment.employees": "60",
    "establishment.in_new_rural_commune": "c", "establishment.has_export_contract": "c",
    "project.eligible_cost_vnd": "700.000.000", "project.approved": "c",
    "project.counterpart_funding_committed": "c", "project.other_state_funding": "k",
    "project.machinery_new": "c", "project.machinery_improves": "c", "project.machinery_one_kind": "c",
}
QUESTION = r"\[\d+\] [^\n]* \(([a-z_.]+)\)\r?\n"
CONFIRM = "Enter (để xem kết quả|to see the decision)"
INVALID = "(Không hợp lệ|Not valid): [^\n]*\n"


def run_cli(*args: str, answers: list[str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    text = stdin if stdin is not None else "".join(a + "\n" for a in answers or [])
    result = subprocess.run([sys.executable, "-m", "kcrules.cli", *args], input=text, capture_output=True,
                            text=True, timeout=60, cwd=ROOT, encoding="utf-8")
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    result.stdout = result.stdout.replace("\u00a0", " ").replace("\u202f", " ")
    return result


def interview(args: list[str], by_field: dict[str, object], after: list[str]) -> tuple[int, str, list[str]]:
    """Answer each question by its field over plain pipes (stdin is not a terminal).

    Returns (exit status, everything printed, the fields asked in order).
    """
    import io

    from pexpect.popen_spawn import PopenSpawn

    tries = {k: list(v) if isinstance(v, list) else [v] for k, v in by_field.items()}
    child = PopenSpawn([sys.executable, "-m", "kcrules.cli", "check", "-i", *args], cwd=str(ROOT),
                       encoding="utf-8", timeout=30)
    log = io.StringIO()
    child.logfile_read = log
    asked: list[str] = []
    field = None
    while True:
        i = child.expect([QUESTION, CONFIRM, INVALID])
        if i == 0:
            field = child.match.group(1)
            asked.append(field)
        elif i == 1:
            break
        answer = str(tries[field].pop(0)) if tries.get(field) else ""
        child.sendline(answer)
        while answer == "?":  # the review: the same question is asked again without its header
            child.expect("(Các câu đã trả lời|Answers so far):")
            answer = str(tries[field].pop(0)) if tries.get(field) else ""
            child.sendline(answer)
    for line in after:
        child.sendline(line)
    child.sendeof()
    child.expect(pexpect.EOF)
    status = child.wait()
    child.proc.stdout.close()  # PopenSpawn leaves it open
    out = log.getvalue().replace("\u00a0", " ").replace("\u202f", " ")
    assert "Traceback" not in out
    return status, out, asked


def test_piped_interview_decides_explains_and_saves(tmp_path: Path) -> None:
    saved = tmp_path / "answers.json"
    status, out, _ = interview([], MACHINERY, ["", str(saved)])
    assert status == 0, out[-2000:]
    assert "Các câu đã trả lời:" in out  # the answers are shown before the decision
    assert "ĐỦ ĐIỀU KIỆN HỖ TRỢ" in out and "200.000.000 ₫" in out
    assert "Đã lưu hồ sơ" in out
    app = json.loads(saved.read_text(encoding="utf-8"))
    assert app["activity"] == "3.3-machinery"
    assert app["establishment"]["kind"] == "cooperative" and app["establishment"]["district"] == "chuong_my"
    assert app["project"]["eligible_cost_vnd"] == 700_000_000
    assert "capital_vnd" not in app["establishment"]  # not asked: the SME test is for enterprises only
    again = run_cli("check", str(saved), "--format", "json")
    assert again.returncode == 0 and json.loads(again.stdout)["support"]["amount_vnd"] == 200_000_000


def test_only_the_questions_the_activity_needs() -> None:
    status, _, asked = interview(["--lang", "en"], MACHINERY, [""])
    assert status == 0
    assert asked[:2] == ["activity", "application_date"]
    assert asked.index("establishment.kind") < asked.index("establishment.district") < \
        asked.index("establishment.employees") < asked.index("project.eligible_cost_vnd")
    assert "project.machinery_new" in asked and "project.learners" not in asked
    assert "establishment.capital_vnd" not in asked and "establishment.revenue_vnd" not in asked
    assert "establishment.fired_clay_brick_kiln" not in asked  # only for building materials
    assert len(asked) == len(set(asked))


def test_invalid_answers_are_asked_again_with_the_reason() -> None:
    answers = dict(MACHINERY)
    answers["establishment.district"] = ["Atlantis", "Chuong My"]
    answers["establishment.employees"] = ["sixty", "-3", "60"]
    answers["establishment.local_material_share_percent"] = ["250", ""]  # the library's own limit
    status, out, _ = interview(["--lang", "en"], answers, [""])
    assert status == 0, out[-1500:]
    assert "Not valid: unknown code 'Atlantis'" in out
    assert "Not valid: write a whole number" in out
    assert "Not valid: must not be negative" in out
    assert "less than or equal to 100" in out


def test_going_back_and_reviewing() -> None:
    answers = dict(MACHINERY)
    answers["establishment.kind"] = ["ho kinh doanh", "HTX"]
    answers["establishment.district"] = ["?", "<", "Chuong My"]  # review, then back to the kind
    status, out, asked = interview(["--lang", "en", "--format", "json"], answers, [""])
    assert status == 0
    assert "Answers so far:" in out
    assert asked.count("establishment.kind") == 2  # asked again after going back
    assert '"eligible": true' in out


def test_piped_answers_one_per_line() -> None:
    # The plainest use: answers in a file, one a line, for an activity with few questions.
    answers = ["3.4-district-fair", "2017-03-01", "UBND huyen", "Phu Xuyen", "350000000", "", "c", "c", "k", "c",
               ""]
    result = run_cli("check", "-i", "--lang", "en", answers=answers)
    assert result.returncode == 0, result.stdout[-1500:]
    assert "(establishment." not in result.stdout
    assert "(applicant.district)" in result.stdout
    assert "ELIGIBLE FOR SUPPORT" in result.stdout


def test_closed_stdin_during_the_interview_ends_cleanly() -> None:
    result = run_cli("check", "-i", answers=["3.3", "2017-05-10", "HTX", "Chuong My"])
    assert result.returncode == 2
    assert "hết dữ liệu vào" in result.stderr and "chưa lưu gì" in result.stderr
    empty = run_cli("check", "-i", "--lang", "en", stdin="")
    assert empty.returncode == 2 and "end of input" in empty.stderr


def test_the_questions_come_from_the_rulebook(tmp_path: Path) -> None:
    import kcrules
    from kcrules.cli.interview import Plan

    rb = kcrules.load_rulebook()
    enterprise = {"activity": "3.3-machinery", "application_date": "2017-05-10", "establishment.kind": "enterprise"}
    plan = Plan(rb, "3.3-machinery")
    assert plan.needed("establishment.capital_vnd", enterprise)
    assert not plan.needed("establishment.revenue_vnd", enterprise)  # NĐ 39/2018 applies from 2018
    assert plan.needed("establishment.revenue_vnd", dict(enterprise, application_date="2019-01-10"))
    assert not plan.needed("establishment.capital_vnd", dict(enterprise, **{"establishment.kind": "cooperative"}))
    # A changed rulebook changes the questions: a new condition on the number of classes.
    book = tmp_path / "hanoi"
    shutil.copytree(ROOT / "rules" / "hanoi-2016-2020", book, ignore=shutil.ignore_patterns("tests"))
    with (book / "activities.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[activities."3.7-provincial-training".conditions.classes]\n'
                 'label = { vi = "Không quá 3 lớp", en = "At most 3 classes" }\n'
                 'cite = { source = "qd4892", section = "II.3.7" }\n'
                 'condition = "project.classes <= 3"\n')
    assert "project.classes" not in Plan(rb, "3.7-provincial-training").order
    assert "project.classes" in Plan(kcrules.load_rulebook(str(book)), "3.7-provincial-training").order
    answers = ["3.7", "2017-06-01", "1", "Lao Cai", "110000000", "", "30", "5", "c", "c", "k", "c", ""]
    result = run_cli("check", "-i", "--lang", "en", "--rulebook", str(book), answers=answers)
    assert "(project.classes)" in result.stdout
    assert result.returncode == 1 and "At most 3 classes" in result.stdout


# ---------------------------------------------------------------- a real terminal


ANSWERS_BY_FIELD = {
    "activity": "5", "application_date": "10/05/2017", "establishment.kind": "1", "establishment.district": "Gia Lam",
    "establishment.sector": "co khi", "establishment.sme_group": "", "establishment.employees": "40",
    "establishment.capital_vnd": "3000000000", "project.eligible_cost_vnd": "300000000",
    "project.approved": "c", "project.counterpart_funding_committed": "c", "project.other_state_funding": "k",
    "project.machinery_new": "c", "project.machinery_improves": "c", "project.machinery_one_kind": "c",
}


def spawn(*args: str) -> pexpect.spawn:
    return pexpect.spawn(sys.executable, ["-m", "kcrules.cli", *args], cwd=str(ROOT), encoding="utf-8",
                         timeout=20, dimensions=(50, 200), env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


def test_terminal_interview_answers_by_question() -> None:
    child = spawn("check")  # no FILE at a terminal: the interview starts by itself
    asked = []
    while True:
        i = child.expect([r"\[\d+\] [^\n]* \(([a-z_.]+)\)\r?\n", "Enter để xem kết quả"])
        if i == 1:
            break
        field = child.match.group(1)
        asked.append(field)
        child.expect("> ")
        child.sendline(ANSWERS_BY_FIELD.get(field, ""))
    child.sendline("")
    child.expect("ĐỦ ĐIỀU KIỆN HỖ TRỢ")
    child.expect("Lưu câu trả lời")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "establishment.capital_vnd" in asked  # an enterprise in 2017: the NĐ 56/2009 test needs it
    assert "Traceback" not in (child.before or "")


def test_terminal_invalid_answer_then_ctrl_c() -> None:
    child = spawn("check", "--lang", "en")
    child.expect(r"\(activity\)")
    child.expect("> ")
    child.sendline("99")
    child.expect("Not valid: choose a number from 1 to 15")
    child.sendline("3.3")
    child.expect(r"\(application_date\)")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Stopped; nothing was saved." in (child.before or "")
    assert "Traceback" not in (child.before or "")


def test_terminal_ctrl_d_ends_cleanly() -> None:
    child = spawn("check", "-i", "--lang", "en")
    child.expect(r"\(activity\)")
    child.expect("> ")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert "end of input" in (child.before or "")
    assert "Traceback" not in (child.before or "")


def _ask_the_date(today: object, replies: str, lang: str = "vi") -> str:
    """What the interview prints up to the question after the date, on a given day; the replies end early."""
    import datetime as dt
    import io

    import kcrules
    from kcrules.cli.interview import Aborted, interview

    assert isinstance(today, dt.date)
    out = io.StringIO()
    with pytest.raises(Aborted):  # the answers stop after the date: end of input
        interview(kcrules.load_rulebook(), lang, stdin=io.StringIO(replies), stdout=out, today=today)
    return out.getvalue()


def test_today_is_the_default_date_only_within_the_program() -> None:
    import datetime as dt

    # Within 2016-01-01..2020-12-31: Enter takes today.
    inside = _ask_the_date(dt.date(2017, 5, 10), "3.3\n\n")
    assert "Enter = hôm nay 10/05/2017" in inside
    assert "[3]" in inside and "Không hợp lệ" not in inside  # the date was taken; the next question came
    # The program's last day is inside; the day after it is not.
    assert "Enter = hôm nay 31/12/2020" in _ask_the_date(dt.date(2020, 12, 31), "3.3\n\n")
    for day in (dt.date(2021, 1, 1), dt.date(2015, 12, 31)):
        outside = _ask_the_date(day, "3.3\n\n2017-05-10\n")
        assert "Enter = hôm nay" not in outside
        assert (f"không lấy hôm nay {day:%d/%m/%Y} làm mặc định: ngày nộp hồ sơ phải trong thời gian của "
                "Chương trình, từ 01/01/2016 đến 31/12/2020") in outside
        # Enter is refused (the question needs an answer); a date in the program is taken
        assert outside.count("[2]") == 1 and "câu này cần một câu trả lời" in outside and "[3]" in outside
    english = _ask_the_date(dt.date(2026, 11, 30), "3.3\n2017-05-10\n", lang="en")
    assert "(today, 30 November 2026, is not offered: the application date must lie within the program, " \
           "1 January 2016 to 31 December 2020)" in english


def test_the_period_is_the_rulebooks(tmp_path: Path) -> None:
    import datetime as dt

    import kcrules
    from kcrules.cli.interview import _NONE, Interview

    # A copy of the rulebook whose program runs into 2021: today moves with it.
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules" / "hanoi-2016-2020", rules / "hanoi-2016-2020")
    head = rules / "hanoi-2016-2020" / "rulebook.toml"
    text = head.read_text(encoding="utf-8")
    assert "until = 2021-01-01" in text
    head.write_text(text.replace("until = 2021-01-01", "until = 2022-01-01", 1), encoding="utf-8")
    longer = kcrules.load_rulebook(rules / "hanoi-2016-2020")
    day = dt.date(2021, 6, 1)
    assert Interview(longer, "vi", today=day).default("application_date") == "2021-06-01"
    assert Interview(kcrules.load_rulebook(), "vi", today=day).default("application_date") is _NONE
