"""GPU timing hygiene without a GPU: fake torch / JAX / TensorFlow objects stand for the device.

Each adapter pins float32 matmuls to full precision, waits for queued device work before the
harness reads a clock, and reports peak device memory; on the CPU it waits for nothing and
reports None. The worker records all of it in ``record["env"]["device_conditions"]``.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
import pytest

from bench.core.backend import Backend
from bench.core.device import MATMUL_PRECISION, DeviceConditions
from bench.core.record import CellConfig
from bench.run.curves import EpochRecorder
from bench.run.worker import run_cell


def _fake_torch(cuda: bool) -> types.SimpleNamespace:
    """torch before ``torch.backends.fp32_precision`` (legacy TF32 flags), with or without CUDA."""
    calls: list[str] = []
    matmul = types.SimpleNamespace(allow_tf32=True)
    backends = types.SimpleNamespace(cuda=types.SimpleNamespace(matmul=matmul),
                                     cudnn=types.SimpleNamespace(allow_tf32=True))
    fake = types.SimpleNamespace(calls=calls, backends=backends, precision="high")
    fake.set_float32_matmul_precision = lambda value: setattr(fake, "precision", value)
    fake.get_float32_matmul_precision = lambda: fake.precision
    fake.cuda = types.SimpleNamespace(
        is_available=lambda: cuda, is_initialized=lambda: cuda,
        synchronize=lambda: calls.append("synchronize"), max_memory_allocated=lambda: 123 * 2**20)
    return fake


def test_torch_on_cuda_synchronises_and_reports_peak_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    from backends.torch_mlp import TorchMLP

    fake = _fake_torch(cuda=True)
    monkeypatch.setitem(sys.modules, "torch", fake)
    backend = TorchMLP(device="gpu")
    backend.synchronize()
    assert fake.calls == ["synchronize"]
    conditions = backend.device_conditions()
    assert conditions.peak_memory_bytes == 123 * 2**20 and "torch.cuda.synchronize" in conditions.synchronize


def test_torch_on_the_cpu_waits_for_nothing_and_has_no_device_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    from backends.torch_mlp import TorchMLP

    fake = _fake_torch(cuda=False)
    monkeypatch.setitem(sys.modules, "torch", fake)
    backend = TorchMLP(device="cpu")
    backend.synchronize()
    assert fake.calls == [] and backend.device_conditions().peak_memory_bytes is None


def test_torch_precision_is_pinned_through_the_legacy_flags_where_the_new_api_is_missing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from backends.torch_runtime import pin_torch_precision

    fake = _fake_torch(cuda=False)
    monkeypatch.setitem(sys.modules, "torch", fake)
    settings = pin_torch_precision()
    assert fake.precision == "highest" and settings["torch.get_float32_matmul_precision()"] == "highest"
    assert fake.backends.cuda.matmul.allow_tf32 is False and fake.backends.cudnn.allow_tf32 is False
    assert settings["torch.backends.cuda.matmul.allow_tf32"] == "False"


def test_torch_precision_is_pinned_on_the_real_library() -> None:
    pytest.importorskip("torch")
    from backends.torch_runtime import pin_torch_precision

    settings = pin_torch_precision()
    assert settings["torch.get_float32_matmul_precision()"] == "highest"
    assert all(value in ("ieee", "highest", "False") for value in settings.values())


class _FakeDevice:
    def __init__(self, stats: dict[str, int] | None) -> None:
        self.stats = stats

    def memory_stats(self) -> dict[str, int] | None:
        return self.stats


def _fake_jax(stats: dict[str, int] | None) -> types.SimpleNamespace:
    blocked: list[Any] = []
    config = types.SimpleNamespace(jax_default_matmul_precision=None)
    config.update = lambda name, value: setattr(config, name, value)
    return types.SimpleNamespace(blocked=blocked, config=config, block_until_ready=blocked.append,
                                 devices=lambda kind=None: [_FakeDevice(stats)])


def test_jax_blocks_on_its_parameters_and_reads_peak_memory_where_reported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import backends.jax_runtime as jax_runtime
    from backends.jax_mlp import JaxMLP

    fake = _fake_jax({"peak_bytes_in_use": 4096, "bytes_in_use": 10})
    monkeypatch.setattr(jax_runtime, "_jax", lambda: fake)
    backend = JaxMLP(device="gpu")
    backend.synchronize()  # before load: no parameters, nothing to wait for
    assert fake.blocked == []
    backend.params = [("W", "b")]
    backend.synchronize()
    assert fake.blocked == [[("W", "b")]]
    assert backend.device_conditions().peak_memory_bytes == 4096
    assert jax_runtime.pin_jax_precision() == {"jax_default_matmul_precision": "highest"}
    assert jax_runtime.jax_peak_memory(_FakeDevice(None)) is None  # XLA's CPU client reports no stats
    assert jax_runtime.jax_peak_memory(object()) is None


class _Readable:
    """A device tensor: reading it back (``np.asarray``) waits for it."""

    def __init__(self, reads: list[int]) -> None:
        self.reads = reads

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        self.reads.append(1)
        return np.zeros(1)


def test_keras_on_tensorflow_reads_a_weight_back_on_a_gpu_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from backends.keras_mlp import KerasMLP

    reads: list[int] = []
    weights = [types.SimpleNamespace(value=_Readable(reads)) for _ in range(2)]
    experimental = types.SimpleNamespace(get_memory_info=lambda name: {"current": 1, "peak": 777})
    monkeypatch.setitem(sys.modules, "tensorflow", types.SimpleNamespace(
        config=types.SimpleNamespace(experimental=experimental)))
    gpu, cpu = KerasMLP(device="gpu"), KerasMLP(device="cpu")
    for backend in (gpu, cpu):
        backend.model = types.SimpleNamespace(weights=weights)
        backend.synchronize()
    assert reads == [1]
    assert gpu.peak_device_memory() == 777 and cpu.peak_device_memory() is None


def test_keras_on_tensorflow_turns_tf32_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from backends.keras_mlp import KerasMLP

    state = {"tf32": True}
    experimental = types.SimpleNamespace(
        enable_tensor_float_32_execution=lambda on: state.update(tf32=on),
        tensor_float_32_execution_enabled=lambda: state["tf32"])
    monkeypatch.setitem(sys.modules, "tensorflow", types.SimpleNamespace(
        config=types.SimpleNamespace(experimental=experimental)))
    pinned = KerasMLP().pin_precision()
    assert pinned == {"tf.config.experimental.tensor_float_32_execution_enabled()": "False"}
    assert state["tf32"] is False


class _Counting(Backend):
    """Counts synchronize calls; the epoch callback must wait before it reads the clock."""

    name = "counting"

    def __init__(self) -> None:
        super().__init__()
        self.syncs = 0

    def synchronize(self) -> None:
        self.syncs += 1

    def load(self, spec: Any, weights: Any) -> None:  # pragma: no cover - not trained here
        raise NotImplementedError

    def predict(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


def test_the_epoch_clock_waits_for_the_device() -> None:
    from bench.core.registry import task

    digits = task("xor")
    digits.read_data()
    split = digits.splits(0)[0]
    backend = _Counting()
    recorder = EpochRecorder(backend, digits, split, epochs=3, evaluate=False)
    recorder.begin()
    for epoch in (1, 2, 3):
        recorder(epoch, 0.5)
    assert backend.syncs == 3 and len(recorder.epoch_ends) == 3


def test_a_cpu_cell_records_its_device_conditions() -> None:
    record = run_cell(CellConfig(backend="numpy", task="xor", seed=0, curve_points=0)).to_dict()
    assert record["status"] == "ok"
    assert record["env"]["device_conditions"] == DeviceConditions(device="cpu").to_dict()
    assert record["env"]["device_conditions"]["matmul_precision"] == MATMUL_PRECISION
