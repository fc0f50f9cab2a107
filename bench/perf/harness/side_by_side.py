"""One library's open adapter, idiomatic script and closed adapter, interleaved in one process.

``python -m bench.perf.harness.side_by_side LIBRARY CONFIG_JSON`` prints one JSON
object as its last line. The parent (:func:`bench.perf.measure.idiomatic_report`)
starts it under the adapters' thread budget
(:func:`bench.run.threads.backend_environment`, CPU only); the budget is
applied once more before every run through the adapter's own switch
(:func:`bench.perf.idiomatic.apply_thread_budget`).

Contenders, run in turn — open adapter, script, closed adapter; then
script, closed, open; … (the order rotates, so none is always first) —
``runs`` times each on the same data, so that all three share the same
load drift:

* ``open``: ``backend.fit(spec, X, Y, None, on_epoch, division="open")``,
  the adapter training through the library's own high-level API; epochs
  timed from its epoch callback. An adapter whose ``fit`` takes no
  ``division`` (or that raises) is "not measured", with the reason.
* ``script``: the library's script in :mod:`bench.perf.idiomatic`.
* ``closed``: today's ``backend.fit`` on the shared initial weights.

Each run trains ``warmup_epochs + epochs`` epochs from scratch; the first
``warmup_epochs`` of every run are reported apart.
"""

from __future__ import annotations

import inspect
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.core import registry
from bench.core.backend import Backend
from bench.core.spec import NetworkSpec
from bench.core.weights import initial_weights
from bench.perf import idiomatic
from bench.perf.timing import epoch_durations, median
from bench.perf.workload import Workload, make_data

CONTENDERS = ("open", "script", "closed")
#: Epoch callbacks whose calls span less than this share of ``fit`` came all at its end (e.g. a
#: library's loss history replayed after training): then each epoch is ``fit``'s wall time / epochs.
BUNCHED_SHARE = 0.05
#: ... provided consecutive calls are also this close (median seconds apart): a replayed history's calls
#: are microseconds apart, while a jit-compiled library's first epoch (tracing, compiling) can be most
#: of a short ``fit`` on its own, its later epochs still taking milliseconds each.
BUNCHED_GAP = 1e-4  # replays: µs apart; a jitted epoch of the tests' tiny workload: under 1 ms


def rotated(names: tuple[str, ...], turn: int) -> tuple[str, ...]:
    """``names`` starting at position ``turn`` (each contender leads a run in turn: no fixed first)."""
    start = turn % len(names)
    return names[start:] + names[:start]


def open_path_problem(backend_cls: type[Backend]) -> str:
    """Why ``backend_cls.fit`` cannot be asked for the open division ('' when it can be)."""
    try:
        parameters = inspect.signature(backend_cls.fit).parameters
    except (TypeError, ValueError):
        return ""
    if "division" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return ""
    return f"{backend_cls.__module__}.{backend_cls.__qualname__}.fit has no division parameter (no open path)"


def skipped(backend: Backend, spec: NetworkSpec) -> dict[str, str]:
    """The divisions ``backend`` cannot train ``spec`` in, with the reason (its ``skip``, or no open path)."""
    reasons: dict[str, str] = {}
    problem = open_path_problem(type(backend))
    if problem:
        reasons["open"] = problem
    takes_division = "division" in inspect.signature(backend.skip).parameters
    for division in ("closed", "open"):
        if division in reasons or (division == "open" and not takes_division):
            continue
        extra = {"division": division} if takes_division else {}
        skip, why = backend.skip(spec, "classification", **extra)
        if skip:
            reasons[division] = f"skipped: {why}"
    return reasons


def epoch_seconds(ends: list[float], start: float, stop: float) -> tuple[list[float], str]:
    """Epoch durations from the callback times of one ``fit`` from ``start`` to ``stop``, and a note."""
    if not ends:
        raise RuntimeError("fit never called on_epoch")
    gaps = [later - earlier for earlier, later in zip(ends, ends[1:])]
    if gaps and ends[-1] - ends[0] < BUNCHED_SHARE * (stop - start) and median(gaps) < BUNCHED_GAP:
        return ([(stop - start) / len(ends)] * len(ends),
                "its on_epoch calls came together after training: each epoch = fit's wall time / epochs")
    return epoch_durations(ends, start), ""


def timed_fit(backend: Backend, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
              division: str) -> tuple[list[float], str]:
    """Seconds of every epoch of one ``fit`` in ``division`` ("open" or "closed"), and a note."""
    ends: list[float] = []
    extra = {"division": "open"} if division == "open" else {}
    weights = initial_weights(spec) if division == "closed" else None
    start = time.perf_counter()
    backend.fit(spec, X, Y, weights, on_epoch=lambda epoch, loss: ends.append(time.perf_counter()),
                **extra)
    return epoch_seconds(ends, start, time.perf_counter())


def measure(library: str, workload: Workload, threads: int, runs: int) -> dict[str, Any]:
    """Every contender's epoch seconds per run (``times[contender][run]``), the reasons of the missing."""
    backend_cls = registry.backend_class(library)
    ok, why = backend_cls.available()
    if not ok:
        return {"error": why}
    X, Y = make_data(workload)
    spec = workload.spec()
    arguments = idiomatic.script_arguments(workload)
    result: dict[str, Any] = {"library": library, "workload": workload.to_dict(), "threads": threads,
                              "times": {name: [] for name in CONTENDERS}, "missing": {}, "notes": [],
                              "recipe": None, "deviations": {}}
    for division, why in skipped(backend_cls(device="cpu", threads=threads), spec).items():
        result["missing"][division] = why
    script: idiomatic.TrainFunction = _unavailable
    try:
        script = idiomatic.load(library)
    except Exception as exc:  # noqa: BLE001 - e.g. the script's import fails: the adapters still run
        result["missing"]["script"] = f"{type(exc).__name__}: {exc}"[:300]
    last: dict[str, Backend] = {}

    def adapter(division: str) -> Callable[[], list[float]]:
        def run() -> list[float]:
            backend = last[division] = backend_cls(device="cpu", threads=threads)
            backend.setup_threads()
            times, note = timed_fit(backend, spec, X, Y, division)
            if note and f"{division} adapter: {note}" not in result["notes"]:
                result["notes"].append(f"{division} adapter: {note}")
            return times
        return run

    contenders = {"open": adapter("open"), "script": lambda: script(X, Y, **arguments),
                  "closed": adapter("closed")}
    for index in range(runs):
        for name in rotated(CONTENDERS, index):
            if name in result["missing"]:
                continue
            idiomatic.apply_thread_budget(library, threads)
            try:
                result["times"][name].append(contenders[name]())
            except Exception as exc:  # noqa: BLE001 - a contender that cannot run is reported, not fatal
                result["missing"][name] = f"{type(exc).__name__}: {exc}"[:300]
    for division, backend in last.items():
        result["deviations"][division] = list(backend.deviations)
    if "open" in last and "open" not in result["missing"]:
        recipe = getattr(last["open"], "recipe", None)
        result["recipe"] = recipe.to_dict() if hasattr(recipe, "to_dict") else recipe  # JSON values
    return result


def _unavailable(*args: Any, **kwargs: Any) -> list[float]:
    raise RuntimeError("the script could not be loaded")


def main(argv: list[str]) -> int:
    library, config_json = argv
    config = json.loads(config_json)
    result = measure(library, Workload.from_dict(config["workload"]), int(config["threads"]),
                     int(config["runs"]))
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
