"""The rulebooks shipped with kcrules: where they are and their ids."""

from __future__ import annotations

from pathlib import Path

DEFAULT_RULEBOOK = "hanoi-2016-2020"


def bundled_root() -> Path:
    """The folder of the rulebooks shipped with kcrules (inside the wheel)."""
    here = Path(__file__).resolve().parent
    try:
        from importlib.resources import files

        root = Path(str(files("kcrules.rules")))
        if (root / "hanoi-2016-2020").is_dir():
            return root
    except ModuleNotFoundError:
        pass
    return here.parent / "rules"  # a source checkout that was not installed


def bundled_ids() -> list[str]:
    root = bundled_root()
    return sorted(p.parent.name for p in root.glob("*/rulebook.toml"))
