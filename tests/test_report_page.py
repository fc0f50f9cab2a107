"""The page explains itself and its figures read at a glance: title, divisions, contents, colours, axes."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from synthetic_results import ENV, record, write

from bench.core.conditions import CONTENDED, Conditions
from bench.core.record import Record, as_records
from bench.report import palette
from bench.report.answer import answers
from bench.report.curves import curve_groups, no_target_curve
from bench.report.html import heatmap
from bench.report.page import divisions_paragraph, page_title
from bench.report.plots import figures
from bench.report.summary import summarise
from bench.report.tables import target_rows
from bench.report.writers import write_reports

BACKENDS = ("torch", "numpy", "sklearn", "keras")


def two_divisions(accuracy_spread: float = 0.2) -> list[Record]:
    """Four backends, two tasks, both divisions, three seeds; seeds' accuracies spread widely."""
    records = []
    for division in ("closed", "open"):
        for task in ("xor", "and"):
            for b, backend in enumerate(BACKENDS):
                for seed in range(3):
                    records.append(record(backend, task, seed, accuracy=1.0 - accuracy_spread * (seed % 2),
                                          fit=0.01 * (b + 1) * (1 + seed / 10), division=division))
    return as_records(records)


# --- colours and order -------------------------------------------------------------------------------

def test_a_library_keeps_its_colour_and_place_whatever_else_ran() -> None:
    assert palette.colour("numpy") == palette.KNOWN["numpy"]
    assert palette.colours(["torch"])["torch"] == palette.colours(["keras", "numpy", "torch"])["torch"]
    assert palette.ordered(["torch", "my-plugin", "numpy", "another"]) == ["numpy", "torch", "another",
                                                                           "my-plugin"]
    third_party = palette.colour("my-plugin")
    assert third_party == palette.colour("my-plugin") and third_party in palette.EXTRA
    assert not set(palette.EXTRA) & set(palette.KNOWN.values())
    assert len(set(palette.KNOWN.values())) == len(palette.KNOWN)


def test_every_figure_draws_a_library_in_its_one_colour() -> None:
    records = two_divisions()
    drawn = figures(records, summarise(records))
    colours = {palette.colour(b) for b in BACKENDS}
    for stem, figure in drawn.items():
        used = set()
        for ax in figure.get_axes():
            used |= {to_hex(line.get_color()) for line in ax.get_lines() if line.get_linestyle() != "--"}
            used |= {to_hex(p.get_facecolor()) for p in ax.patches}
        used.discard("#000000")
        assert used and used <= colours, (stem, used - colours)


# --- layout -----------------------------------------------------------------------------------------

def _inside(inner, outer, slack: float = 1.0) -> bool:
    return (inner.x0 >= outer.x0 - slack and inner.x1 <= outer.x1 + slack
            and inner.y0 >= outer.y0 - slack and inner.y1 <= outer.y1 + slack)


def _overlap(a, b) -> bool:
    return min(a.x1, b.x1) > max(a.x0, b.x0) and min(a.y1, b.y1) > max(a.y0, b.y0)


def test_legends_sit_outside_the_panels_and_no_text_is_clipped() -> None:
    records = two_divisions()
    for stem, figure in figures(records, summarise(records)).items():
        renderer = FigureCanvasAgg(figure).get_renderer()
        FigureCanvasAgg(figure).draw()
        page = figure.bbox
        for ax in figure.get_axes():
            assert ax.get_legend() is None, stem  # no legend inside a panel
            assert _inside(ax.title.get_window_extent(renderer), page), (stem, ax.get_title())
        for legend in figure.legends:
            box = legend.get_window_extent(renderer)
            assert _inside(box, page), stem
            assert not any(_overlap(box, ax.get_window_extent(renderer)) for ax in figure.get_axes()), stem
            title = legend.get_title().get_window_extent(renderer)
            assert all(not _overlap(title, t.get_window_extent(renderer)) for t in legend.get_texts()), stem
        if figure.get_suptitle():
            assert _inside(figure._suptitle.get_window_extent(renderer), page), stem


def test_figures_fit_the_page_and_pair_closed_with_open() -> None:
    records = two_divisions()
    drawn = figures(records, summarise(records))
    for stem, figure in drawn.items():
        assert figure.get_figwidth() * figure.dpi <= 1200, stem  # shown at its own size on the page
        titles = [ax.get_title().split("\n")[0] for ax in figure.get_axes() if ax.get_visible()]
        assert titles[:4] == ["xor (closed)", "xor (open)", "and (closed)", "and (open)"], (stem, titles)
    bars = drawn["fit-time"].get_axes()[0]  # fastest is numpy here, but the order is the fixed one
    assert [t.get_text() for t in bars.get_yticklabels()] == ["numpy", "sklearn", "keras", "torch"]


def test_an_accuracy_axis_stays_inside_0_to_1() -> None:
    records = two_divisions(accuracy_spread=0.45)  # a 95 % CI far wider than the room left above 1
    figure = figures(records, summarise(records))["metric-vs-fit-time"]
    for ax in figure.get_axes():
        low, high = ax.get_ylim()
        assert high <= 1.0 + 0.05 * (high - low) and low >= -0.05, ax.get_ylim()
    curves = figures(records, summarise(records))["time-to-target"]
    for ax in curves.get_axes():
        assert ax.get_ylim()[1] <= 1.05


