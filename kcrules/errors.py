"""The one exception tree of kcrules.

::

    KcrulesError                    every error this library raises on purpose
    ├── EngineUnavailableError      the durable-rules engine cannot be imported
    ├── RuleFileError               a rule file or rulebook is malformed (load time)
    ├── ApplicationError            an application is invalid (one entry per problem)
    ├── UnknownRulebookError        no rulebook with that id or path
    ├── InputError                  another input is invalid (a diff corpus, a rulebook reference, a what-if change)
    └── EvaluationError             evaluation failed inside a rule (rule id, citation)

Each class keeps its data as attributes and builds its message from them, so a
caller can show the message or walk the structured ``problems``. ``str(err)`` is
English, as it always was; ``err.text(lang)`` is the same message in ``vi`` or
``en``: a problem made with :meth:`Problem.of` keeps the key of its sentence in a
catalogue and its values, so it can be written in either language.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kcrules.util.catalogue import CATALOGUES, Catalogue

__all__ = [
    "ApplicationError",
    "EngineUnavailableError",
    "EvaluationError",
    "InputError",
    "KcrulesError",
    "Problem",
    "RuleFileError",
    "UnknownRulebookError",
]


#: The words of the errors themselves; each module that makes problems keeps its own sentences.
WORDS = Catalogue("errors", {
    "given": {"vi": "đã nhập {given}", "en": "given {given}"},
    "allowed": {"vi": "được phép: {allowed}", "en": "allowed: {allowed}"},
    "suggestion": {"vi": "có phải ý bạn là {suggestion}?", "en": "did you mean {suggestion}?"},
    "count": {"vi": "{headline} ({n} lỗi):", "en": "{headline} ({n} problem):"},
    "counts": {"vi": "{headline} ({n} lỗi):", "en": "{headline} ({n} problems):"},
    "invalid_input": {"vi": "dữ liệu không hợp lệ", "en": "invalid input"},
    "malformed_rulebook": {"vi": "bộ quy tắc có lỗi", "en": "malformed rulebook"},
    "invalid_application": {"vi": "hồ sơ không hợp lệ", "en": "invalid application"},
    "engine": {"vi": "kcrules cần bộ máy luật durable-rules nhưng không nạp được ({detail}). "
                     "Để sửa, hãy chạy:\n    {fix}",
               "en": "kcrules needs the durable-rules engine, which failed to load ({detail}). "
                     "To fix it, run:\n    {fix}"},
    "unknown_rulebook": {
        "vi": "không có bộ quy tắc {given}: đây không phải mã của bộ quy tắc có sẵn, cũng không phải thư mục "
              "chứa rulebook.toml. Các bộ có sẵn: {known}.",
        "en": "no rulebook {given}: not a bundled rulebook id and not a folder with a rulebook.toml. "
              "Bundled: {known}."},
    "unknown_rulebook_hint": {"vi": " Có phải ý bạn là {suggestion}?", "en": " Did you mean {suggestion}?"},
    "evaluation": {"vi": "quy tắc {rule_id} ({citation}) gặp lỗi khi tính: {detail}",
                   "en": "rule {rule_id} ({citation}) failed: {detail}"},
    "untranslated": {"vi": "{text} (thông báo gốc bằng tiếng Anh)", "en": "{text}"},
    # a value too large to show whole (shown())
    "digits": {"vi": "một số nguyên khoảng {n:vi} chữ số", "en": "a whole number of about {n:en} digits"},
    "cut": {"vi": "{start}… ({n:vi} ký tự)", "en": "{start}… ({n:en} characters)"},
    "a_type": {"vi": "một giá trị kiểu {kind}", "en": "a {kind}"},
    # the operating system's common errors, which it words in English only
    "ENOENT": {"vi": "không có tệp hoặc thư mục này", "en": "no such file or directory"},
    "EACCES": {"vi": "không có quyền truy cập", "en": "permission denied"},
    "EISDIR": {"vi": "đây là một thư mục", "en": "is a directory"},
    "ENOTDIR": {"vi": "không phải thư mục", "en": "not a directory"},
    "ENOSPC": {"vi": "hết chỗ trên đĩa", "en": "no space left on the device"},
    "EROFS": {"vi": "hệ thống tệp chỉ cho đọc", "en": "read-only file system"},
    "EADDRINUSE": {"vi": "địa chỉ đang được dùng", "en": "address already in use"},
    "os_other": {"vi": "lỗi hệ điều hành ({detail})", "en": "{detail}"},
})


def say(key: str, lang: str, **values: Any) -> str:
    """The sentence ``key`` ("catalogue:entry") of any catalogue, in ``lang``; a value that is itself a
    :class:`Said`, a :class:`Problem` or an error of kcrules is written in ``lang`` too."""
    name, _, entry = key.partition(":")
    return CATALOGUES[name](entry, lang, **{k: v.text(lang) if isinstance(v, (Said, Phrase, Problem, KcrulesError)) else v
                                            for k, v in values.items()})


@dataclass(frozen=True, slots=True)
class Said:
    """A sentence ("catalogue:entry" and its values) used as a value of another, said in the same language."""

    key: str
    values: tuple[tuple[str, Any], ...] = ()

    def text(self, lang: str = "en") -> str:
        return say(self.key, lang, **dict(self.values))

    def __str__(self) -> str:
        return self.text()


class Phrase(str):
    """A sentence ("catalogue:entry" and its values) that is also its English text, a ``str``: used where text
    is expected (a problem's ``where``, an error's headline), it reads as before, and ``text(lang)`` says it in
    vi or en."""

    said: Said

    def __new__(cls, key: str, **values: Any) -> Phrase:
        phrase = super().__new__(cls, say(key, "en", **values))
        phrase.said = Said(key, tuple(values.items()))
        return phrase

    def text(self, lang: str = "en") -> str:
        return self.said.text(lang)


def os_reason(err: OSError) -> Said:
    """Why a file could not be used, in both languages: the operating system words it in English only."""
    name = errno.errorcode.get(err.errno or 0, "")
    return Said(f"errors:{name}") if name in WORDS else Said("errors:os_other", (("detail", err.strerror or err),))


class KcrulesError(Exception):
    """Root of every error kcrules raises on purpose."""

    #: Stable machine-readable code, also the CLI's error code.
    code = "kcrules_error"

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` (vi or en); ``str(err)`` is the English one."""
        return str(self)


