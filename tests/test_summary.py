"""Summary statistics on known numbers, and summaries of failed, skipped and suspicious runs."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from synthetic_results import SPEC, record, write

from bench.report.stats import median_iqr, olympic_mean, t_interval
from bench.report.summary import spec_key, summarise
from bench.report.tables import build_tables, print_tables
from bench.report.writers import write_reports


def test_t_interval_matches_the_student_t_formula() -> None:
    mean, half = t_interval([1, 2, 3, 4, 5])
    # s = sqrt(2.5), t_{0.975, 4} = 2.776445, half = t * s / sqrt(5)
    assert mean == 3
    assert half == pytest.approx(2.776445 * math.sqrt(2.5) / math.sqrt(5), rel=1e-6)


def test_t_interval_of_one_or_identical_values() -> None:
    assert math.isnan(t_interval([0.9])[1])
    assert t_interval([0.9])[0] == 0.9
    assert t_interval([1.0, 1.0, 1.0]) == (1.0, 0.0)
    assert all(math.isnan(v) for v in t_interval([]))


def test_median_and_quartiles_interpolate_linearly() -> None:
    assert median_iqr([4, 1, 3, 2]) == (2.5, 1.75, 3.25)
    assert median_iqr([7]) == (7, 7, 7)


def test_olympic_mean_drops_fastest_and_slowest_from_five_runs() -> None:
    assert olympic_mean([10, 1, 2, 3, 100]) == 5
    assert math.isnan(olympic_mean([1, 2, 3, 4]))


def test_spec_key_ignores_the_seed_only() -> None:
    assert spec_key({**SPEC, "seed": 1}) == spec_key({**SPEC, "seed": 7})
    assert spec_key(SPEC) != spec_key({**SPEC, "learning_rate": 0.1})
    assert spec_key(None) == "-"


def test_failed_and_skipped_runs_are_counted_not_averaged() -> None:
    runs = ((0, 1.0, 1.0), (1, 0.5, 2.0), (2, 0.75, 3.0))
    records = [record(seed=s, accuracy=a, fit=f) for s, a, f in runs]
    killed = record(seed=3, status="failed", reason="timed out after 600 s", spec=None)
    killed["spec"] = None  # killed before the spec was resolved
    records += [killed, record(seed=4, status="skipped", reason="torch not installed")]
    (summary,) = summarise(records)
    assert summary.runs == 5 and summary.ok == 3
    assert summary.statuses == {"ok": 3, "failed": 1, "skipped": 1}
    assert summary.metric == "accuracy" and summary.metric_n == 3
    assert summary.metric_mean == pytest.approx(0.75)
    assert summary.fit.median == 2.0 and summary.fit.iqr == 1.0
    assert math.isnan(summary.fit.olympic)  # fewer than 5 timed runs
    assert summary.reasons == {"timed out after 600 s": 1, "torch not installed": 1}


def test_a_group_of_only_failures_has_no_numbers() -> None:
    records = [record("keras", seed=s, status="failed", reason="ImportError: no keras") for s in range(2)]
    (summary,) = summarise(records)
    assert summary.ok == 0 and math.isnan(summary.metric_mean) and summary.fit.n == 0
    tables = build_tables([summary], records)
    assert tables.failures == [{"task": "xor", "backend": "keras", "device": "cpu", "runs": "2",
                                "reason": "ImportError: no keras"}]
    assert tables.summary[0]["mean ± 95% CI"] == "–" and tables.summary[0]["fit s"] == "–"


def test_far_fewer_epochs_than_the_reference_on_the_same_spec_is_suspicious() -> None:
    perceptron_spec = {**SPEC, "layers": [2, 1], "hidden_activation": "step"}
    records = (
        [record("numpy", seed=s, epochs_to_target=40) for s in range(3)]
        + [record("fastlib", seed=s, epochs_to_target=10) for s in range(3)]
        + [record("honest", seed=s, epochs_to_target=30) for s in range(3)]
        + [record("declared", seed=s, epochs_to_target=10, deviations=["log-loss instead of mse"])
           for s in range(3)]
        + [record("numpy-perceptron", seed=s, epochs_to_target=2, spec=perceptron_spec) for s in range(3)]
    )
    by_backend = {s.backend: s for s in summarise(records)}
    assert by_backend["fastlib"].suspicious and by_backend["fastlib"].epochs_ratio == 0.25
    assert not by_backend["honest"].suspicious and by_backend["honest"].reference_epochs_to_target == 40
    assert not by_backend["declared"].suspicious  # its own declared deviation explains the speed
    note = by_backend["declared"].reference_note
    assert note.startswith("faster than reference (10 epochs vs reference 40)")
    assert not by_backend["numpy-perceptron"].suspicious
    assert by_backend["numpy-perceptron"].reference_note == "spec differs from reference"
    assert not by_backend["numpy"].suspicious


def test_plain_tables_and_files(tmp_path: Path) -> None:
    records = [record(seed=s, fit=1 + s / 10) for s in range(5)]
    records += [record("numpy-perceptron", seed=s, converged=False, deviations=["step output"])
                for s in range(2)]
    results = write(tmp_path / "run.jsonl", records)
    output = write_reports(results, plots=False, html=False)
    assert output.markdown == tmp_path / "run.md" and output.csv == tmp_path / "run.csv"
    markdown = output.markdown.read_text()
    assert "## Summary" in markdown and "| xor | numpy | 5/5 ok | accuracy |" in markdown
    assert "step output" in markdown and "2 not converged" in markdown
    csv = output.csv.read_text().splitlines()
    assert csv[0].startswith("task,backend,device,spec_key,runs,ok,failed,skipped,metric,metric_mean")
    assert len(csv) == 3
    # 5 seeds: the olympic mean of 1.0..1.4 drops 1.0 and 1.4
    assert output.summaries[0].fit.olympic == pytest.approx(1.2)
    stream = io.StringIO()
    print_tables(output.tables, stream=stream, rich=False)
    assert "not converged" in " ".join(stream.getvalue().split()) and "1.2" in stream.getvalue()
    stream = io.StringIO()
    print_tables(output.tables, stream=stream, rich=True)
    assert "numpy-perceptron" in stream.getvalue() and "Summary" in stream.getvalue()
    assert "[interquartile range]" in " ".join(stream.getvalue().split())  # notes are not rich markup
