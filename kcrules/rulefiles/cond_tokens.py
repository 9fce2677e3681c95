"""The condition language's tokenizer.

Takes the text of a condition; gives its tokens (kind, text, column), ending with
an ``end`` token, or raises :class:`ConditionSyntaxError` at the first character
that starts no token. The language is ASCII outside its text literals: a
character from elsewhere (a Cyrillic "е" that looks like an "e", a no-break
space, an Arabic-Indic digit) is named with its Unicode code point and name,
and its ASCII look-alike suggested when it has one.
"""

from __future__ import annotations

import re
import unicodedata
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
    re.VERBOSE | re.ASCII,
)

# Letters that look like Latin ones (Cyrillic and Greek); others are found by
# compatibility normalisation (fullwidth forms, ligatures).
_LOOK_ALIKES = dict(zip(
    "аеорсухіјѕԁԛԝвкмнтАВЕКМНОРСТХІЈЅαβεικνοτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdqwbkmhtABEKMHOPCTXIJSabeikvotuxABEZHIKMNOPTYX",
    strict=True,
))
_SPACES = {"\u00a0", "\u2007", "\u202f", "\u2000", "\u2001", "\u2002", "\u2003", "\u2009", "\u200a", "\u3000"}

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
            raise _unexpected(text, pos)
        if m.lastgroup != "ws":
            tokens.append(Token(m.lastgroup or "", m.group(), pos))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _unexpected(text: str, pos: int) -> ConditionSyntaxError:
    """The error for a character that starts no token, naming the character really at fault.

    A name stops before a letter from outside ASCII, so the character reported
    may be the dot before it: then the letter after the dot is the one named.
    """
    if text[pos] == "." and pos + 1 < len(text) and not text[pos + 1].isascii():
        pos += 1
    char = text[pos]
    if char.isascii() and char.isprintable():
        return ConditionSyntaxError(f"unexpected character {char!r}", text, pos)
    return ConditionSyntaxError(f"unexpected character {char!r} ({describe(char)}){_hint(char)}", text, pos)


def describe(char: str) -> str:
    """A character's code point and Unicode name, e.g. ``U+0435 CYRILLIC SMALL LETTER IE``."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def _hint(char: str) -> str:
    if char in _LOOK_ALIKES:
        return f" — did you mean the Latin {_LOOK_ALIKES[char]!r}?"
    if char in _SPACES:
        return " — did you mean a plain space?"
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return f" — did you mean the digit '{digit}'?"
    plain = unicodedata.normalize("NFKC", char)
    if plain == char:  # a letter with an accent: its base letter
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if plain != char and plain.isascii() and plain.isprintable():
        return f" — did you mean {plain!r}?"
    return ""
