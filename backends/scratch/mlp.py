"""Multi-layer perceptron from scratch (seed 000, part 2).

Every step is named as on the slides:

1. forward pass: ``sum = Σ input * weight + bias``; ``activation = f(sum)``
   ("input layer to hidden layer", "hidden layer to output layer", "bias");
2. error: ``error = correct - prediction``;
3. delta: ``delta_output = error * derivative`` and
   ``delta_hidden = derivative * weight * delta_output``;
4. weight update: ``weight(n+1) = weight(n) + input * delta * learning_rate``,
   the products ``input * delta`` added over the rows of a batch (divided by
   the number of rows with ``reduction="mean"``); with momentum the change
   keeps a fraction of the previous one. Adam (Kingma & Ba, 2015) is offered
   for specs that ask for it.

Batch, stochastic and mini-batch gradient descent differ only in how many
rows go through steps 1–4 before the weights change (the slides'
"stochastic gradient descent").

Speed without changing the maths: :meth:`train_epoch` runs the same four
steps on a :class:`Workspace` of buffers allocated once, so a batch allocates
no large array: matrix products write into their buffers (``np.matmul(...,
out=...)``), activations and deltas are computed in place, the rows are
shuffled once per epoch into a preallocated copy (batches are slices of it),
and the learning rate multiplies the (small) output delta rather than the
(large) ``input * delta`` products. All weights and biases live in one flat vector, so the update is
three array operations whatever the depth. ``forward``, ``deltas``,
``adjustments`` and ``update`` called without a workspace are the plain
reference computation the golden tests check.
"""

from __future__ import annotations

import numpy as np

from backends.scratch.activations import ACTIVATIONS
from backends.scratch.losses import output_delta, row_losses
from bench.core.backend import Weights

Shapes = list[tuple[int, ...] | None]


def flat_views(flat: np.ndarray, shapes: Shapes) -> list[np.ndarray | None]:
    """Consecutive pieces of ``flat`` reshaped to ``shapes`` (None stays None)."""
    views: list[np.ndarray | None] = []
    start = 0
    for shape in shapes:
        if shape is None:
            views.append(None)
            continue
        size = int(np.prod(shape))
        views.append(flat[start : start + size].reshape(shape))
        start += size
    return views


class BatchBuffers:
    """Arrays of one batch's rows for every step: where a batch's numbers are written."""

    def __init__(self, layer_sizes: list[int], rows: int, dtype: np.dtype) -> None:
        #: activation of every layer after the inputs (the weighted sum is computed in place)
        self.outputs = [np.empty((rows, n), dtype) for n in layer_sizes[1:]]
        #: error reaching each hidden layer (delta of the next layer × its weights), and its delta
        self.errors = [np.empty((rows, n), dtype) for n in layer_sizes[1:-1]]
        self.deltas = [np.empty((rows, n), dtype) for n in layer_sizes[1:-1]]
        #: the bias input, 1 for every row
        self.ones = [np.ones(rows, dtype)]

    def first_rows(self, rows: int) -> BatchBuffers:
        """The same buffers cut to their first ``rows`` rows (views, no copy)."""
        part = object.__new__(BatchBuffers)
        for name, arrays in vars(self).items():
            setattr(part, name, [array[:rows] for array in arrays])
        return part


