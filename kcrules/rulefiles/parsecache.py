"""Rule files parsed once: each file's TOML kept as JSON in the user's cache, keyed by the file's bytes.

Loading the bundled rulebook spends most of its time in ``tomllib`` (pure Python),
which is most of a cold ``kcrules check``. The parsed data of a file depends only on
its text, so it is stored under the SHA-256 of that text and read back with the
``json`` module (C), about fifteen times faster. JSON, not pickle: reading the
cache runs no code. An entry names the hash it was made for and is read only for
that text; the folder is the user's own, as trusted as the files they load.

The cache is ``$KCRULES_CACHE_DIR``, else ``$XDG_CACHE_HOME/kcrules``, else
``~/.cache/kcrules``; ``KCRULES_CACHE_DIR=off`` turns it off. It is only a cache:
a folder that cannot be written, or an entry that cannot be read, means parsing the
TOML again, never an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

#: Bumped when the stored form changes, so older entries are not read.
_FORMAT = "toml-json-1"
#: TOML's date and time values, tagged in JSON by a one-key object (a key no rule file uses).
_TAG = "$kcrules:"
_TYPES: dict[str, Any] = {"date": dt.date, "datetime": dt.datetime, "time": dt.time}


def cache_dir() -> Path | None:
    """Where parsed rule files are kept, or None when the cache is off."""
    given = os.environ.get("KCRULES_CACHE_DIR")
    if given == "off":
        return None
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kcrules"


def cached(text: str) -> dict[str, Any] | None:
    """The parsed data of ``text`` if the cache holds it."""
    folder = cache_dir()
    if folder is None:
        return None
    digest = _digest(text)
    try:
        stored = json.loads((folder / f"{digest}.json").read_bytes(), object_hook=_decode)
    except (OSError, ValueError, TypeError, RecursionError):
        return None
    if not isinstance(stored, dict) or stored.get("format") != _FORMAT or stored.get("sha256") != digest:
        return None
    data = stored.get("data")
    return data if isinstance(data, dict) else None


def remember(text: str, data: dict[str, Any]) -> None:
    """Keep the parsed data of ``text`` (silently nothing when the cache cannot be written)."""
    folder = cache_dir()
    if folder is None or _has_tag(data):
        return
    digest = _digest(text)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"format": _FORMAT, "sha256": digest, "data": data}, default=_encode,
                          ensure_ascii=False, allow_nan=True)
        tmp = folder / f".{digest}.{os.getpid()}.tmp"
        tmp.write_text(body, encoding="utf-8")
        os.replace(tmp, folder / f"{digest}.json")  # atomic: a reader sees the whole entry or none
    except (OSError, TypeError, ValueError, RecursionError):
        return


def _digest(text: str) -> str:
    return hashlib.sha256(f"{_FORMAT}\n{text}".encode("utf-8", "surrogatepass")).hexdigest()


def _encode(value: Any) -> Any:
    for name, kind in _TYPES.items():
        if type(value) is kind:
            return {f"{_TAG}{name}": value.isoformat()}
    raise TypeError(f"not a TOML value: {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        (key, value), = obj.items()
        if key.startswith(_TAG) and isinstance(value, str):
            kind = _TYPES.get(key[len(_TAG):])
            if kind is not None:
                return kind.fromisoformat(value)
    return obj


def _has_tag(value: Any) -> bool:
    """Whether a table of the file itself has a key that looks like the tag (then it is not cached).

    A walk with a stack, not recursion: dotted keys (``[a.a.a…]``) nest tables as deep as the
    file is long, which the bracket count before parsing does not see.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if any(k.startswith(_TAG) for k in item):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
