"""Issue 13 item 4: the idiomatic scripts and the open-adapter side-by-side of ``bench perf``.

No timing is asserted: the scripts run one or two tiny epochs, the report
lines are built from given numbers, and fake backends (registered with
``NNBENCH_BACKENDS``, defined below) stand for adapters with and without an
open path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from backends.numpy_mlp import NumpyMLP
from bench.core import registry
from bench.perf import idiomatic, report
from bench.perf.child import run_json_child
from bench.perf.harness import side_by_side
from bench.perf.workload import Workload, make_data

ROOT = Path(__file__).resolve().parent.parent
TINY = Workload(rows=64, layers=(8, 6, 5, 4), batch_size=16, epochs=1, warmup_epochs=1)


# fake adapters: the NumPy MLP with and without an open path ---------------------------------
# Each overrides ``fit`` and ``skip`` whole, so that they stand for the same thing whatever the
# NumPy adapter itself offers.
class ClosedOnly(NumpyMLP):
    """The contract before the divisions: neither ``fit`` nor ``skip`` takes ``division``."""

    name = "numpy"

    def fit(self, spec, X, Y, initial_weights=None, on_epoch=None):  # type: ignore[no-untyped-def]
        NumpyMLP.fit(self, spec, X, Y, initial_weights, on_epoch)

    def skip(self, spec, task_kind):  # type: ignore[no-untyped-def]
        return False, ""


class Divisions(NumpyMLP):
    """Accepts both divisions in ``skip``."""

    name = "numpy"

    def skip(self, spec, task_kind, division="closed"):  # type: ignore[no-untyped-def]
        return False, ""


class WithOpen(Divisions):
    """An open path (its own weights, a recipe); the closed one as the NumPy MLP's."""

    name = "numpy"

    def fit(self, spec, X, Y, initial_weights=None, on_epoch=None, division="closed"):  # type: ignore[no-untyped-def]
        if division == "open":
            self.recipe = {"class": "MultiLayerPerceptron", "init": "initial_weights(seed + 1)"}
            spec = spec.replace(seed=spec.seed + 1)
            initial_weights = None
        NumpyMLP.fit(self, spec, X, Y, initial_weights, on_epoch)


class OpenRaises(Divisions):
    """Takes ``division`` but has no open path yet."""

    name = "numpy"

    def fit(self, spec, X, Y, initial_weights=None, on_epoch=None, division="closed"):  # type: ignore[no-untyped-def]
        if division == "open":
            raise NotImplementedError("numpy has no open path yet")
        NumpyMLP.fit(self, spec, X, Y, initial_weights, on_epoch)


class OpenReportsAfterwards(Divisions):
    """An open path that calls ``on_epoch`` for every epoch only once training is over."""

    name = "numpy"

    def fit(self, spec, X, Y, initial_weights=None, on_epoch=None, division="closed"):  # type: ignore[no-untyped-def]
        if division != "open":
            return NumpyMLP.fit(self, spec, X, Y, initial_weights, on_epoch)
        losses: list[float] = []
        NumpyMLP.fit(self, spec, X, Y, None, lambda epoch, loss: losses.append(loss))
        time.sleep(0.5)  # the replayed callbacks span far less than BUNCHED_SHARE of fit, even under load
        for epoch, loss in enumerate(losses, start=1):
            on_epoch(epoch, loss)


class OpenSkipped(WithOpen):
    """Says through ``skip(..., division="open")`` that it cannot train this spec in the open division."""

    def skip(self, spec, task_kind, division="closed"):  # type: ignore[no-untyped-def]
        if division == "open":
            return True, "no open recipe for relu"
        return super().skip(spec, task_kind)


def _use(monkeypatch: pytest.MonkeyPatch, fake: str) -> None:
    """Register ``fake`` (a class above) as the ``numpy`` backend here and in every child."""
    monkeypatch.setenv("NNBENCH_BACKENDS", f"numpy=test_perf_idiomatic:{fake}")
    paths = [str(ROOT), str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, paths)))


# the scripts ------------------------------------------------------------------------------------
#: Keras on another backend than TensorFlow needs a process of its own (Keras picks it once per process).
OWN_PROCESS = ("keras-jax", "keras-torch")


@pytest.mark.parametrize("library", [name for name in idiomatic.LIBRARIES if name not in OWN_PROCESS])
def test_each_script_returns_one_time_per_epoch(library: str) -> None:
    ok, why = registry.backend_class(library).available()
    if not ok:
        pytest.skip(why)
    X, Y = make_data(TINY)
    arguments = {**idiomatic.script_arguments(TINY), "epochs": 2}
    times = idiomatic.load(library)(X, Y, **arguments)
    assert len(times) == 2
    assert all(isinstance(t, float) and t > 0 for t in times)


