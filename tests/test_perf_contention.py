"""``bench perf``'s contention measurement, without timed assertions: the hogs come and always go,
the ratios and verdicts follow from given fit times, bad options are refused, and one tiny real
measurement runs end to end (slow)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest

from bench.perf import contention
from bench.perf.contention import CANDIDATES, ContentionOptions, Series, hogs, table_lines


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        return handle.read().split(") ")[1][0] != "Z"


def test_hogs_run_during_the_block_and_are_killed_after_it_even_on_an_error() -> None:
    with pytest.raises(RuntimeError), hogs(2, seconds=60) as processes:
        pids = [p.pid for p in processes]
        assert len(pids) == 2 and all(p.poll() is None for p in processes)
        raise RuntimeError("the cell failed")
    assert not any(_alive(pid) for pid in pids)


def test_a_hog_ends_by_itself_when_its_time_is_up() -> None:
    process = subprocess.run([sys.executable, "-c", contention.HOG_SOURCE, "0.05"], timeout=30)
    assert process.returncode == 0


def test_ratio_verdict_and_lower_bound_from_given_fit_times() -> None:
    passing = Series("numpy", "policy", quiet=[1.0, 1.2, 0.9], hogged=[1.5, 2.0, 1.9], timeout=60)
    assert passing.ratio() == pytest.approx(1.9) and passing.verdict() == "PASS" and passing.note() == ""
    missing = Series("torch", "spin", quiet=[0.5, 0.5, 0.5], hogged=[None, None, 20.0], timeout=60)
    assert missing.ratio() == pytest.approx(120.0) and missing.verdict() == "MISS"
    assert "lower bound" in missing.note()
    broken = Series("torch", "spin", quiet=[None, 0.5], hogged=[1.0, 1.0], timeout=60)
    assert broken.verdict() == "n/a" and "no ratio" in broken.note()
    lines = table_lines([passing, missing], ContentionOptions(repeats=3))
    assert any("numpy" in line and "PASS" in line and "1.90" in line for line in lines)
    assert contention.best_quiet([passing, missing]) == {"numpy": 1.0, "torch": 0.5}
    assert any("torch" in line and "MISS" in line and "lower bound" in line for line in lines)
    ratios = contention.ratios([passing, missing])
    assert ratios[0].target == contention.TARGET and ratios[1].target is None  # only the policy has a target
    assert ratios[1].note.startswith("÷best 120.00") and "lower bound" in ratios[1].note
    assert any("slow without the hogs too" in line for line in lines if "torch" in line)


def test_candidates_build_policies_from_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    assert CANDIDATES["policy"].policy(2).environment()["OMP_WAIT_POLICY"] == "PASSIVE"
    spin = CANDIDATES["spin"].policy(2)
    assert spin.wait == "library" and "OMP_WAIT_POLICY" not in spin.environment()
    assert CANDIDATES["threads1"].policy(2).threads == 1
    assert CANDIDATES["omp-passive"].policy(2).environment()["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setattr(contention, "idle_cores", lambda: 0.2)
    idle = CANDIDATES["policy-idle"].policy(2)
    assert idle.threads == 1 and idle.source == "idle cores"


def _perf_args(*extra: str) -> argparse.Namespace:
    from bench.commands import perf

    parser = argparse.ArgumentParser()
    perf.add_arguments(parser)
    return parser.parse_args(["--only", "contention", *extra])


@pytest.mark.parametrize("option", [("--contention-settings", "spin,bogus"),
                                    ("--contention-backends", "nope")])
def test_an_unknown_setting_or_backend_is_refused_before_anything_runs(option: tuple[str, str]) -> None:
    from bench.commands import perf
    from bench.core.registry import UnknownNameError

    with pytest.raises(UnknownNameError):
        perf.handle(_perf_args(*option))


@pytest.mark.slow
def test_a_tiny_contention_measurement_runs_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.commands import perf

    args = _perf_args("--contention-backends", "numpy", "--contention-settings", "policy",
                      "--contention-repeats", "1", "--contention-hogs", "1", "--threads", "1")
    assert perf.handle(args) == 0
    out = capsys.readouterr().out
    assert "numpy    policy       quiet" in out and "numpy    policy       hogged" in out
    assert "numpy × digits fit, hogged / quiet (policy) = " in out and "(target ≤ 2.00)" in out
