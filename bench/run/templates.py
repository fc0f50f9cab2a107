"""Warm start: a template process per backend imports its library once; every cell is a fresh fork of it.

A cold cell (:func:`bench.run.isolation.run_isolated`) starts an interpreter
and imports NumPy, scikit-learn and the backend's library — seconds for
TensorFlow or PyTorch, often more than the training. A *template* is started
once per backend × device × thread budget (the environment, with the thread
limits, is fixed before the library loads, as for a cold worker), imports the
library and the task modules, and then never trains: for each cell it forks a
child that does exactly what a cold cell's supervisor does
(:func:`bench.run.isolation.supervise_cell`: its own session, child subreaper,
death signal, a forked worker, every leftover process killed). So each cell is
still its own process with a hard timeout that kills its tree, one record
whatever happens, and no state from any other cell: every cell starts from the
same untouched template (no traced function, allocator cache, RNG draw or
thread pool of an earlier cell).

Fork-safety, checked on this project's pins (a child forked after the import
trains and scores as a cold one: ``tests/test_templates_engines.py`` runs a
keras, a torch and a jax cell warm and cold; ``bench perf`` prints the
fit-time ratio):

* TensorFlow/Keras: importing starts no runtime (one extra OS thread, idle);
  TF is not fork-safe once its runtime or thread pools have run, which a
  template never does.
* PyTorch: its intra-op pool starts lazily; the child sets its thread count.
* OpenBLAS/OpenMP: pools created at load are re-created in the child
  (OpenBLAS's ``pthread_atfork`` handlers; one thread by default).
* JAX is documented as not fork-safe after import (it starts threads): for a
  backend needing ``jax`` the template preloads only the common modules.

Cells go cold, and their record's ``start`` says why, when a memory cap is set
(the cap must count the library's import, as a cold cell's does), when the
template cannot start, when it dies (the cell it was running is rerun
cold), and when it stops answering (stopped by SIGSTOP, hung): a template
that is stopped, or does not say it forked within :data:`ANSWER_TIMEOUT_SECONDS`,
is dropped and the cell runs cold. The harness watches the cell's own
process (a pidfd), so a cell that finished while its template was stopped is
recorded from its result file, not as "timed out", and its ``start`` says the
template stopped answering. The Dask executor runs cells cold (its task threads would each need
their own templates).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench.core.record import CellConfig
from bench.run import isolation

#: How long a template may take to import its library before it counts as failed.
START_TIMEOUT_SECONDS = 120.0
#: How long to wait for the template to report a killed cell's end.
REAP_TIMEOUT_SECONDS = 15.0
#: How long a started template may take to answer (it forked a cell; a cell it watched ended).
ANSWER_TIMEOUT_SECONDS = 10.0

TemplateKey = tuple[str, str, int]


class TemplateError(RuntimeError):
    """The template could not start, or died: the cell goes cold."""


class TemplateHung(TemplateError):
    """The template is stopped or does not answer (its message is the start record's reason)."""


def template_key(config: CellConfig) -> TemplateKey:
    """What a template is fixed by before its imports: backend, device (CUDA visibility), thread budget."""
    return (config.backend, config.device, config.threads)


class Template:
    """One template process and the pipes to talk to it."""

    def __init__(self, config: CellConfig) -> None:
        self.key = template_key(config)
        started = time.perf_counter()
        self.log = tempfile.TemporaryFile(prefix="nnbench-template-")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.run.template_side", config.backend, str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
            env=isolation.worker_environment(config), start_new_session=True)
        self.buffer = b""
        self.name = f"{config.backend}/{self.process.pid}"
        #: why this template may not run another cell (it stopped answering), else ""
        self.hung = ""
        try:
            ready = self._expect("ready", START_TIMEOUT_SECONDS)
        except BaseException:
            self.close()
            raise
        self.preloaded: list[str] = ready.get("preloaded", [])
        self.skipped: str = ready.get("skipped", "")
        self.threads: int = ready.get("threads", 0)
        self.startup_seconds = time.perf_counter() - started

    def start_info(self) -> isolation.CellStart:
        return isolation.CellStart("warm", self.name, self.preloaded, self.threads, self.startup_seconds,
                                   self.skipped or None)

    def run(self, config: CellConfig) -> dict[str, Any]:
        """Run one cell as a fork of this template; :class:`TemplateError` if the template is gone."""
        with tempfile.TemporaryDirectory(prefix="nnbench-") as scratch:
            config_path, result_path, stderr_path = isolation.cell_files(scratch, config)
            started = time.perf_counter()
            self._check_running()
            self._send({"config": str(config_path), "result": str(result_path), "stderr": str(stderr_path)})
            try:
                pid = int(self._expect("started", ANSWER_TIMEOUT_SECONDS)["pid"])
            except TimeoutError:
                raise TemplateHung(f"template {self.name} did not answer within {ANSWER_TIMEOUT_SECONDS:g} s "
                                   "(stopped or hung)") from None
            try:
                code = self._exit_code(pid, config.timeout - (time.perf_counter() - started))
            except TemplateHung as exc:  # the cell ended, its template did not say so: read its result
                self.hung = f"{exc}; later cells start cold"
                isolation._kill_group(pid)
                code = 0 if result_path.exists() else -1
                record = isolation.finished_record(config, code, result_path, stderr_path,
                                                   time.perf_counter() - started)
            except TimeoutError:
                kill_cell(pid)
                with contextlib.suppress(TemplateError, TimeoutError):
                    self._exit_code(pid, REAP_TIMEOUT_SECONDS)
                record = isolation.timed_out_record(config, time.perf_counter() - started)
            except BaseException:  # Ctrl-C, SIGTERM, the template gone: the cell's tree goes too
                kill_cell(pid)
                raise
            else:
                isolation._kill_group(pid)  # leftovers in the cell's group
                record = isolation.finished_record(config, code, result_path, stderr_path,
                                                   time.perf_counter() - started)
        start = self.start_info()
        start.reason = self.hung or start.reason
        record["start"] = start.to_dict()
        return record

    def _check_running(self) -> None:
        """:class:`TemplateHung` when the template process is stopped (SIGSTOP, a debugger);
        :class:`TemplateError` when it has died."""
        try:
            import psutil

            status = psutil.Process(self.process.pid).status()
        except Exception:  # noqa: BLE001 - gone: the next read says how
            return
        if status in ("zombie", "dead"):
            raise TemplateError(self._death())
        if status in ("stopped", "tracing-stop"):
            raise TemplateHung(f"template {self.name} is {status}")

    def _exit_code(self, pid: int, timeout: float) -> int:
        """The cell's exit code as the template reports it; TimeoutError after ``timeout`` s;
        :class:`TemplateHung` when the cell ended and the template did not report it."""
        self._wait_cell(pid, max(timeout, 0.0))
        message = self._expect("exited", 0.0)
        if int(message["pid"]) != pid:
            raise TemplateError(f"template {self.name} reported another cell ({message})")
        return int(message["code"])

    def _wait_cell(self, pid: int, timeout: float) -> None:
        """Until the template's next message is buffered: watch the cell's process too (a pidfd)."""
        assert self.process.stdout is not None
        channel = self.process.stdout.fileno()
        try:
            watch: int | None = os.pidfd_open(pid)
        except OSError:  # already gone (or no pidfd): the template must answer promptly
            watch = None
        deadline = time.monotonic() + timeout
        ended = None if watch is not None else time.monotonic()
        try:
            while b"\n" not in self.buffer:
                now = time.monotonic()
                if ended is not None and now - ended > ANSWER_TIMEOUT_SECONDS:
                    raise TemplateHung(f"template {self.name} stopped answering: this cell ended and it "
                                       f"did not report it within {ANSWER_TIMEOUT_SECONDS:g} s")
                if ended is None and now >= deadline:
                    raise TimeoutError("exited")
                left = (ended + ANSWER_TIMEOUT_SECONDS if ended is not None else deadline) - now
                fds = [channel] + ([watch] if watch is not None and ended is None else [])
                readable, _, _ = select.select(fds, [], [], max(left, 0.0))
                if watch is not None and watch in readable:
                    ended = time.monotonic()
                if channel in readable:
                    chunk = os.read(channel, 65536)
                    if not chunk:
                        raise TemplateError(f"template {self.name} died ({self._death()})")
                    self.buffer += chunk
        finally:
            if watch is not None:
                os.close(watch)

    def _send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
        except OSError as exc:
            raise TemplateError(f"template {self.name} is gone ({exc})") from None

    def _expect(self, kind: str, timeout: float) -> dict[str, Any]:
        """The next message, of ``kind``; TimeoutError after ``timeout`` s, TemplateError at EOF."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(kind)
            readable, _, _ = select.select([fd], [], [], left)
            if not readable:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise TemplateError(f"template {self.name} died ({self._death()})")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        message = json.loads(line)
        if message.get("kind") != kind:
            raise TemplateError(f"template {self.name} said {message} instead of {kind!r}")
        return message

    def _death(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "closed its pipe"
        self.log.seek(0)
        lines = [line for line in self.log.read().decode("utf-8", "replace").splitlines() if line.strip()]
        return f"{isolation._describe_exit(code)}" + (f": {lines[-1][-200:]}" if lines else "")

    def close(self) -> None:
        """End the template; its idle state holds no cell (a cell's supervisor dies with it anyway)."""
        isolation._kill_group(self.process.pid)
        with contextlib.suppress(OSError):
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()  # type: ignore[union-attr]
        self.log.close()


def kill_cell(pid: int) -> None:
    """SIGKILL a warm cell's supervisor, every descendant (even one that left its session) and its group."""
    try:
        import psutil

        descendants = psutil.Process(pid).children(recursive=True)
    except Exception:  # noqa: BLE001 - already gone
        descendants = []
    for process in [*descendants]:
        with contextlib.suppress(OSError):
            os.kill(process.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    isolation._kill_group(pid)


class TemplatePool:
    """The runner of the serial executor: cells warm from one template per key, cold when they must be.

    Use as a context manager (or call :meth:`close`): the templates end with it.
    """

    def __init__(self) -> None:
        self.templates: dict[TemplateKey, Template] = {}
        self.unavailable: dict[TemplateKey, str] = {}

    def __call__(self, config: CellConfig) -> dict[str, Any]:
        if config.memory_limit_mb:
            return cold(config, "memory cap set: a cold cell counts its library's import against it")
        key = template_key(config)
        if key in self.unavailable:
            return cold(config, self.unavailable[key])
        try:
            template = self.templates.get(key) or self._start(config)
        except (TemplateError, TimeoutError, OSError) as exc:
            self.unavailable[key] = f"template could not start: {exc}"
            return cold(config, self.unavailable[key])
        try:
            record = template.run(config)
        except (TemplateError, TimeoutError) as exc:
            self.templates.pop(key).close()
            self.unavailable[key] = str(exc) if isinstance(exc, TemplateHung) else \
                f"template {template.name} died: {exc}"
            return cold(config, self.unavailable[key])
        if template.hung:  # this cell's record stands; the template runs no more
            self.templates.pop(key).close()
            self.unavailable[key] = template.hung
        return record

    def _start(self, config: CellConfig) -> Template:
        template = Template(config)
        self.templates[template.key] = template
        return template

    def close(self) -> None:
        while self.templates:
            self.templates.popitem()[1].close()

    def __enter__(self) -> TemplatePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def cold(config: CellConfig, reason: str) -> dict[str, Any]:
    """A cold start of ``config``, its record saying why it was not warm."""
    record = isolation.run_isolated(config)
    record["start"] = isolation.CellStart(reason=reason).to_dict()
    return record
