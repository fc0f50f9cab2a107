"""Each figure's size on the page as headless Chromium lays it out, at a given window width.

The page has no script of its own; a copy of it gets one that, once the page
has loaded, writes every ``<img>``'s natural and on-page size into a ``<pre>``
that ``--dump-dom`` prints. Usable as a script:
``python tests/page_measure.py page.html [width]``.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
PROBE = """<script>
window.addEventListener('load', () => {
  const found = [...document.images].map(i => ({alt: i.alt, natural: [i.naturalWidth, i.naturalHeight],
    shown: [Math.round(i.getBoundingClientRect().width), Math.round(i.getBoundingClientRect().height)]}));
  const pre = document.createElement('pre'); pre.id = 'probe';
  pre.textContent = JSON.stringify({page: document.documentElement.scrollWidth,
    window: window.innerWidth, images: found});
  document.body.appendChild(pre);
});
</script>"""


@dataclass
class Shown:
    """One figure: its PNG's pixels and the pixels it takes on the page."""

    alt: str
    natural: tuple[int, int]
    shown: tuple[int, int]

    @property
    def scale(self) -> float:
        return self.shown[0] / self.natural[0] if self.natural[0] else 0.0


def measure(page: Path, width: int = 1280, chromium: Path = CHROMIUM) -> tuple[int, list[Shown]]:
    """(the page's scroll width, every figure) with the window ``width`` pixels wide."""
    text = Path(page).read_text(encoding="utf-8").replace("</body>", PROBE + "</body>", 1)
    with tempfile.TemporaryDirectory() as folder:
        probed = Path(folder) / "probed.html"
        probed.write_text(text, encoding="utf-8")
        done = subprocess.run([str(chromium), *FLAGS, f"--user-data-dir={folder}/profile",
                               f"--window-size={width},2000", "--virtual-time-budget=5000", "--dump-dom",
                               probed.as_uri()], capture_output=True, text=True, timeout=120)
    match = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    if match is None:
        raise RuntimeError(f"no measurement from chromium: {done.stderr[-500:]}")
    data = json.loads(html.unescape(match[1]))
    images = [Shown(i["alt"], tuple(i["natural"]), tuple(i["shown"])) for i in data["images"]]
    return int(data["page"]), images


if __name__ == "__main__":
    page_width, shown = measure(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1280)
    print(f"page scroll width {page_width}")
    for image in shown:
        print(f"{image.alt:22} natural {image.natural[0]}×{image.natural[1]}  on page "
              f"{image.shown[0]}×{image.shown[1]}  scale {image.scale:.2f}")
