"""``run --quiet-machine warn|wait|refuse``: what a run does when other processes compete for the CPUs.

* **warn** (default): run every cell; each record's ``conditions`` says
  whether it was contended (the worker measures it) and the reports mark it.
* **wait**: before each cell, sample the machine for
  :data:`SAMPLE_SECONDS` and, while other processes take more than the
  contention limit, sample again, for at most ``limit`` seconds
  (300 s unless ``--quiet-wait-limit``); then run the
  cell anyway, recording how long it waited and that it gave up.
* **refuse**: sample the machine for :data:`REFUSE_SAMPLE_SECONDS` before
  the run; when it is contended, stop with one ``error:`` line and exit 2
  before anything is written.

Every record carries ``conditions.quiet_machine`` (mode, seconds waited, gave up).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bench.core.conditions import QUIET_MODES, WAIT_LIMIT_SECONDS, Conditions, QuietMachine
from bench.core.record import CellConfig
from bench.run.contention import Sources, sample_machine
from bench.run.executors import Runner
from bench.run.suite import SuiteError

#: How long each look at the machine lasts, before a cell (wait) and before the run (refuse).
SAMPLE_SECONDS = 0.5
REFUSE_SAMPLE_SECONDS = 1.0


class MachineBusyError(SuiteError):
    """``--quiet-machine refuse`` on a contended machine (a usage error: one line, exit 2)."""


@dataclass
class QuietPolicy:
    """The mode, the cell's thread budget (cores it leaves free are not contention) and the wait limit."""

    mode: str = "warn"
    threads: int = 1
    limit: float = WAIT_LIMIT_SECONDS
    sources: Sources = field(default_factory=Sources)

    def __post_init__(self) -> None:
        if self.mode not in QUIET_MODES:
            raise SuiteError(f"quiet_machine must be one of {', '.join(QUIET_MODES)}, got {self.mode!r}")
        if isinstance(self.limit, bool) or not isinstance(self.limit, (int, float)) or not self.limit >= 0:
            raise SuiteError(f"quiet_wait_limit must be >= 0 seconds, got {self.limit!r}")

    def sample(self, seconds: float) -> Conditions:
        return sample_machine(seconds, self.threads, self.sources)


def refuse_if_busy(policy: QuietPolicy) -> None:
    """In ``refuse`` mode, :class:`MachineBusyError` when the machine is contended now."""
    if policy.mode != "refuse":
        return
    conditions = policy.sample(REFUSE_SAMPLE_SECONDS)
    if conditions.contended:
        raise MachineBusyError(f"the machine is not quiet: {'; '.join(conditions.reasons)}; nothing was run "
                               "(see `python -m bench doctor`; --quiet-machine wait or warn to run anyway)")


def wait_until_quiet(policy: QuietPolicy) -> QuietMachine:
    """Sample until the machine is quiet or ``policy.limit`` seconds have passed."""
    clock = policy.sources.clock
    start = clock()
    while True:
        if not policy.sample(SAMPLE_SECONDS).contended:
            return QuietMachine("wait", clock() - start)
        waited = clock() - start
        if waited >= policy.limit:
            return QuietMachine("wait", waited, gave_up=True)


def quiet_runner(runner: Runner, policy: QuietPolicy) -> Runner:
    """``runner`` that, in ``wait`` mode, first waits for a quiet machine; every record says what was done."""
    def run(config: CellConfig) -> dict[str, Any]:
        waited = wait_until_quiet(policy) if policy.mode == "wait" else QuietMachine(policy.mode)
        record = runner(config)
        if not isinstance(record.get("conditions"), dict):
            record["conditions"] = None if policy.mode == "warn" else {}
        if record["conditions"] is not None:
            record["conditions"]["quiet_machine"] = asdict(waited)
        return record

    return run
