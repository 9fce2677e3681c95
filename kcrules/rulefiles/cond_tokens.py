"""The condition language's tokenizer.

Takes the text of a condition; gives its tokens (kind, text, column), ending with
an ``end`` token, or raises :class:`ConditionSyntaxError` at the first character
that starts no token.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from kcrules.rulefiles.cond_ast import ConditionSyntaxError

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\w-])
  | (?P<int>\d[\d_]*)(?![\w.])
  | (?P<str>"[^"\\\n]*"|'[^'\\\n]*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,|\+|-|\*)
    """,
    re.VERBOSE,
)

#: Words that are part of the language, never names.
KEYWORDS = frozenset({"and", "or", "not", "in", "is", "set", "true", "false"})


class Token(NamedTuple):
    kind: str  # date, int, str, name, op or end
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, whitespace dropped, ending with an ``end`` token."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ConditionSyntaxError(f"unexpected character {text[pos]!r}", text, pos)
        if m.lastgroup != "ws":
            tokens.append(Token(m.lastgroup or "", m.group(), pos))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens
