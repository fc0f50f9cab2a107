"""MkDocs hook: the CLI reference page is generated from the argparse parsers at build time.

``docs/cli.md`` holds the marker ``<!-- cli-reference -->``; it is replaced by the ``--help`` text of
``python -m bench``, of each of its commands (``format_help()`` of every subparser, in the order
``bench.cli.COMMANDS`` gives) and of the conformance kit's ``python -m bench.testing``. The help
is what the installed code prints, so the page cannot drift from the parser.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path

MARKER = "<!-- cli-reference -->"
WIDTH = "100"  # argparse wraps at $COLUMNS; a fixed width makes the page the same on every machine


def _root_on_path() -> None:
    root = str(Path(__file__).resolve().parents[2])
    if root not in sys.path:
        sys.path.insert(0, root)


def _block(title: str, anchor: str, text: str) -> str:
    return f"## {title} {{#{anchor}}}\n\n```text\n{text.rstrip()}\n```\n"


def bench_sections() -> list[str]:
    """``python -m bench --help`` and each command's ``--help``."""
    from bench.cli import parser

    root = parser()
    sections = [_block(root.prog, "bench", root.format_help())]
    (commands,) = [a for a in root._actions if isinstance(a, argparse._SubParsersAction)]
    seen: set[int] = set()
    for name, sub in commands.choices.items():
        if id(sub) not in seen:  # an alias maps to its command's parser: listed once
            seen.add(id(sub))
            sections.append(_block(sub.prog, f"bench-{name}", sub.format_help()))
    return sections


def kit_section() -> str:
    """``python -m bench.testing --help`` (its parser is built inside ``main``)."""
    from bench.testing.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main(["--help"])
    return _block("python -m bench.testing", "bench-testing", out.getvalue())


def reference() -> str:
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        _root_on_path()
        return "\n".join([*bench_sections(), kit_section()])
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ANN001 (MkDocs' hook signature)
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, reference())