def test_script_arguments_carry_the_workload() -> None:
    arguments = idiomatic.script_arguments(Workload())
    assert arguments == {"hidden": (256, 128), "activation": "relu", "epochs": 11, "batch_size": 128,
                         "learning_rate": 0.01, "momentum": 0.9, "seed": 0}


def test_pybrain_alone_gets_fewer_rows() -> None:
    assert idiomatic.workload_for("pybrain", Workload()).rows == idiomatic.SMALLER_ROWS["pybrain"]
    assert idiomatic.workload_for("pybrain", TINY) == TINY  # never more rows than asked
    assert idiomatic.workload_for("torch", Workload()) == Workload()


def test_unknown_script_is_refused() -> None:
    with pytest.raises(KeyError, match="no idiomatic script"):
        idiomatic.load("mxnet")


def test_a_script_runs_on_its_own_under_the_thread_budget() -> None:
    env = {key: value for key, value in os.environ.items() if not key.endswith("_NUM_THREADS")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-m", "bench.perf.idiomatic.numpy", "--rows", "40",
                           "--epochs", "2", "--threads", "1"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "; threads: 1" in done.stdout
    assert len([line for line in done.stdout.splitlines() if line.strip().startswith("epoch ")]) == 3
    assert "after the first: median" in done.stdout


# the side-by-side child --------------------------------------------------------------------------
def test_epoch_seconds_from_callbacks_and_when_they_come_bunched() -> None:
    times, note = side_by_side.epoch_seconds([1.0, 2.0, 4.0], start=0.0, stop=4.0)
    assert times == [1.0, 1.0, 2.0] and note == ""
    times, note = side_by_side.epoch_seconds([9.99998, 9.99999, 10.0], start=0.0, stop=10.0)
    assert times == pytest.approx([10 / 3] * 3) and "came together" in note
    # a jit-compiled library: the first epoch is most of the fit, the later ones still take milliseconds
    times, note = side_by_side.epoch_seconds([3.0, 3.003, 3.006], start=0.0, stop=3.006)
    assert times == pytest.approx([3.0, 0.003, 0.003]) and note == ""
    with pytest.raises(RuntimeError, match="never called"):
        side_by_side.epoch_seconds([], 0.0, 1.0)


def test_contenders_take_turns_leading() -> None:
    assert [side_by_side.rotated(("a", "b", "c"), turn) for turn in range(4)] == [
        ("a", "b", "c"), ("b", "c", "a"), ("c", "a", "b"), ("a", "b", "c")]


def test_open_path_detected_from_the_fit_signature() -> None:
    assert "no division parameter" in side_by_side.open_path_problem(ClosedOnly)
    assert side_by_side.open_path_problem(WithOpen) == ""
    assert side_by_side.open_path_problem(OpenRaises) == ""


def test_adapter_without_open_path_is_not_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, "ClosedOnly")
    result = side_by_side.measure("numpy", TINY, threads=1, runs=2)
    assert "no division parameter" in result["missing"]["open"]
    assert result["times"]["open"] == []
    assert [len(run) for run in result["times"]["script"]] == [2, 2]
    assert [len(run) for run in result["times"]["closed"]] == [2, 2]
    lines, ratios = report.side_by_side_lines(result)
    assert any("numpy open adapter" in line and "not measured (" in line for line in lines)
    assert ratios[0].line().startswith("numpy open adapter / idiomatic script: not measured (open adapter: ")
    assert ratios[0].line().endswith("(target ≤ 1.10)")
    assert ratios[0].verdict() == "n/a (not measured)"
    assert ratios[2].missing == "" and ratios[2].value > 0  # closed / script is still measured


def test_open_path_that_raises_is_not_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, "OpenRaises")
    result = side_by_side.measure("numpy", TINY, threads=1, runs=2)
    assert result["missing"] == {"open": "NotImplementedError: numpy has no open path yet"}
    assert len(result["times"]["closed"]) == 2


def test_open_division_skipped_by_the_adapter_is_not_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, "OpenSkipped")
    result = side_by_side.measure("numpy", TINY, threads=1, runs=1)
    assert result["missing"] == {"open": "skipped: no open recipe for relu"}
    assert result["times"]["open"] == [] and len(result["times"]["closed"]) == 1


