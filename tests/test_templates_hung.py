"""A warm template that stops answering (SIGSTOP, hung): the cell it ran keeps its real record, the
next cell starts cold at once (no 120 s stall), and each record's ``start`` says what happened."""

from __future__ import annotations

import os
import signal

import fault_backends
import pytest

from bench.core.record import CellConfig
from bench.run import templates
from bench.run.templates import TemplatePool


def _cell(backend: str = "numpy", seed: int = 0, timeout: float = 60) -> CellConfig:
    return CellConfig(backend=backend, task="xor", seed=seed, threads=1, timeout=timeout,
                      overrides={"epochs": 20})


@pytest.fixture(autouse=True)
def short_answer_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(templates, "ANSWER_TIMEOUT_SECONDS", 2.0)


@pytest.mark.parametrize("how", ["stopped", "hung"])
def test_a_template_that_stops_answering_sends_the_next_cells_cold(
        how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``stopped``: SIGSTOP (seen from its process state); ``hung``: running but never answering."""
    with TemplatePool() as pool:
        assert pool(_cell())["start"]["mode"] == "warm"
        (template,) = pool.templates.values()
        if how == "stopped":
            os.kill(template.process.pid, signal.SIGSTOP)
        else:
            monkeypatch.setattr(template, "_send", lambda message: None)  # the request is never read
        after = [pool(_cell(seed=seed)) for seed in (1, 2)]
    assert [r["status"] for r in after] == ["ok", "ok"]
    assert all(r["start"]["mode"] == "cold" for r in after)
    # the short answer bound (or the process state) decided, never the 120 s start-up bound
    # (a SIGSTOP lands asynchronously: the state may not show it yet when the first cell asks)
    silent = "did not answer within 2 s"
    expected = ("is stopped", silent) if how == "stopped" else (silent,)
    assert all(any(e in r["start"]["reason"] for e in expected) for r in after), [r["start"] for r in after]


def test_a_cell_that_finishes_while_its_template_is_stopped_keeps_its_record(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Not "failed: timed out": the cell's own process is watched, and its result file read."""
    fault_backends.register(monkeypatch)
    monkeypatch.setenv(fault_backends.SLOW_SECONDS_VARIABLE, "1.5")
    with TemplatePool() as pool:
        template = pool._start(_cell("fault-slow"))
        expect = template._expect

        def stop_once_forked(kind: str, timeout: float) -> dict:
            message = expect(kind, timeout)
            if kind == "started":  # the cell runs (1.5 s); its template stops before reporting its end
                os.kill(template.process.pid, signal.SIGSTOP)
            return message

        monkeypatch.setattr(template, "_expect", stop_once_forked)
        record = pool(_cell("fault-slow", timeout=60))
        assert not pool.templates  # dropped: it runs no more cells
        following = pool(_cell("fault-slow", seed=1))
    assert record["status"] == "ok", record["reason"]
    assert record["start"]["mode"] == "warm" and "stopped answering" in record["start"]["reason"]
    assert following["status"] == "ok" and following["start"]["mode"] == "cold"
