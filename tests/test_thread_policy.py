"""The thread policy: its environment variables, how it travels to the worker, and what a cell records."""

from __future__ import annotations

import sys
import types

import pytest

from bench.core.record import CellConfig
from bench.core.threads import PASSIVE_WAIT_VARIABLES, POLICY_VARIABLE, THREAD_VARIABLES, ThreadPolicy
from bench.run import threads
from bench.run.isolation import run_isolated, worker_environment
from bench.run.templates import TemplatePool


def test_the_policy_sets_every_pool_to_its_threads_and_makes_openmp_wait_passively() -> None:
    env = ThreadPolicy(threads=3).environment()
    assert all(env[variable] == "3" for variable in THREAD_VARIABLES)
    assert env["TF_NUM_INTEROP_THREADS"] == "3"
    assert ThreadPolicy(threads=3, interop_threads=1).environment()["TF_NUM_INTEROP_THREADS"] == "1"
    assert env["OMP_WAIT_POLICY"] == "PASSIVE"
    assert env["GOMP_SPINCOUNT"] == "0" and env["KMP_BLOCKTIME"] == "0"


def test_library_waits_set_no_wait_variable_and_extra_variables_win() -> None:
    env = ThreadPolicy(threads=2, wait="library", interop_threads=None,
                       extra={"OPENBLAS_NUM_THREADS": "1"}).environment()
    assert not set(PASSIVE_WAIT_VARIABLES) & set(env)
    assert env["TF_NUM_INTEROP_THREADS"] == "2"  # no inter-op size: the budget, as for intra-op
    assert env["OPENBLAS_NUM_THREADS"] == "1" and env["OMP_NUM_THREADS"] == "2"


@pytest.mark.parametrize("bad", [{"threads": 0}, {"threads": 1, "wait": "spin"},
                                 {"threads": 1, "source": "?"}])
def test_an_impossible_policy_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ThreadPolicy(**bad)  # type: ignore[arg-type]


def test_the_policy_travels_in_the_environment_and_back() -> None:
    policy = ThreadPolicy(threads=2, source="idle cores", reason="why", extra={"X": "1"})
    env = threads.backend_environment(2, "cpu", policy)
    assert ThreadPolicy.from_environment(env) == policy
    assert env["OMP_WAIT_POLICY"] == "PASSIVE" and env["X"] == "1" and env["CUDA_VISIBLE_DEVICES"] == ""
    recorded = policy.to_dict()
    assert recorded["variables"] == policy.environment() and recorded["source"] == "idle cores"
    assert ThreadPolicy.from_environment({}) is None
    assert ThreadPolicy.from_environment({POLICY_VARIABLE: "{not json"}) is None


def test_a_budget_alone_gets_the_default_policy() -> None:
    env = threads.backend_environment(4, "gpu")
    policy = ThreadPolicy.from_environment(env)
    assert policy == threads.default_policy(4) and policy.source == "budget" and policy.wait == "passive"
    assert "CUDA_VISIBLE_DEVICES" not in env or env["CUDA_VISIBLE_DEVICES"] != ""
    config = CellConfig(backend="numpy", task="xor", threads=1)
    assert ThreadPolicy.from_environment(worker_environment(config)).threads == 1
    explicit = ThreadPolicy(threads=1, wait="library")
    assert ThreadPolicy.from_environment(worker_environment(config, explicit)) == explicit


def test_pinned_by_environment_reads_the_policys_thread_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ThreadPolicy(threads=2).environment().items():
        monkeypatch.setenv(name, value)
    assert threads.pinned_by_environment(2) and not threads.pinned_by_environment(1)


def test_idle_cores_come_from_a_proc_stat_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    samples = iter([(100, 1000), (250, 1200)])  # 150 of 200 jiffies busy: 1.5 of 2 CPUs
    monkeypatch.setattr(threads, "_cpu_times", lambda: next(samples))
    monkeypatch.setattr(threads.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(threads, "default_threads", lambda: 2)
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 2)
    assert threads.idle_cores() == pytest.approx(0.5)


def test_idle_cores_fall_back_to_the_load_average(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "_cpu_times", lambda: None)
    monkeypatch.setattr(threads, "default_threads", lambda: 2)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (1.25, 0.0, 0.0))
    assert threads.idle_cores() == pytest.approx(0.75)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (7.0, 0.0, 0.0))
    assert threads.idle_cores() == 0.0


class _FakeTorch(types.SimpleNamespace):
    """torch's thread calls: the inter-op pool can be sized once, before it starts."""

    def __init__(self, started: bool) -> None:
        super().__init__(calls=[], interop=4, started=started)

    def set_num_threads(self, n: int) -> None:
        self.calls.append(("threads", n))

    def get_num_interop_threads(self) -> int:
        return self.interop

    def set_num_interop_threads(self, n: int) -> None:
        if self.started:
            raise RuntimeError("cannot set number of interop threads after parallel work has started")
        self.interop = n


def test_torch_gets_its_intra_and_inter_op_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    from backends.torch_runtime import set_torch_threads

    fake = _FakeTorch(started=False)
    monkeypatch.setitem(sys.modules, "torch", fake)
    assert set_torch_threads(2, 1) == "" and fake.calls == [("threads", 2)] and fake.interop == 1
    late = _FakeTorch(started=True)
    monkeypatch.setitem(sys.modules, "torch", late)
    assert "not set to 1" in set_torch_threads(2, 1) and late.interop == 4


def test_a_backend_reads_its_inter_op_threads_from_the_policy() -> None:
    from backends.numpy_mlp import NumpyMLP

    backend = NumpyMLP()
    assert backend.interop_threads is None
    backend.thread_policy = ThreadPolicy(threads=2, interop_threads=1)
    assert backend.interop_threads == 1


def _assert_policy_recorded(record: dict[str, object], threads_: int) -> None:
    assert record["status"] == "ok", record["reason"]
    recorded = record["env"]["thread_policy"]  # type: ignore[index]
    assert recorded["threads"] == threads_ and recorded["wait"] == "passive"
    assert recorded["source"] == "budget"
    assert recorded["variables"]["OMP_WAIT_POLICY"] == "PASSIVE"
    assert recorded["variables"]["OPENBLAS_NUM_THREADS"] == str(threads_)


def test_a_real_cell_records_its_thread_policy_cold_and_warm() -> None:
    config = CellConfig(backend="numpy", task="xor", threads=1, curve_points=0)
    _assert_policy_recorded(run_isolated(config), 1)
    with TemplatePool() as pool:
        warm = pool(config)
    assert warm["start"]["mode"] == "warm"
    _assert_policy_recorded(warm, 1)
