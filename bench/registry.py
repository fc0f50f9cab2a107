"""Find backends and tasks by name: built-ins plus entry points.

A third-party package registers an adapter with an entry point in the group
``nnbench.backends`` (``name = "package.module:Class"``) and a task in
``nnbench.tasks``; nothing is imported until it is asked for, so listing
names never loads TensorFlow or PyTorch.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from bench.backend import Backend
from bench.task import Task

BUILTIN_BACKENDS: dict[str, str] = {
    "numpy": "backends.numpy_mlp:NumpyMLP",
    "numpy-perceptron": "backends.numpy_perceptron:NumpyPerceptron",
    "sklearn": "backends.sklearn_mlp:SklearnMLP",
    "pybrain": "backends.pybrain_mlp:PyBrainMLP",
    "keras": "backends.keras_mlp:KerasMLP",
    "torch": "backends.torch_mlp:TorchMLP",
}

BUILTIN_TASKS: dict[str, str] = {
    "and": "tasks.logic_gates:And",
    "or": "tasks.logic_gates:Or",
    "xor": "tasks.logic_gates:Xor",
}


class UnknownNameError(LookupError):
    """A backend or task name nobody registered."""


def _entry_points(group: str) -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=group)}


def backend_names() -> list[str]:
    return list({**BUILTIN_BACKENDS, **_entry_points("nnbench.backends")})


def task_names() -> list[str]:
    return list({**BUILTIN_TASKS, **_entry_points("nnbench.tasks")})


def _load(target: str) -> type:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def backend_class(name: str) -> type[Backend]:
    table = {**BUILTIN_BACKENDS, **_entry_points("nnbench.backends")}
    if name not in table:
        raise UnknownNameError(f"unknown backend {name!r}; known: {', '.join(table)}")
    return _load(table[name])


def task(name: str) -> Task:
    table = {**BUILTIN_TASKS, **_entry_points("nnbench.tasks")}
    if name not in table:
        raise UnknownNameError(f"unknown task {name!r}; known: {', '.join(table)}")
    return _load(table[name])()


def check_backend_names(names: list[str]) -> None:
    known = backend_names()
    for name in names:
        if name not in known:
            raise UnknownNameError(f"unknown backend {name!r}; known: {', '.join(known)}")


def check_task_names(names: list[str]) -> None:
    known = task_names()
    for name in names:
        if name not in known:
            raise UnknownNameError(f"unknown task {name!r}; known: {', '.join(known)}")
