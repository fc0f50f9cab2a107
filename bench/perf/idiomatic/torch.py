"""PyTorch as its Quickstart tutorial teaches it.

``nn.Sequential`` of ``nn.Linear`` (default init), a ``DataLoader`` over a
``TensorDataset`` with ``shuffle=True``, ``nn.CrossEntropyLoss`` on the
logits, ``torch.optim.SGD`` with momentum, float32 — the loop of
https://pytorch.org/tutorials/beginner/basics/quickstart_tutorial.html.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


def train(X: np.ndarray, Y: np.ndarray, hidden: tuple[int, ...] = (256, 128), activation: str = "relu",
          epochs: int = 10, batch_size: int = 128, learning_rate: float = 0.01, momentum: float = 0.9,
          seed: int = 0) -> list[float]:
    torch.manual_seed(seed)
    sizes = [X.shape[1], *hidden]
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(n_in, n_out), ACTIVATIONS[activation]()]
    model = nn.Sequential(*layers, nn.Linear(sizes[-1], Y.shape[1]))  # logits: the loss applies softmax

    dataset = TensorDataset(torch.from_numpy(X), torch.from_numpy(Y.argmax(axis=1)))
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=momentum)

    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        for inputs, labels in loader:
            loss = loss_fn(model(inputs), labels)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        times.append(time.perf_counter() - start)
    return times


if __name__ == "__main__":
    from bench.perf.idiomatic.standalone import main

    sys.exit(main("torch", train))
