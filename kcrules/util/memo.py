"""The bound shared by a rulebook's memos of decision parts and of the sentences of its reasons."""

from __future__ import annotations

from typing import Any, TypeVar

V = TypeVar("V")

#: Entries each memo of a rulebook (reasons, priorities, warnings) holds; cleared when full.
#: Entries that pay are the few common value combinations (yes/no facts, codes, amounts at a
#: ceiling), which come back within thousands of decisions; numbers that vary rarely repeat, so a
#: larger memo mostly keeps values never asked again. 10,000 entries (a few kB each) keep a
#: long-running process near 80 MiB on varied input, where 100,000 let it reach over 300 MiB
#: (benchmarks/memory.py).
MEMO_MAX = 10_000


def remember(memo: dict[Any, V], key: Any, value: V, limit: int = MEMO_MAX) -> V:
    """Store ``value`` under ``key``, emptying ``memo`` first when it holds ``limit`` entries; return ``value``."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value
