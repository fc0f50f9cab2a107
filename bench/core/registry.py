"""Find backends and tasks by name: built-ins plus entry points.

A third-party package registers an adapter with an entry point in the group
``nnbench.backends`` (``name = "package.module:Class"``) and a task in
``nnbench.tasks``; nothing is imported until it is asked for, so listing
names never loads TensorFlow or PyTorch.

Without packaging, the environment variables ``NNBENCH_BACKENDS`` and
``NNBENCH_TASKS`` register plugins the same way, comma separated::

    NNBENCH_BACKENDS="mine=my_module:MyBackend,other=pkg.mod:Other"

Worker processes inherit the environment, so a plugin found here is found in
every isolated cell too (its module must be importable there: on
``PYTHONPATH`` or installed).
"""

from __future__ import annotations

import functools
import importlib
import os
from importlib.metadata import entry_points
from typing import Any

from bench.core.backend import Backend
from bench.core.suggest import unknown
from bench.core.task import Task

BUILTIN_BACKENDS: dict[str, str] = {
    "numpy": "backends.numpy_mlp:NumpyMLP",
    "numpy-perceptron": "backends.numpy_perceptron:NumpyPerceptron",
    "sklearn": "backends.sklearn_mlp:SklearnMLP",
    "pybrain": "backends.pybrain_mlp:PyBrainMLP",
    "keras": "backends.keras_mlp:KerasMLP",
    "torch": "backends.torch_mlp:TorchMLP",
    "jax": "backends.jax_mlp:JaxMLP",
    "keras-jax": "backends.keras_mlp:KerasJaxMLP",
    "keras-torch": "backends.keras_mlp:KerasTorchMLP",
    "flax": "backends.flax_mlp:FlaxMLP",
    "equinox": "backends.equinox_mlp:EquinoxMLP",
}

BUILTIN_TASKS: dict[str, str] = {
    "and": "tasks.logic_gates:And",
    "or": "tasks.logic_gates:Or",
    "xor": "tasks.logic_gates:Xor",
    "credit-risk": "tasks.credit_risk:CreditRisk",
    "credit-default": "tasks.credit_default:CreditDefault",
    "diabetes": "tasks.regression:Diabetes",
    "fair": "tasks.regression:Fair",
    "friedman1": "tasks.regression:Friedman1",
    "digits": "tasks.images:Digits",
    "mnist-subset": "tasks.images:MnistSubset",
    "fashion-mnist": "tasks.images:FashionMnist",
    "mnist-idx": "tasks.images:MnistIdx",
}


class UnknownNameError(LookupError):
    """A backend or task name nobody registered."""


class PluginError(UnknownNameError):
    """An ``NNBENCH_BACKENDS`` / ``NNBENCH_TASKS`` entry that is not ``name=module:Class``."""


class BackendNameMismatch(PluginError, ImportError):
    """A backend class whose ``name`` is not the name it is registered under (records carry one name)."""


@functools.cache
def _entry_points(group: str) -> dict[str, str]:
    """Installed plugins of ``group`` (scanned once per process: it reads every distribution's metadata)."""
    return {ep.name: ep.value for ep in entry_points(group=group)}


def _environment_plugins(variable: str) -> dict[str, str]:
    plugins = {}
    for item in os.environ.get(variable, "").split(","):
        if not item.strip():
            continue
        name, sep, target = (part.strip() for part in item.partition("="))
        if not sep or not name or ":" not in target:
            raise PluginError(f"{variable}: {item.strip()!r} is not name=module:Class")
        plugins[name] = target
    return plugins


def _backend_table() -> dict[str, str]:
    return {**BUILTIN_BACKENDS, **_entry_points("nnbench.backends"),
            **_environment_plugins("NNBENCH_BACKENDS")}


def _task_table() -> dict[str, str]:
    return {**BUILTIN_TASKS, **_entry_points("nnbench.tasks"), **_environment_plugins("NNBENCH_TASKS")}


def backend_names() -> list[str]:
    return list(_backend_table())


def task_names() -> list[str]:
    return list(_task_table())


def _load(target: str) -> type:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def backend_class(name: str) -> type[Backend]:
    """The class registered as ``name``; refused unless its ``name`` attribute is ``name`` too."""
    table = _backend_table()
    if name not in table:
        raise UnknownNameError(unknown("backend", name, table, most=len(table)))
    cls = _load(table[name])
    if getattr(cls, "name", None) != name:
        raise BackendNameMismatch(f"backend {name!r} ({table[name]}) declares name = "
                                  f"{getattr(cls, 'name', None)!r}: the class's name and the registered name "
                                  "must agree")
    return cls


#: The class of tasks read from a user's CSV/Parquet file (``run --data``, a suite's ``[tasks.NAME]``).
FILE_TASK = "tasks.table_file:TableFileTask"


def task(name: str, file: dict[str, Any] | None = None) -> Task:
    """The task registered as ``name``; with ``file`` (its definition), the file task of that name.

    A plugin whose module or class cannot be loaded is a :class:`PluginError`.
    """
    if file is not None:
        return _load(FILE_TASK).from_definition(name, file)
    table = _task_table()
    if name not in table:
        raise UnknownNameError(unknown("task", name, table, most=len(table)))
    where = f"task {name!r} ({table[name]})"
    try:
        task_class = _load(table[name])
    except ImportError as exc:
        raise PluginError(f"{where} cannot be imported: {exc}") from None
    except AttributeError:
        module_name, _, attribute = table[name].partition(":")
        raise PluginError(f"{where}: module {module_name} has no {attribute!r}") from None
    except (Exception, SystemExit) as exc:  # a plugin's own error, or its exit(), at import
        raise PluginError(f"{where} raised {_described(exc)} when imported") from None
    if not (isinstance(task_class, type) and issubclass(task_class, Task)):
        raise PluginError(f"{where} is not a Task class (got {type(task_class).__name__} "
                          f"{str(task_class)[:60]!r}); a task plugin subclasses bench.task.Task")
    try:
        made = task_class()
    except (Exception, SystemExit) as exc:
        raise PluginError(f"{where} raised {_described(exc)} when created") from None
    return made


def _described(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"SystemExit({exc.code!r})"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"


def check_backend_names(names: list[str]) -> None:
    known = backend_names()
    for name in names:
        if name not in known:
            raise UnknownNameError(unknown("backend", name, known, most=len(known)))


def check_task_names(names: list[str]) -> None:
    known = task_names()
    for name in names:
        if name not in known:
            raise UnknownNameError(unknown("task", name, known, most=len(known)))
