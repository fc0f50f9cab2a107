"""The answer first: backends ranked per task and division, ties inside the noise, the HTML heatmap."""

from __future__ import annotations

import io
import math
import re

from synthetic_results import SPEC, record, write

from bench.core.record import as_records
from bench.report.answer import answer_rows, answers, metric_ratio, ratio_text
from bench.report.html import heat_colour
from bench.report.ranking import OVERHEAD_FLOPS, epoch_flops, equal_up_to_rounding, shared_ranks, weights_of
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


# --- the rules of the answer: ties, the quality gate, the headline time, toy sizes ------------------

def seeds(backend: str, task: str, values: list[float], fit: float = 1.0, **extra) -> list[dict]:
    return [record(backend, task, seed, accuracy=value, fit=fit * (1 + seed / 100), **extra)
            for seed, value in enumerate(values)]


def test_equal_up_to_rounding_is_a_relative_tolerance_of_1e_9():
    assert equal_up_to_rounding(0.36641308991438654, 0.3664130899143866)  # the 16th digit
    assert equal_up_to_rounding(1.0, 1.0 + 5e-10) and not equal_up_to_rounding(1.0, 1.0 + 2e-9)
    assert equal_up_to_rounding(0.0, 1e-13) and not equal_up_to_rounding(0.0, 1e-6)
    assert not equal_up_to_rounding(math.nan, math.nan) and equal_up_to_rounding(math.inf, math.inf)


def test_bit_equal_scores_are_a_tie_of_all_not_a_winner():
    records = [r for b in ("numpy", "sklearn", "torch") for r in seeds(b, "and", [1.0, 1.0, 1.0])]
    (answer,) = answers(as_records(records))
    assert [s.metric_tie_kind for s in answer.by_metric] == ["", "equal", "equal"]
    assert len(answer.leaders) == 3 and {s.metric_rank for s in answer.by_metric} == {2.0}
    assert answer_rows([answer])[0]["best"] == "all 3 tie (1)"


def test_scores_equal_to_rounding_tie_even_where_the_last_digit_differs():
    target = {"metric": "rmse", "value": 0.1, "direction": "min"}
    value = 0.36641308991438654
    records = []
    for backend, v in (("numpy", value), ("sklearn", value), ("torch", 0.3664130899143866)):
        records += [record(backend, "diabetes", s, target=target, metrics={"rmse": v}) for s in range(3)]
    (answer,) = answers(as_records(records))
    assert answer.by_metric[0].backend == "numpy"  # the lowest rmse, by a rounding error
    assert [s.metric_tie_kind for s in answer.by_metric[1:]] == ["equal", "equal"]
    assert answer_rows([answer])[0]["best"] == "all 3 tie (0.3664)"


def test_a_single_winner_only_when_the_difference_is_significant():
    records = seeds("numpy", "xor", [0.90, 0.91, 0.92]) + seeds("torch", "xor", [0.80, 0.81, 0.82])
    records += seeds("keras", "xor", [0.91, 0.80, 0.95])  # noisy: inside numpy's noise
    (answer,) = answers(as_records(records))
    by_label = {s.label: s for s in answer.by_metric}
    assert not by_label["torch"].metric_tie and by_label["keras"].metric_tie_kind == "noise"
    assert answer_rows([answer])[0]["best"] == "tie: numpy, keras (0.91)"
    alone = answers(as_records(seeds("numpy", "xor", [0.90, 0.91, 0.92]) + seeds("torch", "xor", [0.5] * 3)))
    assert answer_rows(alone)[0]["best"] == "numpy 0.91"


def test_one_seed_leaves_a_difference_untested_not_tied():
    (answer,) = answers(as_records(seeds("numpy", "xor", [1.0]) + seeds("torch", "xor", [0.75])))
    assert answer.by_metric[1].metric_tie_kind == "untested" and not answer.by_metric[1].metric_tie
    assert answer_rows([answer])[0]["best"] == "numpy 1 (one seed: untested)"
    assert [s.backend for s in answer.below_gate] == ["torch"]  # 0.75 < 1: not a tie, below the target


