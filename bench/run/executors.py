"""Where cells run: one after another in this process's care, or as Dask tasks.

An executor takes the planned cells and a runner (normally
:func:`bench.run.isolation.run_isolated`) and yields ``(cell, record)`` pairs as
cells finish, in whatever order they finish; the harness appends each record
to the results file at once, so an interrupted run can be resumed the same
way whichever executor ran it.

* :class:`SerialExecutor` (the default): one cell at a time, so no two cells
  compete for cores or memory bandwidth and timings are comparable.
* :class:`DaskExecutor`: every cell is a Dask task that runs the *same*
  subprocess isolation on a worker. Cells on device ``gpu`` ask for the worker
  resource ``GPU=1`` when some worker advertises one (start GPU workers with
  ``dask worker ... --resources GPU=1``), so at most one cell per GPU runs at
  once. Parallel cells share the machine: compare their accuracy freely, but
  their times only as docs/reliability.md ("Scaling out on Dask") says.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from bench.core.record import CellConfig, failed_record

Runner = Callable[[CellConfig], dict[str, Any]]
EXECUTORS = ("serial", "dask")
#: How long to wait for a remote scheduler before giving up.
CONNECT_TIMEOUT_SECONDS = 10


class ExecutorError(ValueError):
    """An executor that cannot start (unknown name, unreachable scheduler)."""


class Executor(Protocol):
    name: str

    def run(self, cells: Sequence[CellConfig], runner: Runner) -> Iterator[tuple[CellConfig, dict[str, Any]]]:
        """Run every cell; yield each with its record as it finishes."""
        ...

    def close(self) -> None:
        ...


class SerialExecutor:
    """Cells one at a time, in order."""

    name = "serial"

    def run(self, cells: Sequence[CellConfig], runner: Runner) -> Iterator[tuple[CellConfig, dict[str, Any]]]:
        for cell in cells:
            yield cell, runner(cell)

    def close(self) -> None:
        return None


def resources_for(cell: CellConfig, gpu_offered: bool) -> dict[str, float] | None:
    """The Dask worker resources a cell reserves while it runs."""
    return {"GPU": 1} if cell.device == "gpu" and gpu_offered else None


class DaskExecutor:
    """Cells as Dask tasks on a scheduler, or on a LocalCluster started here."""

    name = "dask"

    def __init__(self, client: Any, cluster: Any = None) -> None:
        self.client, self.cluster = client, cluster

    @classmethod
    def connect(cls, scheduler: str | None = None, workers: int = 2) -> DaskExecutor:
        """Join ``scheduler`` (``tcp://host:8786``), or start a local cluster of ``workers`` processes."""
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ExecutorError(f"the dask executor needs dask[distributed] ({exc})") from None
        if scheduler:
            probe_scheduler(scheduler)
            try:
                return cls(Client(scheduler, timeout=CONNECT_TIMEOUT_SECONDS))
            except (OSError, TimeoutError, ValueError) as exc:
                raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
        if workers < 1:
            raise ExecutorError(f"--workers must be >= 1, got {workers}")
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        return cls(Client(cluster), cluster)

    def gpu_offered(self) -> bool:
        workers = self.client.scheduler_info().get("workers", {})
        return any(info.get("resources", {}).get("GPU", 0) >= 1 for info in workers.values())

    def run(self, cells: Sequence[CellConfig], runner: Runner) -> Iterator[tuple[CellConfig, dict[str, Any]]]:
        from distributed import as_completed

        gpu_offered = self.gpu_offered()
        if any(cell.device == "gpu" for cell in cells) and not gpu_offered:
            print("note: no Dask worker advertises a GPU resource; gpu cells run without reserving one",
                  file=sys.stderr)
        futures = {}
        for cell in cells:
            key = f"nnbench-{cell.backend}-{cell.task}-{cell.seed}-{cell.device}-{uuid.uuid4().hex[:8]}"
            future = self.client.submit(runner, cell, key=key, pure=False,
                                        resources=resources_for(cell, gpu_offered))
            futures[future] = cell
        try:
            for future in as_completed(futures):
                cell = futures.pop(future)
                try:
                    record = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker, a cancelled task
                    record = failed_record(cell, f"dask task failed: {type(exc).__name__}: {exc}").to_dict()
                yield cell, record
        finally:
            if futures:  # stopped early (Ctrl-C, a full disk): the cells not yet recorded must not run on
                self.client.cancel(list(futures), force=True)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def probe_scheduler(address: str, timeout: float | None = None) -> None:
    """Ask ``address`` who it is, within ``timeout`` seconds overall; :class:`ExecutorError` unless a
    Dask scheduler answers.

    ``distributed.Client``'s own timeout covers the TCP connect, not a service
    that accepts the connection and never speaks Dask's protocol (it waits
    forever), nor one that answers something else (it may try to allocate a
    "message" of exabytes); this probe bounds both.
    """
    import asyncio

    from distributed.comm import connect

    timeout = CONNECT_TIMEOUT_SECONDS if timeout is None else timeout

    async def identity() -> object:
        comm = await connect(address, timeout=timeout)  # refused or unreachable: OSError, within timeout
        try:
            await comm.write({"op": "identity"})
            return await asyncio.wait_for(comm.read(), timeout)  # connected, no answer: TimeoutError
        finally:
            comm.abort()

    try:  # the outer bound only guards the whole exchange, beyond both steps' own
        reply = asyncio.run(asyncio.wait_for(identity(), 2 * timeout + 5))
    except TimeoutError:
        raise ExecutorError(f"the Dask scheduler at {address} did not answer within {timeout:g} s "
                            "(is it a Dask scheduler?)") from None
    except OSError as exc:
        raise ExecutorError(f"cannot reach the Dask scheduler at {address} ({exc})") from None
    except (ValueError, TypeError) as exc:  # raised by Dask's address parsing, before any connection
        raise ExecutorError(f"--scheduler {address} is not an address Dask can connect to ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - whatever a non-Dask service makes the protocol raise
        raise ExecutorError(f"{address} did not answer as a Dask scheduler "
                            f"({type(exc).__name__}: {str(exc)[:120]})") from None
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise ExecutorError(f"{address} answered, but not as a Dask scheduler ({str(reply)[:100]})")


def make_executor(name: str | None = None, scheduler: str | None = None, workers: int = 2) -> Executor:
    """The executor called ``name`` (default: ``dask`` given a scheduler address, else ``serial``)."""
    name = name or ("dask" if scheduler else "serial")
    if name == "serial" and scheduler:
        raise ExecutorError("--scheduler needs --executor dask")
    if name == "serial":
        return SerialExecutor()
    if name == "dask":
        return DaskExecutor.connect(scheduler, workers)
    raise ExecutorError(f"unknown executor {name!r}; known: {', '.join(EXECUTORS)}")
