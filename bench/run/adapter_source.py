"""The version of a backend's code: a hash of its adapter's source, recorded with every run.

After asv's ``benchmark_version``: ``history`` compares a cell only with runs of the
same adapter code, so an edited adapter starts a new series instead of continuing
(or flagging a regression across) different code.

What is hashed: the source file of the module defining the backend class, and
every module of its own top-level package that it names in an ``import``
statement (also inside functions; for ``from X import y``, X and, when it is a
module, X.y), directly or through those modules (for the built-in adapters:
``backends/*_runtime.py``, ``backends/jax_common.py``, ``backends/scratch/…``),
found by reading the source, not by what happens to be loaded. The harness
(``bench``) and the libraries are not part of it: the library versions are
recorded apart (``env.packages``) and the harness is the same for every
backend. The modules are hashed by name and bytes, in name order (SHA-256,
first 12 hex digits).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from functools import cache
from pathlib import Path

#: The harness's own package: an adapter importing it does not hash the harness.
HARNESS = "bench"
DIGITS = 12


def adapter_version(backend_cls: type) -> str | None:
    """The hash of the class's adapter source (see the module docstring); None without a source file."""
    modules = adapter_modules(backend_cls.__module__)
    if not modules:
        return None
    digest = hashlib.sha256()
    for name, path in sorted(modules.items()):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:DIGITS]


def adapter_modules(module: str) -> dict[str, Path]:
    """The module and those of its own top-level package it imports, transitively: name → source file."""
    top = module.partition(".")[0]
    found: dict[str, Path] = {}
    pending = [module]
    while pending:
        name = pending.pop()
        if name in found:
            continue
        path = _source(name)
        if path is None:
            continue
        found[name] = path
        if top == HARNESS:  # a backend defined inside the harness: its own module only
            continue
        pending += [m for m in _imports(name, path, top) if m not in found]
    return found


@cache
def _source(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _imports(name: str, path: Path, top: str) -> list[str]:
    """The modules of package ``top`` named by the file's import statements (relative ones resolved).

    Names outside ``top`` are never looked up (looking up ``torch.nn`` would import torch).
    """
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", node.level, package)
            if base is None:
                continue
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]  # ``from pkg import module``
    ours = [n for n in dict.fromkeys(names) if n.partition(".")[0] == top]
    return [n for n in ours if _source(n) is not None]


def _resolve(module: str, level: int, package: str) -> str | None:
    if not level:
        return module
    try:
        return importlib.util.resolve_name("." * level + module, package)
    except (ImportError, ValueError):
        return None
