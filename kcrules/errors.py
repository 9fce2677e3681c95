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
caller can show the message or walk the structured ``problems``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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


class KcrulesError(Exception):
    """Root of every error kcrules raises on purpose."""

    #: Stable machine-readable code, also the CLI's error code.
    code = "kcrules_error"


class EngineUnavailableError(KcrulesError, ImportError):
    """The durable-rules engine could not be imported; the message says what to run."""

    code = "engine_unavailable"

    def __init__(self, detail: str, fix: str) -> None:
        self.detail = detail
        self.fix = fix
        super().__init__(
            f"kcrules needs the durable-rules engine, which failed to load ({detail}). "
            f"To fix it, run:\n    {fix}"
        )


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: where, what was given, what is allowed."""

    where: str
    message: str
    given: object = None
    allowed: str | None = None
    suggestion: str | None = None

    def __post_init__(self) -> None:
        # A problem is shown to a person: a 50 MB value given is not echoed whole.
        object.__setattr__(self, "where", shown(self.where))
        object.__setattr__(self, "given", shown(self.given))

    def __str__(self) -> str:
        parts = [f"{self.where}: {self.message}"]
        if self.given is not None:
            parts.append(f"given {self.given!r}")
        if self.allowed:
            parts.append(f"allowed: {self.allowed}")
        if self.suggestion:
            parts.append(f"did you mean {self.suggestion!r}?")
        return "; ".join(parts)

    def as_dict(self) -> dict[str, object]:
        return {
            "where": self.where,
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
        return f"a whole number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    try:
        text = value if isinstance(value, str) else repr(value)
    except Exception:  # noqa: BLE001 (a value whose repr fails is shown by its type)
        return f"a {type(value).__name__}"
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (JSON allows "\ud800") is shown as its escape
            value = text = value.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(text) <= limit:
        return value
    return f"{text[:limit // 2]}… ({len(text):,} characters)"


def _is_json_scalar(value: object) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


class _ProblemsError(KcrulesError):
    """An error that carries every problem found, not just the first."""

    headline = "invalid input"

    def __init__(self, problems: list[Problem], headline: str | None = None) -> None:
        if not problems:
            raise ValueError("an error needs at least one problem")
        self.problems = list(problems)
        if headline is not None:
            self.headline = headline
        super().__init__(problem_list(self.headline, self.problems))


def problem_list(headline: str, problems: list[Problem]) -> str:
    """A headline with the number of problems, then one problem a line."""
    lines = "\n".join(f"  - {p}" for p in problems)
    noun = "problem" if len(problems) == 1 else "problems"
    return f"{headline} ({len(problems)} {noun}):\n{lines}"


class RuleFileError(_ProblemsError):
    """A rule file is malformed. Each problem's ``where`` names file, rule id and key."""

    code = "rule_file_error"
    headline = "malformed rulebook"


class ApplicationError(_ProblemsError):
    """An application is invalid. Each problem names the field path."""

    code = "application_error"
    headline = "invalid application"


class UnknownRulebookError(KcrulesError, LookupError):
    """No rulebook has that id, and no rulebook file is at that path."""

    code = "unknown_rulebook"

    def __init__(self, given: str, known: list[str], suggestion: str | None) -> None:
        self.given = given
        self.known = known
        self.suggestion = suggestion
        hint = f" Did you mean {suggestion!r}?" if suggestion else ""
        super().__init__(
            f"no rulebook {shown(given)!r}: not a bundled rulebook id and not a folder with a "
            f"rulebook.toml. Bundled: {', '.join(known)}.{hint}"
        )


class InputError(KcrulesError, ValueError):
    """An input other than an application or a rule file is invalid; the message says which and why.

    Where the input has parts (the changes of a what-if), ``problems`` names
    each bad part: field, what was given, what is allowed, the closest choice.
    """

    code = "input_error"

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(message)


class EvaluationError(KcrulesError):
    """Evaluation failed inside a rule; names the rule and its legal citation."""

    code = "evaluation_error"

    def __init__(self, rule_id: str, citation: str, detail: str) -> None:
        self.rule_id = rule_id
        self.citation = citation
        self.detail = str(shown(detail, 1000))
        super().__init__(f"rule {rule_id} ({citation}) failed: {self.detail}")
