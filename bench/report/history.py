"""The history of many runs: every run's cells in one long table, and the newest run judged against it.

A **run** is one results file; its time is the earliest ``started_at`` of
its records (the file's modification time when none has one). A **cell** is
a summary group (:class:`~bench.core.record.GroupKey`: task, backend,
device, division, spec key) and, unless all environments are asked for, the
**environment** of its records: the machine's fingerprint (CPU, core count,
Python), which groups a run's cells (every backend of one run is in one
environment), and the fingerprint of the cell's own library versions (numpy
and its backend's packages): a cell is judged only against earlier runs with
the same versions (times from another machine or library set do not compare;
a torch upgrade restarts torch's history, not numpy's), and with the same
**adapter code** (``Record.adapter_version``, a hash of the backend's source,
:mod:`bench.run.adapter_source`, after asv's ``benchmark_version``): an edited
adapter starts a new series, noted "adapter changed", instead of continuing
the old one or being judged against it. Records without the hash read as
``unknown`` and compare among themselves; ``--all-environments`` does not merge
adapter versions.

The newest run's value of a cell — median fit time over its seeds, mean of
the task's metric — is judged against the same cell in every earlier run of
the same environment by a robust rule, **median and MAD of the history**
(median absolute deviation, scaled by 1.4826 to estimate σ for normal data):

* **slower** when ``fit > median + 3 · 1.4826 · MAD`` *and* ``fit > 1.10 · median``
  (the 10 % floor keeps a quiet history, MAD ≈ 0, from flagging a trivial
  change); **faster** symmetrically;
* **worse** / **better** metric when it leaves ``median ± 3 · 1.4826 · MAD`` in
  the metric's bad / good direction (any change beyond 1e-9 when every run
  gave the same value: deterministic results);
* **failing** when the newest run has runs that are not ok and the history's
  had none;
* **broken** when an ok run of the newest run has no valid metric or fit time
  (missing, NaN or infinite): its value is NaN, never "unchanged".

Fit times measured while other processes competed for the CPUs, or with
unstable epochs (``conditions``, :mod:`bench.core.conditions`), are not
trusted: an earlier run's is left out of the history (noted), and the newest
run's gets no slower/faster verdict (noted) unless ``trust_contended``.

Median and MAD ignore a few outlying runs in the history (a nightly on a
loaded machine) that would inflate a mean and a standard deviation; with
fewer than :data:`MIN_HISTORY` earlier runs a cell is not judged.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.core.conditions import untrusted_text
from bench.core.record import GroupKey, Record, latest_per_cell
from bench.core.results import ResultsFileError, read_typed
from bench.report.history_cache import UNKNOWN_ADAPTER, CellRun, load, save, signature
from bench.report.summary import (
    group_records,
    invalid_runs,
    lower_is_better,
    main_metric,
    metric_values,
    ok_values,
)

MAD_SCALE = 1.4826
MAD_WIDTH = 3.0
TIME_FLOOR = 0.10
MIN_HISTORY = 3
DETERMINISTIC_EPS = 1e-9
#: verdicts that fail ``--fail-on-regression``
REGRESSIONS = ("slower", "worse", "failing", "broken")


class HistoryError(ResultsFileError):
    """Bad input to ``history``: no such folder, no results files, a foreign file."""


# --- reading -----------------------------------------------------------------------------------

def results_files(paths: Iterable[Path]) -> list[Path]:
    """The ``*.jsonl`` files of the folders given, and the files given; an error when there are none."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(path.glob("*.jsonl"))
            for entry in found:
                if not entry.is_file():
                    raise HistoryError(f"{entry} is not a results file: {_what(entry)}; "
                                       f"move it out of {path}")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise HistoryError(f"no such file or folder: {path}")
    if not files:
        raise HistoryError(f"no results files (*.jsonl) in {', '.join(str(p) for p in paths)}")
    return list(dict.fromkeys(files))


def _what(path: Path) -> str:
    if path.is_symlink() and not path.exists():
        return "a link to nothing"
    return "a folder" if path.is_dir() else "not a regular file"


def _short_hash(body: object) -> str:
    return hashlib.sha1(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:8]


def fingerprint(env: dict[str, Any] | None) -> str:
    """A short id of the machine a record ran on: cpu, cores, python (the same for every backend)."""
    env = env or {}
    return _short_hash({name: env.get(name) for name in ("cpu", "cores", "python")})


def packages_fingerprint(env: dict[str, Any] | None) -> str:
    """A short id of a record's library versions (numpy and its backend's packages)."""
    return _short_hash(dict(sorted(((env or {}).get("packages") or {}).items())))


def _most_common(values: list[str], default: str) -> str:
    """The most frequent value, the first seen on a tie (not set order: string hashes vary by process)."""
    return Counter(values).most_common(1)[0][0] if values else default


