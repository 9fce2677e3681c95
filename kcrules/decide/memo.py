"""The bound shared by a rulebook's memos of decision parts."""

from __future__ import annotations

from typing import Any, TypeVar

V = TypeVar("V")

#: Entries each memo of a rulebook (reasons, priorities, warnings, outlines) holds; cleared when full.
MEMO_MAX = 100_000


def remember(memo: dict[Any, V], key: Any, value: V) -> V:
    """Store ``value`` under ``key``, emptying ``memo`` first when it is full; return ``value``."""
    if len(memo) >= MEMO_MAX:
        memo.clear()
    memo[key] = value
    return value
