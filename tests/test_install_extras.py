"""Extras per engine: the install command a missing library names, pyproject's extras matching the
backends' ``extra``, and availability probes in child processes that turn a crash into a reason."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from fault_probes import NoisyMissingExtra, probe_environment

from bench.core import registry
from bench.core.backend import install_command
from bench.run import availability

ROOT = Path(__file__).resolve().parent.parent
CORE_BACKENDS = ("numpy", "numpy-perceptron", "sklearn")


def _extras() -> dict[str, list[str]]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]


def test_install_command_names_the_extras() -> None:
    assert install_command("torch") == "pip install 'nnbench[torch]'"
    assert install_command("keras, jax") == "pip install 'nnbench[keras,jax]'"
    assert install_command("") == ""


def test_unavailable_appends_the_command_once_built_in_the_base_class() -> None:
    ok, reason = NoisyMissingExtra.unavailable("cannot import torch: No module named 'torch'")
    assert ok is False
    assert reason == ("cannot import torch: No module named 'torch'; "
                      "install it with: pip install 'nnbench[torch]'")


def test_every_backend_outside_the_core_names_an_extra_of_pyproject() -> None:
    extras = _extras()
    bundled = extras["all"][0]
    for name in registry.BUILTIN_BACKENDS:
        cls = registry.backend_class(name)
        if name in CORE_BACKENDS:
            assert cls.extra == "", name
            continue
        assert cls.extra, f"{name} declares no extra"
        for extra in cls.extra.split(","):
            assert extra in extras, f"{name}: extra {extra!r} is not in pyproject.toml"
            assert extra in bundled, f"{name}: extra {extra!r} is not in nnbench[all]"


def test_the_core_holds_no_engine() -> None:
    core = " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    for engine in ("torch", "tensorflow", "keras", "jax", "pybrain", "dask"):
        assert engine not in core, engine


def test_a_probe_killed_by_a_signal_becomes_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in probe_environment().items():
        monkeypatch.setenv(key, value)
    segfault, abort, noisy, numpy = availability.probe_all(
        ["probe-segfault", "probe-abort", "probe-noisy-missing", "numpy"], timeout=60)
    assert (segfault.ok, segfault.reason) == (False, "the probe crashed (signal 11, SIGSEGV)")
    assert (abort.ok, abort.reason) == (False, "the probe crashed (signal 6, SIGABRT)")
    assert noisy.ok is False and noisy.reason.endswith("install it with: pip install 'nnbench[torch]'")
    assert numpy.ok and numpy.devices == ("cpu",) and "numpy" in numpy.packages


def test_a_probe_that_raises_or_hangs_becomes_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in probe_environment().items():
        monkeypatch.setenv(key, value)
    raises = availability.probe("probe-raises", timeout=60)
    assert raises.ok is False
    assert raises.reason.startswith("the probe exited with status 1 and no answer")
    assert "RuntimeError: the library's initialisation failed" in raises.reason
    hang = availability.probe("probe-hang", timeout=3)
    assert (hang.ok, hang.reason) == (False, "the probe did not answer within 3 s")


def test_crash_reason_of_an_unknown_signal() -> None:
    assert availability.crash_reason(-200) == "the probe crashed (signal 200)"


def _listing(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}


def test_bench_backends_survives_a_crashing_probe() -> None:
    env = probe_environment(("probe-segfault", "probe-noisy-missing"))
    done = subprocess.run([sys.executable, "-m", "bench", "backends", "probe-segfault", "numpy",
                           "probe-noisy-missing"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    lines = _listing(done)
    assert list(lines) == ["probe-segfault", "numpy", "probe-noisy-missing"]
    assert "unavailable: the probe crashed (signal 11, SIGSEGV)" in lines["probe-segfault"]
    assert "; install it with: pip install 'nnbench[torch]'" in lines["probe-noisy-missing"]
    assert "available" in lines["numpy"] and "unavailable" not in lines["numpy"]


@pytest.mark.slow
def test_bench_backends_lists_every_backend_beside_a_crashing_probe() -> None:
    done = subprocess.run([sys.executable, "-m", "bench", "backends"], cwd=ROOT,
                          env=probe_environment(("probe-segfault",)), capture_output=True, text=True,
                          timeout=600)
    lines = _listing(done)
    assert list(lines) == [*registry.BUILTIN_BACKENDS, "probe-segfault"]
    assert "the probe crashed (signal 11, SIGSEGV)" in lines["probe-segfault"]


def test_bench_backends_refuses_an_unknown_name() -> None:
    done = subprocess.run([sys.executable, "-m", "bench", "backends", "pytorch"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().startswith("error: unknown backend 'pytorch'"), done.stderr


def test_the_skip_reason_of_a_missing_library_names_the_install_command(tmp_path: Path) -> None:
    output = tmp_path / "results.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--backend", "probe-noisy-missing", "--task", "xor",
         "--seeds", "1", "--output", str(output)],
        cwd=ROOT, env=probe_environment(("probe-noisy-missing",)), capture_output=True, text=True,
        timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    records = [json.loads(line) for line in output.read_text().splitlines()]
    assert [r["status"] for r in records] == ["skipped"]
    assert records[0]["reason"].endswith("install it with: pip install 'nnbench[torch]'")


def test_ctrl_c_ends_bench_backends_and_its_probes() -> None:
    """A probe that would hang: Ctrl-C (SIGINT to the terminal's process group) ends the list at once."""
    env = probe_environment(("probe-hang",))
    process = subprocess.Popen([sys.executable, "-m", "bench", "backends", "numpy", "probe-hang"],
                               cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    first = process.stdout.readline()  # the numpy line: the probes are running
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert first.startswith("numpy")
    assert process.returncode == 130 and err.strip().splitlines()[-1] == "interrupted", err
    assert "Traceback" not in out + err
