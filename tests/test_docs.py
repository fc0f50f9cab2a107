"""The documentation: a short README, a site whose nav names only pages that exist, README links
that lead somewhere, and (slow) the strict MkDocs build that CI runs with `make docs`."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MKDOCS = ROOT / "mkdocs.yml"
README_MAX_LINES = 250


def nav_pages() -> list[str]:
    """The Markdown files the nav of mkdocs.yml names (read as text: the file's tags need no loader)."""
    text = MKDOCS.read_text(encoding="utf-8")
    nav = text[text.index("\nnav:"):]
    return re.findall(r"^\s+- [^:\n]+: (\S+\.md)\s*$", nav, re.M)


def test_the_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; the guide belongs in docs/"


def test_every_nav_page_exists_and_starts_with_its_title() -> None:
    pages = nav_pages()
    assert len(pages) >= 12 and "index.md" in pages and "cli.md" in pages
    for page in pages:
        path = ROOT / "docs" / page
        assert path.is_file(), f"mkdocs.yml names docs/{page}, which does not exist"
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# ") or first.startswith("--8<--"), f"docs/{page} starts with {first!r}"


def test_every_docs_page_is_in_the_nav() -> None:
    pages = set(nav_pages())
    on_disk = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert on_disk <= pages, f"pages missing from the nav: {sorted(on_disk - pages)}"


def test_the_readme_links_lead_to_files() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if not re.match(r"[a-z]+://", t)]
    assert local, "README.md links to no page"
    for target in local:
        assert (ROOT / target).exists(), f"README.md links to {target}, which does not exist"


def test_the_cli_reference_hook_renders_every_command() -> None:
    sys.path.insert(0, str(ROOT / "docs" / "hooks"))
    try:
        import cli_reference
    finally:
        sys.path.remove(str(ROOT / "docs" / "hooks"))
    from bench.cli import COMMANDS, parser

    prog = parser().prog
    page = cli_reference.on_page_markdown("# CLI\n\n" + cli_reference.MARKER, None, None, None)
    assert cli_reference.MARKER not in page
    for name in COMMANDS:
        assert f"## {prog} {name} {{#bench-{name}}}" in page
        assert f"usage: {prog} {name}" in page
    assert "{#bench-testing}" in page and "bench.testing" in page
    assert cli_reference.on_page_markdown("# Other\n", None, None, None) == "# Other\n"


@pytest.mark.slow
def test_the_site_builds_with_warnings_as_errors(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        pytest.skip("mkdocs / mkdocs-material not installed (pip install 'nnbench[docs]')")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "cli.html").is_file() and (tmp_path / "img" / "report.png").is_file()
