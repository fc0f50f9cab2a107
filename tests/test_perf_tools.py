"""Issue 8: the fast MLP still computes the reference maths; perf and scaling tools run end to end.

No timing is asserted here: timings are checked by ``make bench-perf``, which
prints each ratio beside its target.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re

import numpy as np
import pytest

from backends.scratch.activations import ACTIVATIONS
from backends.scratch.losses import row_losses
from backends.scratch.mlp import MultiLayerPerceptron
from bench.core.record import CellKey
from bench.perf import report
from bench.perf.epoch import probe
from bench.perf.epoch.matmul_only import MatmulOnlyEpoch
from bench.perf.harness.overhead import CellTiming, measure_cells
from bench.perf.scaling import ScalingConfig, fitted_exponent, measure_backend, plot, table_lines
from bench.perf.timing import coefficient_of_variation, interleaved
from bench.perf.workload import Workload, make_data

SIZES = (5, 7, 4, 3)
TINY = Workload(rows=256, layers=(16, 12, 8, 4), batch_size=32, epochs=1, warmup_epochs=0)


def _weights(sizes=SIZES, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.normal(scale=0.5, size=(a, b)), rng.normal(scale=0.1, size=b))
            for a, b in zip(sizes[:-1], sizes[1:])]


def _data(rows=10, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, SIZES[0]))
    Y = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], rows)]
    return X, Y


# the optimised MLP against the reference computation ---------------------------
@pytest.mark.parametrize("hidden", ["sigmoid", "relu", "tanh", "linear", "step"])
@pytest.mark.parametrize("output", ["softmax", "sigmoid", "linear"])
def test_in_place_activations_match_allocating_ones(hidden: str, output: str) -> None:
    rng = np.random.default_rng(2)
    for name in (hidden, output):
        activation = ACTIVATIONS[name]
        x = rng.normal(size=(6, 4))
        expected = activation.function(x.copy())
        buffer = x.copy()
        np.testing.assert_array_equal(activation.function(buffer, out=buffer), expected)
        error = rng.normal(size=x.shape)
        np.testing.assert_allclose(activation.backward(expected, error, out=np.empty_like(x)),
                                   activation.backward(expected, error), rtol=1e-15)


@pytest.mark.parametrize("hidden", ["sigmoid", "relu"])
@pytest.mark.parametrize(("reduction", "optimizer", "momentum"),
                         [("mean", "sgd", 0.9), ("sum", "sgd", 0.0), ("mean", "adam", 0.0)])
def test_workspace_epoch_equals_batch_by_batch_reference(hidden, reduction, optimizer, momentum) -> None:
    """10 rows in batches of 4: two full batches and a last partial one of 2, shuffled."""
    X, Y = _data()
    settings = dict(hidden_activation=hidden, output_activation="softmax", loss="cross_entropy",
                    learning_rate=0.1, momentum=momentum, reduction=reduction, optimizer=optimizer)
    fast = MultiLayerPerceptron(_weights(), **settings)
    reference = MultiLayerPerceptron(_weights(), **settings)
    losses = []
    for epoch in range(2):
        fast_loss = fast.train_epoch(X, Y, batch_size=4, rng=np.random.default_rng(epoch))
        order = np.random.default_rng(epoch).permutation(len(X))
        total = 0.0
        for start in range(0, len(X), 4):
            rows = order[start : start + 4]
            total += reference.train_step(X[rows], Y[rows]) * len(rows)  # no workspace: plain arrays
        losses.append((fast_loss, total / len(X)))
    for (W, b), (W_ref, b_ref) in zip(fast.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(W, W_ref, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(b, b_ref, rtol=1e-12, atol=1e-14)
    for fast_loss, reference_loss in losses:
        assert fast_loss == pytest.approx(reference_loss, rel=1e-12)


def test_workspace_epoch_equals_hand_written_backpropagation() -> None:
    """The slides' steps spelled out with fresh arrays: sigmoid hidden, softmax, momentum, mean."""
    X, Y = _data(rows=11)
    lr, momentum, batch = 0.2, 0.8, 4
    net = MultiLayerPerceptron(_weights(), "sigmoid", "softmax", "cross_entropy", learning_rate=lr,
                               momentum=momentum, reduction="mean")
    loss = net.train_epoch(X, Y, batch, np.random.default_rng(5))

    params = [p.copy() for W, b in _weights() for p in (W, b)]
    velocity = [np.zeros_like(p) for p in params]
    order = np.random.default_rng(5).permutation(len(X))
    losses = []
    for start in range(0, len(X), batch):
        x, y = X[order[start : start + batch]], Y[order[start : start + batch]]
        W1, b1, W2, b2, W3, b3 = params
        h1 = 1 / (1 + np.exp(-(x @ W1 + b1)))
        h2 = 1 / (1 + np.exp(-(h1 @ W2 + b2)))
        z = h2 @ W3 + b3
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        losses.append(-(y * np.log(p)).sum())
        d3 = y - p  # error (= delta_output for softmax + cross-entropy)
        d2 = (d3 @ W3.T) * h2 * (1 - h2)  # delta_hidden = derivative * weight * delta_output
        d1 = (d2 @ W2.T) * h1 * (1 - h1)
        gradients = [x.T @ d1, d1.sum(0), h1.T @ d2, d2.sum(0), h2.T @ d3, d3.sum(0)]
        for param, v, g in zip(params, velocity, gradients):
            v *= momentum
            v += lr * g / len(x)
            param += v
    for mine, theirs in zip([p for W, b in net.get_weights() for p in (W, b)], params):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-13)
    assert loss == pytest.approx(sum(losses) / len(X), rel=1e-10)


@pytest.mark.parametrize("hidden", ["sigmoid", "relu"])
def test_float32_training_agrees_with_float64(hidden: str) -> None:
    X, Y = _data(rows=64)
    nets = {dtype: MultiLayerPerceptron(_weights(), hidden, "softmax", "cross_entropy", learning_rate=0.1,
                                        momentum=0.9, dtype=dtype) for dtype in ("float32", "float64")}
    losses = {dtype: [net.train_epoch(X, Y, 16, np.random.default_rng(e)) for e in range(3)]
              for dtype, net in nets.items()}
    assert nets["float32"].parameters.dtype == np.float32
    assert nets["float32"].predict(X).dtype == np.float32
    np.testing.assert_allclose(losses["float32"], losses["float64"], rtol=1e-4)
    for (W32, b32), (W64, b64) in zip(nets["float32"].get_weights(), nets["float64"].get_weights()):
        np.testing.assert_allclose(W32, W64, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(b32, b64, rtol=1e-4, atol=1e-5)


def test_epoch_loss_is_the_mean_row_loss_before_each_update() -> None:
    X, Y = _data(rows=9)
    net = MultiLayerPerceptron(_weights(), "relu", "softmax", "cross_entropy", learning_rate=0.05)
    copy = MultiLayerPerceptron(_weights(), "relu", "softmax", "cross_entropy", learning_rate=0.05)
    epoch_loss = net.train_epoch(X, Y, 4, None)
    rows_losses = []
    for start in range(0, 9, 4):
        x, y = X[start : start + 4], Y[start : start + 4]
        rows_losses.extend(row_losses("cross_entropy", y, copy.predict(x)))
        copy.train_step(x, y)
    assert epoch_loss == pytest.approx(np.mean(rows_losses), rel=1e-12)


def test_weights_and_biases_are_views_of_one_flat_vector() -> None:
    net = MultiLayerPerceptron(_weights(), "relu", "softmax", "cross_entropy")
    for W, b in zip(net.weights, net.biases):
        assert np.shares_memory(W, net.parameters) and np.shares_memory(b, net.parameters)
    net.weights[0][0, 0] = 42.0
    assert 42.0 in net.parameters


# perf tooling, tiny sizes ---------------------------------------------------------
def test_matmul_only_counts_three_l_minus_one_gemms() -> None:
    matmul = MatmulOnlyEpoch((16, 12, 8, 4), 32, "float32")
    assert matmul.gemms_per_batch() == 8
    matmul.epoch(make_data(TINY)[0])  # the last batch is full here; partial batches are sliced
    matmul.epoch(np.zeros((70, 16), np.float32))
    assert matmul.flops(10) == 2.0 * 10 * (2 * (16 * 12 + 12 * 8 + 8 * 4) + (12 * 8 + 8 * 4))


def test_interleaved_timing_and_cv() -> None:
    calls: list[str] = []
    times = interleaved({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, rounds=2,
                        warmup_rounds=1)
    assert calls == ["a", "b"] * 3 and all(len(v) == 2 for v in times.values())
    assert coefficient_of_variation([1.0, 1.0]) == 0.0
    assert coefficient_of_variation([1.0, 3.0]) == pytest.approx(math.sqrt(2) / 2)


def test_numpy_probe_group_and_its_ratio_lines() -> None:
    result = probe.run_group("numpy", {"workload": TINY.to_dict(), "threads": 1})
    assert set(result["times"]) == {"numpy_relu", "numpy_sigmoid", "matmul_only", "sklearn"}
    assert all(len(v) == 1 and v[0] > 0 for v in result["times"].values())
    lines = [ratio.line() for ratio in report.numpy_ratios(result, "relu", "sigmoid")]
    assert lines[0].startswith("numpy epoch / matmul-only (relu) = ")
    assert re.search(r"\(target ≤ 1\.30\) (PASS|MISS)  \[fastest epochs: \d+\.\d\d\]$", lines[0])
    assert "(target ≤ 1.00)" in lines[2]


def test_ratio_verdicts() -> None:
    assert report.Ratio("x", 1.21, 1.30).line() == "x = 1.21 (target ≤ 1.30) PASS"
    assert report.Ratio("x", 1.31, 1.30).verdict() == "MISS"
    assert report.Ratio("x", float("nan"), 1.30).verdict() == "n/a (not measured)"
    assert report.Ratio("o", 0.034, 0.02, percent=True).line() == "o = 3.4 % (target ≤ 2.0 %) MISS"
    assert report.Ratio("r", 0.5, note="cpu").line() == "r = 0.50  [cpu]"


def test_gpu_request_degrades_to_cpu_with_a_message(monkeypatch) -> None:
    monkeypatch.setattr(probe, "gpu_status", lambda name: (False, f"{name} sees no CUDA device"))
    monkeypatch.setattr(probe, "framework_group", lambda name, workload, threads, device: {
        "times": {name: [1.0], "numpy": [0.5]}, "labels": {name: "fake"}, "ran_on": device})
    result = probe.run_group("torch", {"workload": TINY.to_dict(), "threads": 1, "device": "gpu"})
    assert result["device"] == "cpu" and result["ran_on"] == "cpu"
    assert "GPU figures need a machine with a GPU" in result["notes"][0]
    assert "GPU figures need a GPU machine" in report.framework_ratio("torch", result).line()


def test_harness_overhead_definition_with_a_fake_runner() -> None:
    from bench.core.record import CellConfig

    def runner(config: CellConfig) -> dict:
        return {"status": "ok", "wall_seconds": 1.0, "fit_seconds": 0.9, "predict_seconds": 0.01,
                "process_seconds": 1.5}

    cells = [CellConfig(backend="numpy", task="xor", seed=0, threads=1)]
    timings = measure_cells(cells, repeats=2, runner=runner)
    timing = timings[0]
    assert timing.imports == [0.0, 0.0] and len(timing.walls) == 2  # no phase_seconds: nothing apart
    assert timing.overheads()[0] == pytest.approx(1.0 - 0.9 - 0.04)
    assert timing.startups == [0.5, 0.5] and timing.fit_cv() == 0.0
    assert math.isnan(CellTiming(CellKey("numpy", "xor", 0, "cpu"), fits=[1.0]).fit_cv())
    lines, ratios = report.harness_lines(timings, "fake", 2)
    assert any("numpy × xor seed 0" in line for line in lines)
    assert [r.label for r in ratios] == ["harness overhead / cell time (worst cell)",
                                         "harness overhead / cell time (whole suite)",
                                         "harness overhead without learning curves (whole suite)",
                                         "fit_seconds CV across repeats (worst cell)",
                                         "fit_seconds CV across repeats (median cell)"]


def test_harness_overhead_of_one_real_cell_leaves_out_imports_and_data() -> None:
    from bench.core.record import CellConfig

    config = CellConfig(backend="numpy", task="xor", seed=0, threads=1)
    timing = measure_cells([config], repeats=1)[0]
    assert len(timing.walls) == 1 and timing.walls[0] >= timing.fits[0] > 0
    assert timing.imports[0] > 0 and timing.curves[0] > 0
    parts = timing.imports[0] + timing.datas[0] + timing.fits[0] + timing.predicts[0]
    assert timing.overheads()[0] == pytest.approx(timing.walls[0] - parts)
    assert 0 < timing.overhead_share() < 1


def test_harness_timings_from_a_results_file() -> None:
    from bench.perf.harness.overhead import timings_from_results

    phases = {"imports": 0.3, "setup": 0.01, "data": 0.1, "fit": 1.5, "curve": 0.05, "predict": 0.02,
              "scoring": 0.01}
    ok = {"backend": "numpy", "task": "xor", "seed": 0, "status": "ok", "wall_seconds": 2.0,
          "fit_seconds": 1.5, "predict_seconds": 0.005, "process_seconds": 2.5, "phase_seconds": phases}
    records = [ok, {**ok, "seed": 1}, {**ok, "seed": 2, "status": "failed", "reason": "boom"}]
    timings = timings_from_results(records)
    assert [len(t.walls) for t in timings] == [1, 1, 0]
    assert timings[0].overheads()[0] == pytest.approx(2.0 - 0.3 - 0.1 - 1.5 - 0.02)
    lines, ratios = report.harness_lines(timings, "default", 1)
    assert ratios[3].verdict() == "n/a (not measured)" and "no cell ran twice" in ratios[3].line()
    assert ratios[1].value == pytest.approx((2.0 - 0.3 - 0.1 - 1.5 - 0.02) / (2.0 - 0.3))
    assert ratios[2].value == pytest.approx((2.0 - 0.3 - 0.1 - 1.5 - 0.02 - 0.05) / (2.0 - 0.3))
    assert ratios[0].verdict() in ("PASS", "MISS")


def test_the_two_divisions_of_a_cell_are_timed_apart() -> None:
    from bench.perf.harness.overhead import timings_from_results

    ok = {"backend": "torch", "task": "xor", "seed": 0, "device": "cpu", "status": "ok", "wall_seconds": 2.0,
          "fit_seconds": 1.5, "predict_seconds": 0.005}
    closed, open_ = {**ok, "division": "closed"}, {**ok, "division": "open", "fit_seconds": 0.5}
    timings = timings_from_results([closed, open_])
    assert [(t.key.division, t.fits) for t in timings] == [("closed", [1.5]), ("open", [0.5])]
    lines, _ = report.harness_lines(timings, "default", 1)
    assert any("torch × xor seed 0 (open)" in line for line in lines)


def test_failed_cells_are_listed_not_hidden() -> None:
    timing = CellTiming(CellKey("numpy", "xor", 0, "cpu"), failures=["failed: boom"])
    lines, ratios = report.harness_lines([timing], "fake", 1)
    assert "boom" in lines[-1] and ratios[0].verdict() == "n/a (not measured)"


# scaling, tiny sizes -------------------------------------------------------------
def test_fitted_exponent_of_a_power_law() -> None:
    x = [1_000, 2_000, 4_000, 8_000]
    assert fitted_exponent(x, [3e-6 * n**1.5 for n in x]) == pytest.approx(1.5)
    assert math.isnan(fitted_exponent([1], [1.0]))


@pytest.mark.parametrize("data", ["friedman1", "digits"])
def test_scaling_measures_numpy_and_plots(tmp_path, data: str) -> None:
    config = ScalingConfig(data=data, samples=(128, 256), widths=(4, 8), width_rows=128, epochs=2, threads=1)
    result = measure_backend("numpy", config)
    sweeps = {s["axis"]: s for s in result["sweeps"]}
    assert sweeps["samples"]["x"] == [128, 256] and sweeps["width"]["x"] == [4, 8]
    assert all(s > 0 for sweep in sweeps.values() for s in sweep["seconds"])
    lines = table_lines([result, {"backend": "keras", "skipped": "not asked"}], config)
    assert any("numpy" in line and "exponent" in line for line in lines)
    png = plot([result], config, tmp_path / "scaling.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_scaling_command_end_to_end(tmp_path, capsys) -> None:
    from bench.commands import scaling

    parser = argparse.ArgumentParser()
    scaling.add_arguments(parser)
    args = parser.parse_args(["--backends", "numpy", "--samples", "256,512", "--widths", "4,8",
                              "--epochs", "2", "--threads", "1", "--output-dir", str(tmp_path)])
    assert scaling.handle(args) == 0
    out = capsys.readouterr().out
    assert "numpy      vs samples  exponent" in out
    assert list(tmp_path.glob("scaling-friedman1-*.png")) and list(tmp_path.glob("scaling-friedman1-*.json"))


def test_perf_command_end_to_end_without_frameworks_or_harness(capsys) -> None:
    from bench.commands import perf

    parser = argparse.ArgumentParser()
    perf.add_arguments(parser)
    args = parser.parse_args(["--rows", "256", "--layers", "16-12-8-4", "--batch-size", "32", "--epochs", "1",
                              "--threads", "1", "--frameworks", "", "--harness-repeats", "0",
                              "--contention-backends", ""])
    assert perf.handle(args) == 0
    out = capsys.readouterr().out
    assert "threads: 1" in out and "BLAS" in out and "machine:" in out
    assert "numpy epoch / matmul-only (relu) = " in out and "(target ≤ 1.30)" in out


def test_workload_round_trip_and_spec() -> None:
    workload = dataclasses.replace(TINY, hidden_activation="sigmoid")
    assert Workload.from_dict(workload.to_dict()) == workload
    spec = workload.spec()
    assert spec.layers == (16, 12, 8, 4) and spec.dtype == "float32" and spec.epochs == 1
    X, Y = make_data(workload)
    assert X.dtype == np.float32 and X.shape == (256, 16) and np.all(Y.sum(axis=1) == 1)


def test_numpy_reference_group_times_only_the_mlp_and_matmul() -> None:
    result = probe.run_group("numpy-reference", {"workload": TINY.to_dict(), "threads": 1})
    assert set(result["times"]) == {"numpy_relu", "matmul_only"}
