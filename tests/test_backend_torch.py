"""PyTorch adapter: what the conformance kit (tests/test_conformance.py) does not check."""

from __future__ import annotations

import numpy as np
import pytest

from tests.parity_helpers import softmax_data, softmax_net

torch = pytest.importorskip("torch")
from backends.torch_mlp import TorchMLP  # noqa: E402

SOFTMAX_NET = softmax_net(seed=4)


def test_available_and_records_its_version() -> None:
    assert TorchMLP.available() == (True, "")
    assert "torch" in TorchMLP.packages and "gpu" in TorchMLP.devices


def test_a_gpu_refusal_names_cuda() -> None:
    """The kit (check_gpu_request_is_clean) checks the refusal says why and 'auto' means the CPU;
    torch's reason also names the kind of GPU it looks for."""
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    assert "CUDA" in TorchMLP.device_available("gpu")[1]


def test_float32_trains_in_float32() -> None:
    """The kit's "float32" settings compare the weights with the reference's; this checks the network
    itself is float32 (a float64 one would agree with the reference to within the kit's tolerance)."""
    X, Y = softmax_data(9, seed=5)
    backend = TorchMLP(threads=1)
    backend.fit(SOFTMAX_NET.replace(dtype="float32", epochs=3), X, Y)
    assert backend.predict(X).dtype == np.float32
    assert all(p.dtype == torch.float32 for p in backend.model.parameters())


def test_open_division_is_the_recipe_run_outside_nnbench() -> None:
    """The recipe's model, loss, optimizer and randperm loop, written out by hand, give the same weights."""
    X, Y = softmax_data(12, seed=5)
    spec = SOFTMAX_NET.replace(dtype="float32", epochs=3, batch_size=5, momentum=0.9, layers=(4, 5, 3),
                               shuffle=True)
    backend = TorchMLP(threads=1)
    backend.fit(spec, X, Y, division="open")
    assert backend.recipe.loss.startswith("torch.nn.CrossEntropyLoss")
    assert backend.parameter_dtype() == "float32"
    torch.manual_seed(spec.seed)
    model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=spec.learning_rate, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    inputs, labels = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(Y.argmax(axis=1))
    generator = torch.Generator().manual_seed(spec.seed)
    for _ in range(spec.epochs):
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), 5):
            rows = order[start:start + 5]
            loss = loss_fn(model(inputs[rows]), labels[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    for mine, theirs in zip(backend.model.parameters(), model.parameters()):
        torch.testing.assert_close(mine, theirs, rtol=0, atol=0)