def test_script_that_cannot_load_is_not_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, "WithOpen")

    def broken(library: str) -> None:
        raise ImportError("no module named pybrain3")

    monkeypatch.setattr(idiomatic, "load", broken)
    result = side_by_side.measure("numpy", TINY, threads=1, runs=1)
    assert result["missing"] == {"script": "ImportError: no module named pybrain3"}
    assert len(result["times"]["open"]) == len(result["times"]["closed"]) == 1
    ratios = report.side_by_side_lines(result)[1]
    assert "idiomatic script: ImportError" in ratios[0].missing and ratios[1].missing == ""


def test_open_path_measured_through_a_child_process(monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, "WithOpen")
    config = {"workload": TINY.to_dict(), "threads": 1, "runs": 2}
    arguments = ["numpy", json.dumps(config)]
    result, problem = run_json_child("bench.perf.harness.side_by_side", arguments, 1, "cpu", 120)
    assert result is not None, problem
    assert result["missing"] == {}
    assert all(len(result["times"][name]) == 2 for name in side_by_side.CONTENDERS)
    assert result["recipe"] == {"class": "MultiLayerPerceptron", "init": "initial_weights(seed + 1)"}
    lines, ratios = report.side_by_side_lines(result)
    assert any(line.startswith("  open recipe: {") for line in lines)
    assert [r.label for r in ratios] == ["numpy open adapter / idiomatic script",
                                         "numpy open / closed epoch time",
                                         "numpy closed adapter / idiomatic script"]
    assert ratios[0].verdict() in ("PASS", "MISS") and ratios[0].target == report.IDIOMATIC_TARGET
    assert all(r.missing == "" and r.value > 0 for r in ratios)


def test_open_path_reporting_epochs_afterwards_is_timed_by_its_wall_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, "OpenReportsAfterwards")
    # The gap rule's own numbers are tested above; here a preemption between two replayed calls must not
    # turn them into two real epochs.
    monkeypatch.setattr(side_by_side, "BUNCHED_GAP", 0.1)
    result = side_by_side.measure("numpy", TINY, threads=1, runs=1)
    open_run = result["times"]["open"][0]
    assert len(open_run) == 2 and open_run[0] == open_run[1]
    assert any("came together" in note for note in result["notes"])


# report lines ------------------------------------------------------------------------------------
def _result(open_times, script_times, closed_times, missing=None) -> dict:
    return {"library": "torch", "workload": Workload(epochs=2).to_dict(), "threads": 2,
            "times": {"open": open_times, "script": script_times, "closed": closed_times},
            "missing": missing or {}, "notes": [], "recipe": None, "deviations": {}}


def test_side_by_side_ratio_lines() -> None:
    runs = _result(open_times=[[9.0, 1.0, 1.2], [9.0, 1.1, 1.1]],
                   script_times=[[5.0, 1.0, 1.0], [5.0, 1.0, 1.0]],
                   closed_times=[[2.0, 2.0, 2.2], [2.0, 2.2, 2.2]])
    lines, ratios = report.side_by_side_lines(runs, full_rows=20_000)
    assert lines[0].startswith("torch (10,000 rows, fewer than 20,000")
    assert "torch open adapter" in lines[1] and "1.1000 s/epoch  (median of 4," in lines[1]
    assert "first epoch 9.0000 s" in lines[1]
    assert ratios[0].line() == ("torch open adapter / idiomatic script = 1.10 (target ≤ 1.10) PASS  "
                                "[run by run 1.10–1.10 over 2 runs]")
    assert ratios[1].line() == "torch open / closed epoch time = 0.50  [run by run 0.50–0.52 over 2 runs]"
    assert ratios[2].line() == ("torch closed adapter / idiomatic script = 2.20  "
                                "[run by run 2.10–2.20 over 2 runs]")
    slow = _result([[1.0, 1.2, 1.2]], [[1.0, 1.0, 1.0]], [[1.0, 1.0, 1.0]])
    assert report.side_by_side_lines(slow)[1][0].verdict() == "MISS"


def test_failed_library_line() -> None:
    lines, ratios = report.side_by_side_failed("keras", "timed out after 600 s")
    assert lines == ["keras: not measured (timed out after 600 s)"]
    assert ratios[0].line() == ("keras open adapter / idiomatic script: not measured (timed out after 600 s) "
                                "(target ≤ 1.10)")


