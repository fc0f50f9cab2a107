"""``bench compare``: verdicts beyond seed noise, environment warnings, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from synthetic_results import ENV, record, write

from bench.report.compare import compare_records, metric_change, time_change

ROOT = Path(__file__).resolve().parents[1]
NOISY_ACCURACY = [0.80, 0.84, 0.78, 0.83, 0.81]
NOISY_TIMES = [1.00, 1.08, 0.95, 1.03, 0.98]


def runs(accuracies: list[float], times: list[float], backend: str = "numpy", **extra: object) -> list[dict]:
    return [record(backend, seed=s, accuracy=a, fit=t, **extra)
            for s, (a, t) in enumerate(zip(accuracies, times))]


def verdict(old: list[dict], new: list[dict]) -> str:
    (cell,) = compare_records(old, new).cells
    return cell.verdict


def test_noise_is_unchanged() -> None:
    shuffled_accuracy = [0.82, 0.79, 0.83, 0.80, 0.82]
    shuffled_times = [1.02, 0.97, 1.06, 0.99, 1.01]
    assert verdict(runs(NOISY_ACCURACY, NOISY_TIMES), runs(shuffled_accuracy, shuffled_times)) == "unchanged"


def test_clear_metric_improvement_is_better() -> None:
    better = [a + 0.1 for a in NOISY_ACCURACY]
    (cell,) = compare_records(runs(NOISY_ACCURACY, NOISY_TIMES), runs(better, NOISY_TIMES)).cells
    assert cell.verdict == "better" and cell.delta == pytest.approx(0.1)
    assert cell.time_ratio == pytest.approx(1.0)


def test_slower_fit_is_worse_and_faster_is_better() -> None:
    slower = [t * 2 for t in NOISY_TIMES]
    assert verdict(runs(NOISY_ACCURACY, NOISY_TIMES), runs(NOISY_ACCURACY, slower)) == "worse"
    assert verdict(runs(NOISY_ACCURACY, slower), runs(NOISY_ACCURACY, NOISY_TIMES)) == "better"


def test_lower_is_better_metrics_flip_the_sign() -> None:
    old = [{**r, "target": {"metric": "mse", "value": 0.1, "direction": "min"}}
           for r in runs(NOISY_ACCURACY, NOISY_TIMES)]
    new = [{**r, "metrics": {**r["metrics"], "mse": r["metrics"]["mse"] + 0.2}} for r in old]
    assert verdict(old, new) == "worse"


def test_time_rules_on_known_numbers() -> None:
    ratio, change, _ = time_change([1.0, 1.0, 1.0], [1.05, 1.05, 1.05])
    assert ratio == pytest.approx(1.05) and change == 0  # inside the 10 % tolerance
    _, change, note = time_change([1, 2, 3, 4], [1.5, 3, 4.5, 6])  # relative IQR 0.6 > ratio - 1 = 0.5
    assert change == 0 and "within" in note
    assert time_change([1.0], [3.0])[1] == 1  # one seed: the band alone decides


def test_metric_rules_on_known_numbers() -> None:
    assert metric_change([1.0, 1.0], [0.75, 0.75]) == (-1, "deterministic")
    assert metric_change([0.9], [0.5])[0] == 0  # one seed: noise unknown
    assert metric_change([0.8, 0.9], [0.85, 0.86])[0] == 0


def test_new_failures_are_worse() -> None:
    new = runs(NOISY_ACCURACY[:4], NOISY_TIMES[:4]) + [record(seed=4, status="failed", reason="boom")]
    assert verdict(runs(NOISY_ACCURACY, NOISY_TIMES), new) == "worse"


def test_cells_are_keyed_on_spec_and_unmatched_cells_are_listed() -> None:
    old = runs(NOISY_ACCURACY, NOISY_TIMES)
    other_spec = runs(NOISY_ACCURACY, NOISY_TIMES, spec={**old[0]["spec"], "learning_rate": 0.1})
    comparison = compare_records(old, other_spec)
    assert comparison.cells == [] and len(comparison.only_old) == len(comparison.only_new) == 1


def test_environment_differences_are_warned_one_line_each() -> None:
    other = {**ENV, "cpu": "Other CPU", "packages": {"numpy": "2.1.0"}}
    warnings = compare_records(runs(NOISY_ACCURACY, NOISY_TIMES),
                               runs(NOISY_ACCURACY, NOISY_TIMES, env=other)).warnings
    assert len(warnings) == 2
    assert any("cpu Test CPU (old) vs Other CPU (new)" in w for w in warnings)
    assert any("package numpy 2.0.0 (old) vs 2.1.0 (new)" in w for w in warnings)


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_command_exits_1_on_regression_only_when_asked(tmp_path: Path) -> None:
    old = write(tmp_path / "old.jsonl", runs(NOISY_ACCURACY, NOISY_TIMES))
    new = write(tmp_path / "new.jsonl", runs([a - 0.2 for a in NOISY_ACCURACY], NOISY_TIMES,
                                             env={**ENV, "python": "3.11.9"}))
    plain = bench("compare", str(old), str(new), cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert "worse" in plain.stdout and "0 better, 1 worse, 0 unchanged" in plain.stdout
    assert "warning: environments differ: python 3.11.7 (old) vs 3.11.9 (new)" in plain.stderr
    strict = bench("compare", str(old), str(new), "--fail-on-regression", cwd=tmp_path)
    assert strict.returncode == 1 and "regression: 1 cell(s) worse" in strict.stderr
    same = bench("compare", str(old), str(old), "--fail-on-regression", cwd=tmp_path)
    assert same.returncode == 0 and "0 better, 0 worse, 1 unchanged" in same.stdout


@pytest.mark.parametrize("content", [None, "not json at all\n{}\n"])
def test_bad_input_is_one_error_line_exit_2(tmp_path: Path, content: str | None) -> None:
    good = write(tmp_path / "good.jsonl", runs(NOISY_ACCURACY, NOISY_TIMES))
    bad = tmp_path / "bad.jsonl"
    if content is not None:
        bad.write_text(content)
    done = bench("compare", str(good), str(bad), cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
