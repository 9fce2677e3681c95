"""The interview of ``kcrules check --interactive``: questions derived from the rulebook.

Which questions are asked, and in which order, is computed from the chosen
activity: the fields its criteria read (conditions and ``applies_when``, through
derived facts and code attributes), the fields it ``requires``, its support
base, and the fields an application must have. A field read only by criteria
that cannot apply given the answers so far (three-valued evaluation of
``applies_when``: unknown until answered) is not asked. So a changed rulebook
changes the questions; only the wording of a field lives here.

Each answer is read by type (numbered choices for codes, names typed without
accents) and then validated by :meth:`Rulebook.parse_application`, the same
check a file gets; a problem at that field is shown and the question asked again.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import threading
from fractions import Fraction
from typing import Any

from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.codes import code_choices
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS, field_info
from kcrules.text.labels import FIELD_LABELS
from kcrules.text.values import show_value
from kcrules.util.words import fold
from kcrules.whatif import apply_changes, parse_value

T = {
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
    "auto": {"vi": "{label}: {value} (lựa chọn duy nhất)", "en": "{label}: {value} (the only choice)"},
    "save": {"vi": "Lưu câu trả lời thành tệp hồ sơ? Gõ tên tệp (.json), Enter để bỏ qua: ",
             "en": "Save the answers as an application file? Type a file name (.json), Enter to skip: "},
    "saved": {"vi": "Đã lưu hồ sơ vào {path}", "en": "Saved the application to {path}"},
    "save_failed": {"vi": "Không lưu được {path}: {reason}", "en": "Could not save {path}: {reason}"},
    "today": {"vi": "hôm nay", "en": "today"},
    "required": {"vi": "câu này cần một câu trả lời", "en": "this question needs an answer"},
}

BACK = ("<", "back", "quay lai", "ql")
SHOW = ("?", "xem", "show")


def t(key: str, lang: str, **kw: Any) -> str:
    return T[key][lang].format(**kw)


def label_of(path: str, lang: str) -> str:
    """The question for a field: its plain name, with how to answer where that helps."""
    pair = FIELD_LABELS.get(path)
    if pair:
        text = pair[0 if lang == "vi" else 1]
        kind = APPLICATION_FIELDS.get(path, ("str", False))[0]
        if kind == "bool":
            return text + "?"
        if kind == "date":
            return text + (" (YYYY-MM-DD hoặc DD/MM/YYYY)" if lang == "vi" else " (YYYY-MM-DD or DD/MM/YYYY)")
        if path.endswith("_vnd"):
            return text + " (đồng)"
        return text
    # A field added to the model before it was worded: its description, else its name.
    info = field_info(path)
    leaf = path.rpartition(".")[2]
    return (info.description if info is not None and info.description else leaf.replace("_", " ")).rstrip(".")


class Aborted(Exception):
    """The interview stopped: ``code`` is the exit code (2 end of input, 130 Ctrl-C)."""

    def __init__(self, code: int) -> None:
        self.code = code


# ---------------------------------------------------------------- which questions


def _model_required(path: str) -> bool:
    """The field must be given whenever its parent object is (no default)."""
    return bool(field_info(path).is_required())


def _fields_of_ref(rulebook: Any, ref: str, depth: int = 0) -> list[str]:
    if ref in APPLICATION_FIELDS:
        return [ref]
    if ref.startswith("params."):
        return []
    if ref.startswith("derived.") and depth < 10:
        der = rulebook.definition.derived.get(ref[8:])
        if der is None:
            return []
        return [f for r in cond.refs_of(der.expr) for f in _fields_of_ref(rulebook, r, depth + 1)]
    base, _, _attr = ref.rpartition(".")
    return [base] if base in CODE_FIELDS else []


class Plan:
    """The questions an activity needs, in order, and which criteria read each field."""

    def __init__(self, rulebook: Any, activity: str) -> None:
        self.rb = rulebook
        self.act = rulebook.definition.activities[activity]
        act = self.act
        self.criteria = rulebook.criteria_of(activity)
        self.users: dict[str, list[Any]] = {}
        for c in self.criteria:
            refs = cond.refs_of(c.condition) + (cond.refs_of(c.applies_when) if c.applies_when is not None else [])
            for ref in refs:
                for f in _fields_of_ref(rulebook, ref):
                    users = self.users.setdefault(f, [])
                    if c not in users:
                        users.append(c)
        self.always: set[str] = set(act.requires) | {act.support.base, "project.amount_requested_vnd"}
        for path in APPLICATION_FIELDS:
            head = path.split(".")[0]
            if head == "project" or (head == "establishment" and act.beneficiary):
                if _model_required(path):
                    self.always.add(path)
        candidates = set(self.users) | self.always
        candidates.discard("activity")
        candidates.discard("application_date")
        candidates.discard("applicant.kind")  # asked on its own, from the activity's applicants
        if not act.beneficiary:
            candidates = {p for p in candidates if not p.startswith("establishment.")}
        gates = {f for c in self.criteria if c.applies_when is not None
                 for r in cond.refs_of(c.applies_when) for f in _fields_of_ref(rulebook, r)}
        self.order = ["activity", "application_date", "applicant.kind"] + sorted(
            candidates, key=lambda p: self._rank(p, gates))

    @staticmethod
    def _rank(path: str, gates: set[str]) -> tuple[int, int, int]:
        section = {"applicant": 0, "establishment": 1, "project": 2}.get(path.split(".")[0], 3)
        kind = APPLICATION_FIELDS[path][0]
        if kind == "code":
            group = 0
        elif kind == "bool" and path in gates:
            group = 1  # a fact that decides whether other criteria apply: ask it early
        elif kind == "int":
            group = 2
        elif kind == "date":
            group = 3
        elif kind == "str":
            group = 5
        else:
            group = 4
        return section, group, list(APPLICATION_FIELDS).index(path)

    def needed(self, path: str, answers: dict[str, Any]) -> bool:
        if path in ("activity", "application_date"):
            return True
        if path == "applicant.kind":
            return True
        if path.startswith("applicant.") and answers.get("applicant.kind") in (None, "establishment") \
                and path not in self.act.requires:
            return False
        if path in self.always:
            return True
        fact = partial_fact(self.rb, answers)
        asked = set(answers)
        for c in self.users.get(path, []):
            if c.applies_when is None or three_valued(c.applies_when, fact, asked, self.rb) is not False:
                return True
        return False


def partial_fact(rulebook: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """The fact the conditions read, from the answers so far (unanswered fields are absent)."""
    d = rulebook.definition
    fact: dict[str, Any] = {}
    for path, value in answers.items():
        if value is None:
            continue
        if APPLICATION_FIELDS.get(path, ("",))[0] == "date":
            value = dt.date.fromisoformat(value).toordinal()
        fact[cond.fact_key(path)] = value
    if answers.get("applicant.kind") is None and "establishment.district" in answers:
        fact.setdefault("applicant__kind", "establishment")
    for path, table in CODE_FIELDS.items():
        code = fact.get(cond.fact_key(path))
        tbl = d.codes.get(table)
        if code is None or tbl is None or code not in tbl.values:
            continue
        for attr, value in tbl.values[code].attrs.items():
            if value is not None:
                fact[f"{cond.fact_key(path)}__{attr}"] = value
    if answers.get("application_date"):
        day = dt.date.fromisoformat(answers["application_date"])
        for pid, pv in rulebook.params_at(day).items():
            value = pv.value
            if isinstance(value, Fraction):
                scaled = value * 100
                if d.params[pid].unit != "percent" or scaled.denominator != 1:
                    continue
                value = int(scaled)
            fact["params__" + pid] = value
    for der in d.derived.values():
        value = cond.compile_value(der.expr)(fact)
        if value is not None:
            fact["derived__" + der.id] = value
    return fact


def three_valued(expr: Any, fact: dict[str, Any], asked: set[str], rulebook: Any) -> bool | None:
    """True, False, or None when it depends on a field not asked yet."""
    if isinstance(expr, cond.Lit):
        return bool(expr.value)
    if isinstance(expr, cond.Not):
        inner = three_valued(expr.item, fact, asked, rulebook)
        return None if inner is None else not inner
    if isinstance(expr, cond.And):
        values = [three_valued(i, fact, asked, rulebook) for i in expr.items]
        if False in values:
            return False
        return True if all(v is True for v in values) else None
    if isinstance(expr, cond.Or):
        values = [three_valued(i, fact, asked, rulebook) for i in expr.items]
        if True in values:
            return True
        return False if all(v is False for v in values) else None
    for ref in cond.refs_of(expr):
        if cond.fact_key(ref) in fact:
            continue
        fields = _fields_of_ref(rulebook, ref)
        if ref.startswith("params."):
            continue
        if not fields or any(f not in asked for f in fields):
            return None
    if isinstance(expr, cond.Ref):
        return fact.get(cond.fact_key(expr.path)) is True
    if isinstance(expr, cond.Cmp) and expr.op in ("is set", "is not set"):
        present = cond.fact_key(expr.left.path) in fact  # type: ignore[union-attr]
        return present if expr.op == "is set" else not present
    return bool(cond.compile_python(expr)(fact))


# ---------------------------------------------------------------- asking


class Interview:
    def __init__(self, rulebook: Any, lang: str, stdin: Any = None, stdout: Any = None) -> None:
        self.rb = rulebook
        self.lang = lang
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
        hints = []
        if kind == "bool":
            hints.append(t("yesno", lang))
        if default is not _NONE:
            shown = ("c" if lang == "vi" else "y") if default is True else \
                ("k" if lang == "vi" else "n") if default is False else \
                (t("today", lang) + f" {default}" if path == "application_date" else str(default))
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
                except ValueError as err:
                    self.say(t("invalid", lang, reason=str(err)))
                    continue
                if path == "applicant.kind" and value not in [c for c, _ in options]:
                    allowed = ", ".join(f"{i}. {text}" for i, (_, text) in enumerate(options, 1))
                    self.say(t("invalid", lang, reason=f"{value} cannot apply for this activity ({allowed})"))
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
        if self.plan is not None and path in self.plan.act.requires:
            return False
        if path in ("activity", "application_date", "applicant.kind"):
            return False
        return not _model_required(path)

    def default(self, path: str) -> Any:
        if path == "application_date":
            return dt.date.today().isoformat()
        model_default = _model_default(path)
        if model_default is not None and (self.plan is None or path not in self.plan.act.requires):
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
                    return p.message + (f" (allowed: {p.allowed})" if p.allowed and p.allowed != "a date YYYY-MM-DD"
                                        and len(p.allowed) < 200 else "")
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


def _model_default(path: str) -> Any:
    info = field_info(path)
    return None if info.is_required() else info.default


def build_application(answers: dict[str, Any], plan: Plan | None) -> dict[str, Any]:
    """An application dict from the answers (unanswered fields left out)."""
    changes = [(p, v) for p, v in answers.items() if v is not None]
    if answers.get("applicant.kind") == "establishment":
        changes = [(p, v) for p, v in changes if not p.startswith("applicant.")]
    data = apply_changes({}, changes)
    data.setdefault("project", {})
    if plan is not None and plan.act.beneficiary:
        data.setdefault("establishment", {})
    return data


def interview(rulebook: Any, lang: str = "vi", stdin: Any = None, stdout: Any = None) -> dict[str, Any]:
    """Ask the questions and return the application as a dict; raises Aborted when stopped."""
    session = Interview(rulebook, lang, stdin, stdout)
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
        print(t("save_failed", lang, path=path, reason=err.strerror or err), file=sys.stderr)
        return
    print(t("saved", lang, path=path))
