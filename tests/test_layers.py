"""The package's layers: each module imports only its own layer and those below, and no import cycle.

Every import statement of every module counts, also those inside functions and
under ``if TYPE_CHECKING``: a deferred import still ties two modules together.
``kcrules/__init__.py`` names the public API lazily (by module name, not by an
import), so it may name anything; the faces (terminal, web, test kit) stand on it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kcrules"

#: Bottom up. A module belongs to the first layer with a prefix of its name.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundations", ("kcrules.errors", "kcrules.models", "kcrules.util")),
    ("rule files", ("kcrules.rulefiles",)),
    ("engines", ("kcrules.engines",)),
    ("text", ("kcrules.text",)),
    ("decide", ("kcrules.decide", "kcrules.columnar")),
    ("rulebook", ("kcrules.rulebook",)),
    ("uses of a rulebook", ("kcrules.whatif", "kcrules.planning", "kcrules.diff", "kcrules.reference",
                            "kcrules.questions", "kcrules.report", "kcrules.tables")),
    ("public API", ("kcrules",)),  # the package itself only, not everything under it
    ("faces", ("kcrules.cli", "kcrules.web", "kcrules.testing")),
)

#: The faces on top: no library module may import them.
FACES = ("kcrules.cli", "kcrules.web", "kcrules.testing")


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_module(name: str) -> bool:
    return name in MODULES


def _imports(name: str) -> set[str]:
    """The kcrules modules ``name`` imports anywhere in its body."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"), str(MODULES[name]))
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # ``from kcrules.text import i18n`` imports the submodule; ``from kcrules.errors import X`` the module.
            subs = {f"{base}.{alias.name}" for alias in node.names if _is_module(f"{base}.{alias.name}")}
            found |= subs or {base}
    return {m for m in found if m == "kcrules" or m.startswith("kcrules.")}


GRAPH = {name: {m for m in _imports(name) if m != name} for name in MODULES}


def _layer(name: str) -> int:
    for i, (_, prefixes) in enumerate(LAYERS):
        if any(name == p or (p != "kcrules" and name.startswith(p + ".")) for p in prefixes):
            return i
    raise AssertionError(f"{name} is in no layer: add it to LAYERS in tests/test_layers.py "
                         "and to docs/architecture.md")


def test_every_module_is_in_a_layer() -> None:
    for name in MODULES:
        _layer(name)


def test_every_import_resolves_to_a_module() -> None:
    missing = sorted(f"{name} imports {m}" for name, found in GRAPH.items() for m in found if m not in MODULES)
    assert not missing, missing


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = []
    for name, found in GRAPH.items():
        for m in found:
            if m in MODULES and _layer(m) > _layer(name):
                upward.append(f"{name} ({LAYERS[_layer(name)][0]}) imports {m} ({LAYERS[_layer(m)][0]})")
    assert not upward, "\n".join(sorted(upward))


def test_no_library_module_imports_a_face() -> None:
    library = [n for n in MODULES if n != "kcrules" and not n.startswith(FACES)]
    wrong = sorted(f"{n} imports {m}" for n in library for m in GRAPH[n] if m.startswith(FACES))
    assert not wrong, wrong


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle() -> None:
    cycles = _cycles(GRAPH)
    assert not cycles, "import cycles: " + "; ".join(" ↔ ".join(c) for c in cycles)


def test_imports_inside_the_package_are_absolute() -> None:
    # An absolute import names the layer it reaches into, which a reader (and this test) can see.
    relative = sorted(name for name, path in MODULES.items()
                      if any(isinstance(node, ast.ImportFrom) and node.level
                             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))))
    assert not relative, f"relative imports in {relative}: write them as `from kcrules.… import …`"


def test_every_all_is_sorted() -> None:
    unsorted = []
    for name, path in MODULES.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                names = [e.value for e in getattr(node.value, "elts", []) if isinstance(e, ast.Constant)]
                if names != sorted(names):
                    unsorted.append(name)
    assert not unsorted, f"__all__ not sorted in {unsorted}"


def test_the_architecture_page_names_every_part() -> None:
    text = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    parts = {name.split(".")[1]: MODULES[name].name == "__init__.py" for name in MODULES if name.count(".") == 1}
    missing = sorted(p for p, folder in parts.items() if (f"{p}/" if folder else f"{p}.py") not in text)
    assert not missing, f"docs/architecture.md does not name {missing}"


def test_the_checks_catch_what_they_claim() -> None:
    # The checks themselves, on made-up graphs: a cycle through a deferred import is one.
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    assert _layer("kcrules.rulefiles.loader") < _layer("kcrules.rulebook") < _layer("kcrules.cli.check")
    with pytest.raises(AssertionError, match="no layer"):
        _layer("kcrules.somewhere_new")


def test_imports_inside_functions_count() -> None:
    # kcrules check imports the interview only when it runs one: still an edge.
    assert "kcrules.cli.interview" in GRAPH["kcrules.cli.check"]