def run_time(path: Path, records: list[Record]) -> str:
    started = sorted(str(r.started_at) for r in records if r.started_at)
    if started:
        return started[0]
    from datetime import UTC, datetime

    return datetime.fromtimestamp(os.path.getmtime(path), UTC).isoformat(timespec="seconds")


# --- the long table --------------------------------------------------------------------------------

def cell_runs(path: Path, records: list[Record]) -> list[CellRun]:
    """The cells of one results file (the latest record of each matrix cell, as ``report`` reads it)."""
    records = latest_per_cell(records)
    when = run_time(path, records)
    rows = []
    for key, group in group_records(records).items():
        environment = _most_common([fingerprint(r.env) for r in group if r.env], fingerprint(None))
        packages = _most_common([packages_fingerprint(r.env) for r in group if r.env],
                                packages_fingerprint(None))
        adapter = _most_common([r.adapter_version for r in group if r.adapter_version], UNKNOWN_ADAPTER)
        metric = main_metric(group)
        broken = invalid_runs(group, metric) > 0  # an ok run without a valid value: no value for the cell
        values = metric_values(group, metric) if metric and not broken else []
        times = ok_values(group, "fit_seconds") if not broken else []
        rows.append(CellRun(path.name, when, environment, key, metric,
                            float(np.mean(values)) if values else math.nan,
                            float(np.median(times)) if times else math.nan,
                            sum(r.ok for r in group), len(group), packages,
                            untrusted_text([r for r in group if r.ok]), adapter))
    return rows


def read_history(paths: Iterable[Path], cache: Path | None = None) -> list[CellRun]:
    """Every cell of every run, oldest run first; ``cache``: a Parquet file of the rows already read."""
    files = results_files(paths)
    cached = load(cache) if cache else {}
    fresh: dict[str, tuple[tuple[int, int, str], list[CellRun]]] = {}
    rows: list[CellRun] = []
    changed = False
    for path in files:
        key = signature(path)
        hit = cached.get(str(path.resolve()))
        if hit is not None and hit[0] == key:
            file_rows = hit[1]
        else:
            try:
                records = read_typed(path)  # another tool's file: ResultsFileError naming file:line
            except OSError as exc:  # unreadable, or gone since it was listed
                raise HistoryError(f"cannot read {path} ({exc.strerror or exc})") from None
            file_rows = cell_runs(path, records) if records else []
            changed = True
        fresh[str(path.resolve())] = (key, file_rows)
        rows += file_rows
    if cache and (changed or set(fresh) != set(cached)):
        save(cache, fresh)
    if not rows:
        raise HistoryError("the results files hold no records")
    rows.sort(key=lambda r: (r.run_time, r.run))
    return rows


# --- the verdict -----------------------------------------------------------------------------------

def robust_band(history: list[float]) -> tuple[float, float]:
    """``(median, 3 · 1.4826 · MAD)`` of the history's values."""
    data = np.asarray(history, dtype=float)
    median = float(np.median(data))
    mad = float(np.median(np.abs(data - median)))
    return median, MAD_WIDTH * MAD_SCALE * mad


def time_verdict(history: list[float], newest: float) -> tuple[str, str]:
    """``slower`` / ``faster`` / ``unchanged`` with the numbers that decided it."""
    median, width = robust_band(history)
    ratio = newest / median if median > 0 else math.nan
    why = f"fit {newest:.3g} s vs median {median:.3g} s ± {width:.2g} (×{ratio:.2f})"
    if newest > median + width and newest > (1 + TIME_FLOOR) * median:
        return "slower", why
    if newest < median - width and newest < median / (1 + TIME_FLOOR):
        return "faster", why
    return "unchanged", why


def metric_verdict(history: list[float], newest: float, lower_better: bool, name: str) -> tuple[str, str]:
    median, width = robust_band(history)
    width = max(width, DETERMINISTIC_EPS)
    why = f"{name} {newest:.4g} vs median {median:.4g} ± {width:.2g}"
    if abs(newest - median) <= width:
        return "unchanged", why
    improved = (newest < median) == lower_better
    return ("better" if improved else "worse"), why


@dataclass
class Verdict:
    key: GroupKey
    environment: str
    verdict: str
    reasons: list[str] = field(default_factory=list)
    history_runs: int = 0

    def row(self, show_environment: bool) -> dict[str, str]:
        row = {"task": self.key.task, "backend": self.key.backend, "division": self.key.division}
        if show_environment:
            row["environment"] = self.environment
        row.update({"device": self.key.device, "spec": self.key.spec, "history": str(self.history_runs),
                    "verdict": self.verdict, "why": "; ".join(self.reasons)})
        return row


@dataclass
class History:
    """The long table, split by environment, and the verdicts of each environment's newest run."""

    rows: list[CellRun]
    verdicts: list[Verdict] = field(default_factory=list)
    #: per environment: its newest run's file name
    newest: dict[str, str] = field(default_factory=dict)
    #: cells of an environment's earlier runs missing from its newest run
    missing: list[tuple[str, GroupKey]] = field(default_factory=list)

    def gate_failures(self) -> list[str]:
        failures = [f"{v.key.backend} × {v.key.task} ({v.key.division}): {v.verdict}"
                    for v in self.verdicts if v.verdict in REGRESSIONS]
        failures += [f"{key.backend} × {key.task} ({key.division}) missing from the newest run"
                     for _, key in self.missing]
        if not any(r.ok for r in self.rows if self.newest.get(r.environment) == r.run):
            failures.append("the newest run holds no complete record")
        return failures