def test_bench_perf_prints_not_measured_for_an_adapter_without_open_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, "ClosedOnly")
    done = subprocess.run(
        [sys.executable, "-m", "bench", "perf", "--rows", "64", "--layers", "8-6-4", "--batch-size", "16",
         "--epochs", "1", "--threads", "1", "--frameworks", "", "--harness-repeats", "0",
         "--idiomatic", "numpy", "--idiomatic-runs", "1", "--idiomatic-epochs", "1"],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "open adapters vs idiomatic scripts" in done.stdout
    assert "numpy open adapter / idiomatic script: not measured (open adapter: " in done.stdout
    assert "numpy closed adapter / idiomatic script = " in done.stdout


@pytest.mark.parametrize("flags", [["--idiomatic", "mxnet"], ["--idiomatic-runs", "0"],
                                   ["--idiomatic-epochs", "x"]])
def test_bench_perf_refuses_bad_idiomatic_flags(flags: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "bench", "perf", *flags], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""


def test_numpy_script_trains(monkeypatch: pytest.MonkeyPatch) -> None:
    """The numpy script's own weights learn: the loss after some epochs is below the first."""
    X, Y = make_data(TINY)
    from backends.scratch.mlp import MultiLayerPerceptron

    seen: list[float] = []
    original = MultiLayerPerceptron.train_epoch

    def recording(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(original(self, *args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(MultiLayerPerceptron, "train_epoch", recording)
    idiomatic.load("numpy")(X, Y, **{**idiomatic.script_arguments(TINY), "epochs": 30, "learning_rate": 0.1})
    assert len(seen) == 30 and np.isfinite(seen).all() and seen[-1] < seen[0]


# the new engines: jax, keras-jax, keras-torch (issue 16) ----------------------------------------
def test_keras_engines_reuse_the_keras_script() -> None:
    for library in ("keras", *OWN_PROCESS):
        assert idiomatic.module_name(library) == "bench.perf.idiomatic.keras"
        assert idiomatic.script_path(library) == "bench/perf/idiomatic/keras.py"
        assert registry.backend_class(library).keras_backend == idiomatic.KERAS_ENGINES[library]
        assert idiomatic.keras_library(idiomatic.KERAS_ENGINES[library]) == library
    assert idiomatic.script_path("jax") == "bench/perf/idiomatic/jax.py"
    assert (ROOT / idiomatic.script_path("jax")).is_file()


@pytest.mark.parametrize("library",
                         ["jax", *(pytest.param(name, marks=pytest.mark.slow) for name in OWN_PROCESS)])
def test_engine_script_trains_and_runs_side_by_side_in_its_own_process(
        library: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The script learns (its epoch losses fall), one time per epoch, and bench perf's lines for it exist.

    About 15-30 s each (a fresh interpreter imports JAX or Keras + its backend): the two Keras engines
    run with ``make test-slow``; :func:`test_keras_engines_reuse_the_keras_script` checks their wiring.
    """
    paths = [str(ROOT), str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, paths)))
    result, problem = run_json_child("idiomatic_engine_child", [library], 1, "cpu", 300)
    assert result is not None, problem
    if "unavailable" in result:
        pytest.skip(result["unavailable"])
    from idiomatic_engine_child import EPOCHS

    times, losses = result["times"], result["losses"]
    assert len(times) == EPOCHS and all(t > 0 for t in times)
    assert len(losses) == EPOCHS and np.isfinite(losses).all() and min(losses[-5:]) < losses[0]
    if library in OWN_PROCESS:
        assert result["engine"] == idiomatic.KERAS_ENGINES[library]
        assert "needs Keras on tensorflow" in result["refused"]
    measured = result["side_by_side"]
    assert measured["missing"] == {} and measured["notes"] == []
    assert all([len(run) for run in measured["times"][name]] == [2, 2] for name in side_by_side.CONTENDERS)
    lines, ratios = report.side_by_side_lines(measured)
    assert lines[0].startswith(f"{library} (64 rows); script: ")
    assert lines[0].endswith(f"({idiomatic.script_path(library)})")
    assert any(line.startswith(f"  {library} idiomatic script ") and "first epoch" in line for line in lines)
    assert any(line.startswith("  open recipe: {") for line in lines)
    assert [r.label for r in ratios] == [f"{library} open adapter / idiomatic script",
                                         f"{library} open / closed epoch time",
                                         f"{library} closed adapter / idiomatic script"]
    assert all(r.missing == "" and r.value > 0 for r in ratios)


def test_bench_perf_measures_the_new_engines_by_default() -> None:
    from bench.perf.measure import PerfOptions

    assert {"jax", "keras-jax", "keras-torch"} <= set(PerfOptions().idiomatic)
    assert all(library in idiomatic.DESCRIPTIONS for library in idiomatic.LIBRARIES)
