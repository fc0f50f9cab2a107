"""``bench doctor`` prints its sections and a verdict; ``bench perf`` warns or refuses on a busy machine."""

from __future__ import annotations

import pytest

from bench.cli import main
from bench.commands import doctor, perf
from bench.core.conditions import CONTENDED, QUIET, Conditions
from bench.run.machine import BusyProcess, machine_facts

SECTIONS = ("Cores", "Load", "Contention now", "Busiest other processes", "CPU frequency", "Threads", "GPU")
BUSY = Conditions(CONTENDED, ["other processes used 1.90 of 2 cores (limit 0.25 beyond the free cores)"],
                  window_seconds=1.0, cpus=2, threads=2, others_cores=1.9, steal_share=0.0)


def test_doctor_runs_and_prints_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--seconds", "0.2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for section in SECTIONS:
        assert section in lines, section
    assert lines[-1].startswith("verdict: ")
    assert any(line.startswith("  openblas") or "blas" in line for line in lines)  # NumPy's BLAS, loaded


def test_doctor_strict_fails_on_a_busy_machine(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    hog = BusyProcess(42, "hog", 0.95, "hog -x")
    monkeypatch.setattr(doctor, "sample", lambda seconds, threads: (BUSY, [hog]))
    assert main(["doctor"]) == 0
    assert main(["doctor", "--strict"]) == doctor.NOT_FIT_STATUS
    out = capsys.readouterr().out
    assert "   0.95 cores  pid 42  hog -x" in out
    assert "verdict: NOT fit to benchmark now: other processes used 1.90 of 2 cores" in out


def test_report_lines_from_made_up_facts() -> None:
    facts = machine_facts().to_dict()
    facts.update(load_average=[3.5, 2.0, 1.0], frequency={"governor": "powersave", "turbo": False},
                 thread_variables={"OMP_NUM_THREADS": "2"},
                 gpu={"nvidia_smi": None, "devices": ["/dev/nvidia0"]})
    text = "\n".join(doctor.report_lines(BUSY, [], facts))
    assert "load average 1/5/15 min: 3.50 / 2.00 / 1.00" in text and "governor powersave, turbo False" in text
    assert "OMP_NUM_THREADS=2" in text and "devices: /dev/nvidia0" in text and "none used any CPU" in text
    assert "other processes used 1.90 of 2 cores" in text
    assert doctor.verdict_line(Conditions(QUIET))[0] and not doctor.verdict_line(Conditions("unknown"))[0]


def test_doctor_bad_input_is_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--seconds", "0"]) == 2
    assert capsys.readouterr().err.startswith("error: --seconds")


def test_perf_warns_or_refuses_on_a_busy_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    import bench.run.contention as contention

    monkeypatch.setattr(contention, "sample_machine", lambda seconds, threads: BUSY)
    warning = perf.busy_warning(2, refuse=False)
    assert warning.startswith("WARNING: THE MACHINE IS NOT QUIET: other processes used 1.90 of 2 cores")
    with pytest.raises(Exception, match="nothing was measured"):
        perf.busy_warning(2, refuse=True)
    monkeypatch.setattr(contention, "sample_machine", lambda seconds, threads: Conditions(QUIET))
    assert perf.busy_warning(2, refuse=True) == ""
