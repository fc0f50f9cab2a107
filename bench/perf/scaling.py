"""Cost scaling: epoch time against the number of samples and the hidden width, per backend.

``python -m bench scaling`` trains each backend through its adapter (the
:class:`~bench.core.backend.Backend` contract, the same code ``bench run`` uses) on

* ``friedman1``: Friedman (1991) #1 from ``sklearn.datasets.make_friedman1``
  (10 inputs, noise 1, target standardised), a 10-H-1 ReLU network with a
  linear output and mse; or
* ``digits``: scikit-learn's bundled 8×8 digits (1,797 rows) tiled to n rows,
  a 64-H-10 ReLU network with softmax and cross-entropy;

mini-batch SGD with momentum, float32. The cost of a point is the median
epoch after the first (which may hold compilation or warm-up). Two sweeps:
rows n at a fixed width, and width H at a fixed n. The exponent is the
least-squares slope of log(seconds) on log(n) or log(H): 1 means linear.

Each backend runs in its own interpreter (``python -m bench.perf.scaling BACKEND
CONFIG_JSON``) with the one thread budget applied, as the harness does.
"""

from __future__ import annotations

import json
import statistics
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench.perf.child import run_json_child

DEFAULT_BACKENDS = ("numpy", "sklearn", "torch")
SLOW_BACKENDS = ("keras", "pybrain")
DEFAULT_SAMPLES = (1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000)
FULL_SAMPLES = (*DEFAULT_SAMPLES, 128_000, 256_000)
DEFAULT_WIDTHS = (16, 32, 64, 128, 256, 512)
FULL_WIDTHS = (*DEFAULT_WIDTHS, 1024, 2048)


@dataclass
class ScalingConfig:
    data: str = "friedman1"
    samples: tuple[int, ...] = DEFAULT_SAMPLES
    widths: tuple[int, ...] = DEFAULT_WIDTHS
    width: int = 64  # hidden width of the samples sweep
    width_rows: int = 8_000  # rows of the width sweep
    epochs: int = 4  # the first is dropped
    batch_size: int = 128
    threads: int = 1
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScalingConfig:
        data = dict(data)
        for key in ("samples", "widths"):
            data[key] = tuple(data[key])
        return cls(**data)


@dataclass
class Sweep:
    """Seconds per epoch of one backend along one axis ("samples" or "width")."""

    backend: str
    axis: str
    x: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def exponent(self) -> float:
        return fitted_exponent(self.x, self.seconds)


def fitted_exponent(x: list[int] | list[float], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) against log(x) (nan with fewer than two points)."""
    if len(x) < 2:
        return float("nan")
    slope, _ = np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(seconds, float)), 1)
    return float(slope)


# data and networks ---------------------------------------------------------
def make_data(data: str, rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` rows of ``data`` as float32 inputs and targets (one-hot for digits)."""
    if data == "friedman1":
        from sklearn.datasets import make_friedman1

        X, y = make_friedman1(n_samples=rows, n_features=10, noise=1.0, random_state=seed)
        y = (y - y.mean()) / y.std()
        return X.astype(np.float32), y.reshape(-1, 1).astype(np.float32)
    if data == "digits":
        from sklearn.datasets import load_digits

        digits = load_digits()
        index = np.resize(np.arange(len(digits.target)), rows)  # tiled
        X = (digits.data[index] / 16.0).astype(np.float32)
        return X, np.eye(10, dtype=np.float32)[digits.target[index]]
    raise ValueError(f"unknown scaling data {data!r}; known: friedman1, digits")


def network(config: ScalingConfig, n_inputs: int, n_outputs: int, width: int) -> Any:
    from bench.core.spec import NetworkSpec

    classification = config.data == "digits"
    return NetworkSpec(
        layers=(n_inputs, width, n_outputs), hidden_activation="relu",
        output_activation="softmax" if classification else "linear",
        loss="cross_entropy" if classification else "mse", learning_rate=0.01, momentum=0.9,
        batch_size=config.batch_size, epochs=config.epochs, shuffle=True, seed=config.seed, dtype="float32",
    )


# one backend, in its own interpreter -------------------------------------------
def epoch_seconds(backend_name: str, spec: Any, X: np.ndarray, Y: np.ndarray, threads: int) -> float:
    """Median epoch time after the first, through the backend's adapter."""
    from bench.core import registry
    from bench.perf.epoch.peers import adapter_epochs

    backend = registry.backend_class(backend_name)(device="cpu", threads=threads)
    durations = adapter_epochs(backend, spec, X, Y)
    return float(statistics.median(durations[1:] if len(durations) > 1 else durations))