def test_a_backend_below_the_target_is_never_the_speed_baseline():
    records = seeds("numpy-perceptron", "xor", [0.5] * 3, fit=0.001)
    records += seeds("numpy", "xor", [1.0] * 3, fit=0.01)
    records += seeds("torch", "xor", [1.0] * 3, fit=0.1)
    (answer,) = answers(as_records(records))
    assert [s.backend for s in answer.by_time] == ["numpy", "torch"] and answer.by_time[0].time_ratio == 1.0
    assert [s.backend for s in answer.below_gate] == ["numpy-perceptron"]
    row = answer_rows([answer])[0]
    assert row["by time"] == "numpy 1.00×, torch 10×; did not reach accuracy ≥ 1: numpy-perceptron"
    assert row["fastest"].startswith("numpy ")


def test_the_gate_lets_through_the_ties_with_the_best_when_nobody_reaches_the_target():
    records = seeds("numpy", "credit", [0.80] * 3, fit=1.0) + seeds("torch", "credit", [0.80] * 3, fit=2.0)
    records += seeds("keras", "credit", [0.50] * 3, fit=0.1)
    records = [{**r, "epochs_to_target": None, "time_to_target_seconds": None} for r in records]
    (answer,) = answers(as_records(records))
    assert [s.backend for s in answer.by_time] == ["numpy", "torch"]
    assert answer.time_basis == "fit time"  # nobody reached accuracy ≥ 1: the fit time is the headline
    assert answer_rows([answer])[0]["by time"].endswith("did not reach accuracy ≥ 1: keras")


def test_time_to_target_is_the_headline_only_where_every_gated_run_reached_it():
    records = seeds("numpy", "xor", [1.0] * 3, fit=1.0, time_to_target_seconds=0.8)
    records += seeds("torch", "xor", [1.0] * 3, fit=0.5, time_to_target_seconds=0.9)
    (answer,) = answers(as_records(records))
    assert answer.time_basis == "time to accuracy ≥ 1"
    assert [s.backend for s in answer.by_time] == ["numpy", "torch"]  # numpy reaches it first
    assert answer.by_time[0].time_seconds == 0.8
    records[-1]["time_to_target_seconds"] = None  # one torch seed never reached it
    (answer,) = answers(as_records(records))
    assert answer.time_basis == "fit time" and [s.backend for s in answer.by_time] == ["torch", "numpy"]


def test_epochs_whose_arithmetic_runs_under_5_gflops_are_marked_overhead_bound():
    assert weights_of([2, 3, 1]) == 13 and epoch_flops({"layers": [2, 3, 1]}, 4) == 6 * 4 * 13
    assert math.isnan(epoch_flops({"layers": [2, 3, 1]}, None))
    toy = seeds("numpy", "xor", [1.0] * 3, fit=0.01, evaluation={"train_rows": 4, "folds": 1})
    big_spec = {**SPEC, "layers": [784, 128, 10]}
    big = seeds("numpy", "mnist", [1.0] * 3, fit=200.0, spec=big_spec, evaluation={"train_rows": 60000})
    unknown = seeds("numpy", "old", [1.0] * 3)  # a record from before train_rows
    xor, mnist, old = answers(as_records(toy + big + unknown))
    assert xor.overhead_bound and xor.size is not None and xor.size.rate < OVERHEAD_FLOPS
    assert not mnist.overhead_bound and mnist.size is not None and mnist.size.rate > OVERHEAD_FLOPS
    assert not old.overhead_bound
    rows = answer_rows([xor, mnist, old])
    assert rows[0]["size"].startswith("toy size: overhead-bound") and rows[1]["size"].startswith("compute")
    assert rows[2]["size"] == "size unknown"


def test_shared_ranks_give_a_tied_group_the_mean_of_its_positions():
    groups = [0, 0, 1, 2, 2, 2]
    assert shared_ranks(6, lambda head, i: groups[head] == groups[i]) == [1.5, 1.5, 3.0, 5.0, 5.0, 5.0]
    assert shared_ranks(3, lambda head, i: True) == [2.0, 2.0, 2.0]
    assert shared_ranks(0, lambda head, i: True) == []
