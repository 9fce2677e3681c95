"""Explanation templates: the sentence a criterion's reason shows, with ``{name}`` placeholders.

Takes a template's text (and, to check it, the rulebook's resolver of names);
gives its parts in order, each a literal text or a :class:`Placeholder` naming
a fact, or raises :class:`TemplateError` saying what is wrong and at which
column. A placeholder holds a name and nothing else: no format, no index, no
attribute beyond the dotted names a condition may read, so filling a template
can only look up the facts of the decision. The rule files are checked with
:func:`parse` when they load; :func:`parts` gives the parts of a checked template
to the code that writes reasons.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kcrules.rulefiles.cond_ast import MAX_TEXT

#: A placeholder's name: a dotted path of lower-case words.
NAME = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*")
#: A placeholder as it appears in a checked template.
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


class TemplateError(ValueError):
    """A template that cannot be filled safely; ``message`` says why, ``name`` the unknown name if that is it."""

    def __init__(self, message: str, text: str, position: int | None = None, name: str | None = None) -> None:
        self.message = message
        self.text = text
        self.position = position
        self.name = name
        where = f" at column {position + 1}" if position is not None else ""
        super().__init__(f"{message}{where} in {text!r}")


@dataclass(frozen=True, slots=True)
class Placeholder:
    name: str


Part = str | Placeholder


def parse(text: Any, resolve: Callable[[str], Any] | None = None) -> tuple[Part, ...]:
    """The parts of a template; with ``resolve``, every name must be one it knows (not None)."""
    if not isinstance(text, str):
        raise TemplateError("a template is a text", repr(text))
    if len(text) > MAX_TEXT:
        raise TemplateError(f"a template is at most {MAX_TEXT} characters", text[:60] + "…")
    out: list[Part] = []
    pos = 0
    while pos < len(text):
        open_at, close_at = text.find("{", pos), text.find("}", pos)
        if close_at != -1 and (open_at == -1 or close_at < open_at):
            raise TemplateError("'}' closes no placeholder: braces in a template only hold a {name}", text, close_at)
        if open_at == -1:
            out.append(text[pos:])
            break
        if open_at > pos:
            out.append(text[pos:open_at])
        end = text.find("}", open_at)
        if end == -1:
            raise TemplateError("'{' is not closed by '}'", text, open_at)
        out.append(_placeholder(text, open_at, text[open_at + 1:end], resolve))
        pos = end + 1
    return tuple(out)


def _placeholder(text: str, pos: int, name: str, resolve: Callable[[str], Any] | None) -> Placeholder:
    if not NAME.fullmatch(name):
        raise TemplateError("a placeholder holds a name only, like {project.learners}: no spaces, format, "
                            "index or braces", text, pos)
    if "__" in name or name.startswith("_"):
        raise TemplateError(f"names may not start with '_' or contain '__': {name!r}", text, pos, name)
    if resolve is not None and resolve(name) is None:
        raise TemplateError(f"unknown name {name!r}", text, pos, name)
    return Placeholder(name)


@functools.lru_cache(maxsize=1024)
def parts(text: str) -> tuple[Part, ...]:
    """The parts of a template already checked at load (memoised: a rulebook has few)."""
    return parse(text)