class EngineUnavailableError(KcrulesError, ImportError):
    """The durable-rules engine could not be imported; the message says what to run."""

    code = "engine_unavailable"

    def __init__(self, detail: str, fix: str) -> None:
        self.detail = detail
        self.fix = fix
        super().__init__(self.text())

    def text(self, lang: str = "en") -> str:
        return WORDS("engine", lang, detail=self.detail, fix=self.fix)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: where, what was given, what is allowed.

    ``message`` and ``allowed`` are English. A problem made with :meth:`of` also keeps
    their sentences' keys and values, and :meth:`text` writes it in vi or en; one made
    directly from text is written as it is in both.
    """

    #: The field, or a place (a :class:`Phrase`: "column B", "row 3, …", said in either language).
    where: str
    message: str
    given: object = None
    allowed: str | None = None
    suggestion: str | None = None
    #: "catalogue:entry" of the message, and of ``allowed`` when it is a sentence (not a list of codes).
    key: str | None = None
    allowed_key: str | None = None
    #: The values of the sentences' placeholders.
    values: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, where: str, key: str, given: object = None, allowed: str | None = None,
           suggestion: str | None = None, *, allowed_key: str | None = None, **values: Any) -> Problem:
        """A problem whose message is the sentence ``key`` ("catalogue:entry") with ``values``."""
        return cls(where, say(key, "en", **values), given,
                   say(allowed_key, "en", **values) if allowed_key else allowed, suggestion,
                   key, allowed_key, tuple(values.items()))

    def __post_init__(self) -> None:
        # A problem is shown to a person: a 50 MB value given is not echoed whole.
        object.__setattr__(self, "where", shown(self.where))
        object.__setattr__(self, "given", shown(self.given))

    def __str__(self) -> str:
        return self.text("en")

    def text(self, lang: str = "en") -> str:
        """Where, what is wrong, what was given, what is allowed and the closest choice, in ``lang``."""
        message, allowed = self.wording(lang)
        parts = [f"{self.place(lang)}: {message}"]
        if self.given is not None:
            given = self.given.text(lang) if isinstance(self.given, Phrase) else self.given
            parts.append(WORDS("given", lang, given=repr(given)))
        if allowed:
            parts.append(WORDS("allowed", lang, allowed=allowed))
        if self.suggestion:
            parts.append(WORDS("suggestion", lang, suggestion=repr(self.suggestion)))
        return "; ".join(parts)

    def place(self, lang: str = "en") -> str:
        """Where, in ``lang``."""
        return self.where.text(lang) if isinstance(self.where, Phrase) else self.where

    def wording(self, lang: str = "en") -> tuple[str, str | None]:
        """(what is wrong, what is allowed) in ``lang``."""
        values = dict(self.values)
        return (say(self.key, lang, **values) if self.key else self.message,
                say(self.allowed_key, lang, **values) if self.allowed_key else self.allowed)

    def as_dict(self) -> dict[str, object]:
        return {
            "where": str(self.where),
            "message": self.message,
            "given": self.given if _is_json_scalar(self.given) else repr(self.given),
            "allowed": self.allowed,
            "suggestion": self.suggestion,
        }


#: Longest value a message shows whole; longer ones are cut with "…".
SHOWN_MAX = 200


def shown(value: object, limit: int = SHOWN_MAX) -> object:
    """``value`` as an error message may show it: unchanged when short, else its start, "…" and its size."""
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, int):
        if value.bit_length() <= 256:
            return value
        # Python refuses to write an int of more than 4,300 digits; its size is what matters here.
        return Phrase("errors:digits", n=_Count(int(value.bit_length() * 0.30103) + 1))
    try:
        text = value if isinstance(value, str) else repr(value)
    except Exception:  # noqa: BLE001 (a value whose repr fails is shown by its type)
        return Phrase("errors:a_type", kind=type(value).__name__)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (JSON allows "\ud800") is shown as its escape
            value = text = value.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(text) <= limit:
        return value
    return Phrase("errors:cut", start=text[:limit // 2], n=_Count(len(text)))


class _Count(int):
    """A count of a size note, written in the language its format names ("{n:vi}": 1.234, "{n:en}": 1,234)."""

    def __format__(self, lang: str) -> str:
        from babel.numbers import format_decimal

        return format_decimal(int(self), locale={"vi": "vi_VN", "en": "en_US"}[lang])


def _is_json_scalar(value: object) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


class _ProblemsError(KcrulesError):
    """An error that carries every problem found, not just the first."""

    headline = "invalid input"
    #: "catalogue:entry" of the headline, so it can be written in either language.
    headline_key: str | None = "errors:invalid_input"

    def __init__(self, problems: list[Problem], headline: str | None = None, headline_key: str | None = None) -> None:
        if not problems:
            raise ValueError("an error needs at least one problem")
        self.problems = list(problems)
        if headline_key is not None:
            self.headline, self.headline_key = say(headline_key, "en"), headline_key
        elif headline is not None:
            self.headline, self.headline_key = headline, None
        super().__init__(problem_list(self.headline, self.problems))

    def text(self, lang: str = "en") -> str:
        return problem_list(self.headline_in(lang), self.problems, lang)

    def with_problems(self, problems: list[Problem]) -> _ProblemsError:
        """The same error, headline and all, with these problems (one placed better, or named otherwise)."""
        return type(self)(problems, self.headline, self.headline_key)

    def headline_in(self, lang: str = "en") -> str:
        """The headline in ``lang``."""
        if isinstance(self.headline, Phrase):  # a headline with values: "row 3 cannot be read"
            return self.headline.text(lang)
        return say(self.headline_key, lang) if self.headline_key else self.headline


def problem_list(headline: str, problems: Iterable[Problem], lang: str = "en") -> str:
    """A headline with the number of problems, then one problem a line, in ``lang``."""
    problems = list(problems)
    lines = "\n".join(f"  - {p.text(lang)}" for p in problems)
    return WORDS("count" if len(problems) == 1 else "counts", lang, headline=headline, n=len(problems)) + "\n" + lines


class RuleFileError(_ProblemsError):
    """A rule file is malformed. Each problem's ``where`` names file, rule id and key."""

    code = "rule_file_error"
    headline = "malformed rulebook"
    headline_key = "errors:malformed_rulebook"


