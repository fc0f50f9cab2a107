"""Summary tables from a results file: backend × task, over seeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from bench.results import read_records


def records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per run, metrics flattened to ``metric.<name>`` columns."""
    rows = []
    for record in records:
        row = {k: record.get(k) for k in ("backend", "task", "seed", "device", "status", "reason",
                                           "converged", "fit_seconds", "predict_seconds",
                                           "first_epoch_seconds", "steady_epoch_seconds",
                                           "epochs", "peak_memory_mb", "time_to_target_seconds")}
        for name, value in (record.get("metrics") or {}).items():
            if isinstance(value, (int, float)):
                row[f"metric.{name}"] = value
        rows.append(row)
    return pd.DataFrame(rows)


def summarise(records: list[dict[str, Any]]) -> pd.DataFrame:
    """backend × task: main metric mean ± std over ok seeds, median times, statuses."""
    frame = records_frame(records)
    out = []
    for (task, backend), group in frame.groupby(["task", "backend"], sort=False):
        ok = group[group["status"] == "ok"]
        row: dict[str, Any] = {"task": task, "backend": backend,
                               "runs": f"{len(ok)}/{len(group)} ok"}
        for column in [c for c in frame.columns if c.startswith("metric.")]:
            values = ok[column].dropna()
            if len(values):
                row[column[7:]] = f"{values.mean():.4f} ± {values.std(ddof=1) if len(values) > 1 else 0:.4f}"
        row["fit_s (median)"] = _median(ok["fit_seconds"])
        row["predict_ms (median)"] = _median(ok["predict_seconds"] * 1000)
        row["epochs"] = _median(ok["epochs"])
        not_converged = int((ok["converged"] == False).sum())  # noqa: E712
        notes = [f"{not_converged} not converged"] if not_converged else []
        notes += sorted({str(r) for r in group.loc[group["status"] != "ok", "reason"]})
        row["notes"] = "; ".join(notes)
        out.append(row)
    return pd.DataFrame(out)


def _median(series: pd.Series) -> float | None:
    values = pd.to_numeric(series, errors="coerce").dropna()
    return round(float(values.median()), 4) if len(values) else None


def write_reports(results_path: Path) -> tuple[pd.DataFrame, list[Path]]:
    """Write ``<results>.md`` and ``<results>.csv`` beside the JSONL."""
    results_path = Path(results_path)
    table = summarise(read_records(results_path))
    markdown = results_path.with_suffix(".md")
    csv = results_path.with_suffix(".csv")
    markdown.write_text(table.to_markdown(index=False) + "\n", encoding="utf-8")
    table.to_csv(csv, index=False)
    return table, [markdown, csv]

