"""``python -m bench.testing``: the training matrix's differences and the largest per row of the
bounds table on docs/adding-a-backend.md; an unknown backend is one error line and status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.testing.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_it_prints_each_setting_and_the_largest_per_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["numpy"]) == 0
    out = capsys.readouterr().out
    assert "numpy       full batch " in out and "0.00e+00 ≤ 1.0e-09" in out
    assert "largest with nothing, float64" in out and "largest with nothing, float32" in out


def test_an_unknown_backend_is_one_error_line_and_status_2() -> None:
    done = subprocess.run([sys.executable, "-m", "bench.testing", "numpy", "no-such"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: unknown backend 'no-such'") and done.stderr.count("\n") == 1


def test_a_backend_whose_training_check_is_declared_skipped_is_named_not_compared(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["numpy-perceptron"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("numpy-perceptron: not compared (kit_skips): ") and "largest with" not in out