class ApplicationError(_ProblemsError):
    """An application is invalid. Each problem names the field path."""

    code = "application_error"
    headline = "invalid application"
    headline_key = "errors:invalid_application"


class UnknownRulebookError(KcrulesError, LookupError):
    """No rulebook has that id, and no rulebook file is at that path."""

    code = "unknown_rulebook"

    def __init__(self, given: str, known: list[str], suggestion: str | None) -> None:
        self.given = given
        self.known = known
        self.suggestion = suggestion
        super().__init__(self.text())

    def text(self, lang: str = "en") -> str:
        hint = WORDS("unknown_rulebook_hint", lang, suggestion=repr(self.suggestion)) if self.suggestion else ""
        given = shown(self.given)
        given = given.text(lang) if isinstance(given, Phrase) else given
        return WORDS("unknown_rulebook", lang, given=repr(given), known=", ".join(self.known)) + hint


class InputError(KcrulesError, ValueError):
    """An input other than an application or a rule file is invalid; the message says which and why.

    Where the input has parts (the changes of a what-if), ``problems`` names
    each bad part: field, what was given, what is allowed, the closest choice.
    """

    code = "input_error"

    def __init__(self, message: str, problems: Iterable[Problem] = (), *, key: str | None = None,
                 values: dict[str, Any] | None = None, listed: bool = False) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        #: The message's sentence ("catalogue:entry") and values; ``listed``: the problems follow it.
        self.key, self.values, self.listed = key, dict(values or {}), listed
        super().__init__(message)

    @classmethod
    def of(cls, key: str, problems: Iterable[Problem] = (), *, listed: bool = False, **values: Any) -> InputError:
        """An error whose message is the sentence ``key`` ("catalogue:entry") with ``values``;
        with ``listed``, a headline followed by ``problems``."""
        problems = tuple(problems)
        head = say(key, "en", **values)
        return cls(problem_list(head, problems) if listed else head, problems, key=key, values=values, listed=listed)

    def text(self, lang: str = "en") -> str:
        if self.key is None:  # made from text alone
            return str(self)
        head = say(self.key, lang, **self.values)
        return problem_list(head, self.problems, lang) if self.listed else head


class EvaluationError(KcrulesError):
    """Evaluation failed inside a rule; names the rule and its legal citation."""

    code = "evaluation_error"

    def __init__(self, rule_id: str, citation: str, detail: str) -> None:
        self.rule_id = rule_id
        self.citation = citation
        self.detail = str(shown(detail, 1000))
        super().__init__(self.text())

    def text(self, lang: str = "en") -> str:
        return WORDS("evaluation", lang, rule_id=self.rule_id, citation=self.citation, detail=self.detail)
