"""``run --quiet-machine warn|wait|refuse``, driven by a fake load source and a fake clock (no real load)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cli import main
from bench.core.conditions import CONTENDED, QUIET, Conditions, QuietMachine
from bench.core.record import CellConfig
from bench.run import quiet
from bench.run.contention import Sources
from bench.run.quiet import MachineBusyError, QuietPolicy, quiet_runner, refuse_if_busy, wait_until_quiet

BUSY = Conditions(CONTENDED, ["other processes used 1.80 of 2 cores (limit 0.25 beyond the free cores)"],
                  others_cores=1.8, cpus=2, threads=2)
CALM = Conditions(QUIET, others_cores=0.01, cpus=2, threads=2)


class FakeLoad:
    """Busy for the first ``busy`` samples, then quiet; each sample advances a fake clock by its length."""

    def __init__(self, busy: int) -> None:
        self.busy, self.now, self.samples = busy, 0.0, 0

    def sample(self, policy: QuietPolicy, seconds: float) -> Conditions:
        self.samples += 1
        self.now += seconds
        return BUSY if self.samples <= self.busy else CALM

    def policy(self, mode: str, limit: float = 60.0) -> QuietPolicy:
        return QuietPolicy(mode, threads=2, limit=limit, sources=Sources(clock=lambda: self.now))


@pytest.fixture
def fake_load(monkeypatch: pytest.MonkeyPatch) -> FakeLoad:
    load = FakeLoad(busy=2)
    monkeypatch.setattr(QuietPolicy, "sample", lambda policy, seconds: load.sample(policy, seconds))
    return load


def test_wait_waits_until_quiet_then_proceeds(fake_load: FakeLoad) -> None:
    waited = wait_until_quiet(fake_load.policy("wait"))
    assert waited == QuietMachine("wait", 3 * quiet.SAMPLE_SECONDS, gave_up=False)
    assert fake_load.samples == 3


def test_wait_gives_up_at_its_limit(fake_load: FakeLoad) -> None:
    fake_load.busy = 1000
    waited = wait_until_quiet(fake_load.policy("wait", limit=2.0))
    assert waited.gave_up and waited.waited_seconds == pytest.approx(2.0)


def test_quiet_runner_stamps_what_it_did(fake_load: FakeLoad) -> None:
    def cell(config: CellConfig) -> dict:
        return {"status": "ok", "conditions": CALM.to_dict()}

    record = quiet_runner(cell, fake_load.policy("wait"))(CellConfig("numpy", "xor"))
    assert record["conditions"]["quiet_machine"] == {"mode": "wait", "waited_seconds": 1.5, "gave_up": False}
    failed = quiet_runner(lambda config: {"status": "failed", "conditions": None}, fake_load.policy("warn"))
    assert failed(CellConfig("numpy", "xor"))["conditions"] is None  # nothing measured, nothing claimed


def test_refuse_raises_only_on_a_busy_machine(fake_load: FakeLoad) -> None:
    fake_load.busy = 1
    with pytest.raises(MachineBusyError, match="not quiet: other processes used 1.80 of 2 cores"):
        refuse_if_busy(fake_load.policy("refuse"))
    refuse_if_busy(fake_load.policy("refuse"))  # second sample: quiet
    refuse_if_busy(fake_load.policy("warn"))  # warn never samples up front
    assert fake_load.samples == 2


def run(tmp_path: Path, *flags: str) -> int:
    return main(["run", "--backend", "numpy", "--task", "xor", "--seeds", "1",
                 "--output", str(tmp_path / "out" / "r.jsonl"), *flags])


def test_refuse_writes_nothing_and_exits_2(tmp_path: Path, fake_load: FakeLoad,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "--quiet-machine", "refuse") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: the machine is not quiet")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flags", [("--quiet-machine", "wait", "--executor", "dask"),
                                   ("--quiet-wait-limit", "-1")])
def test_bad_quiet_flags_are_one_error_line(tmp_path: Path, flags: tuple[str, ...],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, *flags) == 2
    assert capsys.readouterr().err.startswith("error: ") and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", ["wait", "warn"])
def test_run_records_the_mode_and_the_wait(tmp_path: Path, fake_load: FakeLoad, mode: str) -> None:
    assert run(tmp_path, "--quiet-machine", mode, "--start", "cold") == 0
    (line,) = (tmp_path / "out" / "r.jsonl").read_text().splitlines()
    conditions = json.loads(line)["conditions"]
    assert conditions["quiet_machine"]["mode"] == mode and conditions["quiet_machine"]["gave_up"] is False
    assert conditions["verdict"] in (QUIET, CONTENDED)  # measured by the worker, whatever the machine
    assert fake_load.samples == (3 if mode == "wait" else 0)


def test_the_suite_key_refuses_and_the_flag_overrides_it(tmp_path: Path, fake_load: FakeLoad) -> None:
    suite = tmp_path / "suite.toml"
    suite.write_text('backends = ["numpy"]\ntasks = ["xor"]\nseeds = [0]\nquiet_machine = "refuse"\n')
    output = tmp_path / "out" / "r.jsonl"
    assert main(["run", "--suite", str(suite), "--output", str(output)]) == 2 and not output.parent.exists()
    fake_load.busy, fake_load.samples = 1000, 0
    assert main(["run", "--suite", str(suite), "--output", str(output), "--quiet-machine", "warn"]) == 0
    (line,) = output.read_text().splitlines()
    assert json.loads(line)["suite_config"]["quiet_machine"] == "warn" and fake_load.samples == 0


@pytest.mark.parametrize("value", ['"sometimes"', "true"])
def test_a_bad_suite_key_is_one_error_line(tmp_path: Path, value: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    suite = tmp_path / "suite.toml"
    suite.write_text(f'backends = ["numpy"]\ntasks = ["xor"]\nquiet_machine = {value}\n')
    assert main(["run", "--suite", str(suite), "--output", str(tmp_path / "r.jsonl")]) == 2
    assert "quiet_machine" in capsys.readouterr().err and not (tmp_path / "r.jsonl").exists()


def test_resume_refuses_before_touching_the_file(tmp_path: Path, fake_load: FakeLoad) -> None:
    output = tmp_path / "r.jsonl"
    assert main(["run", "--backend", "numpy", "--task", "xor", "--seeds", "2", "--output", str(output)]) == 0
    lines = output.read_text().splitlines()
    output.write_text(lines[0] + "\n")  # as if interrupted after the first cell
    fake_load.busy, fake_load.samples = 1, 0
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["run", "--resume", str(output), "--quiet-machine", "refuse"]) == 2
    assert output.read_text() == lines[0] + "\n" and sorted(p.name for p in tmp_path.iterdir()) == before
