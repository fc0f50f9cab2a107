"""PyTorch adapter: what the conformance kit (tests/test_conformance.py) does not check."""

from __future__ import annotations

import numpy as np
import pytest

from tests.parity_helpers import assert_same_weights, softmax_data, softmax_net, train_beside_reference

torch = pytest.importorskip("torch")
from backends.torch_mlp import TorchMLP  # noqa: E402

SOFTMAX_NET = softmax_net(seed=4)


def test_available_and_records_its_version() -> None:
    assert TorchMLP.available() == (True, "")
    assert "torch" in TorchMLP.packages and "gpu" in TorchMLP.devices


def test_gpu_request_without_a_gpu_names_cuda() -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    ok, reason = TorchMLP.device_available("gpu")
    assert ok is False and "no CUDA GPU" in reason


def test_float32_trains_in_float32() -> None:
    X, Y = softmax_data(9, seed=5)
    spec = SOFTMAX_NET.replace(dtype="float32", epochs=3)
    backend, reference = train_beside_reference(TorchMLP(threads=1), spec, X, Y)
    assert backend.predict(X).dtype == np.float32
    assert all(p.dtype == torch.float32 for p in backend.layers.parameters())
    assert_same_weights(backend, reference, atol=1e-5)
