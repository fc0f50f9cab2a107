"""The report's tables as rows of display strings.

Every format shows the same rows: the terminal (rich or plain), Markdown,
the CSV (:func:`summary_frame`, numbers) and the HTML page; their text
renderings, each neutralising text from records, are in :mod:`bench.report.render`.
The statistics are in :mod:`bench.report.summary`; the files are written by
:mod:`bench.report.writers`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd

from bench.core.record import Record
from bench.core.spec import PROTOCOL_DEFAULTS
from bench.report.answer import answer_rows, answers
from bench.report.crossover import crossover_rows
from bench.report.numbers import DASH, fmt, fmt_metric, fmt_time
from bench.report.render import Row, print_sections
from bench.report.reproduction import REPRODUCTION_HEADING, REPRODUCTION_NOTE, reproduction_rows
from bench.report.stats import OLYMPIC_MIN_RUNS
from bench.report.summary import REFERENCE_BACKEND, GroupSummary, environments, executors_text
from bench.report.tuned import TUNED_HEADING, TUNED_NOTE, tuned_rows
from bench.report.verdict import overall_rows, pair_rows, paragraphs, verdicts

STATISTICS_NOTE = (
    "Metric: mean ± half-width of the 95 % confidence interval over seeds (Student t, n − 1 d.f.). "
    "Times: median [interquartile range] over the seeds that ran; olympic = mean without the fastest "
    "and slowest run (MLPerf scoring, shown from 5 seeds). Epoch = steady-state epoch (median after the "
    "first); first epoch includes compilation and warm-up."
)
TARGET_NOTE = (
    "Epochs to the task's target metric on held-out data, median over the seeds that reached it, beside "
    "the NumPy reference's on the same task and the same spec. Fewer than half the reference's epochs "
    "is flagged suspicious (after MLPerf's reference convergence points); a backend training another "
    "network (the perceptron) is not compared."
)

ANSWER_HEADING = "The answer: ranking per task"
OVERALL_HEADING = "Across tasks: mean rank per backend"
OVERALL_NOTE = (
    "Mean of the per-task ranks (1 = best; ties share a rank; a backend without a valid result, or for time "
    "one below the quality gate, shares the last rank) with a 95 % bootstrap interval over the tasks "
    "(1,000 seeded redraws). Overlapping intervals: not told apart."
)
PAIRS_HEADING = "Across tasks: pairwise wins"
PAIRS_NOTE = ("Tasks on which each backend of a pair ranks ahead of the other; a tie counts half in the "
              "win rate.")
CROSSOVER_HEADING = "Where one backend overtakes another (bench scaling)"
CROSSOVER_NOTE = (
    "From the newest scaling file of each data set beside the results: seconds per epoch along each sweep; "
    "within 10 % the two are even; a crossover is interpolated on log-log axes between the points around it."
)
TIE_NOTE = (
    "best: the leader by the metric and every backend tied with it (equal up to rounding: within 1e-9 of "
    "the value; or inside the seed noise: Welch's t over seeds at α = 0.05); a single name only when the "
    "difference is significant. by time: ratios to the fastest median, only among backends that reach the "
    "task's target or tie with the best (the others: did not reach); timed by the time to the target "
    "where every such backend reached it, else the fit time; (tie): within ±max(10 %, relative IQR) or "
    "Welch's t on log times not significant. size: the epoch's arithmetic (6 × rows × weights FLOPs) "
    "over the most efficient backend's steady epoch; under 5 GFLOP/s it is overhead-bound (toy size: "
    "these times measure per-call overhead)."
)


# --- formatting ----------------------------------------------------------------------------------

def spec_text(spec: dict[str, Any] | None) -> str:
    """One line naming the network and its training recipe."""
    if not spec:
        return DASH
    layers = "-".join(str(n) for n in spec.get("layers", []))
    batch = spec.get("batch_size")
    batch_text = "full batch" if batch == 0 else f"batch {batch}"
    return (f"{layers} {spec.get('hidden_activation')}/{spec.get('output_activation')} "
            f"{spec.get('loss')}({spec.get('reduction')}) {spec.get('optimizer')} "
            f"lr={spec.get('learning_rate')} momentum={spec.get('momentum')} {batch_text} "
            f"epochs={spec.get('epochs')} init={spec.get('init')} {spec.get('dtype')}"
            + "".join(f" {name}={spec[name]}" for name in PROTOCOL_DEFAULTS if name in spec))


def _notes(summary: GroupSummary) -> str:
    notes = []
    for status in ("failed", "skipped"):
        if summary.statuses.get(status):
            notes.append(f"{summary.statuses[status]} {status}")
    if summary.not_converged:
        notes.append(f"{summary.not_converged} not converged")
    if summary.deviations:
        notes.append(f"{len(summary.deviations)} deviation{'s' * (len(summary.deviations) > 1)}")
    if summary.suspicious:
        notes.append("suspicious convergence")
    if len(summary.executors) > 1:
        notes.append(f"mixed executors ({executors_text(summary.executors)}): fit times not comparable")
    for mark, count in (("contended", summary.contended), ("unstable", summary.unstable)):
        if count:
            notes.append(f"{count}/{summary.ok} {mark}")
    return "; ".join(notes)


# --- tables --------------------------------------------------------------------------------------

@dataclass
class ReportTables:
    """The report's tables as rows of display strings (same content in every format)."""

    #: the answer first: per task and division, backends ranked by metric and fit time
    answer: list[Row] = field(default_factory=list)
    #: the plain sentences that open every report: one paragraph per division
    verdict: list[str] = field(default_factory=list)
    overall: list[Row] = field(default_factory=list)
    pairs: list[Row] = field(default_factory=list)
    crossovers: list[Row] = field(default_factory=list)
    #: the tuned division against the open one, per task and backend (bench.report.tuned)
    tuned: list[Row] = field(default_factory=list)
    summary: list[Row] = field(default_factory=list)
    target: list[Row] = field(default_factory=list)
    failures: list[Row] = field(default_factory=list)
    deviations: list[Row] = field(default_factory=list)
    environment: list[Row] = field(default_factory=list)
    specs: list[Row] = field(default_factory=list)
    #: published figures the suite reruns, beside the rerun's (bench.report.reproduction)
    reproduction: list[Row] = field(default_factory=list)

    def sections(self) -> list[tuple[str, list[Row], str]]:
        """(title, rows, note) of every non-empty table, in reading order."""
        parts = [
            (ANSWER_HEADING, self.answer, TIE_NOTE),
            (REPRODUCTION_HEADING, self.reproduction, REPRODUCTION_NOTE),
            (OVERALL_HEADING, self.overall, OVERALL_NOTE),
            (PAIRS_HEADING, self.pairs, PAIRS_NOTE),
            (CROSSOVER_HEADING, self.crossovers, CROSSOVER_NOTE),
            (TUNED_HEADING, self.tuned, TUNED_NOTE),
            ("Summary", self.summary, STATISTICS_NOTE),
            ("Time to target vs the NumPy reference", self.target, TARGET_NOTE),
            ("Failures and skips", self.failures, ""),
            ("Deviations from the spec", self.deviations, ""),
            ("Networks trained (resolved specs)", self.specs, ""),
            ("Environment", self.environment, ""),
        ]
        return [part for part in parts if part[1]]


