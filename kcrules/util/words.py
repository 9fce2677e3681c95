"""Matching typed names to codes: accent- and case-insensitive, with suggestions."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from functools import lru_cache


def fold(text: str) -> str:
    """Lower-case, strip Vietnamese accents (đ -> d), collapse spaces, '-' and '_'."""
    # Code lookups fold the same few hundred names again and again: short texts are memoised
    # (long ones are rare and would make the memo's size unbounded in bytes).
    return _fold_short(text) if len(text) <= _MEMO_LEN else _fold(text)


_MEMO_LEN = 160


def _fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(bare.casefold().replace("_", " ").replace("-", " ").split())


_fold_short = lru_cache(maxsize=8192)(_fold)


def suggest(given: str, choices: Iterable[str]) -> str | None:
    """The closest choice to ``given`` (compared folded), or None if none is close."""
    choices = list(choices)
    folded = {fold(c): c for c in choices}
    key = fold(given)
    # A short code like "3.3" is a prefix of one id ("3.3-machinery"): edit distance misses it.
    starts = {folded[f] for f in folded if key and f.startswith(key)}
    if len(starts) == 1:
        return starts.pop()
    hit = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.6)
    return folded[hit[0]] if hit else None
