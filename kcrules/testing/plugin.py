"""pytest plugin: run scenario cases, each an application and the decision it must get.

Where case files are found
--------------------------
- ``rules/<rulebook>/tests/*.toml``: any TOML file in a ``tests/`` folder next to
  a ``rulebook.toml``; its cases run against that rulebook. A province keeping
  its own rulebook folder gets its tests by running ``pytest``.
- ``*.kccases.toml`` anywhere pytest collects: a user's own cases.
- every ``*.toml`` under the folders named by the ``kcrules_cases`` ini option
  (paths relative to the ini file), e.g. in ``pyproject.toml``::

      [tool.pytest.ini_options]
      kcrules_cases = ["acceptance/cases"]

Outside a rulebook's ``tests/`` folder, a file says which rulebook its cases
use with a top-level ``rulebook`` key: a bundled id or a folder path relative
to the file (default: the bundled Hanoi rulebook).

Format
------
::

    rulebook = "hanoi-2016-2020"   # optional; see above
    engine = "native"              # optional: default engine of the file's cases

    [[case]]
    name = "cooperative in Chương Mỹ, the ceiling decides"
    # on = 2019-01-01          optional: evaluate under the law in force that day
    # lang = "en"              optional: language of the texts (default vi)
    # engine = "durable"       optional: durable (default) or native
    [case.application]         # an application, exactly as kcrules reads it
    ...
    [case.expect]
    eligible = true
    support_vnd = 300_000_000  # exact, whole đồng
    bound = "machinery_cap"    # optional: what decided the amount
    failed = []                # exactly the eligibility criteria not met
    warnings = ["machinery_cap"]   # optional: parameters that must be warned about
    priority_met = ["priority.sector_export"]  # optional: must be among those met
    # error = "project.learners"   instead of the above: the application must be
    #                              refused with a problem at this field

A mismatch is reported as a table of expected and actual values, followed by
the decision's reasons and its support computation. The plugin is registered
through the ``pytest11`` entry point.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest

_EXPECT_KEYS = {"eligible", "support_vnd", "bound", "failed", "warnings", "priority_met", "error"}
_CASE_KEYS = {"name", "on", "lang", "application", "expect", "engine"}
_FILE_KEYS = {"case", "rulebook", "engine"}
_ENGINES = ("durable", "native")
_rulebooks: dict[tuple[str, str], Any] = {}

CASES_INI = "kcrules_cases"
SUFFIX = ".kccases.toml"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(CASES_INI, "folders whose *.toml files are kcrules scenario case files", type="paths",
                  default=[])


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if not file_path.name.endswith(".toml"):
        return None
    beside_rules = file_path.parent.name == "tests" and (file_path.parent.parent / "rulebook.toml").is_file()
    if beside_rules or file_path.name.endswith(SUFFIX) or _in_case_folder(parent.config, file_path):
        return CaseFile.from_parent(parent, path=file_path, beside_rules=beside_rules)
    return None


def _in_case_folder(config: pytest.Config, file_path: Path) -> bool:
    try:
        folders = config.getini(CASES_INI)
    except ValueError:  # the option is unknown when the plugin is loaded late
        return False
    resolved = file_path.resolve()
    return any(resolved.is_relative_to(Path(f).resolve()) for f in folders or ())


class CaseFormatError(Exception):
    """A case file is malformed."""


class CaseFile(pytest.File):
    def __init__(self, *, beside_rules: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.beside_rules = beside_rules

    def collect(self) -> Any:
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise CaseFormatError(f"{self.path}: not valid TOML: {err}") from None
        except UnicodeDecodeError as err:
            raise CaseFormatError(f"{self.path}: not UTF-8 text ({err.reason})") from None
        cases = data.get("case")
        unknown = set(data) - _FILE_KEYS
        if not isinstance(cases, list) or not cases or unknown:
            raise CaseFormatError(
                f"{self.path}: a case file holds [[case]] tables (and optionally rulebook = \"…\", "
                f"engine = \"…\"); found {sorted(data) or 'nothing'}")
        rulebook = self._rulebook_ref(data.get("rulebook"))
        engine = data.get("engine", "durable")
        if engine not in _ENGINES:
            raise CaseFormatError(f"{self.path}: engine must be one of {_ENGINES}, not {engine!r}")
        names: set[str] = set()
        for index, case in enumerate(cases):
            name = case.get("name") if isinstance(case, dict) else None
            if not isinstance(name, str) or not name.strip() or name in names:
                raise CaseFormatError(f"{self.path}: case #{index + 1} needs a unique name")
            names.add(name)
            yield CaseItem.from_parent(self, name=name, case=case, rulebook=rulebook, engine=engine)

    def _rulebook_ref(self, ref: Any) -> str | None:
        if ref is None:
            return str(self.path.parent.parent) if self.beside_rules else None
        if not isinstance(ref, str) or not ref.strip():
            raise CaseFormatError(f"{self.path}: rulebook must be a bundled id or a folder path, not {ref!r}")
        local = self.path.parent / ref
        return str(local) if (local / "rulebook.toml").is_file() else ref

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        if isinstance(excinfo.value, CaseFormatError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)


class CaseItem(pytest.Item):
    def __init__(self, *, case: dict[str, Any], rulebook: str | None = None, engine: str = "durable",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.rulebook_ref = rulebook
        self.engine = engine

    def runtest(self) -> None:
        case = self.case
        unknown = set(case) - _CASE_KEYS
        expect = case.get("expect")
        if unknown or not isinstance(expect, dict) or set(expect) - _EXPECT_KEYS or "application" not in case:
            raise CaseFormatError(
                f"case {self.name!r}: keys allowed {sorted(_CASE_KEYS)}, expect keys {sorted(_EXPECT_KEYS)}; "
                f"got {sorted(case)} / {sorted(expect) if isinstance(expect, dict) else expect!r}"
            )
        engine = case.get("engine", self.engine)
        if engine not in _ENGINES:
            raise CaseFormatError(f"case {self.name!r}: engine must be one of {_ENGINES}, not {engine!r}")
        lang = case.get("lang", "vi")
        if lang not in ("vi", "en"):
            raise CaseFormatError(f"case {self.name!r}: lang must be 'vi' or 'en', not {lang!r}")
        on = case.get("on")
        if isinstance(on, str):
            try:
                on = dt.date.fromisoformat(on)
            except ValueError:
                raise CaseFormatError(f"case {self.name!r}: on must be a date YYYY-MM-DD, not {on!r}") from None
        if on is not None and (not isinstance(on, dt.date) or isinstance(on, dt.datetime)):
            raise CaseFormatError(f"case {self.name!r}: on must be a date YYYY-MM-DD, not {on!r}")
        rulebook = _rulebook(self.rulebook_ref, engine)
        from kcrules.errors import ApplicationError

        if "error" in expect:
            try:
                decision = rulebook.evaluate(case["application"], on=on, lang=lang)
            except ApplicationError as err:
                wheres = [p.where for p in err.problems]
                if expect["error"] not in wheres:
                    raise CaseMismatch(self.name, [("error at", expect["error"], wheres)], None) from None
                return
            raise CaseMismatch(self.name, [("error at", expect["error"], "no error: a decision")], decision)
        decision = rulebook.evaluate(case["application"], on=on, lang=lang)
        diffs = _compare(expect, decision)
        if diffs:
            raise CaseMismatch(self.name, diffs, decision)

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        from kcrules.errors import KcrulesError

        if isinstance(excinfo.value, (CaseMismatch, CaseFormatError)):
            return f"{self.path}\n{excinfo.value}"
        if isinstance(excinfo.value, KcrulesError):
            return f"{self.path}\nscenario case {self.name!r}: {type(excinfo.value).__name__}: {excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"case: {self.name}"


Row = tuple[str, Any, Any]


class CaseMismatch(AssertionError):
    """A decision differs from a case's expectation: one row per differing field."""

    def __init__(self, name: str, rows: list[Row], decision: Any) -> None:
        self.rows = rows
        lines = [f"scenario case {name!r} does not match the decision:"]
        shown = [(field, _show(want), _show(got)) for field, want, got in rows]
        w1 = max([len("field")] + [len(r[0]) for r in shown])
        w2 = max([len("expected")] + [len(r[1]) for r in shown])
        lines.append(f"  {'field':<{w1}}  {'expected':<{w2}}  actual")
        lines += [f"  {f:<{w1}}  {e:<{w2}}  {a}" for f, e, a in shown]
        if decision is not None:
            lines.append(f"  decision: {decision.summary}")
            for r in decision.reasons:
                if r.outcome == "not_met" and r.kind == "eligibility":
                    lines.append(f"    not met: {r.text}")
            for line in decision.support.lines:
                lines.append(f"    support: {line.text}")
            for w in decision.warnings:
                lines.append(f"    warning: {w.parameter}")
        super().__init__("\n".join(lines))


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _compare(expect: dict[str, Any], decision: Any) -> list[Row]:
    rows: list[Row] = []
    failed = sorted(r.criterion for r in decision.failed)
    if "eligible" in expect and expect["eligible"] != decision.eligible:
        rows.append(("eligible", expect["eligible"], decision.eligible))
    if "support_vnd" in expect and expect["support_vnd"] != decision.support.amount_vnd:
        rows.append(("support_vnd", expect["support_vnd"], decision.support.amount_vnd))
    if "bound" in expect and expect["bound"] != decision.support.bound:
        rows.append(("bound", expect["bound"], decision.support.bound))
    if "failed" in expect and sorted(expect["failed"]) != failed:
        rows.append(("failed", sorted(expect["failed"]), failed))
    if "warnings" in expect:
        warned = {w.parameter for w in decision.warnings}
        missing = sorted(set(expect["warnings"]) - warned)
        if missing:
            rows.append(("warnings (missing)", missing, sorted(warned)))
    if "priority_met" in expect:
        missing = sorted(set(expect["priority_met"]) - set(decision.priority.criteria_met))
        if missing:
            rows.append(("priority_met (missing)", missing, list(decision.priority.criteria_met)))
    return rows


def _rulebook(ref: str | None, engine: str) -> Any:
    """The rulebook of a case file, loaded once per session and engine."""
    key = (str(Path(ref).resolve()) if ref and Path(ref).is_dir() else (ref or ""), engine)
    if key not in _rulebooks:
        import kcrules

        _rulebooks[key] = kcrules.load_rulebook(ref, engine=engine)  # type: ignore[arg-type]
    return _rulebooks[key]