def _show_columns(summaries: list[GroupSummary]) -> tuple[bool, bool, bool]:
    """Whether the spec, device and division columns are needed to tell the rows apart."""
    cells = [(s.task, s.backend, s.device, s.division) for s in summaries]
    devices = {s.device for s in summaries}
    divisions = {s.division for s in summaries}
    return len(cells) != len(set(cells)), len(devices) > 1, len(divisions) > 1


def versus_reference_text(summary: GroupSummary) -> str:
    """``same`` / ``higher (Welch p=…)`` / ``lower (…)`` against the reference, or a dash."""
    if not summary.versus_reference:
        return DASH
    note = summary.versus_reference_note
    return f"{summary.versus_reference} ({note})" if note else summary.versus_reference


def summary_rows(summaries: list[GroupSummary]) -> list[Row]:
    show_spec, show_device, show_division = _show_columns(summaries)
    show_olympic = any(s.fit.n >= OLYMPIC_MIN_RUNS for s in summaries)
    show_versus = any(s.versus_reference for s in summaries)
    rows = []
    for s in summaries:
        row: Row = {"task": s.task, "backend": s.backend}
        if show_division:
            row["division"] = s.division
        if show_device:
            row["device"] = s.device
        if show_spec:
            row["spec"] = s.spec_key
        row["runs"] = f"{s.ok}/{s.runs} ok"
        row["metric"] = s.metric or DASH
        row["mean ± 95% CI"] = fmt_metric(s.metric_mean, s.metric_ci95)
        if show_versus:
            row[f"vs {REFERENCE_BACKEND}"] = versus_reference_text(s)
        row["fit s"] = fmt_time(s.fit)
        if show_olympic:
            row["fit s olympic"] = fmt(s.fit.olympic)
        row["predict ms"] = fmt_time(s.predict, scale=1000)
        row["epoch ms"] = fmt(s.steady_epoch.median, scale=1000)
        row["first epoch ms"] = fmt(s.first_epoch.median, scale=1000)
        row["epochs"] = fmt(s.epochs_median, digits=6)
        row["peak MB"] = fmt(s.peak_memory_mb, digits=4)
        row["notes"] = _notes(s)
        rows.append(row)
    return rows


