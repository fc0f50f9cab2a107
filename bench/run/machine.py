"""Facts that decide whether this machine can time a benchmark fairly right now.

:func:`machine_facts` is cheap (a few milliseconds: ``/proc``, ``/sys``,
``threadpoolctl``) and goes into every record's ``env["machine"]``;
:func:`busiest_processes` samples every process over a while and is only for
``bench doctor``.
"""

from __future__ import annotations

import glob
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import psutil
import threadpoolctl

from bench.run.contention import load_average, read_frequency, usable_cpus
from bench.run.threads import THREAD_VARIABLES

#: Thread-pool facts kept per loaded BLAS / OpenMP library (threadpoolctl's names).
POOL_KEYS = ("user_api", "internal_api", "prefix", "version", "num_threads", "threading_layer",
             "architecture")


@dataclass
class MachineFacts:
    """Cores, load, frequency, thread settings and pools, GPU presence: as they are now."""

    cores: int | None
    #: CPUs this process may run on (its affinity)
    usable_cpus: list[int]
    #: 1-, 5- and 15-minute load averages (None where the OS has none)
    load_average: list[float] | None
    frequency: dict[str, Any] | None
    #: the thread-limit variables as set in this process's environment (None: unset)
    thread_variables: dict[str, str | None]
    #: the BLAS / OpenMP libraries loaded in this process and their thread counts
    thread_pools: list[dict[str, Any]] = field(default_factory=list)
    #: nvidia-smi's path and the /dev/nvidia* device files (empty: no NVIDIA GPU visible)
    gpu: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def thread_pools() -> list[dict[str, Any]]:
    """threadpoolctl's view of the loaded BLAS / OpenMP libraries (empty when it cannot tell)."""
    try:
        info = threadpoolctl.threadpool_info()
    except Exception:  # noqa: BLE001 - a foreign library may make the inspection fail
        return []
    return [{key: pool.get(key) for key in POOL_KEYS if key in pool} for pool in info]


def gpu_presence() -> dict[str, Any]:
    return {"nvidia_smi": shutil.which("nvidia-smi"),
            "devices": sorted(p for p in glob.glob("/dev/nvidia*") if p[len("/dev/nvidia"):].isdigit())}


def machine_facts() -> MachineFacts:
    load = load_average()
    return MachineFacts(
        cores=os.cpu_count(), usable_cpus=sorted(usable_cpus()),
        load_average=[round(x, 2) for x in load] if load else None, frequency=read_frequency(),
        thread_variables={name: os.environ.get(name) for name in THREAD_VARIABLES},
        thread_pools=thread_pools(), gpu=gpu_presence(),
    )


@dataclass
class BusyProcess:
    """A process and the share of one core it used over the sample."""

    pid: int
    name: str
    cores: float
    command: str = ""


def busiest_processes(seconds: float = 1.0, top: int = 5, exclude: set[int] | None = None,
                      sleep: Callable[[float], None] = time.sleep) -> list[BusyProcess]:
    """The ``top`` processes by CPU over ``seconds`` (this process and ``exclude`` left out)."""
    skip = {os.getpid(), *(exclude or set())}
    before: dict[int, tuple[psutil.Process, float]] = {}
    for process in psutil.process_iter(["pid"]):
        if process.pid in skip:
            continue
        try:
            times = process.cpu_times()
            before[process.pid] = (process, times.user + times.system)
        except psutil.Error:
            continue
    sleep(seconds)
    found = []
    for pid, (process, start) in before.items():
        try:
            times = process.cpu_times()
            cores = (times.user + times.system - start) / seconds
            command = " ".join(process.cmdline())[:100] or process.name()
            found.append(BusyProcess(pid, process.name(), cores, command))
        except psutil.Error:
            continue
    found.sort(key=lambda p: p.cores, reverse=True)
    return [p for p in found[:top] if p.cores > 0]
