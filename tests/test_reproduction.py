"""Reproduced vs published: the suite's [[published]] entries, their validation, the comparison rule."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import synthetic_results

from bench.cli import main
from bench.core.published import Published, PublishedError, published_from_mapping, published_list
from bench.core.record import Record
from bench.report.reproduction import REPRODUCTION_HEADING, Reproduction, reproduction_rows, reproductions
from bench.report.tables import build_tables
from bench.run.suite import SuiteError, suite_from_mapping

ENTRY = {"task": "xor", "backend": "numpy", "division": "closed", "metric": "accuracy", "value": 0.9,
         "spread": 0.01, "spread_source": "the figure's rounding", "source": "Paper 2017, Table 3, row 1"}


def published(**changes: object) -> Published:
    return published_from_mapping({**ENTRY, **changes}, "published[0]")


# --- parsing --------------------------------------------------------------------------------------

def test_an_entry_is_read_with_every_field() -> None:
    entry = published()
    assert (entry.task, entry.metric, entry.value, entry.spread) == ("xor", "accuracy", 0.9, 0.01)
    assert (entry.low, entry.high) == pytest.approx((0.89, 0.91))
    assert published_from_mapping(entry.to_dict(), "stored") == entry  # the suite_config round trip


@pytest.mark.parametrize(("changes", "message"), [
    ({"value": math.nan}, "value must be a finite number, got nan"),
    ({"value": math.inf}, "value must be a finite number"),
    ({"value": True}, "value must be a finite number, got True"),
    ({"value": "0.9"}, "value must be a finite number, got '0.9'"),
    ({"spread": -0.1}, "spread must be >= 0 (a half-width), got -0.1"),
    ({"source": ""}, "source must be a non-empty string"),
    ({"task": 3}, "task must be a non-empty string, got 3"),
    ({"colour": "red"}, "unknown key(s) ['colour']"),
])
def test_bad_entries_are_refused_naming_the_key(changes: dict[str, object], message: str) -> None:
    with pytest.raises(PublishedError, match="published\\[0\\]") as error:
        published(**changes)
    assert message in str(error.value)


def test_missing_keys_and_repeated_cells_are_refused() -> None:
    with pytest.raises(PublishedError, match=r"missing key\(s\) \['spread', 'spread_source'\]"):
        published_from_mapping({k: v for k, v in ENTRY.items() if not k.startswith("spread")}, "p")
    with pytest.raises(PublishedError, match="xor/numpy/closed/accuracy is listed more than once"):
        published_list([ENTRY, ENTRY])
    with pytest.raises(PublishedError, match="must be a list of tables"):
        published_list({"task": "xor"})
    assert published_list([]) == []


# --- suite validation -----------------------------------------------------------------------------

def suite(**published_changes: object) -> None:
    data = {"backends": ["numpy"], "tasks": ["xor"], "seeds": [0],
            "published": [{**ENTRY, **published_changes}]}
    suite_from_mapping(data, "suite.toml").validate()


def test_a_suite_entry_naming_a_known_cell_is_valid_even_when_a_flag_narrowed_it_away() -> None:
    suite()
    suite(task="and", backend="torch", division="open")  # e.g. --task / --backend: the report says "not run"


@pytest.mark.parametrize(("changes", "message"), [
    ({"task": "andd"}, "published[0]: unknown task 'andd'"),
    ({"backend": "torchh"}, "published[0]: unknown backend 'torchh'"),
    ({"division": "half-open"}, "published[0]: unknown division 'half-open'; known: closed, open"),
    ({"metric": "r2"}, "published[0]: task 'xor' is not scored on 'r2'"),
    ({"metric": "confusion_matrix"}, "task 'xor' is not scored on 'confusion_matrix'"),
    ({"spread": -1}, "published[0]: spread must be >= 0"),
])
def test_a_suite_entry_must_name_known_names_and_a_ranked_metric(changes: dict[str, object],
                                                                 message: str) -> None:
    with pytest.raises(SuiteError) as error:
        suite(**changes)
    assert message in str(error.value)


@pytest.mark.parametrize(("toml", "message"), [
    ('tasks = ["xor"]\nbackends = ["numpy"]\n[[published]]\ntask = "xor"\n', "published[0]: missing key(s)"),
    ('tasks = ["xor"]\nbackends = ["numpy"]\npublished = 3\n', "published must be a list of tables"),
    ('tasks = ["xor"]\nbackends = ["numpy"]\n[[published]]\n' + "\n".join(
        f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {'nan' if k == 'value' else v}"
        for k, v in ENTRY.items()) + "\n", "published[0]: value must be a finite number, got nan"),
])
def test_bad_published_tables_stop_the_run_before_anything_is_written(
        toml: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    Path("suite.toml").write_text(toml)
    assert main(["run", "--suite", "suite.toml"]) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("error: ") and stderr.count("\n") == 1 and message in stderr, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["suite.toml"]


# --- the comparison -------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "verdict"), [
    ((0.905,), "within"),               # inside the published spread
    ((0.911,), "above"),                # one seed: no spread of its own
    ((0.88, 0.9), "within"),            # 2·sd = 0.02 bridges the 0.01 gap to 0.89
    ((0.87, 0.87), "below"),            # no spread, 0.02 under
    ((0.95, 0.96, 0.94), "above"),
    ((), "not run"),
])
def test_within_means_the_intervals_overlap(values: tuple[float, ...], verdict: str) -> None:
    assert Reproduction(published(), values).verdict == verdict


def test_the_rerun_spread_is_twice_the_population_sd_as_the_benchmark_runner_reports() -> None:
    item = Reproduction(published(), (0.88, 0.9))
    assert item.mean == pytest.approx(0.89)
    assert item.spread == pytest.approx(0.02)  # 2 × numpy.std (ddof 0) of ±0.01
    assert Reproduction(published(), (0.9,)).spread == 0.0


def records_with(published_entries: list[dict[str, object]], accuracies: list[float]) -> list[Record]:
    config = {"published": published_entries}
    rows = [synthetic_results.record(seed=seed, accuracy=value, suite_config=config, division="closed")
            for seed, value in enumerate(accuracies)]
    rows.append(synthetic_results.record(backend="torch", seed=0, accuracy=0.1, suite_config=config))
    rows.append(synthetic_results.record(seed=9, status="failed", reason="boom", suite_config=config))
    return [Record.from_dict(row) for row in rows]


def test_only_finished_runs_of_the_named_cell_count() -> None:
    (item,) = reproductions(records_with([ENTRY], [0.88, 0.9]))
    assert item.values == (0.88, 0.9) and item.verdict == "within"


def test_the_report_shows_the_table_only_when_the_suite_lists_published_figures() -> None:
    records = records_with([ENTRY], [0.95])
    (row,) = reproduction_rows(records)
    assert row == {"task": "xor", "backend": "numpy", "division": "closed", "metric": "accuracy",
                   "reproduced": "0.9500 ± 0.0000", "seeds": "1", "published": "0.9 ± 0.01",
                   "difference": "+0.0500", "verdict": "above",
                   "source": "Paper 2017, Table 3, row 1 (spread: the figure's rounding)"}
    headings = [heading for heading, _, _ in build_tables([], records).sections()]
    assert REPRODUCTION_HEADING in headings
    plain = records_with([], [0.95])
    assert reproduction_rows(plain) == []
    assert REPRODUCTION_HEADING not in [h for h, _, _ in build_tables([], plain).sections()]


def test_an_entry_that_no_run_reached_is_shown_as_not_run() -> None:
    (row,) = reproduction_rows(records_with([{**ENTRY, "backend": "sklearn"}], [0.9]))
    assert (row["reproduced"], row["verdict"], row["seeds"]) == ("—", "not run", "0")


def test_the_workers_plain_records_are_read_as_well() -> None:
    config = {"published": [ENTRY]}
    rows = [synthetic_results.record(seed=seed, accuracy=value, division="closed", suite_config=config)
            for seed, value in enumerate((0.9, 0.91))]
    (item,) = reproductions(rows)
    assert item.values == (0.9, 0.91) and item.verdict == "within"


def test_a_stored_suite_config_rebuilds_the_published_entries_for_resume() -> None:
    data = {"backends": ["numpy"], "tasks": ["xor"], "seeds": [0], "published": [ENTRY],
            "tasks_backends": {"xor": ["numpy"]}}
    original = suite_from_mapping(data, "suite.toml")
    original.validate()
    rebuilt = suite_from_mapping(original.to_dict(), "suite_config")
    rebuilt.validate()
    assert rebuilt.published == [ENTRY] and rebuilt.cells() == original.cells()