def _identity(s: GroupSummary, show_division: bool) -> Row:
    row: Row = {"task": s.task, "backend": s.backend}
    if show_division:
        row["division"] = s.division
    return row


def target_rows(summaries: list[GroupSummary]) -> list[Row]:
    show_division = _show_columns(summaries)[2]
    rows = []
    for s in summaries:
        if not s.target or not s.ok:
            continue
        sign = "≥" if s.target.get("direction", "max") == "max" else "≤"
        if s.curves_off:
            verdict = "n/a: learning curves off (--curve-points 0)"
        elif s.folds > 1:
            verdict = f"n/a: {s.folds}-fold evaluation, no single held-out curve"
        else:
            verdict = ("reference" if s.backend == REFERENCE_BACKEND and s.reached_target
                       else s.reference_note or ("comparable" if s.reached_target else "never reached"))
        rows.append({
            **_identity(s, show_division),
            "target": f"{s.target.get('metric')} {sign} {s.target.get('value')}",
            "reached": f"{s.reached_target}/{s.ok}",
            "time to target s": fmt(s.time_to_target_median),
            "epochs to target": fmt(s.epochs_to_target_median, digits=6),
            "reference epochs": fmt(s.reference_epochs_to_target, digits=6),
            "ratio": fmt(s.epochs_ratio, digits=2),
            "verdict": verdict,
        })
    return rows


def failure_rows(summaries: list[GroupSummary]) -> list[Row]:
    show_division = _show_columns(summaries)[2]
    return [{**_identity(s, show_division), "device": s.device, "runs": str(count), "reason": reason}
            for s in summaries for reason, count in s.reasons.items()]


def deviation_rows(summaries: list[GroupSummary]) -> list[Row]:
    show_division = _show_columns(summaries)[2]
    return [{**_identity(s, show_division), "deviation": deviation}
            for s in summaries for deviation in s.deviations]


def spec_rows(summaries: list[GroupSummary]) -> list[Row]:
    show_division = _show_columns(summaries)[2]
    by_key: dict[str, dict[str, Any]] = {}
    for s in summaries:
        if s.spec:
            entry = by_key.setdefault(s.spec_key, {"spec": s.spec, "used": []})
            entry["used"].append(f"{s.backend} × {s.task}" + (f" ({s.division})" if show_division else ""))
    return [{"spec": key, "network": spec_text(entry["spec"]), "used by": ", ".join(entry["used"])}
            for key, entry in by_key.items()]


