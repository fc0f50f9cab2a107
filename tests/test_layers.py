"""The architecture made checkable: no import cycle anywhere in the project's own code, the layer
rule docs/architecture.md ("How a run works") states, one ``CellKey``, and tasks that declare their metrics.

The graph is built from the source (``ast``), not by importing, so it sees every ``import`` and
``from … import`` — at top level, inside a function or under ``if TYPE_CHECKING:`` alike: a
function-local import hides a cycle from Python, not from this test.
"""

from __future__ import annotations

import ast
import graphlib
import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.core import metrics, registry
from bench.core.task import Task

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bench", "backends", "tasks")


def project_modules(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Every module of the packages under ``root``, by dotted name (a package by its own name)."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_names(path: Path, name: str) -> set[str]:
    """Every dotted name a file imports anywhere in it; ``from X import Y`` gives ``X.Y``
    (the module X.Y, or the name Y of module X: :func:`import_graph` resolves which)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: against this module's package
                package = name.split(".")[: None if path.name == "__init__.py" else -1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def import_graph(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    """Module → the project modules it imports (each name resolved to the longest module it names)."""
    modules = project_modules(root, packages)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for imported in imported_names(path, name):
            target = imported
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (first module repeated at the end), or None."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        return list(error.args[1])
    return None


def test_no_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 50 and "bench.report.tables" in graph and "tasks.images" in graph
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(reversed(cycle or []))


def test_the_detector_sees_a_cycle_hidden_in_a_function(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import thing\n")
    (package / "b.py").write_text("thing = 1\n\ndef f():\n    from . import a\n    return a\n")
    (package / "c.py").write_text("import pkg.a\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}, "pkg.c": {"pkg.a"}}
    cycle = find_cycle(graph) or []
    assert set(cycle) == {"pkg.a", "pkg.b"} and len(cycle) == 3 and cycle[0] == cycle[-1]
    (package / "b.py").write_text("thing = 1\n")
    assert find_cycle(import_graph(tmp_path, ("pkg",))) is None


#: layer → the layers it must never import (docs/architecture.md: the layers import
#: downwards only; core imports no other layer; run and report never import each other).
LAYERS = {
    "bench.core": ("bench.run", "bench.report", "bench.perf", "bench.commands", "bench.cli",
                   "bench.testing"),
    "bench.run": ("bench.report", "bench.perf", "bench.commands", "bench.cli"),
    "bench.report": ("bench.run", "bench.perf", "bench.commands", "bench.cli"),
}


def _inside(module: str, layer: str) -> bool:
    return module == layer or module.startswith(layer + ".")


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_layers_import_downwards_only(layer: str) -> None:
    graph = import_graph()
    upward = sorted((a, b) for a, targets in graph.items() if _inside(a, layer)
                    for b in targets if any(_inside(b, up) for up in LAYERS[layer]))
    assert upward == []


def test_the_kit_imports_bench_core_only() -> None:
    """bench.testing (the conformance kit) imports nothing of the project but bench.core and itself:
    no concrete adapter, no task (it finds the reference through the registry when a check runs)."""
    graph = import_graph()
    kit = [m for m in graph if _inside(m, "bench.testing")]
    assert "bench.testing.open" in kit and "bench.testing.training" in kit
    outside = sorted((m, b) for m in kit for b in graph[m]
                     if not _inside(b, "bench.core") and not _inside(b, "bench.testing"))
    assert outside == []


def test_the_layers_import_and_report_never_imports_run() -> None:
    done = subprocess.run([sys.executable, "-c", "import bench.core, bench.run, bench.report"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    graph = import_graph()
    assert [m for m in graph if _inside(m, "bench.report")
            and any(_inside(b, "bench.run") for b in graph[m])] == []
    # no report <-> html cycle: tables imports neither the page, the figures nor the writers
    upward = ("bench.report.html", "bench.report.plots", "bench.report.writers")
    assert not [m for m in graph["bench.report.tables"] if m.startswith(upward)]
    assert not [m for m in graph["bench.report.html"] if m.startswith(upward[1:])]


def defined_names(path: Path) -> set[str]:
    """The names a file binds by a class, an assignment or an annotated assignment (aliases too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


@pytest.mark.parametrize("name", ["CellKey", "GroupKey"])
def test_one_definition_of_each_key(name: str) -> None:
    """One ``CellKey`` (a matrix cell: one seed) and one ``GroupKey`` (a summary group), both in
    bench.core.record; other modules import them, none defines another class or alias of the name."""
    defined = [module for module, path in project_modules().items() if name in defined_names(path)]
    assert defined == ["bench.core.record"]


# --- tasks declare their metrics -----------------------------------------------------------------

def _task_class(name: str) -> type:
    module, _, attribute = registry.BUILTIN_TASKS[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


@pytest.mark.parametrize("name", sorted(registry.BUILTIN_TASKS))
def test_each_builtin_task_declares_its_metrics(name: str) -> None:
    """Declared in tasks/, not inherited from the contract's empty default; the same names, in the same
    order, as the kind's defaults each task was scored on before it declared them (records unchanged)."""
    cls = _task_class(name)
    owner = next(c for c in cls.__mro__ if "metrics" in vars(c))
    assert owner.__module__.startswith("tasks."), f"{name} inherits metrics from {owner.__module__}"
    declared = metrics.task_metrics(cls)
    assert cls.metrics and declared == tuple(cls.metrics) == metrics.default_metrics(cls.kind)
    assert set(declared) <= set(metrics.METRICS)
    metrics.check_metrics(cls.kind, declared)  # each one computable for the task's kind


@pytest.mark.parametrize(("kind", "target"), [("binary", [0, 1] * 10), ("multiclass", [0, 1, 2, 3] * 5),
                                              ("regression", [0.5 * i for i in range(20)])])
def test_a_file_task_declares_its_kinds_metrics(tmp_path: Path, kind: str, target: list) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame({"x": range(20), "y": target}).to_csv(path, index=False)
    task = registry.task("mine", {"file": str(path), "target": "y", "kind": kind})
    assert task.kind == kind
    assert task.metrics == metrics.task_metrics(task) == metrics.default_metrics(kind)
    outputs = np.zeros((20, 1 if kind != "multiclass" else 4))
    Y = np.array(target, dtype=float).reshape(-1, 1) if kind != "multiclass" else np.eye(4)[np.array(target)]
    # (targets that vary: r2 of constant targets is undefined, and score refuses it)
    scored = metrics.score(kind, Y, outputs, names=task.metrics)
    assert tuple(scored) == tuple(metrics.score(kind, Y, outputs))  # as before: the kind's defaults


def test_a_plugin_task_without_metrics_gets_its_kinds_defaults() -> None:
    assert Task.metrics == ()
    for kind in ("binary", "multiclass", "regression"):
        plugin = type("Plugin", (), {"kind": kind})
        assert metrics.task_metrics(plugin) == metrics.default_metrics(kind)