def judge_time(earlier: list[CellRun], newest: CellRun, trust_contended: bool) -> tuple[str, str] | None:
    """The fit-time verdict, or None without enough trusted history; untrusted timings are noted."""
    trusted = [r for r in earlier if trust_contended or not r.untrusted]
    times = [r.fit_median for r in trusted if math.isfinite(r.fit_median)]
    if len(times) < MIN_HISTORY or not math.isfinite(newest.fit_median):
        return None
    name, why = time_verdict(times, newest.fit_median)
    if len(trusted) < len(earlier):
        why += f" ({len(earlier) - len(trusted)} earlier run(s) timed on a busy machine left out)"
    if newest.untrusted and name in ("slower", "faster"):
        if not trust_contended:
            return "not judged", (f"{why}: {name}? not judged, timed on a busy machine "
                                  f"({newest.untrusted}; --trust-contended judges it)")
        why += f" ({newest.untrusted})"
    return name, why


def judge_cell(key: GroupKey, environment: str, earlier: list[CellRun], newest: CellRun,
               lower_better: bool, trust_contended: bool = False) -> Verdict:
    """The newest run of a cell against its earlier runs with the same library versions."""
    other_versions = sum(r.packages != newest.packages for r in earlier)
    other_adapters = sum(r.packages == newest.packages and r.adapter != newest.adapter for r in earlier)
    earlier = [r for r in earlier if r.packages == newest.packages and r.adapter == newest.adapter]
    verdict = Verdict(key, environment, "unchanged", history_runs=len(earlier))
    if other_versions:
        verdict.reasons.append(f"{other_versions} earlier run(s) with other library versions left out")
    if other_adapters:
        verdict.reasons.append(f"adapter changed: {other_adapters} earlier run(s) of other adapter code "
                               f"left out (now {newest.adapter})")
    if newest.ok < newest.runs and all(r.ok == r.runs for r in earlier):
        verdict.verdict = "failing"
        verdict.reasons.append(f"{newest.runs - newest.ok} of {newest.runs} runs not ok")
        return verdict
    if newest.ok and not (math.isfinite(newest.metric_value) and math.isfinite(newest.fit_median)):
        verdict.verdict = "broken"
        verdict.reasons.append(f"an ok run has no valid {newest.metric or 'metric'} or fit time "
                               "(NaN, infinite or missing)")
        return verdict
    if len(earlier) < MIN_HISTORY:
        verdict.verdict = "too little history"
        verdict.reasons.append(f"{len(earlier)} earlier run(s), {MIN_HISTORY} needed")
        return verdict
    noted = verdict.reasons
    judged = []
    timed = judge_time(earlier, newest, trust_contended)
    if timed is not None:
        judged.append(timed)
    values = [r.metric_value for r in earlier if math.isfinite(r.metric_value)]
    if newest.metric and len(values) >= MIN_HISTORY and math.isfinite(newest.metric_value):
        judged.append(metric_verdict(values, newest.metric_value, lower_better, newest.metric))
    verdict.reasons = [why for _, why in judged] + noted
    names = [name for name, _ in judged]
    for name in ("slower", "worse", "faster", "better", "not judged"):
        if name in names:
            verdict.verdict = name
            break
    return verdict


def history(paths: Iterable[Path], all_environments: bool = False, cache: Path | None = None,
            trust_contended: bool = False) -> History:
    """Read the runs (through ``cache`` when given) and judge each environment's newest run."""
    rows = read_history(paths, cache)
    if all_environments:
        for row in rows:
            row.environment = row.packages = "all"
    result = History(rows)
    by_env: dict[str, list[CellRun]] = defaultdict(list)
    for row in rows:
        by_env[row.environment].append(row)
    for environment, env_rows in by_env.items():
        newest_run = env_rows[-1].run  # rows are sorted oldest first
        result.newest[environment] = newest_run
        cells: dict[GroupKey, list[CellRun]] = defaultdict(list)
        for row in env_rows:
            cells[row.key].append(row)
        # A backend the newest run did not run at all (``run --backend torch``) is not judged; one it ran
        # but without a cell of its history is missing.
        ran = {row.key.backend for row in env_rows if row.run == newest_run}
        for key, series in cells.items():
            latest = series[-1]
            if latest.run != newest_run:
                if key.backend in ran:
                    result.missing.append((environment, key))
                continue
            lower = lower_is_better(latest.metric) if latest.metric else False
            result.verdicts.append(judge_cell(key, environment, series[:-1], latest, lower, trust_contended))
    return result