def environment_rows(records: Iterable[Record]) -> list[Row]:
    rows = []
    for name, values in environments(records).items():
        rows.append({"field": name, "value": " | ".join(sorted(values)),
                     "note": "differs between runs" if len(values) > 1 else ""})
    return rows


def build_tables(summaries: list[GroupSummary], records: list[Record],
                 scaling: Iterable[Path] = ()) -> ReportTables:
    items = answers(records)
    found = verdicts(items)
    return ReportTables(
        answer=answer_rows(items), verdict=paragraphs(found), overall=overall_rows(found),
        pairs=pair_rows(found), crossovers=crossover_rows(list(scaling)), tuned=tuned_rows(records),
        summary=summary_rows(summaries), target=target_rows(summaries),
        failures=failure_rows(summaries), deviations=deviation_rows(summaries),
        environment=environment_rows(records), specs=spec_rows(summaries),
        reproduction=reproduction_rows(records),
    )


def summary_frame(summaries: list[GroupSummary]) -> pd.DataFrame:
    """One numeric row per group: the CSV beside the results."""
    rows = []
    for s in summaries:
        row: dict[str, Any] = {
            "task": s.task, "backend": s.backend, "device": s.device, "spec_key": s.spec_key,
            "runs": s.runs, "ok": s.ok, "failed": s.statuses.get("failed", 0),
            "skipped": s.statuses.get("skipped", 0), "metric": s.metric,
            "metric_mean": s.metric_mean, "metric_ci95": s.metric_ci95, "metric_n": s.metric_n,
            "division": s.division, f"vs_{REFERENCE_BACKEND}": s.versus_reference,
            f"vs_{REFERENCE_BACKEND}_note": s.versus_reference_note,
        }
        for prefix, stats in (("fit", s.fit), ("predict", s.predict)):
            row.update({f"{prefix}_median_s": stats.median, f"{prefix}_q1_s": stats.q1,
                        f"{prefix}_q3_s": stats.q3, f"{prefix}_olympic_s": stats.olympic})
        row.update({
            "first_epoch_median_s": s.first_epoch.median, "steady_epoch_median_s": s.steady_epoch.median,
            "epochs_median": s.epochs_median, "peak_memory_mb": s.peak_memory_mb,
            "target_metric": (s.target or {}).get("metric"), "target_value": (s.target or {}).get("value"),
            "reached_target": s.reached_target, "time_to_target_median_s": s.time_to_target_median,
            "epochs_to_target_median": s.epochs_to_target_median,
            "reference_epochs_to_target": s.reference_epochs_to_target, "epochs_ratio": s.epochs_ratio,
            "suspicious": s.suspicious, "reference_note": s.reference_note, "not_converged": s.not_converged,
            "reasons": "; ".join(f"{n}× {reason}" for reason, n in s.reasons.items()),
            "deviations": "; ".join(s.deviations), "executors": executors_text(s.executors),
            "contended_runs": s.contended, "unstable_runs": s.unstable,
        })
        for name, (mean, ci) in s.other_metrics.items():
            row[f"{name}_mean"], row[f"{name}_ci95"] = mean, ci
        rows.append(row)
    return pd.DataFrame(rows)


#: The tables a terminal shows of a report (the files hold them all).
TERMINAL_SECTIONS = (ANSWER_HEADING, REPRODUCTION_HEADING, OVERALL_HEADING, CROSSOVER_HEADING, TUNED_HEADING,
                     "Summary", "Time to target vs the NumPy reference", "Failures and skips")


def print_tables(tables: ReportTables, stream: IO[str] | None = None, rich: bool | None = None,
                 include: tuple[str, ...] = TERMINAL_SECTIONS) -> None:
    """The main tables of a report on a terminal (see :func:`print_sections`)."""
    print_sections([s for s in tables.sections() if s[0] in include], stream, rich)
