"""Backends are found by built-in name, entry point or plugin variable; devices degrade cleanly."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from bench.core import registry
from bench.core.record import CellConfig
from bench.run.worker import run_cell_safely


def test_entry_point_registers_a_third_party_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    group = "nnbench.backends"
    plugins = [EntryPoint(name="my-backend", value="tests.parity_helpers:PluginBackend", group=group),
               EntryPoint(name="renamed", value="backends.numpy_mlp:NumpyMLP", group=group)]

    def fake_entry_points(group: str) -> list[EntryPoint]:
        return plugins if group == "nnbench.backends" else []

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)
    registry._entry_points.cache_clear()  # scanned once per process: forget the real scan
    try:
        assert "my-backend" in registry.backend_names()
        assert registry.backend_class("my-backend").__name__ == "PluginBackend"
        # one name per backend: a class registered under another name than its own is refused
        with pytest.raises(registry.BackendNameMismatch, match="declares name = 'numpy'"):
            registry.backend_class("renamed")
        record = run_cell_safely(CellConfig(backend="renamed", task="xor", threads=1)).to_dict()
        assert record["status"] == "skipped" and "must agree" in record["reason"]
    finally:
        registry._entry_points.cache_clear()


def test_unknown_backend_lists_the_known_ones() -> None:
    expected = "unknown backend 'nope'; known: numpy, numpy-perceptron"
    with pytest.raises(registry.UnknownNameError, match=expected):
        registry.backend_class("nope")


@pytest.mark.parametrize("backend", ["numpy", "torch", "keras", "sklearn", "pybrain"])
def test_gpu_request_without_a_gpu_is_a_skipped_cell_with_its_reason(backend: str) -> None:
    cls = registry.backend_class(backend)
    if cls.device_available("gpu")[0]:
        pytest.skip("this machine has a GPU: the fallback is not exercised")
    record = run_cell_safely(CellConfig(backend=backend, task="xor", device="gpu", threads=1)).to_dict()
    assert record["status"] == "skipped" and record["reason"], record["reason"]
    assert record["device"] == "gpu"


def test_auto_device_falls_back_to_cpu_and_trains() -> None:
    record = run_cell_safely(CellConfig(backend="torch", task="xor", device="auto", threads=1,
                                        overrides={"epochs": 5})).to_dict()
    expected = "gpu" if registry.backend_class("torch").device_available("gpu")[0] else "cpu"
    assert record["status"] == "ok" and record["device"] == expected
    assert record["threads"] == 1
