"""The interview of ``kcrules check --interactive``: questions derived from the rulebook.

Which questions are asked, in which order and in which words, is computed
from the chosen activity by :mod:`kcrules.questions`, which the web form shares;
this module asks them at a terminal.

Each answer is read by type (numbered choices for codes, names typed without
accents) and then validated by :meth:`Rulebook.parse_application`, the same
check a file gets; a problem at that field is shown and the question asked again.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import threading
from typing import Any

from kcrules.questions import Plan, build_application, label_of, model_required
from kcrules.rulefiles.codes import code_choices
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS, field_info
from kcrules.text.i18n import Catalogue
from kcrules.text.values import show_value
from kcrules.util.words import fold
from kcrules.whatif import parse_value

T = Catalogue("cli.interview", {
    "intro": {"vi": "Kiểm tra một hồ sơ khuyến công ({title}).\nGõ số hoặc tên (không cần dấu). "
                    "Lệnh: '<' quay lại, '?' xem các câu đã trả lời, Ctrl-D hoặc Ctrl-C để dừng.",
              "en": "Check one khuyến công application ({title}).\nType a number or a name (accents optional). "
                    "Commands: '<' go back, '?' show the answers so far, Ctrl-D or Ctrl-C to stop."},
    "skip": {"vi": "Enter để bỏ qua", "en": "Enter to skip"},
    "default": {"vi": "Enter = {value}", "en": "Enter = {value}"},
    "yesno": {"vi": "c/k", "en": "y/n"},
    "invalid": {"vi": "  ✗ Không hợp lệ: {reason}. Hãy nhập lại.", "en": "  ✗ Not valid: {reason}. Please answer again."},
    "choose": {"vi": "chọn số từ 1 đến {n}, hoặc gõ tên", "en": "choose a number from 1 to {n}, or type a name"},
    "needed_for": {"vi": "  (dùng cho: {items})", "en": "  (used by: {items})"},
    "answers": {"vi": "Các câu đã trả lời:", "en": "Answers so far:"},
    "none_yet": {"vi": "  (chưa có)", "en": "  (none yet)"},
    "confirm": {"vi": "Enter để xem kết quả, '<' để quay lại sửa: ", "en": "Enter to see the decision, '<' to go back: "},
    "first": {"vi": "  (đây là câu đầu tiên)", "en": "  (this is the first question)"},
    "eof": {"vi": "buổi hỏi đáp dừng trước khi xong (hết dữ liệu vào); chưa lưu gì. Chạy lại `kcrules check -i`, "
                  "hoặc đưa hồ sơ dạng tệp: `kcrules check FILE`.",
            "en": "the interview ended before it was finished (end of input); nothing was saved. Run "
                  "`kcrules check -i` again, or give the application as a file: `kcrules check FILE`."},
    "interrupted": {"vi": "Đã dừng; chưa lưu gì.", "en": "Stopped; nothing was saved."},
    "cannot_apply": {"vi": "{value} không được đề nghị cho nội dung này ({allowed})",
                     "en": "{value} cannot apply for this activity ({allowed})"},
    "allowed": {"vi": " (được phép: {allowed})", "en": " (allowed: {allowed})"},
    "auto": {"vi": "{label}: {value} (lựa chọn duy nhất)", "en": "{label}: {value} (the only choice)"},
    "save": {"vi": "Lưu câu trả lời thành tệp hồ sơ? Gõ tên tệp (.json), Enter để bỏ qua: ",
             "en": "Save the answers as an application file? Type a file name (.json), Enter to skip: "},
    "saved": {"vi": "Đã lưu hồ sơ vào {path}", "en": "Saved the application to {path}"},
    "save_failed": {"vi": "Không lưu được {path}: {reason}", "en": "Could not save {path}: {reason}"},
    "today": {"vi": "hôm nay", "en": "today"},
    "no_today": {"vi": "  (không lấy hôm nay {today} làm mặc định: ngày nộp hồ sơ phải trong thời gian của Chương "
                       "trình, từ {start} đến {end})",
                 "en": "  (today, {today}, is not offered: the application date must lie within the program, "
                       "{start} to {end})"},
    "required": {"vi": "câu này cần một câu trả lời", "en": "this question needs an answer"},
})

BACK = ("<", "back", "quay lai", "ql")
SHOW = ("?", "xem", "show")


def t(key: str, lang: str, **kw: Any) -> str:
    return T[key][lang].format(**kw)


class Aborted(Exception):
    """The interview stopped: ``code`` is the exit code (2 end of input, 130 Ctrl-C)."""

    def __init__(self, code: int) -> None:
        self.code = code


# ---------------------------------------------------------------- asking


class Interview:
    def __init__(self, rulebook: Any, lang: str, stdin: Any = None, stdout: Any = None,
                 today: dt.date | None = None) -> None:
        self.rb = rulebook
        self.lang = lang
        self.today = today or dt.date.today()
        self.stdin = stdin or sys.stdin
        self.out = stdout or sys.stdout
        self.echo = not self.stdin.isatty()  # piped answers: show them, so the transcript reads well
        self.answers: dict[str, Any] = {}
        self.history: list[str] = []
        self.plan: Plan | None = None

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def read(self, prompt: str) -> str:
        print(prompt, end="", file=self.out, flush=True)
        line = self.stdin.readline()
        if line == "":
            self.say()
            raise EOFError
        line = line.rstrip("\r\n")
        if self.echo:
            self.say(line)
        return line

    # -- the questions

    def next_question(self) -> str | None:
        if "activity" not in self.answers:
            return "activity"
        assert self.plan is not None
        for path in self.plan.order:
            if path not in self.answers and self.plan.needed(path, self.answers):
                return path
        return None

    def run(self) -> dict[str, Any]:
        self.say(t("intro", self.lang, title=self.rb.title(self.lang)))
        while True:
            path = self.next_question()
            if path is None:
                self.show_answers()
                reply = self.read(t("confirm", self.lang)).strip()
                if fold(reply) in BACK:
                    self.go_back()
                    continue
                return self.application()
            self.ask(path)

    def go_back(self) -> None:
        while self.history:
            path = self.history.pop()
            self.answers.pop(path, None)
            if not self._automatic(path):
                return
        self.say(t("first", self.lang))

    def _automatic(self, path: str) -> bool:
        return path == "applicant.kind" and self.plan is not None and len(self.plan.act.applicants) == 1

    def choices(self, path: str) -> list[tuple[str, str]]:
        table = CODE_FIELDS[path]
        found = code_choices(self.rb.definition, table, self.lang)
        if path == "applicant.kind" and self.plan is not None:
            allowed = self.plan.act.applicants
            found = sorted((c for c in found if c[0] in allowed), key=lambda c: allowed.index(c[0]))
        return found

    def other_names(self, path: str) -> list[tuple[str, str]]:
        """The choices' names in the other language: either may be typed."""
        other = "en" if self.lang == "vi" else "vi"
        allowed = {code for code, _ in self.choices(path)}
        return [c for c in code_choices(self.rb.definition, CODE_FIELDS[path], other) if c[0] in allowed]

    def ask(self, path: str) -> None:
        lang = self.lang
        kind, _ = APPLICATION_FIELDS[path]
        label = label_of(path, lang)
        if kind == "code":
            options = self.choices(path)
            if path == "applicant.kind" and len(options) == 1:
                self.say(t("auto", lang, label=label, value=options[0][1]))
                self.store(path, options[0][0])
                return
        else:
            options = []
        number = sum(not self._automatic(p) for p in self.history) + 1  # filled-in steps take no number
        self.say()
        self.say(f"[{number}] {label} ({path})")
        users = self.plan.users.get(path, []) if self.plan is not None else []
        if users:
            names = "; ".join(c.label[lang] for c in users[:2]) + ("; …" if len(users) > 2 else "")
            self.say(t("needed_for", lang, items=names))
        for i, (code, text) in enumerate(options, 1):
            self.say(f"  {i:>2}. {text} ({code})")
        default = self.default(path)
        if path == "application_date" and default is _NONE and self.rb.definition.program is not None:
            program = self.rb.definition.program
            self.say(t("no_today", lang, today=_day(self.today, lang), start=_day(program.start, lang),
                       end=_day(program.until - dt.timedelta(days=1), lang)))
        hints = []
        if kind == "bool":
            hints.append(t("yesno", lang))
        if default is not _NONE:
            shown = ("c" if lang == "vi" else "y") if default is True else \
                ("k" if lang == "vi" else "n") if default is False else \
                (t("today", lang) + f" {_day(self.today, lang)}" if path == "application_date" else str(default))
            hints.append(t("default", lang, value=shown))
        elif self.optional(path):
            hints.append(t("skip", lang))
        prompt = f"> [{', '.join(hints)}] " if hints else "> "
        while True:
            reply = self.read(prompt).strip()
            key = fold(reply)
            if key in BACK:
                self.go_back()
                return
            if key in SHOW:
                self.show_answers()
                continue
            if reply == "" and default is not _NONE:
                value: Any = default
            elif reply == "" and not self.optional(path):
                self.say(t("invalid", lang, reason=t("required", lang)))
                continue
            elif options and _loose_match(reply, options + self.other_names(path)):
                value = _loose_match(reply, options + self.other_names(path))
            elif options and reply.isdigit() and not (path.endswith("district") and len(reply) == 3):
                n = int(reply)
                if not 1 <= n <= len(options):
                    self.say(t("invalid", lang, reason=t("choose", lang, n=len(options))))
                    continue
                value = options[n - 1][0]
            else:
                try:
                    value = parse_value(self.rb, path, reply)
                except ValueError as err:  # InputError, worded in lang
                    self.say(t("invalid", lang, reason=err.text(lang) if hasattr(err, "text") else str(err)))
                    continue
                if path == "applicant.kind" and value not in [c for c, _ in options]:
                    allowed = ", ".join(f"{i}. {text}" for i, (_, text) in enumerate(options, 1))
                    self.say(t("invalid", lang, reason=t("cannot_apply", lang, value=value, allowed=allowed)))
                    continue
            problem = self.validate(path, value)
            if problem:
                self.say(t("invalid", lang, reason=problem))
                continue
            self.store(path, value)
            return

    def store(self, path: str, value: Any) -> None:
        self.answers[path] = value
        self.history.append(path)
        if path == "activity":
            self.plan = Plan(self.rb, value)

    def optional(self, path: str) -> bool:
        if self.plan is not None and self.plan.required(path, self.answers):
            return False
        if path in ("activity", "application_date", "applicant.kind"):
            return False
        return not model_required(path)

    def default(self, path: str) -> Any:
        if path == "application_date":
            # Today only when an application dated today could be decided: within the program's period.
            program = self.rb.definition.program
            if program is None or program.start <= self.today < program.until:
                return self.today.isoformat()
            return _NONE
        model_default = _model_default(path)
        if model_default is not None and (self.plan is None or not self.plan.required(path, self.answers)):
            return model_default
        return _NONE

    def validate(self, path: str, value: Any) -> str | None:
        """The library's own problem with this answer, if any (other fields may still be missing)."""
        from kcrules.errors import ApplicationError

        trial = dict(self.answers)
        trial[path] = value
        try:
            self.rb.parse_application(build_application(trial, self.plan))
        except ApplicationError as err:
            for p in err.problems:
                if p.where == path or (path.startswith("project.") and p.where == "project" and "date" in path):
                    message, allowed = p.wording(self.lang)
                    shown = allowed and p.allowed_key != "rulefiles.reader:help_date" and len(allowed) < 200
                    return message + (t("allowed", self.lang, allowed=allowed) if shown else "")
        return None

    def show_answers(self) -> None:

        self.say()
        self.say(t("answers", self.lang))
        if not self.history:
            self.say(t("none_yet", self.lang))
        for i, path in enumerate(self.history, 1):
            shown = show_value(self.rb, path, self.answers.get(path), self.lang)
            self.say(f"  {i:>2}. {label_of(path, self.lang)}: {shown}")

    def application(self) -> dict[str, Any]:
        assert self.plan is not None
        kept = {p: v for p, v in self.answers.items() if p in ("activity", "application_date")
                or self.plan.needed(p, self.answers)}
        return build_application(kept, self.plan)


