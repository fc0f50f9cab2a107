"""The template process itself (``python -m bench.run.template_side BACKEND HARNESS_PID``).

It preloads the common modules and the backend's library, says ``ready``, and
then forks one cell per request read from stdin, reporting ``started`` and
``exited``; the harness side is :mod:`bench.run.templates`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from typing import Any

from bench.run import cow, isolation

#: Imported by every template, whatever its backend (cheap, fork-safe, used by most cells).
COMMON_PRELOADS = ("numpy", "bench.run.entry", "sklearn.model_selection", "tasks.logic_gates",
                   "tasks.credit_risk", "tasks.regression", "tasks.images", "tasks.table_file")
#: Libraries that must not be imported before a fork: their backends' templates skip the backend import.
NOT_FORK_SAFE = ("jax", "jaxlib")


def preload(backend: str) -> tuple[list[str], str]:
    """Import the common modules and ``backend``'s library; the top-level packages now loaded, and why
    the backend's library was not (empty when it was)."""
    import importlib

    before = set(sys.modules)
    for module in COMMON_PRELOADS:
        with contextlib.suppress(Exception):  # a missing one is the cell's to report
            importlib.import_module(module)
    skipped = ""
    try:
        from bench.core import registry

        backend_cls = registry.backend_class(backend)
        unsafe = sorted(set(backend_cls.packages) & set(NOT_FORK_SAFE))
        if unsafe:
            skipped = f"{', '.join(unsafe)} not fork-safe after import: the library loads in the cell"
        else:
            backend_cls.available()  # imports the library
    except BaseException as exc:  # noqa: BLE001 - a broken backend: the cell imports it again and reports it
        skipped = f"backend not preloaded: {type(exc).__name__}: {exc}"[:300]
    new = {name.partition(".")[0] for name in set(sys.modules) - before}
    return sorted(new - set(sys.stdlib_module_names) - {"_distutils_hack"}), skipped


def template_main(argv: list[str]) -> int:
    """``python -m bench.run.templates BACKEND HARNESS_PID``: preload, then fork one cell per request."""
    backend, harness_pid = argv
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever the libraries print goes to the log, not into the protocol
    isolation._die_with_parent(int(harness_pid))
    preloaded, skipped = preload(backend)
    ranges = cow.present_ranges()  # what each cell maps before its work (see bench.run.cow)
    threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 0
    _say(channel, kind="ready", preloaded=preloaded, skipped=skipped, threads=threads)
    template = os.getpid()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _cell(request, template, channel, ranges)
        _say(channel, kind="started", pid=pid)
        _, status = os.waitpid(pid, 0)
        _say(channel, kind="exited", pid=pid, code=os.waitstatus_to_exitcode(status))
    return 0


def _say(channel: Any, **message: Any) -> None:
    channel.write(json.dumps(message) + "\n")


def _cell(request: dict[str, str], template: int, channel: Any, ranges: list[cow.Range]) -> None:
    """In the forked child: the cell's own session and files, then a cold cell's supervisor. Never returns."""
    code = 70
    try:
        channel.close()
        os.setsid()
        log = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(null)
        os.close(log)
        sys.argv = [isolation.__file__, "0", str(template), request["config"], request["result"]]  # as cold
        code = isolation.supervise_cell(0, template, request["config"], request["result"],
                                        before_work=lambda: cow.populate(ranges))
    except BaseException:  # noqa: BLE001 - whatever happens, this process must not return into the template
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


if __name__ == "__main__":
    sys.exit(template_main(sys.argv[1:]))
