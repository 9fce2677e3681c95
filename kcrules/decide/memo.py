"""The bound shared by a rulebook's memos of decision parts."""

from __future__ import annotations

from typing import Any, TypeVar

V = TypeVar("V")

#: Entries each memo of a rulebook (reasons, priorities, warnings, outlines) holds; cleared when full.
#: Entries that pay are the few common value combinations (yes/no facts, codes, amounts at a
#: ceiling), which come back within thousands of decisions; numbers that vary rarely repeat, so a
#: larger memo mostly keeps values never asked again. 10,000 entries (a few kB each) keep a
#: long-running process near 80 MiB on varied input, where 100,000 let it reach over 300 MiB
#: (benchmarks/memory.py).
MEMO_MAX = 10_000


def remember(memo: dict[Any, V], key: Any, value: V) -> V:
    """Store ``value`` under ``key``, emptying ``memo`` first when it is full; return ``value``."""
    if len(memo) >= MEMO_MAX:
        memo.clear()
    memo[key] = value
    return value
