"""The public surface: small, sorted, typed, and quick to import."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import kcrules
import kcrules.errors

ROOT = Path(__file__).resolve().parents[1]


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert kcrules.__all__ == sorted(kcrules.__all__)
    assert set(kcrules.errors.__all__) <= set(kcrules.__all__)  # every public error is exported
    for name in kcrules.__all__:
        assert getattr(kcrules, name) is not None, name


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        kcrules.does_not_exist  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as err:
        assert "does_not_exist" in str(err)
    else:
        raise AssertionError("expected AttributeError")


def test_every_error_derives_from_the_one_root() -> None:
    for name in kcrules.errors.__all__:
        obj = getattr(kcrules.errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, kcrules.KcrulesError), name
            assert obj.code and obj.code.islower()


def test_the_package_is_typed() -> None:
    assert (Path(kcrules.__file__).parent / "py.typed").is_file()


def test_the_rules_ship_inside_the_package() -> None:
    from kcrules.rulefiles.loader import bundled_ids, bundled_root

    assert bundled_ids() == ["hanoi-2016-2020", "national-2012"]
    assert (bundled_root() / "hanoi-2016-2020" / "activities.toml").is_file()


def _shadow_engine(folder: Path) -> dict[str, str]:
    """An environment where durable-rules' C extension fails like it does on Python 3.13 without the flag."""
    (folder / "durable_rules_engine.py").write_text(
        "raise ImportError('undefined symbol: PyEval_CallObject')\n", encoding="utf-8")
    return {"PYTHONPATH": str(folder), "PATH": ""}


def test_a_missing_engine_fails_the_load_with_the_command_to_run(tmp_path: Path) -> None:
    code = textwrap.dedent("""
        import kcrules
        kcrules.load_rulebook(engine="native")  # the generated matcher needs no engine
        try:
            kcrules.load_rulebook()
        except ImportError as err:
            print(type(err).__name__)
            print(err)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=_shadow_engine(tmp_path)).stdout
    assert out.startswith("EngineUnavailableError")
    assert "PyEval_CallObject" in out and "CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject pip install" in out


def test_a_missing_engine_exits_3_with_only_the_message(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parent.parent / "examples" / "machinery-gia-lam.json"
    done = subprocess.run([sys.executable, "-m", "kcrules.cli", "check", str(example), "--lang", "en"], capture_output=True,
                          text=True, env=_shadow_engine(tmp_path))
    assert done.returncode == 3
    assert done.stderr.startswith("kcrules: error: kcrules needs the durable-rules engine")
    assert "Traceback" not in done.stderr and "CPPFLAGS=" in done.stderr


def test_import_does_not_load_the_heavy_parts() -> None:
    code = "import sys, kcrules; print(sorted(m for m in ('pydantic', 'babel', 'durable.engine') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_readme_and_ci_run_the_same_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ci.startswith("python3 -m venv") and "pytest" in ci
    assert ci in readme.splitlines()
    first_block = readme.split("```sh", 2)
    assert "kcrules check examples/" in first_block[1] and ci in first_block[2]
