"""One verdict per division across tasks (mean ranks, bootstrap intervals, win rates, sentences) and the
crossovers of ``bench scaling`` files, on hand-made records."""

from __future__ import annotations

import io
import json
from pathlib import Path

from synthetic_results import record, write
from test_contention_reports import BUSY_CONDITIONS, QUIET_CONDITIONS

from bench.core.record import as_records
from bench.report.answer import answers
from bench.report.crossover import Points, crossing, crossover_rows, newest_scaling_files
from bench.report.verdict import mean_ranks, pair_wins, verdict_sentences, verdicts
from bench.report.writers import WRITERS, write_reports


def seeds(backend: str, task: str, accuracy: float, fit: float, **extra) -> list[dict]:
    return [record(backend, task, seed, accuracy=accuracy, fit=fit * (1 + seed / 100), **extra)
            for seed in range(3)]


def three_tasks() -> list[dict]:
    """numpy fastest on a and b, torch on c; every backend equally accurate (bit-equal)."""
    records = []
    for task, numpy_fit, torch_fit in (("a", 1.0, 2.0), ("b", 1.0, 3.0), ("c", 2.0, 1.0)):
        records += seeds("numpy", task, 1.0, numpy_fit) + seeds("torch", task, 1.0, torch_fit)
        records += seeds("keras", task, 1.0, 10.0)
    return records


def test_mean_ranks_with_a_seeded_bootstrap_interval_and_win_rates():
    items = answers(as_records(three_tasks()))
    labels = ["numpy", "torch", "keras"]
    ranks = mean_ranks(items, labels, "time")
    expected = [("numpy", 1.3333), ("torch", 1.6667), ("keras", 3.0)]
    assert [(m.label, round(m.mean, 4)) for m in ranks] == expected
    numpy = ranks[0]
    assert 1.0 <= numpy.low <= numpy.mean <= numpy.high <= 2.0 and numpy.tasks == 3
    assert ranks == mean_ranks(items, labels, "time")  # seeded: the same report every time
    (numpy_torch, numpy_keras, torch_keras) = pair_wins(items, labels, "time")
    assert (numpy_torch.wins, numpy_torch.losses, numpy_torch.ties) == (2, 1, 0)
    assert abs(numpy_torch.rate - 2 / 3) < 1e-12 and numpy_keras.rate == 1.0 and torch_keras.rate == 1.0
    quality = mean_ranks(items, labels, "metric")
    assert {m.mean for m in quality} == {2.0}  # a tie of three shares rank 2 on every task


def test_sentences_say_fastest_overall_no_difference_beyond_noise_and_the_exception():
    (text,) = verdict_sentences(answers(as_records(three_tasks())))
    assert text.startswith("Fastest overall, not separable: numpy and torch")  # intervals overlap
    assert "No difference in the metric beyond noise" in text
    records = []
    for task in "abcdefghi":  # numpy fastest on eight tasks, torch on i
        fits = (2.0, 1.0) if task == "i" else (1.0, 2.0)
        records += seeds("numpy", task, 1.0, fits[0]) + seeds("torch", task, 1.0, fits[1])
    (text,) = verdict_sentences(answers(as_records(records)))
    assert text.startswith("Fastest overall: numpy (mean rank 1.11 of 2 over 9 tasks, 95 % interval")
    assert "; it does not hold on i (torch)." in text


def test_the_most_accurate_is_named_and_a_missing_result_ranks_last():
    records = []
    for task in ("a", "b", "c", "d"):
        records += seeds("numpy", task, 1.0, 1.0) + seeds("torch", task, 0.5, 1.0)
    records += seeds("keras", "a", 1.0, 1.0)  # keras ran on one task only: last elsewhere
    (verdict,) = verdicts(answers(as_records(records)))
    quality = {m.label: m for m in verdict.quality}
    assert quality["numpy"].mean == 1.125 and quality["keras"].mean == (1.5 + 3 * 3) / 4  # 3: last of 3
    assert "Most accurate overall: numpy" in " ".join(verdict.sentences)


def test_untrusted_times_never_win_silently():
    records = seeds("numpy", "xor", 1.0, 3.0, conditions=QUIET_CONDITIONS)
    records += seeds("torch", "xor", 1.0, 1.0, conditions=BUSY_CONDITIONS)
    items = answers(as_records(records))
    assert items[0].fastest[0].marks == "contended, unstable"
    (text,) = verdict_sentences(items)
    assert "Fastest overall: torch" in text and "not to be trusted" in text