def test_identical_curves_are_drawn_once_and_named_together() -> None:
    same = {0: [(1.0, 0.5), (2.0, 0.25)], 1: [(1.0, 0.4), (2.0, 0.2)]}
    other = {0: [(1.0, 0.5), (2.0, 0.3)], 1: [(1.0, 0.4), (2.0, 0.2)]}
    groups = curve_groups({"torch": same, "keras": dict(same), "numpy": dict(same), "sklearn": other}, True)
    assert [g.label for g in groups] == ["numpy = keras = torch", "sklearn"]
    assert [g.label for g in curve_groups({"torch": same, "numpy": same}, False)] == ["numpy", "torch"]
    records = two_divisions()  # the synthetic curves are the same loss for every backend
    figure = figures(records, summarise(records))["learning-curves"]
    first = figure.get_axes()[0]
    assert first.get_title().replace("\n", " ") == "xor (closed) identical: numpy = sklearn = keras = torch"
    assert len(first.get_lines()) == 3  # one line a seed, not one a seed and backend


def test_a_k_fold_task_says_n_a_in_the_figure_as_in_the_table() -> None:
    records = as_records([record(b, "credit-risk", s, evaluation={"scheme": "leave-one-out", "folds": 14},
                                 epochs_to_target=None) for b in ("numpy", "torch") for s in range(2)])
    summaries = summarise(records)
    verdicts = {row["verdict"] for row in target_rows(summaries)}
    figure = figures(records, summarise(records))["time-to-target"]
    (ax,) = figure.get_axes()
    drawn = " ".join(t.get_text() for t in ax.texts).replace("\n", " ")
    assert verdicts == {no_target_curve(14)} and drawn == no_target_curve(14)
    assert not ax.get_lines()
    learning = figures(records, summaries)["learning-curves"].get_axes()[0]
    assert "fold 1 of 14" in learning.get_title()


# --- the page's words -------------------------------------------------------------------------------

def test_the_title_names_the_suite_and_the_machine() -> None:
    records = two_divisions()
    assert page_title(records) == "nnbench results: suite test on h (Test CPU, 2 cores)"
    adhoc = as_records([record(b, t, suite="adhoc") for b in ("torch", "numpy") for t in ("xor", "and")])
    assert page_title(adhoc) == "nnbench results: xor, and × numpy, torch on h (Test CPU, 2 cores)"
    spread = as_records([record("numpy", env={**ENV, "hostname": "a"}),
                         record("torch", device="gpu", env={**ENV, "hostname": "b"})])
    assert page_title(spread) == "nnbench results: suite test on 2 machines (a, b), gpu"


def test_the_divisions_are_explained_only_when_present() -> None:
    both = divisions_paragraph(two_divisions())
    assert "Closed division" in both and "Open division" in both and "never ranked together" in both
    closed = divisions_paragraph(as_records([record("numpy")]))
    assert "Closed division" in closed and "Open division" not in closed


def test_the_heatmap_follows_the_fixed_order_and_marks_contention() -> None:
    busy = Conditions(CONTENDED, ["other processes used 1.70 of 2 cores"], others_cores=1.7, cpus=2,
                      threads=2).to_dict()
    records = as_records([record(b, seed=s, fit=f, conditions=busy if b == "torch" else None)
                          for b, f in (("torch", 1.0), ("numpy", 2.0)) for s in range(3)])
    page = heatmap(answers(records))
    assert page.index(">numpy</th>") < page.index(">torch</th>")  # numpy first, though torch is fastest
    assert page.count('class="heat marked"') == 1 and "⚠ contended" in page


def test_the_page_opens_with_its_contents(tmp_path: Path) -> None:
    results = write(tmp_path / "r.jsonl", [record(b, seed=s) for b in ("numpy", "torch") for s in range(2)])
    page = write_reports(results, plots=True).html.read_text(encoding="utf-8")  # type: ignore[union-attr]
    contents = page[page.index('<nav id="contents">'):page.index("</nav>")]
    for anchor in ("answer-heading", "figures", "figure-fit-time", "summary-heading", "failures",
                   "environment-heading"):
        assert f'href="#{anchor}"' in contents and f'id="{anchor}"' in page, anchor
    assert page.index("<nav") < page.index('id="answer-heading"') < page.index('id="figures"')


def test_a_backend_keeps_its_place_in_a_panel_it_did_not_run_in() -> None:
    records = as_records([record(b, t, s, fit=f) for t, backends in (("xor", BACKENDS), ("and", ("torch",)))
                          for b, f in zip(backends, (0.4, 0.1, 0.2, 0.3)) for s in range(2)])
    figure = figures(records, summarise(records))["fit-time"]
    xor, only_torch = figure.get_axes()[:2]
    for ax in (xor, only_torch):
        assert [t.get_text() for t in ax.get_yticklabels()] == ["numpy", "sklearn", "keras", "torch"]
    (bar,) = only_torch.patches
    assert bar.get_y() + bar.get_height() / 2 == 3  # torch's place, as in the xor panel


def test_the_tables_list_backends_in_the_figures_order() -> None:
    records = as_records([record(b, t, division=d) for d in ("open", "closed") for t in ("xor", "and")
                          for b in ("torch", "my-plugin", "numpy")])
    order = [(s.task, s.division, s.backend) for s in summarise(records)]
    assert order == [(t, d, b) for t in ("xor", "and") for d in ("open", "closed")
                     for b in ("numpy", "torch", "my-plugin")]
