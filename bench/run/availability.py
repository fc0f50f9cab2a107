"""Whether each backend can run here, each asked in a child process of its own.

A backend's ``available()`` imports its library. Native libraries loaded side by side in one process
can crash it (a segmentation fault in whichever loads second), so a question about several backends
never imports them into the asking process: :func:`probe` runs ``available()`` in a fresh
``python -m bench.run.availability NAME`` with a timeout, and a child that dies of a signal, exits
without an answer or does not answer in time gives a reason instead ("the probe crashed (signal 11,
SIGSEGV)").
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bench.run.isolation import PACKAGE_ROOT

#: Seconds a probe may take (importing TensorFlow on a busy two-core machine takes tens of seconds).
PROBE_TIMEOUT_SECONDS = 120.0
#: Characters of a failed probe's stderr kept in its reason.
STDERR_TAIL_CHARS = 300


@dataclass(frozen=True)
class Availability:
    """One backend's answer: whether it can run here, why not, and what its class declares."""

    name: str
    ok: bool
    reason: str = ""
    devices: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()


def probe(name: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> Availability:
    """Backend ``name``'s ``available()``, asked in a child process (never raises)."""
    command = [sys.executable, "-m", "bench.run.availability", name]
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=probe_environment())
    except OSError as exc:
        return Availability(name, False, f"the probe could not start: {exc}")
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):  # a grandchild may hold the pipes
            process.communicate(timeout=5)
        return Availability(name, False, f"the probe did not answer within {timeout:g} s")
    return _answer(name, process.returncode, out, err)


def probe_all(names: list[str], timeout: float = PROBE_TIMEOUT_SECONDS,
              workers: int | None = None) -> Iterator[Availability]:
    """:func:`probe` for each of ``names``, a few children at a time, yielded in the order given as
    soon as each (and every one before it) has answered."""
    if not names:
        return
    workers = workers or max(2, min(4, os.cpu_count() or 1))
    pool = ThreadPoolExecutor(max_workers=min(workers, len(names)))
    try:
        yield from pool.map(lambda name: probe(name, timeout), names)
    finally:  # interrupted: start no other probe (those running share the terminal's Ctrl-C)
        pool.shutdown(wait=True, cancel_futures=True)


def probe_environment() -> dict[str, str]:
    """This process's environment with the project on the import path (as the isolated workers')."""
    env = dict(os.environ)
    if PACKAGE_ROOT.name not in ("site-packages", "dist-packages"):
        paths = [str(PACKAGE_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def crash_reason(returncode: int) -> str:
    """The reason for a child that died of signal ``-returncode``."""
    number = -returncode
    try:
        label = f"{number}, {signal.Signals(number).name}"
    except ValueError:
        label = str(number)
    return f"the probe crashed (signal {label})"


def _answer(name: str, returncode: int, out: bytes, err: bytes) -> Availability:
    if returncode < 0:
        return Availability(name, False, crash_reason(returncode))
    lines = out.decode("utf-8", "replace").strip().splitlines()
    try:
        found = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        found = None
    if returncode != 0 or not isinstance(found, dict):
        tail = err.decode("utf-8", "replace").strip()[-STDERR_TAIL_CHARS:]
        detail = f": {tail.splitlines()[-1]}" if tail else ""
        return Availability(name, False, f"the probe exited with status {returncode} and no answer{detail}")
    return Availability(name, bool(found["ok"]), str(found["reason"]), tuple(found["devices"]),
                        tuple(found["packages"]))


def child_main(argv: list[str]) -> int:
    """``python -m bench.run.availability NAME``: print one JSON line, whatever the library prints."""
    (name,) = argv
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # what the library prints on import goes to stderr, not into the answer
    from bench.core import registry

    try:
        cls = registry.backend_class(name)
        ok, reason = cls.available()
        answer = {"ok": ok, "reason": reason, "devices": list(cls.devices), "packages": list(cls.packages)}
    except ImportError as exc:
        answer = {"ok": False, "reason": f"cannot import adapter: {exc}", "devices": [], "packages": []}
    channel.write(json.dumps(answer) + "\n")
    channel.flush()
    return 0


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