def test_toy_sizes_are_said_in_the_verdict():
    records = seeds("numpy", "xor", 1.0, 0.01, evaluation={"train_rows": 4})
    records += seeds("torch", "xor", 1.0, 0.02, evaluation={"train_rows": 4})
    (text,) = verdict_sentences(answers(as_records(records)))
    assert "Toy size: on every task here the epochs are overhead-bound" in text


def test_divisions_get_a_verdict_each():
    records = three_tasks() + [{**r, "division": "open"} for r in three_tasks()]
    paragraphs = verdict_sentences(answers(as_records(records)))
    assert [p.split(".")[0] for p in paragraphs] == ["Closed division", "Open division"]


# --- crossovers ----------------------------------------------------------------------------------

def test_crossover_is_interpolated_between_the_points_around_it():
    numpy = Points("numpy", "samples", (1000, 2000, 4000, 8000), (0.001, 0.002, 0.004, 0.008))
    torch = Points("torch", "samples", (1000, 2000, 4000, 8000), (0.004, 0.004, 0.004, 0.004))
    found = crossing(numpy, torch)
    assert found is not None and found.changes == 1 and found.between == (2000, 8000)  # 4000: even
    assert abs(found.at - 4000) < 1e-6
    assert found.text == "torch overtakes numpy at ≈ 4,000 rows (between 2,000 and 8,000)"
    ahead = crossing(numpy, Points("torch", "samples", (1000, 2000, 4000, 8000), (1.0, 1.0, 1.0, 1.0)))
    assert ahead is not None and ahead.text == "numpy faster over the whole range, 1,000–8,000 rows"
    even = crossing(numpy, Points("sklearn", "samples", numpy.x, tuple(t * 1.05 for t in numpy.seconds)))
    assert even is not None and even.text.startswith("even (within 10%)")
    assert crossing(numpy, Points("keras", "samples", (1000,), (1.0,))) is None  # one common point
    wide = crossing(Points("numpy", "width", (16, 256), (1.0, 4.0)),
                    Points("torch", "width", (16, 256), (2.0, 2.0)))
    assert wide is not None and wide.text == "torch overtakes numpy at ≈ width 64 (between 16 and 256)"


def scaling_file(folder: Path, stamp: str, torch_seconds: list[float]) -> Path:
    def sweep(backend: str, seconds: list[float]) -> dict:
        return {"backend": backend, "axis": "samples", "x": [1000, 2000, 4000], "seconds": seconds}

    data = {"config": {"data": "friedman1", "width": 64, "width_rows": 8000},
            "results": [{"backend": "numpy", "sweeps": [sweep("numpy", [0.01, 0.02, 0.04])]},
                        {"backend": "torch", "sweeps": [sweep("torch", torch_seconds)]},
                        {"backend": "keras", "skipped": "not installed"}]}
    path = folder / f"scaling-friedman1-{stamp}.json"
    path.write_text(json.dumps(data))
    return path


def test_the_newest_scaling_file_per_data_set_and_unreadable_files(tmp_path):
    scaling_file(tmp_path, "20260101-000000", [1.0, 1.0, 1.0])
    newest = scaling_file(tmp_path, "20260102-000000", [0.04, 0.02, 0.01])
    (tmp_path / "scaling-digits-20260101-000000.json").write_text("{broken")
    files = newest_scaling_files(tmp_path)
    assert sorted(p.name for p in files) == ["scaling-digits-20260101-000000.json", newest.name]
    rows = crossover_rows(files)
    assert rows[0]["crossover"].startswith("unreadable")
    assert rows[1]["pair"] == "numpy vs torch" and rows[1]["sweep"] == "rows (width 64, friedman1)"
    assert rows[1]["crossover"] == "torch overtakes numpy at ≈ 2,000 rows (between 1,000 and 4,000)"


def test_reports_open_with_the_verdict_and_show_crossovers_found_beside_the_results(tmp_path):
    results = write(tmp_path / "r.jsonl", three_tasks())
    scaling_file(tmp_path, "20260102-000000", [0.04, 0.02, 0.01])
    output = write_reports(results, plots=False)
    markdown = output.markdown.read_text()
    assert markdown.split("\n\n")[1].startswith("**In brief.** Fastest overall")
    assert "## Across tasks: mean rank per backend" in markdown
    assert "## Across tasks: pairwise wins" in markdown
    assert "torch overtakes numpy at ≈ 2,000 rows" in markdown
    assert output.html is not None
    page = output.html.read_text()
    assert page.index('id="verdict"') < page.index('id="answer"')
    assert output.report is not None
    stream = io.StringIO()
    WRITERS["terminal"](output.report, stream, rich=False)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "The answer in brief" and lines[1].startswith("Fastest overall")
    assert "Across tasks: mean rank per backend" in stream.getvalue()
