"""PyTorch as its tutorials teach it: ``nn.Sequential``, a shuffled slicing loop, ``nn.CrossEntropyLoss``.

``nn.Sequential`` of ``nn.Linear`` (default init after ``torch.manual_seed``),
``torch.optim.SGD`` with momentum, ``nn.CrossEntropyLoss`` on the logits,
float32, and the training loop of "What is torch.nn really?"
(https://pytorch.org/tutorials/beginner/nn_tutorial.html): batches sliced
from the in-memory tensors, here by a ``torch.randperm`` per epoch for the
shuffling — the loop the torch adapter's open division uses. The
Quickstart's ``DataLoader`` over a ``TensorDataset`` fetches and collates
row by row: 0.13 s/epoch against 0.09–0.10 for this loop on this VM.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch
from torch import nn

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
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=momentum)
    inputs, labels = torch.from_numpy(X), torch.from_numpy(Y.argmax(axis=1))

    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(inputs))
        for first in range(0, len(inputs), batch_size):
            rows = order[first : first + batch_size]
            loss = loss_fn(model(inputs[rows]), labels[rows])
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        times.append(time.perf_counter() - start)
    return times


if __name__ == "__main__":
    from bench.perf.idiomatic.standalone import main

    sys.exit(main("torch", train))