def measure_backend(backend_name: str, config: ScalingConfig) -> dict[str, Any]:
    """Both sweeps for one backend (run in the child process)."""
    from threadpoolctl import threadpool_limits

    from bench.core import registry

    backend_cls = registry.backend_class(backend_name)
    ok, why = backend_cls.available()
    if not ok:
        return {"backend": backend_name, "skipped": why}
    threadpool_limits(limits=config.threads)
    X_all, Y_all = make_data(config.data, max(*config.samples, config.width_rows), config.seed)
    sweeps = {"samples": Sweep(backend_name, "samples"), "width": Sweep(backend_name, "width")}
    points = [("samples", rows, config.width, rows) for rows in config.samples]
    points += [("width", width, width, config.width_rows) for width in config.widths]
    for axis, x, width, rows in points:
        spec = network(config, X_all.shape[1], Y_all.shape[1], width)
        seconds = epoch_seconds(backend_name, spec, X_all[:rows], Y_all[:rows], config.threads)
        sweeps[axis].x.append(x)
        sweeps[axis].seconds.append(seconds)
    return {"backend": backend_name, "sweeps": [asdict(s) for s in sweeps.values()]}


def run_backend(backend_name: str, config: ScalingConfig, timeout: float) -> dict[str, Any]:
    """:func:`measure_backend` in a fresh interpreter with the thread budget set."""
    result, problem = run_json_child("bench.perf.scaling", [backend_name, json.dumps(config.to_dict())],
                                     config.threads, "cpu", timeout)
    return result if result is not None else {"backend": backend_name, "skipped": problem}


# report --------------------------------------------------------------------------
def sweeps_of(results: list[dict[str, Any]]) -> list[Sweep]:
    return [Sweep(**s) for r in results for s in r.get("sweeps", [])]


def table_lines(results: list[dict[str, Any]], config: ScalingConfig) -> list[str]:
    lines = [f"scaling on {config.data}: seconds per epoch (median after the first of {config.epochs}), "
             f"batch {config.batch_size}, {config.threads} threads",
             f"  samples sweep: width {config.width}; width sweep: {config.width_rows:,} rows"]
    for result in results:
        if "skipped" in result:
            lines.append(f"  {result['backend']:<10} skipped: {result['skipped']}")
    for sweep in sweeps_of(results):
        points = ", ".join(f"{x:,}: {s * 1e3:.1f} ms" for x, s in zip(sweep.x, sweep.seconds))
        lines.append(f"  {sweep.backend:<10} vs {sweep.axis:<8} exponent {sweep.exponent():5.2f}  ({points})")
    return lines


def plot(results: list[dict[str, Any]], config: ScalingConfig, path: Path) -> Path:
    """Log-log plot of both sweeps, one line per backend, exponents in the legend (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    titles = {"samples": f"rows (width {config.width})",
              "width": f"hidden width ({config.width_rows:,} rows)"}
    for ax, axis in zip(axes, ("samples", "width")):
        for sweep in (s for s in sweeps_of(results) if s.axis == axis):
            label = f"{sweep.backend} (slope {sweep.exponent():.2f})"
            ax.loglog(sweep.x, sweep.seconds, marker="o", label=label)
            ax.set_xticks(sweep.x, [f"{x:,}" for x in sweep.x], rotation=45)
            ax.minorticks_off()
        ax.set_xlabel(titles[axis])
        ax.set_ylabel("seconds per epoch")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    figure.suptitle(f"nnbench cost scaling on {config.data} "
                    f"({config.threads} threads, batch {config.batch_size})")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def run_scaling(config: ScalingConfig, backends: list[str], output_dir: Path, timeout: float = 900.0,
                echo: Any = print) -> tuple[list[dict[str, Any]], Path, Path]:
    """Measure every backend, print the table, write the plot and the raw points; return them."""
    results = []
    for name in backends:
        echo(f"  measuring {name} ...")
        results.append(run_backend(name, config, timeout))
    for line in table_lines(results, config):
        echo(line)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    png = plot(results, config, output_dir / f"scaling-{config.data}-{stamp}.png")
    raw = output_dir / f"scaling-{config.data}-{stamp}.json"
    raw.write_text(json.dumps({"config": config.to_dict(), "results": results}, indent=1), encoding="utf-8")
    echo(f"plot: {png}")
    echo(f"points: {raw}")
    return results, png, raw


def main(argv: list[str]) -> int:
    backend_name, config_json = argv
    print(json.dumps(measure_backend(backend_name, ScalingConfig.from_dict(json.loads(config_json)))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
