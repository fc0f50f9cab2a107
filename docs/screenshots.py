"""Regenerate the documentation's screenshots: ``python docs/screenshots.py`` (or ``make screenshots``).

Runs a short suite (numpy, numpy-perceptron, scikit-learn and PyTorch on XOR and AND, three seeds,
both divisions) into a temporary folder, writes its HTML page and renders its top (the answer table
and both heatmaps) with headless Chromium into ``docs/img/report.png``. A backend whose library is
missing is skipped with its reason, as in any run. The page says whether the machine was quiet.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]
BACKENDS = ("numpy", "numpy-perceptron", "sklearn", "torch")
TASKS = ("xor", "and")


def run_suite(folder: Path) -> Path:
    """The short suite's results file; its HTML page lies beside it."""
    results = folder / "run.jsonl"
    command = [sys.executable, "-m", "bench", "run", "--seeds", "3", "--division", "both",
               "--output", str(results)]
    for backend in BACKENDS:
        command += ["--backend", backend]
    for task in TASKS:
        command += ["--task", task]
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return results.with_suffix(".html")


def render(page: Path, shot: Path, width: int, height: int, profile: Path) -> None:
    """The top ``width`` × ``height`` pixels of ``page``, as a PNG."""
    shot.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}",
                    f"--window-size={width},{height}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "img" / "report.png")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=1120)
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"error: {CHROMIUM} not found (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="nnbench-shots-") as tmp:
        page = run_suite(Path(tmp))
        render(page, args.output, args.width, args.height, Path(tmp) / "profile")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