class Workspace:
    """Buffers for batches of up to ``rows`` rows, allocated once and reused by every training step."""

    def __init__(self, layer_sizes: list[int], rows: int, parameters: np.ndarray, shapes: Shapes) -> None:
        self.rows = rows
        self.full = BatchBuffers(layer_sizes, rows, parameters.dtype)
        self._partial: dict[int, BatchBuffers] = {}
        #: the change of every parameter, one flat vector laid out like the parameters, and its views
        self.changes = np.empty_like(parameters)
        self.change_views = flat_views(self.changes, shapes)
        self._shuffled: tuple[np.ndarray, np.ndarray] | None = None

    def shuffled(self, X: np.ndarray, Y: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``X[order]``, ``Y[order]`` written into two arrays allocated once (per data shape)."""
        if self._shuffled is None or self._shuffled[0].shape != X.shape or self._shuffled[1].shape != Y.shape:
            self._shuffled = (np.empty_like(X), np.empty_like(Y))
        X_shuffled, Y_shuffled = self._shuffled
        return (X.take(order, axis=0, out=X_shuffled, mode="clip"),
                Y.take(order, axis=0, out=Y_shuffled, mode="clip"))

    def batch(self, rows: int) -> BatchBuffers:
        """The buffers for a batch of ``rows`` rows (a shorter last batch gets views of the first rows)."""
        if rows == self.rows:
            return self.full
        if rows not in self._partial:
            self._partial[rows] = self.full.first_rows(rows)
        return self._partial[rows]


class MultiLayerPerceptron:
    """A fully connected network trained by backpropagation."""

    def __init__(
        self,
        weights: Weights,
        hidden_activation: str = "sigmoid",
        output_activation: str = "sigmoid",
        loss: str = "mse",
        learning_rate: float = 0.3,
        momentum: float = 0.0,
        reduction: str = "mean",
        optimizer: str = "sgd",
        dtype: str = "float64",
    ) -> None:
        self.dtype = np.dtype(dtype)
        # One flat vector holds every weight and bias; the layers' W and b are views of it.
        shapes = [shape for W, b in weights for shape in (W.shape, None if b is None else b.shape)]
        self.parameters = np.empty(sum(int(np.prod(s)) for s in shapes if s is not None), self.dtype)
        views = flat_views(self.parameters, shapes)
        self.weights = views[0::2]
        self.biases = views[1::2]
        for (W, b), W_view, b_view in zip(weights, self.weights, self.biases):
            W_view[...] = W
            if b is not None:
                b_view[...] = b
        n_layers = len(self.weights)
        self.activations = [ACTIVATIONS[hidden_activation]] * (n_layers - 1) + [
            ACTIVATIONS[output_activation]
        ]
        self.output_activation = output_activation
        self.loss = loss
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.reduction = reduction
        self.optimizer = optimizer
        # Previous weight changes (momentum) or Adam's moment estimates, flat like the parameters.
        self._velocity = np.zeros_like(self.parameters)
        self._second_moment = np.zeros_like(self.parameters)
        self._steps = 0
        self._shapes = shapes
        self._workspace: Workspace | None = None

    # 1. forward pass -------------------------------------------------------
    def forward(self, X: np.ndarray, buffers: BatchBuffers | None = None) -> list[np.ndarray]:
        """Activations of every layer, the inputs first and the prediction last."""
        layer_outputs = [np.asarray(X, dtype=self.dtype)]
        for layer, (W, b, activation) in enumerate(zip(self.weights, self.biases, self.activations)):
            out = None if buffers is None else buffers.outputs[layer]
            weighted_sum = np.matmul(layer_outputs[-1], W, out=out)  # Σ input * weight
            if b is not None:
                weighted_sum += b  # the bias: an input that is always 1
            layer_outputs.append(activation.function(weighted_sum, out=weighted_sum))
        return layer_outputs

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.forward(X)[-1]

    # 2. error and 3. deltas ------------------------------------------------
    def deltas(
        self, layer_outputs: list[np.ndarray], correct: np.ndarray, buffers: BatchBuffers | None = None,
        factor: float = 1.0,
    ) -> list[np.ndarray]:
        """One delta per weight layer, the output layer's last.

        With ``factor``, every delta comes out multiplied by it: the hidden
        deltas are linear in the output delta, so scaling that small array
        scales them all.
        """
        prediction = layer_outputs[-1]
        delta = output_delta(self.loss, self.activations[-1], correct, prediction)
        if factor != 1.0:
            delta *= factor
        deltas = [delta]
        for layer in range(len(self.weights) - 1, 0, -1):
            hidden = layer_outputs[layer]
            error_out = delta_out = None
            if buffers is not None:
                error_out, delta_out = buffers.errors[layer - 1], buffers.deltas[layer - 1]
            # delta_hidden = derivative * weight * delta_output
            error_reaching_hidden = np.matmul(delta, self.weights[layer].T, out=error_out)
            delta = self.activations[layer - 1].backward(hidden, error_reaching_hidden, out=delta_out)
            deltas.insert(0, delta)
        return deltas

    # 4. weight update ------------------------------------------------------
    def adjustments(
        self, layer_outputs: list[np.ndarray], deltas: list[np.ndarray]
    ) -> list[np.ndarray]:
        """The slides' "input x delta", added over the batch rows, per parameter."""
        rows = layer_outputs[0].shape[0]
        scale = 1.0 / rows if self.reduction == "mean" else 1.0
        changes = []
        for inputs, delta, b in zip(layer_outputs[:-1], deltas, self.biases):
            changes.append(inputs.T @ delta * scale)
            if b is not None:
                changes.append(delta.sum(axis=0) * scale)  # the bias input is 1
        return changes

    def update(self, adjustments: list[np.ndarray]) -> None:
        """weight(n+1) = weight(n) + input * delta * learning_rate (+ momentum)."""
        change = np.concatenate([a.ravel() for a in adjustments]).astype(self.dtype, copy=False)
        if self.optimizer == "sgd":
            change *= self.learning_rate
        self._apply(change)

    def _step_factor(self, rows: int) -> float:
        """What multiplies ``input * delta`` in the update: learning rate (SGD), ÷ rows ("mean")."""
        factor = 1.0 / rows if self.reduction == "mean" else 1.0
        return factor * self.learning_rate if self.optimizer == "sgd" else factor

    def _adjust_in_place(
        self, layer_outputs: list[np.ndarray], scaled_deltas: list[np.ndarray], workspace: Workspace
    ) -> None:
        """Step 4 on the workspace: ``change = input * delta``, the deltas already scaled, then update.

        The deltas carry :meth:`_step_factor` (see :meth:`deltas`): the factor
        multiplies the output delta, a batch × outputs array, instead of every
        ``input * delta`` product, an inputs × neurons one — the same numbers,
        far fewer multiplications.
        """
        changes = workspace.change_views
        bias_inputs = workspace.batch(len(layer_outputs[0])).ones[0]
        for layer, (inputs, delta) in enumerate(zip(layer_outputs[:-1], scaled_deltas)):
            np.matmul(inputs.T, delta, out=changes[2 * layer])  # Σ input * delta
            if changes[2 * layer + 1] is not None:
                np.matmul(bias_inputs, delta, out=changes[2 * layer + 1])  # Σ 1 * delta: the bias input is 1
        self._apply(workspace.changes)

    def _apply(self, change: np.ndarray) -> None:
        """Add one flat change (learning rate included for SGD) to every parameter."""
        self._steps += 1
        if self.optimizer == "adam":
            self.parameters += self._adam_step(change)
        elif self.momentum:
            self._velocity *= self.momentum  # the change keeps a fraction of the previous one
            self._velocity += change
            self.parameters += self._velocity
        else:
            self.parameters += change

    def _adam_step(self, change: np.ndarray, beta1: float = 0.9,
                   beta2: float = 0.999, eps: float = 1e-8) -> np.ndarray:
        """Adam on the ascent direction ``change`` (= minus the gradient)."""
        m, v = self._velocity, self._second_moment
        m *= beta1
        m += (1 - beta1) * change
        v *= beta2
        v += (1 - beta2) * change * change
        m_hat = m / (1 - beta1**self._steps)
        v_hat = v / (1 - beta2**self._steps)
        return self.learning_rate * m_hat / (np.sqrt(v_hat) + eps)

    def _parameters(self) -> list[np.ndarray]:
        """Every weight matrix and bias vector (views of the flat ``parameters``)."""
        return [p for W, b in zip(self.weights, self.biases) for p in (W, b) if p is not None]

    # training loop ---------------------------------------------------------
    def train_step(self, X: np.ndarray, correct: np.ndarray, workspace: Workspace | None = None) -> float:
        """Forward, error, deltas, update on one batch; returns its mean row loss."""
        return self._train_batch(X, correct, workspace) / len(X)

    def _train_batch(self, X: np.ndarray, correct: np.ndarray, workspace: Workspace | None) -> float:
        """:meth:`train_step`, returning the batch's summed row loss."""
        buffers = None if workspace is None else workspace.batch(len(X))
        layer_outputs = self.forward(X, buffers)
        # The loss comes from the prediction already computed: no extra pass.
        loss = float(row_losses(self.loss, correct, layer_outputs[-1], self.output_activation).sum())
        if workspace is None:
            self.update(self.adjustments(layer_outputs, self.deltas(layer_outputs, correct)))
        else:
            scaled_deltas = self.deltas(layer_outputs, correct, buffers, self._step_factor(len(X)))
            self._adjust_in_place(layer_outputs, scaled_deltas, workspace)
        return loss

    def train_epoch(
        self, X: np.ndarray, Y: np.ndarray, batch_size: int, rng: np.random.Generator | None = None,
        order: np.ndarray | None = None,
    ) -> float:
        """One pass over the rows in ``order`` (else ``rng.permutation``, else as given); mean row loss.

        The rows are shuffled once per epoch into a preallocated copy, so every
        batch is a contiguous slice (no gathering, no new array per batch).
        """
        X = np.asarray(X, dtype=self.dtype)
        Y = np.asarray(Y, dtype=self.dtype)
        workspace = self.workspace(min(batch_size, len(X)), X.shape[1], Y.shape[1])
        if order is None and rng is not None:
            order = rng.permutation(len(X))
        if order is not None:
            X, Y = workspace.shuffled(X, Y, order)
        total = 0.0
        for start in range(0, len(X), batch_size):
            stop = start + batch_size
            total += self._train_batch(X[start:stop], Y[start:stop], workspace)
        return total / len(X)

    def workspace(self, rows: int, n_inputs: int, n_outputs: int) -> Workspace:
        """The training buffers for batches of up to ``rows`` rows (allocated once, then reused)."""
        if self._workspace is None or self._workspace.rows != rows:
            sizes = [n_inputs, *(W.shape[1] for W in self.weights)]
            self._workspace = Workspace(sizes, rows, self.parameters, self._shapes)
        return self._workspace

    def get_weights(self) -> Weights:
        return [(W.copy(), None if b is None else b.copy()) for W, b in zip(self.weights, self.biases)]
