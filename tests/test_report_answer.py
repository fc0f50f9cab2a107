"""The answer first: backends ranked per task and division, ties inside the noise, the HTML heatmap."""

from __future__ import annotations

import io
import math
import re

from synthetic_results import record, write

from bench.core.record import as_records
from bench.report.answer import answer_rows, answers, metric_ratio, ratio_text
from bench.report.html import heat_colour
from bench.report.writers import WRITERS, Report, write_reports


def suite() -> list[dict]:
    records = []
    for seed in range(3):
        records.append(record("numpy", "xor", seed, accuracy=1.0, fit=0.010 + 0.001 * seed))
        # torch: about as fast as numpy (inside the spread), a noisy accuracy that Welch cannot separate
        records.append(record("torch", "xor", seed, accuracy=1.0 if seed == 0 else 0.75,
                              fit=0.0105 + 0.001 * seed))
        records.append(record("keras", "xor", seed, accuracy=0.5, fit=0.5 + 0.01 * seed))
        records.append(record("numpy", "and", seed, accuracy=1.0, fit=0.002 + 0.0001 * seed))
        records.append(record("torch", "and", seed, status="failed", reason="boom"))
    return records


def test_ranking_by_metric_and_time_with_ratios_and_ties():
    (xor, and_) = answers(as_records(suite()))
    assert (xor.task, and_.task) == ("xor", "and")
    # keras (accuracy 0.5) neither reaches the target (accuracy ≥ 1) nor ties with the best: no time ratio
    assert [s.backend for s in xor.by_time] == ["numpy", "torch"]
    assert [s.backend for s in xor.below_gate] == ["keras"] and math.isnan(xor.below_gate[0].time_ratio)
    assert xor.time_basis == "time to accuracy ≥ 1"  # every gated run reached the target
    numpy, torch = xor.by_time
    assert numpy.time_ratio == 1.0 and not numpy.time_tie
    assert torch.time_tie and math.isclose(torch.time_ratio, 0.0115 / 0.011)
    assert numpy.time_rank == torch.time_rank == 1.5  # a tie shares the rank
    assert [s.backend for s in xor.by_metric] == ["numpy", "torch", "keras"]
    assert xor.by_metric[1].metric_tie and xor.by_metric[1].metric_tie_kind == "noise"  # p > 0.05
    assert not xor.by_metric[2].metric_tie and xor.by_metric[2].metric_ratio == 2.0  # deterministic 0.5
    assert [s.metric_rank for s in xor.by_metric] == [1.5, 1.5, 3.0]
    assert [s.backend for s in xor.leaders] == ["numpy", "torch"]
    assert and_.unranked == ["torch"] and [s.backend for s in and_.by_time] == ["numpy"]


def test_lower_is_better_metric_ranks_ascending():
    target = {"metric": "rmse", "value": 0.1, "direction": "min"}
    records = [record("numpy", "reg", s, fit=1.0, target=target, metrics={"rmse": 0.2}) for s in range(3)]
    records += [record("torch", "reg", s, fit=1.0, target=target, metrics={"rmse": 0.1}) for s in range(3)]
    (answer,) = answers(as_records(records))
    assert answer.lower_better and answer.metric == "rmse"
    assert [s.backend for s in answer.by_metric] == ["torch", "numpy"]
    assert answer.by_metric[1].metric_ratio == 2.0


def test_metric_ratio_undefined_falls_back_to_the_value():
    assert metric_ratio(0.0, 0.0, lower_better=True) == 1.0
    assert math.isnan(metric_ratio(0.1, 0.0, lower_better=True))
    assert ratio_text(1.0) == "1.00×" and ratio_text(46.36) == "46.4×" and ratio_text(math.nan) == "–"


def test_divisions_are_ranked_apart():
    records = [record("numpy", "xor", s, fit=1.0) for s in range(2)]
    records += [record("torch", "xor", s, fit=0.1, division="open") for s in range(2)]
    items = answers(as_records(records))
    assert [(a.division, [s.backend for s in a.by_time]) for a in items] == [
        ("closed", ["numpy"]), ("open", ["torch"])]
    rows = answer_rows(items)
    assert [r["division"] for r in rows] == ["closed", "open"]


def test_rows_read_as_ratios_to_the_best():
    (xor, _) = answer_rows(answers(as_records(suite())))
    assert xor["by time"] == "numpy 1.00×, torch 1.05× (tie); did not reach accuracy ≥ 1: keras"
    assert xor["by metric"] == "numpy 1.00×, torch 1.20× (tie), keras 2.00×"
    assert xor["best"] == "tie: numpy, torch (1)"
    assert xor["fastest"] == "numpy 0.0044 s (tie: torch)" and xor["metric"] == "accuracy (higher is better)"
    assert xor["timed by"] == "time to accuracy ≥ 1"


def test_terminal_markdown_and_html_open_with_the_answer(tmp_path):
    results = write(tmp_path / "r.jsonl", suite())
    output = write_reports(results, plots=False)
    assert output.report is not None
    stream = io.StringIO()
    WRITERS["terminal"](output.report, stream)
    text = stream.getvalue()
    assert text.lstrip().startswith("The answer") and text.index("The answer") < text.index("Summary")
    markdown = output.markdown.read_text()
    first_heading = re.findall(r"^## (.+)$", markdown, flags=re.M)[0]
    assert first_heading.startswith("The answer")
    assert "numpy 1.00×, torch 1.05× (tie); did not reach accuracy ≥ 1: keras" in markdown
    assert "Welch's t over seeds" in markdown  # the rule, under the table
    assert output.html is not None
    page = output.html.read_text()
    assert page.index('id="answer"') < page.index('id="summary"')
    heat = re.search(r'<table class="heat" id="heatmap-closed">(.*?)</table>', page)
    assert heat is not None
    cells = re.findall(r'<td class="heat" style="background:([^"]+)">(.*?)</td>', heat[1])
    assert ("hsl(120, 70%, 86%)", "<b>1.00×</b><br>accuracy 1") in cells
    assert ("#eeeeee", "<b>did not reach accuracy ≥ 1</b><br>accuracy 0.5") in cells
    assert any(text == "not ranked" for _, text in cells)
    assert "<script" not in page


def test_heat_colour_runs_green_to_red_on_a_log_scale():
    assert heat_colour(1.0) == "hsl(120, 70%, 86%)"
    assert heat_colour(10 ** 0.5) == "hsl(60, 70%, 86%)"
    assert heat_colour(100.0) == "hsl(0, 70%, 86%)"
    assert heat_colour(math.nan) == "#eeeeee"


def test_compare_report_has_no_answer_section():
    report = Report(title="t", sections=[("NEW against OLD", [{"task": "xor"}], "")])
    stream = io.StringIO()
    WRITERS["terminal"](report, stream)
    assert "The answer" not in stream.getvalue()
