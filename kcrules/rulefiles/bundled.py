"""The rulebooks shipped with kcrules: where they are and their ids."""

from __future__ import annotations

from pathlib import Path

DEFAULT_RULEBOOK = "hanoi-2016-2020"


def bundled_root() -> Path:
    """The folder of the rulebooks shipped with kcrules (inside the wheel)."""
    package = Path(__file__).resolve().parents[1]  # kcrules/
    try:
        from importlib.resources import files

        root = Path(str(files("kcrules.rules")))
        if (root / "hanoi-2016-2020").is_dir():
            return root
    except ModuleNotFoundError:
        pass
    return package.parent / "rules"  # a source checkout: rules/ beside the package (pyproject maps it)


def bundled_ids() -> list[str]:
    root = bundled_root()
    return sorted(p.parent.name for p in root.glob("*/rulebook.toml"))
