"""A metric that became NaN, infinite or vanished is never "unchanged", never best or fastest."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from synthetic_results import record, write
from test_history import write_runs

from bench.cli import main
from bench.report.answer import answers
from bench.report.compare import compare_records
from bench.report.history import history

GOOD = [0.80, 0.84, 0.78, 0.83, 0.81]
TIMES = [1.0, 1.05, 0.97, 1.02, 0.99]


def broken(rec: dict, variant: str) -> dict:
    """``rec`` with its metric or fit time broken in one way; still status ok."""
    rec = {**rec, "metrics": dict(rec["metrics"])}
    if variant == "missing":
        del rec["metrics"]["accuracy"]
    elif variant == "no metrics":
        rec["metrics"] = {}
    elif variant == "null":
        rec["metrics"]["accuracy"] = None
    elif variant == "text":
        rec["metrics"]["accuracy"] = "0.9"
    elif variant == "fit nan":
        rec["fit_seconds"] = math.nan
    elif variant == "fit null":
        rec["fit_seconds"] = None
    elif variant == "fit zero":
        rec["fit_seconds"] = 0.0
    elif variant == "fit negative":
        rec["fit_seconds"] = -1.0
    elif variant == "metrics null":
        rec["metrics"] = None
    else:
        rec["metrics"]["accuracy"] = float(variant)
    return rec


VARIANTS = ["nan", "inf", "-inf", "missing", "no metrics", "null", "fit nan", "fit null", "fit zero",
            "fit negative", "metrics null"]


def runs(backend: str = "numpy", fast: float = 1.0, bad: str | None = None, which: int = 0) -> list[dict]:
    out = [record(backend, seed=s, accuracy=a, fit=t * fast) for s, (a, t) in enumerate(zip(GOOD, TIMES))]
    if bad:
        out[which] = broken(out[which], bad)
    return out


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("which", [0, 4])
def test_compare_calls_a_broken_metric_worse_and_the_gate_fails(tmp_path: Path, capsys, variant, which):
    (cell,) = compare_records(runs(), runs(bad=variant, which=which)).cells
    assert cell.verdict == "worse" and "no valid" in "; ".join(cell.reasons)
    (fixed,) = compare_records(runs(bad=variant, which=which), runs()).cells
    assert fixed.verdict == "better"
    old, new = write(tmp_path / "old.jsonl", runs()), write(tmp_path / "new.jsonl", runs(bad=variant))
    assert main(["compare", str(old), str(new), "--fail-on-regression"]) == 1
    assert "1 cell(s) worse" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["compare", "report"])
def test_a_metric_that_is_not_a_number_refuses_the_file(tmp_path: Path, capsys, command):
    """Text where a number belongs is a malformed record: the file is refused (one line, exit 2), so no gate
    can pass on it."""
    old, new = write(tmp_path / "old.jsonl", runs()), write(tmp_path / "new.jsonl", runs(bad="text"))
    paths = [str(old), str(new), "--fail-on-regression"] if command == "compare" else [str(new)]
    assert main([command, *paths]) == 2
    err = capsys.readouterr().err
    assert "metric 'accuracy' must be a number" in err and "Traceback" not in err


@pytest.mark.parametrize("variant", VARIANTS)
def test_ranking_never_calls_a_broken_backend_best_or_fastest(variant):
    records = runs("numpy", fast=3.0) + runs("torch", fast=0.1, bad=variant, which=2)
    (answer,) = answers(records)
    assert [s.backend for s in answer.by_time] == ["numpy"]
    assert [s.backend for s in answer.by_metric] == ["numpy"]
    assert answer.unranked == ["torch (no valid metric)"]


@pytest.mark.parametrize("variant", ["nan", "inf", "missing", "null", "fit nan"])
def test_history_gate_fails_on_a_broken_newest_run(tmp_path: Path, capsys, variant):
    paths = write_runs(tmp_path / "results")
    newest = paths[-1]
    import json

    records = [json.loads(line) for line in newest.read_text().splitlines()]
    records = [broken(r, variant) if (r["backend"], r["task"], r["seed"]) == ("torch", "xor", 1) else r
               for r in records]
    newest.write_text("".join(json.dumps(r) + "\n" for r in records))
    verdicts = {(v.key.backend, v.key.task): v.verdict for v in history([tmp_path / "results"]).verdicts}
    assert verdicts[("torch", "xor")] == "broken"
    assert verdicts[("numpy", "xor")] == "unchanged"
    assert main(["history", str(tmp_path / "results"), "--no-plots", "--fail-on-regression"]) == 1
    assert "torch × xor (closed): broken" in capsys.readouterr().err