_NONE = object()


def _loose_match(reply: str, options: list[tuple[str, str]]) -> str | None:
    """The one choice whose id starts with, or whose name contains, what was typed.

    '3.3' means 3.3-machinery and 'thu cong' means Thủ công mỹ nghệ, as long as
    no other choice matches too.
    """
    if len(reply) < 2 or reply.isdigit():
        return None
    hits = {code for code, _ in options if code.startswith(reply)}
    if not hits:
        key = fold(reply)
        hits = {code for code, text in options if key in fold(text) or fold(code).startswith(key)}
    return hits.pop() if len(hits) == 1 else None


def _day(day: dt.date, lang: str) -> str:
    """A date as the interview shows it: vi 10/05/2017, en 10 May 2017."""
    from kcrules.text import i18n

    return i18n.date(day, lang)


def _model_default(path: str) -> Any:
    info = field_info(path)
    return None if info.is_required() else info.default


def interview(rulebook: Any, lang: str = "vi", stdin: Any = None, stdout: Any = None,
              today: dt.date | None = None) -> dict[str, Any]:
    """Ask the questions and return the application as a dict; raises Aborted when stopped.

    ``today`` (default: the system's date) is offered as the application date when it lies
    within the rulebook's program.
    """
    session = Interview(rulebook, lang, stdin, stdout, today)
    if threading.current_thread() is threading.main_thread():
        # A process started in the background by a non-interactive shell inherits
        # Ctrl-C as ignored; a person at this interview expects Ctrl-C to stop it.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return session.run()
    except EOFError:
        print(f"kcrules: error: {t('eof', lang)}", file=sys.stderr)
        raise Aborted(2) from None
    except KeyboardInterrupt:
        session.say()
        print(t("interrupted", lang), file=sys.stderr)
        raise Aborted(130) from None


def offer_save(data: dict[str, Any], lang: str, path: str | None = None, stdin: Any = None) -> None:
    """Save the answers as an application file: at ``path``, or where the user says (Enter skips)."""
    import json

    stdin = stdin or sys.stdin
    if path is None:
        print(t("save", lang), end="", flush=True)
        line = stdin.readline()
        if not stdin.isatty():
            print(line.rstrip("\r\n"))
        path = line.strip()
        if not path:
            return
    if not path.endswith(".json"):
        path += ".json"
    try:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
    except OSError as err:
        from kcrules.errors import os_reason

        print(t("save_failed", lang, path=path, reason=os_reason(err).text(lang)),
              file=sys.stderr)
        return
    print(t("saved", lang, path=path))
