"""Small helpers for JSON-like data (nested dicts and lists), as applications arrive."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def copy_tree(data: Any) -> Any:
    """A copy of nested dicts and lists that shares only the leaf values."""
    if isinstance(data, Mapping):
        return {k: copy_tree(v) for k, v in data.items()}
    if isinstance(data, list):
        return [copy_tree(v) for v in data]
    return data


def get_path(data: Any, path: str) -> Any:
    """The value at a dotted path of nested mappings, or None where the path breaks off."""
    obj: Any = data
    for part in path.split("."):
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(part)
    return obj


def unflatten(values: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted paths and their values (``{"project.base_vnd": 1}``) back to nested mappings."""
    out: dict[str, Any] = {}
    for path, value in values.items():
        *heads, leaf = path.split(".")
        node = out
        for head in heads:
            node = node.setdefault(head, {})
        node[leaf] = value
    return out
