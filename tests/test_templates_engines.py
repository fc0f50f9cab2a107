"""Fork-safety of the deep-learning libraries: a cell forked from a template that imported TensorFlow/Keras
or PyTorch trains as a cold cell does; JAX (not fork-safe after import) is not preloaded.

The templates are separate interpreters started by :class:`bench.run.templates.TemplatePool` (this
pytest process, which holds JAX's threads, never forks). No timing is asserted (``bench perf`` compares
cold and warm fit times).
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.core import registry
from bench.core.record import CellConfig
from bench.run.isolation import run_isolated
from bench.run.templates import TemplatePool

pytestmark = pytest.mark.slow

#: backend → the top-level package a warm template must have imported before forking the cell.
PRELOADED = {"keras": "keras", "torch": "torch"}


def _needs(backend: str) -> None:
    """Skip, with the reason, where the backend's library is not installed."""
    available, why = registry.backend_class(backend).available()
    if not available:
        pytest.skip(why)


def _cell(backend: str) -> CellConfig:
    return CellConfig(backend=backend, task="xor", seed=0, threads=2, timeout=300,
                      overrides={"epochs": 30}, suite="fork-safety")


@pytest.fixture(scope="module")
def warm_records() -> dict[str, dict[str, Any]]:
    backends = [b for b in (*PRELOADED, "jax") if registry.backend_class(b).available()[0]]
    with TemplatePool() as pool:
        return {backend: pool(_cell(backend)) for backend in backends}


def _same_training(warm: dict[str, Any], cold: dict[str, Any]) -> None:
    assert cold["status"] == "ok", cold["reason"]
    assert cold["start"]["mode"] == "cold"
    assert warm["metrics"] == cold["metrics"]
    assert warm["final_loss"] == cold["final_loss"]
    assert warm["epochs"] == cold["epochs"] == 30
    assert warm["deviations"] == cold["deviations"]


@pytest.mark.parametrize("backend", list(PRELOADED))
def test_a_cell_forked_after_the_library_import_trains_as_a_cold_one(
        warm_records: dict[str, dict[str, Any]], backend: str) -> None:
    _needs(backend)
    warm = warm_records[backend]
    assert warm["status"] == "ok", warm["reason"]
    assert warm["start"]["mode"] == "warm" and warm["start"]["template"].startswith(f"{backend}/")
    assert PRELOADED[backend] in warm["start"]["imports_preloaded"], warm["start"]
    assert "reason" not in warm["start"], warm["start"]
    _same_training(warm, run_isolated(_cell(backend)))


def test_jax_is_not_preloaded_and_its_cell_still_trains_as_a_cold_one(
        warm_records: dict[str, dict[str, Any]]) -> None:
    _needs("jax")
    warm = warm_records["jax"]
    assert warm["status"] == "ok", warm["reason"]
    start = warm["start"]
    assert start["mode"] == "warm"
    assert "not fork-safe" in start["reason"] and "jax" in start["reason"], start
    assert not {"jax", "jaxlib"} & set(start["imports_preloaded"]), start
    _same_training(warm, run_isolated(_cell("jax")))
