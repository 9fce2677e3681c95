"""pytest plugin: run the scenario cases stored beside a rulebook's rules.

A case file is a TOML file in a ``tests/`` folder next to a ``rulebook.toml``.
It holds ``[[case]]`` tables, each an application and what its decision must be::

    [[case]]
    name = "cooperative in Chương Mỹ, the ceiling decides"
    # on = 2019-01-01          optional: evaluate under the law in force that day
    [case.application]         # an application, exactly as kcrules reads it
    ...
    [case.expect]
    eligible = true
    support_vnd = 300_000_000  # exact, whole đồng
    bound = "machinery_cap"    # optional: what decided the amount
    failed = []                # exactly the eligibility criteria not met
    warnings = ["machinery_cap"]   # optional: parameters that must be warned about
    priority_met = ["priority.sector_export"]  # optional: must be among those met

The plugin is registered through the ``pytest11`` entry point, so running
``pytest`` in a folder of rulebooks runs their cases.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

_EXPECT_KEYS = {"eligible", "support_vnd", "bound", "failed", "warnings", "priority_met", "error"}
_CASE_KEYS = {"name", "on", "lang", "application", "expect", "engine"}
_rulebooks: dict[tuple[Path, str], Any] = {}


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".toml" and file_path.parent.name == "tests" and \
            (file_path.parent.parent / "rulebook.toml").is_file():
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self) -> Any:
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise CaseFormatError(f"{self.path}: not valid TOML: {err}") from None
        cases = data.get("case")
        if not isinstance(cases, list) or not cases or set(data) != {"case"}:
            raise CaseFormatError(f"{self.path}: a case file holds [[case]] tables only")
        names: set[str] = set()
        for index, case in enumerate(cases):
            name = case.get("name") if isinstance(case, dict) else None
            if not isinstance(name, str) or name in names:
                raise CaseFormatError(f"{self.path}: case #{index + 1} needs a unique name")
            names.add(name)
            yield CaseItem.from_parent(self, name=name, case=case)


class CaseFormatError(Exception):
    """A case file is malformed."""


class CaseItem(pytest.Item):
    def __init__(self, *, case: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        case = self.case
        unknown = set(case) - _CASE_KEYS
        expect = case.get("expect")
        if unknown or not isinstance(expect, dict) or set(expect) - _EXPECT_KEYS or "application" not in case:
            raise CaseFormatError(
                f"case {self.name!r}: keys allowed {sorted(_CASE_KEYS)}, expect keys {sorted(_EXPECT_KEYS)}; "
                f"got {sorted(case)} / {sorted(expect) if isinstance(expect, dict) else expect!r}"
            )
        rulebook = _rulebook(self.path.parent.parent, case.get("engine", "durable"))
        from kcrules.errors import ApplicationError

        if "error" in expect:
            with pytest.raises(ApplicationError) as info:
                rulebook.evaluate(case["application"])
            wheres = [p.where for p in info.value.problems]
            if expect["error"] not in wheres:
                raise CaseMismatch(self.name, [f"error at {expect['error']!r}: expected, got {wheres}"], None)
            return
        decision = rulebook.evaluate(case["application"], on=case.get("on"), lang=case.get("lang", "vi"))
        diffs = _compare(expect, decision)
        if diffs:
            raise CaseMismatch(self.name, diffs, decision)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, CaseMismatch):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"case: {self.name}"


class CaseMismatch(AssertionError):
    def __init__(self, name: str, diffs: list[str], decision: Any) -> None:
        lines = [f"scenario case {name!r} does not match the decision:"]
        lines += [f"  - {d}" for d in diffs]
        if decision is not None:
            lines.append(f"  decision: {decision.summary}")
            for r in decision.reasons:
                if r.outcome == "not_met" and r.kind == "eligibility":
                    lines.append(f"    not met: {r.text}")
            for line in decision.support.lines:
                lines.append(f"    support: {line.text}")
        super().__init__("\n".join(lines))


def _compare(expect: dict[str, Any], decision: Any) -> list[str]:
    diffs = []
    failed = sorted(r.criterion for r in decision.failed)
    if "eligible" in expect and expect["eligible"] != decision.eligible:
        diffs.append(f"eligible: expected {expect['eligible']}, got {decision.eligible}")
    if "support_vnd" in expect and expect["support_vnd"] != decision.support.amount_vnd:
        diffs.append(f"support_vnd: expected {expect['support_vnd']:,}, got {decision.support.amount_vnd:,}")
    if "bound" in expect and expect["bound"] != decision.support.bound:
        diffs.append(f"bound: expected {expect['bound']!r}, got {decision.support.bound!r}")
    if "failed" in expect and sorted(expect["failed"]) != failed:
        diffs.append(f"failed criteria: expected {sorted(expect['failed'])}, got {failed}")
    if "warnings" in expect:
        warned = {w.parameter for w in decision.warnings}
        missing = sorted(set(expect["warnings"]) - warned)
        if missing:
            diffs.append(f"warnings: expected about {missing}, got {sorted(warned)}")
    if "priority_met" in expect:
        missing = sorted(set(expect["priority_met"]) - set(decision.priority.criteria_met))
        if missing:
            diffs.append(f"priority: expected {missing} among met, got {list(decision.priority.criteria_met)}")
    return diffs


def _rulebook(folder: Path, engine: str) -> Any:
    key = (folder.resolve(), engine)
    if key not in _rulebooks:
        import kcrules

        _rulebooks[key] = kcrules.load_rulebook(folder, engine=engine)
    return _rulebooks[key]
