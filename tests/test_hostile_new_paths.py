"""Hostile input to the tuned division, the lists and suggestions: each is one ``error:`` line, exit
status 2, nothing written."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

# one error line, status 2, no traceback, nothing written: the helper of the older hostile tests
from test_hostile_inputs import _one_line, in_scratch  # noqa: E402, F401 (in_scratch: an autouse fixture)


def test_trials_flag_with_a_tuning_value_that_is_not_a_table(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text('backends = ["numpy"]\ntasks = ["xor"]\ndivisions = ["tuned"]\n'
                                     "tuning = 5\n")
    err = _one_line(["run", "--suite", "s.toml", "--trials", "2", "--output", "r.jsonl"], capsys, tmp_path)
    assert "tuning" in err


# --- a trial journal that is not one ---------------------------------------------------------------

GOOD_KEYS = ('"backend": "numpy", "task": "xor", "seed": 0, "device": "cpu", "status": "ok", '
             '"division": "tuned"')
HOSTILE_JOURNALS = [
    '[1, 2]\n',
    '"text"\n',
    '{"trial": 5}\n',
    '{' + GOOD_KEYS + ', "trial": {"values": "x"}}\n',
    '{' + GOOD_KEYS + ', "trial": {"number": 0}}\n',
    '{' + GOOD_KEYS + ', "trial": {"number": "0", "values": {"learning_rate": 0.1, "batch_size": 4, '
    '"optimizer": "sgd"}}}\n',
    '{' + GOOD_KEYS + ', "trial": {"number": 0, "values": {"learning_rate": "x", "batch_size": 4, '
    '"optimizer": "sgd"}}}\n',
    '{' + GOOD_KEYS + ', "trial": {"number": 0, "status": "ok", "validation_score": "high", "values": '
    '{"learning_rate": 0.1, "batch_size": 4, "optimizer": "sgd"}}}\n',
    '{' + GOOD_KEYS + ', "trial": {"number": 0, "bogus": 1, "values": {"learning_rate": 0.1, '
    '"batch_size": [4], "optimizer": "sgd"}}}\n',
]


@pytest.mark.parametrize("journal", HOSTILE_JOURNALS)
def test_resume_with_a_hostile_trial_journal_is_one_line(journal: str, capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    (tmp_path / "r.jsonl").write_text("")
    (tmp_path / "r.trials.jsonl").write_text(journal)
    err = _one_line(["run", "--resume", "r.jsonl"], capsys, tmp_path)
    assert "r.trials.jsonl" in err


@pytest.mark.parametrize("division", [[], ["--division", "closed"], ["--division", "both"]])
def test_trials_without_the_tuned_division_is_refused(division: list[str], capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    err = _one_line(["run", "--backend", "numpy", "--task", "xor", *division, "--trials", "2",
                     "--output", "r.jsonl"], capsys, tmp_path)
    assert "--trials" in err and "tuned" in err


# --- a very long unknown name ----------------------------------------------------------------------

@pytest.mark.parametrize("command", [["run", "--backend", "{}", "--task", "xor", "--output", "r.jsonl"],
                                     ["run", "--backend", "numpy", "--task", "{}", "--output", "r.jsonl"],
                                     ["tasks", "--columns", "{}"]])
def test_a_very_long_unknown_name_is_shown_cut_short(command: list[str], capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    name = "q" * 5000
    err = _one_line([part.replace("{}", name) for part in command], capsys, tmp_path)
    assert len(err) < 600 and "q" * 40 in err and "…" in err


def test_a_very_long_unknown_choice_is_shown_cut_short(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path) -> None:
    err = _one_line(["run", "--division", "d" * 3000], capsys, tmp_path)
    assert len(err) < 600 and "d" * 40 in err and "…" in err


# --- a report of records whose tuning is hostile ---------------------------------------------------

def _hostile_tuned(change: dict[str, Any],
                   trial_change: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    import test_tuned_report as tuned

    out = tuned.records()
    for one in out:
        if one["division"] == "tuned":
            one["tuning"] = {**one["tuning"], **change}
            if trial_change is not None:
                one["tuning"]["trials"] = [{**t, **trial_change} for t in one["tuning"]["trials"]]
    return out


HOSTILE_TUNINGS = [({"tuning_seconds": "x"}, None), ({"tuning_seconds": [1]}, None),
                   ({"tuning_seconds": float("nan")}, None), ({"trials": "xyz"}, None),
                   ({"trials": [1, "x", None]}, None), ({"trials": {"a": 1}}, None),
                   ({"trials": 7}, None), ({"chosen_values": [1]}, None),
                   ({}, {"wall_seconds": "x"}), ({}, {"wall_seconds": [2]}),
                   ({}, {"wall_seconds": float("nan"), "fit_seconds": float("inf")}),
                   ({}, {"validation_score": "high"})]


@pytest.mark.parametrize(("change", "trial_change"), HOSTILE_TUNINGS)
def test_the_tuned_report_survives_a_hostile_tuning(change: dict[str, Any],
                                                     trial_change: dict[str, Any] | None) -> None:
    from bench.report.tuned import tuned_rows, tuning_traces

    records = _hostile_tuned(change, trial_change)
    [row] = tuned_rows(records)
    assert row["backend"] == "torch"
    for trace in tuning_traces(records):
        assert all(math.isfinite(s) for s in trace.seconds)
