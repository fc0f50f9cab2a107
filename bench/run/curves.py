"""Learning curves during training: per-epoch loss, training time and the held-out target metric."""

from __future__ import annotations

import math
import time

from bench.core import metrics
from bench.core.backend import Backend
from bench.core.record import MAX_CURVE_POINTS
from bench.core.task import Split, Task

#: once the target is reached, the held-out metric is computed at every 5th sample only (the loss at all)
AFTER_TARGET_EVERY = 5


class EpochRecorder:
    """Per-epoch loss, training time and held-out metric (learning curves).

    Time spent scoring the held-out rows is measured and excluded from the
    training time, so curves cost nothing in ``fit_seconds`` (their cost is
    ``phase_seconds["curve"]``). Only the target metric is computed, only
    where ``evaluate`` (the first split: the others' curves are not kept),
    and after the target is first reached only at every
    ``AFTER_TARGET_EVERY``-th sample: the schedule depends on epochs alone,
    so every backend's curve is sampled alike.
    """

    def __init__(
        self, backend: Backend, task: Task, split: Split, epochs: int, evaluate: bool = True,
        max_points: int = MAX_CURVE_POINTS,
    ) -> None:
        self.backend, self.task, self.split = backend, task, split
        self.evaluate = evaluate and max_points > 0
        self.every = max(1, math.ceil(epochs / max(max_points, 1)))
        self.last_epoch = epochs
        self.points: list[dict[str, float]] = []
        self.epoch_ends: list[float] = []
        self.excluded = 0.0
        self.start = 0.0
        self.last_seen: tuple[int, float] | None = None
        self.samples_after_target = -1  # counts samples once the target is reached

    def begin(self) -> None:
        self.start = time.perf_counter()

    def __call__(self, epoch: int, loss: float) -> None:
        self.backend.synchronize()
        now = time.perf_counter()
        self.epoch_ends.append(now - self.start - self.excluded)
        self.last_seen = (epoch, float(loss))
        if not self.evaluate or (epoch % self.every and epoch != self.last_epoch and epoch != 1):
            return
        self._add_point(epoch, loss, now)

    def finish(self) -> None:
        """After training: the last epoch's point too, if training stopped early between samples."""
        if not self.evaluate or self.last_seen is None:
            return
        last = self.points[-1] if self.points else None
        if last is not None and last["epoch"] == self.last_seen[0]:
            if self.task.target[0] in last:
                return
            self.points.pop()  # a loss-only point: redo it with the metric
        self._add_point(*self.last_seen, time.perf_counter(), final=True)

    def _add_point(self, epoch: int, loss: float, now: float, final: bool = False) -> None:
        point = {"epoch": epoch, "loss": float(loss), "seconds": self.epoch_ends[-1]}
        name = self.task.target[0]
        if self.samples_after_target >= 0:
            self.samples_after_target += 1
            if self.samples_after_target % AFTER_TARGET_EVERY and epoch != self.last_epoch and not final:
                self.points.append(point)  # the loss only: it costs nothing
                return
        try:
            outputs = self.backend.predict(self.split.X_test)
            scores = metrics.score(self.task.kind, self.split.Y_test, outputs,
                                   self.split.target_scale, self.split.target_offset, only=name)
            point[name] = float(scores[name])  # type: ignore[arg-type]
        except FloatingPointError:
            point[name] = float("nan")
        if self.samples_after_target < 0 and first_reaching([point], self.task.target):
            self.samples_after_target = 0
        self.points.append(point)
        self.excluded += time.perf_counter() - now


def first_reaching(
    points: list[dict[str, float]], target: tuple[str, float, str]
) -> dict[str, float] | None:
    """The first curve point whose target metric reaches the task's target (None: none does)."""
    name, value, direction = target
    for point in points:
        reached = point.get(name)
        if reached is None or math.isnan(reached):
            continue
        if (direction == "max" and reached >= value) or (direction == "min" and reached <= value):
            return point
    return None
