"""Small modules with one job: no non-test module over 400 lines, no function over 60.

Exceptions are listed here with the reason for each; an entry is a
promise to split, not a licence, so the list stays short.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bench", "tasks", "backends")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

#: path (or path:function) -> why it is over the limit for now
ALLOWED: dict[str, str] = {}


def oversized() -> list[str]:
    """Every module over MAX_MODULE_LINES and function over MAX_FUNCTION_LINES, as ``path[:name] (n)``."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            text = path.read_text(encoding="utf-8")
            lines = len(text.splitlines())
            if lines > MAX_MODULE_LINES:
                found.append((name, lines))
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > MAX_FUNCTION_LINES:
                        found.append((f"{name}:{node.name}", length))
    return [f"{where} ({length} lines)" for where, length in found if where not in ALLOWED]


def test_no_module_or_function_is_over_its_limit() -> None:
    assert oversized() == []


def test_the_check_sees_an_oversized_function(tmp_path, monkeypatch) -> None:
    package = tmp_path / "bench"
    package.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (package / "big.py").write_text(f"def big():\n{body}\n", encoding="utf-8")
    (package / "long.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1), encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert oversized() == ["bench/big.py:big (61 lines)", "bench/long.py (401 lines)"]


#: The adapters whose size is the contract's measure (both divisions in one file): at most this many lines.
ADAPTER_LINES = 150
SIZED_ADAPTERS = ("torch_mlp", "keras_mlp", "jax_mlp", "flax_mlp", "equinox_mlp")


def test_the_deep_learning_adapters_stay_small() -> None:
    sizes = {name: len((ROOT / "backends" / f"{name}.py").read_text(encoding="utf-8").splitlines())
             for name in SIZED_ADAPTERS}
    assert {name: lines for name, lines in sizes.items() if lines > ADAPTER_LINES} == {}
