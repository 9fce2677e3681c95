"""The rulebook chain: a rulebook's folder, the rulebook it extends, and so on to the root.

Takes the folder of a rulebook; gives, root first, each rulebook of the chain as
(id, folder, its rule files read as TOML), or the problems that stop the chain
being read at all (a file that is not UTF-8 or not TOML, a folder without
``rulebook.toml``, an id that is missing or not a safe name, an ``extends`` that
names no rulebook, a cycle). Ids and ``extends`` are names, never paths:
``extends`` is looked up beside the rulebook's folder, then among the bundled
rulebooks.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from kcrules.rulefiles import parsecache
from kcrules.rulefiles.builders.context import (
    RULEBOOK_ID_RULE,
    Collector,
    RuleFile,
    is_rulebook_id,
)
from kcrules.rulefiles.builders.lines import MAX_NESTING, too_deep
from kcrules.rulefiles.bundled import bundled_ids, bundled_root
from kcrules.util.words import suggest

Chain = list[tuple[str, Path, list[RuleFile]]]
_TOO_DEEP = f"arrays or inline tables nested more than {MAX_NESTING} levels deep; rule files need a few"


def read_chain(folder: Path, problems: Collector) -> Chain:
    """The rulebooks of the chain that ends at ``folder``, root first (problems added on the way)."""
    chain: Chain = []
    seen: set[Path] = set()
    current: Path | None = folder
    while current is not None:
        if current.resolve() in seen:
            problems.add(str(current), "rulebooks extend each other in a cycle")
            break
        seen.add(current.resolve())
        files = read_folder(current, problems)
        head = next((f for f in files if f.path.name == "rulebook.toml"), None)
        if head is None:
            problems.add(str(current), "no rulebook.toml in this folder")
            break
        meta = head.data.get("rulebook", {})
        rb_id = meta.get("id") if isinstance(meta, dict) else None
        if not isinstance(rb_id, str):
            problems.add(head.where("rulebook", key="id"), "missing rulebook id")
            break
        if not is_rulebook_id(rb_id):
            problems.add(head.where("rulebook", key="id"), "a rulebook id is a name, not a path", rb_id,
                         RULEBOOK_ID_RULE)
            break
        chain.append((rb_id, current, files))
        current = _parent(current, head, meta.get("extends"), problems)
    chain.reverse()
    return chain


def _parent(current: Path, head: RuleFile, parent: object, problems: Collector) -> Path | None:
    """The folder of the rulebook ``extends`` names (None at the root, or when it cannot be found)."""
    if parent is None:
        return None
    if not is_rulebook_id(parent):
        problems.add(head.where("rulebook", key="extends"), "must be a rulebook id", parent, RULEBOOK_ID_RULE)
        return None
    assert isinstance(parent, str)
    candidate = current.parent / parent
    if not (candidate / "rulebook.toml").is_file():
        candidate = bundled_root() / parent
    if not (candidate / "rulebook.toml").is_file():
        problems.add(head.where("rulebook", key="extends"), "extends a rulebook that cannot be found", parent,
                     suggestion=suggest(parent, bundled_ids()))
        return None
    return candidate


def read_folder(folder: Path, problems: Collector) -> list[RuleFile]:
    """Every ``*.toml`` of a rulebook's folder, parsed (a file that cannot be read is a problem)."""
    files = []
    for path in sorted(folder.glob("*.toml")):
        display = f"{folder.name}/{path.name}"
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            problems.add(display, f"not UTF-8 text ({err.reason})")
            continue
        data = parsecache.cached(text)
        if data is not None:  # parsed before, so checked before
            files.append(RuleFile(path, display, data, text))
            continue
        deep = too_deep(text)
        if deep is not None:
            problems.add(f"{display}:{deep}", _TOO_DEEP)
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            problems.add(display, f"not valid TOML: {err}")
            continue
        except RecursionError:  # nesting the scan above did not see (it counts brackets only)
            problems.add(display, _TOO_DEEP)
            continue
        parsecache.remember(text, data)
        files.append(RuleFile(path, display, data, text))
    return files
