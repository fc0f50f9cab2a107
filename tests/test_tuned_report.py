"""The tuned division's report on hand-made records: tuned against open, the tuning figure, one row."""

from __future__ import annotations

import math
from typing import Any

from synthetic_results import SPEC, record

from bench.core.record import as_records
from bench.report.summary import summarise
from bench.report.tables import build_tables
from bench.report.tuned import TUNED_HEADING, tuned_rows, tuning_traces


def tuning(seconds: list[float], scores: list[float | None], chosen_lr: float = 0.02) -> dict[str, Any]:
    trials = [{"number": i, "values": {"learning_rate": 0.01 * (i + 1), "batch_size": 16, "optimizer": "sgd"},
               "status": "ok" if score is not None else "failed", "reason": "",
               "validation_score": score, "best_epoch": 3, "fit_seconds": s / 2, "wall_seconds": s,
               "validation_curve": []} for i, (s, score) in enumerate(zip(seconds, scores))]
    return {"space": {}, "metric": "accuracy", "direction": "max", "sampler": "random", "sampler_seed": 0,
            "trials": trials, "chosen": 1, "chosen_values": {"learning_rate": chosen_lr, "batch_size": 16,
                                                              "optimizer": "sgd"},
            "chosen_epochs": 3, "validation_score": max(s for s in scores if s is not None),
            "tuning_seconds": sum(seconds)}


def tuned_record(seed: int, accuracy: float, lr: float) -> dict[str, Any]:
    spec = {**SPEC, "learning_rate": lr, "epochs": 3}  # the values tuning chose differ per seed
    return record("torch", seed=seed, accuracy=accuracy, spec=spec, division="tuned",
                  tuning=tuning([1.0, 2.0, 1.5], [0.5, None, 0.75], chosen_lr=lr))


def records() -> list[dict[str, Any]]:
    opened = [record("torch", seed=s, accuracy=a, division="open")
              for s, a in ((0, 0.50), (1, 0.52), (2, 0.49))]
    tuned = [tuned_record(s, a, 0.01 * (s + 1)) for s, a in ((0, 0.90), (1, 0.92), (2, 0.91))]
    return opened + tuned


def test_tuned_against_open_says_what_tuning_bought() -> None:
    [row] = tuned_rows(records())
    assert row["backend"] == "torch" and row["metric"] == "accuracy"
    assert row["open"] == "0.5033" and row["tuned"] == "0.91"
    assert row["change"].startswith("+0.40") and row["verdict"].startswith("better")
    assert row["trials per cell"] == "3" and row["tuning s"] == "4.5"
    assert row["chosen (first seed)"] == "lr 0.01, batch 16, sgd, 3 ep"


def test_tuned_seeds_share_one_summary_row_apart_from_open() -> None:
    summaries = summarise(as_records(records()))
    assert sorted((s.division, s.runs) for s in summaries) == [("open", 3), ("tuned", 3)]
    tables = build_tables(summaries, as_records(records()))
    assert TUNED_HEADING in [title for title, _, _ in tables.sections()]


def test_the_tuning_trace_is_the_running_best_over_cumulative_time() -> None:
    [trace] = tuning_traces(records())
    assert trace.backend == "torch" and trace.metric == "accuracy"
    assert trace.seconds == [1.0, 3.0, 4.5]
    assert trace.best == [0.5, 0.5, 0.75]  # a failed trial costs time and keeps the best


def test_the_tuning_figure_draws_one_line_per_backend() -> None:
    from bench.report.plots import backend_colours
    from bench.report.tuned_plot import plot_tuning

    figure = plot_tuning(as_records(records()), backend_colours(["torch"]))
    assert figure is not None
    [ax] = [ax for ax in figure.axes if ax.get_visible()]
    assert [line.get_label() for line in ax.get_lines()] == ["torch"]
    assert plot_tuning(as_records(records()[:3]), {}) is None  # open only: no figure
    assert not math.isnan(ax.get_lines()[0].get_ydata()[-1])
