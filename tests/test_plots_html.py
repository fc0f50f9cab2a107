"""Figures are written as PNG and SVG; the HTML page is self-contained and holds the tables."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from matplotlib.text import Text
from page_measure import measure
from synthetic_results import record, write

from bench.core.record import as_records
from bench.report.plots import figures, write_plots
from bench.report.summary import summarise
from bench.report.writers import write_reports

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ("metric-vs-fit-time", "fit-time", "learning-curves", "time-to-target")


def sample_records() -> list[dict]:
    records = [record(b, task=t, seed=s, fit=f * (1 + s / 20))
               for b, f in (("numpy", 1.0), ("torch", 0.1)) for t in ("xor", "and") for s in range(3)]
    records.append(record("keras", seed=0, status="failed", reason="ValueError: <bad> & \"quoted\""))
    records.append(record("numpy-perceptron", seed=0, deviations=["step output instead of sigmoid"]))
    return records


class Collector(HTMLParser):
    """Every tag and (tag, attribute, value) of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
            if name == "id":
                self.ids.append(value or "")


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``python -m bench report run.jsonl -o out/report.html``, run once for this module."""
    directory = tmp_path_factory.mktemp("report")
    results = write(directory / "run.jsonl", sample_records())
    done = subprocess.run([sys.executable, "-m", "bench", "report", str(results), "-o", "out/report.html"],
                          cwd=directory, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return directory, done


def test_every_figure_is_written_as_png_and_svg(
        reported: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    directory, _ = reported
    paths = sorted((directory / "run-plots").iterdir())
    assert [p.name for p in paths] == sorted(f"{f}.{e}" for f in FIGURES for e in ("png", "svg"))
    for path in paths:
        data = path.read_bytes()
        assert len(data) > 5000
        assert data.startswith(b"\x89PNG") if path.suffix == ".png" else b"<svg" in data[:2000]


def test_no_figures_without_ok_runs(tmp_path: Path) -> None:
    records = [record("keras", status="failed", reason="boom")]
    assert write_plots(records, summarise(records), tmp_path / "plots") == []
    assert not (tmp_path / "plots").exists()


def test_html_is_self_contained_and_holds_the_tables(
        reported: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    directory, _ = reported
    page = (directory / "out" / "report.html").read_text(encoding="utf-8")
    parsed = Collector()
    parsed.feed(page)
    assert "script" not in parsed.tags and "link" not in parsed.tags and "iframe" not in parsed.tags
    for tag, name, value in parsed.attributes:
        if name == "href" and value.startswith("#"):  # the contents: a link inside the page
            assert value[1:] in parsed.ids, value
        elif name in ("src", "href", "srcset", "data", "action"):
            assert value.startswith("data:image/png;base64,"), (tag, name, value[:60])
    assert sum(tag == "img" for tag in parsed.tags) == len(FIGURES)
    assert {"summary", "time-to-target", "failures", "deviations", "environment"} <= set(parsed.ids)
    assert "url(" not in page and "@import" not in page
    assert "ValueError: &lt;bad&gt; &amp; &quot;quoted&quot;" in page  # reasons escaped
    assert "step output instead of sigmoid" in page and "Test CPU" in page
    assert "learning_rate&quot;: 0.5" in page  # the resolved spec, as JSON


def test_report_command_writes_everything_beside_the_results(
        reported: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    directory, done = reported
    assert not (directory / "run.html").exists()  # -o moved the page
    for name in ("run.md", "run.csv", "run-plots/", "out/report.html"):
        assert (directory / name).exists(), name
        assert name in done.stdout
    assert "Summary" in done.stdout and "ValueError" in done.stdout


# --- the page in a real browser (slow: may install Chromium) --------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Headless Chromium; installed with apt-get (Debian ``chromium``, ``chromium-driver``) when missing."""
    if CHROMIUM.exists():
        return CHROMIUM
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip("no /usr/bin/chromium, and apt-get is missing or needs root to install it")
    steps = [["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=900,
                              env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        if done.returncode != 0:
            pytest.skip(f"could not install chromium ({' '.join(step)}: {done.stderr.strip()[-200:]})")
    if not CHROMIUM.exists():
        pytest.skip("apt-get installed chromium but /usr/bin/chromium is missing")
    return CHROMIUM


def headless(chromium: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(chromium), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_the_page_renders_in_headless_chromium(
        chromium: Path, reported: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    from matplotlib.image import imread

    page = (reported[0] / "out" / "report.html").resolve()
    shot = tmp_path / "report.png"
    done = headless(chromium, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1200,900",
                    page.as_uri())
    assert shot.is_file(), done.stderr[-2000:]
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (900, 1200)
    assert pixels.std() > 0.05  # a blank page has no variance
    assert len({tuple(p) for p in pixels[::7, ::7].reshape(-1, 3).round(2).tolist()}) > 20
    dom = headless(chromium, tmp_path / "profile-dom", "--dump-dom", page.as_uri()).stdout
    assert '<table id="summary">' in dom and "numpy-perceptron" in dom
    assert dom.count("<img") == len(FIGURES)


#: the window the figures must read in without scaling down (a laptop's browser)
WINDOW_PX = 1280
#: the smallest text on the page, CSS pixels (matplotlib's "small" at 100 dpi is 11.6 px)
MIN_TEXT_PX = 10.0


@pytest.mark.slow
def test_every_figure_is_shown_at_its_own_size_at_page_width(chromium: Path, tmp_path: Path) -> None:
    """Rendered in Chromium at 1280 px: each figure fits the page unscaled, so its text stays legible."""
    records = [record(b, task=t, seed=s, fit=f * (1 + s / 20), division=d)
               for b, f in (("numpy", 1.0), ("torch", 0.1), ("sklearn", 0.3), ("keras", 2.0))
               for t in ("xor", "and", "diabetes", "credit-risk", "digits", "fair") for s in range(2)
               for d in ("closed", "open")]
    page = write_reports(write(tmp_path / "wide.jsonl", records), plots=True).html
    assert page is not None
    page_width, shown = measure(page, WINDOW_PX, chromium)
    assert page_width <= WINDOW_PX  # no horizontal scrolling
    assert sorted(s.alt for s in shown) == sorted(FIGURES)
    typed = as_records(records)
    drawn = figures(typed, summarise(typed))
    for image in shown:
        assert image.scale >= 0.95, image  # shown at (nearly) its own size, not shrunk to fit
        smallest = min(t.get_fontsize() for t in drawn[image.alt].findobj(Text)
                       if t.get_visible() and t.get_text().strip())
        assert smallest * 100 / 72 * image.scale >= MIN_TEXT_PX, (image, smallest)
