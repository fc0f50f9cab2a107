"""Tables laid out to the terminal's width: text wrapped at spaces, low-priority columns left out.

The width is the terminal's (``COLUMNS`` first, then the terminal written to;
output to a pipe or a file is not limited: :func:`terminal_width`). A table wider than that
first wraps its text columns at spaces; a number, a backend or a task name, or
any other word is never split. When even the narrowest wrapping does not fit,
columns are left out, least important first (:data:`DROP_FIRST`, then the
rightmost but the identifying ones), and the table says which. Both terminal
renderings (rich and plain) use the same widths (:mod:`bench.report.render`).
"""

from __future__ import annotations

import os
import sys
import textwrap
from dataclasses import dataclass
from typing import IO

Row = dict[str, str]

#: Columns left out first when a table does not fit, in this order (``vs *``: any ``vs …`` column).
DROP_FIRST = ("first epoch ms", "predict ms", "peak MB", "fit s olympic", "epoch ms", "epochs", "runs",
              "device", "spec", "history", "environment", "runs old→new", "reference epochs",
              "epochs to target", "ratio", "fit s old", "old", "vs *", "metric", "reached", "target",
              "fit s new", "fit s")
#: Columns never left out: they say which row is which, and what was found.
KEEP = ("task", "backend", "division", "cell", "verdict")
#: Columns never wrapped (a name is one token).
NO_WRAP = frozenset({"task", "backend"})
#: The narrowest width laid out (a smaller COLUMNS is taken as this).
MIN_WIDTH = 20
#: Plain text: two spaces between columns. Rich: a border and a space each side of every column.
PLAIN_GAP = 2


#: The width of output that goes to no terminal (a pipe, a file): lines as long as they need.
UNLIMITED = 10**6


def terminal_width(stream: IO[str] | None = None) -> int:
    """The width to lay text out in: ``COLUMNS`` when set, else the terminal's that ``stream`` (default
    stdout) writes to, else :data:`UNLIMITED` (a pipe or a file keeps one row a line, for logs and grep)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.strip().isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    stream = stream or sys.stdout
    try:
        if stream.isatty() and os.get_terminal_size(stream.fileno()).columns > 0:  # 0: a size-less pty
            return max(MIN_WIDTH, os.get_terminal_size(stream.fileno()).columns)
    except (AttributeError, ValueError, OSError):  # a stream without a file descriptor
        pass
    return UNLIMITED


def print_wrapped(line: str, stream: IO[str] | None = None) -> None:
    """A line of prose, wrapped at spaces to the terminal's width; continuation lines indented 4 more."""
    stream = stream or sys.stdout
    width = terminal_width(stream)
    indent = " " * (len(line) - len(line.lstrip(" ")) + 4)
    lines = textwrap.wrap(line, width, subsequent_indent=indent, break_long_words=False,
                          break_on_hyphens=False, drop_whitespace=True) if len(line) > width else [line]
    print("\n".join(lines or [""]), file=stream, flush=True)


def overhead(columns: int, boxed: bool) -> int:
    """Characters a table adds to its cells' widths: separators (plain) or borders and padding (rich)."""
    if not columns:
        return 0
    return 3 * columns + 1 if boxed else PLAIN_GAP * (columns - 1)


def words(text: str) -> list[str]:
    return text.split()


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken at spaces only (a long word stays whole)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += textwrap.wrap(paragraph, width, break_long_words=False, break_on_hyphens=False) or [""]
    return lines


@dataclass
class Layout:
    """The columns a table shows at a width, each one's width, and those left out."""

    columns: list[str]
    widths: dict[str, int]
    dropped: list[str]

    def note(self, width: int) -> str:
        """The sentence naming the columns left out ("" when none was)."""
        if not self.dropped:
            return ""
        return (f"Not shown at {width} columns: {', '.join(self.dropped)} (a wider terminal, or COLUMNS=…, "
                "shows them).")


def _natural(column: str, rows: list[Row]) -> int:
    return max([len(column), *(len(line) for row in rows for line in row.get(column, "").split("\n"))])


def _minimum(column: str, rows: list[Row], numeric: bool) -> int:
    """The narrowest the column can be without splitting a word; a number or a name: the whole cell."""
    header = max((len(w) for w in words(column)), default=0)
    if numeric or column in NO_WRAP:
        cells = max((len(line) for row in rows for line in row.get(column, "").split("\n")), default=0)
    else:
        cells = max((len(w) for row in rows for w in words(row.get(column, ""))), default=0)
    return max(header, cells, 1)


def fit(rows: list[Row], columns: list[str], width: int, text_columns: frozenset[str] | set[str],
        boxed: bool = False) -> Layout:
    """The layout of ``rows`` in ``width`` characters (see the module's docstring)."""
    natural = {c: _natural(c, rows) for c in columns}
    minimum = {c: _minimum(c, rows, c not in text_columns) for c in columns}
    shown = list(columns)
    dropped: list[str] = []

    def room() -> int:
        return width - overhead(len(shown), boxed)

    for column in _drop_order(columns, text_columns):
        if sum(minimum[c] for c in shown) <= room():
            break
        shown.remove(column)
        dropped.append(column)
    for column in reversed(dropped[:-1]):  # one left out early may fit beside the room freed later
        if sum(minimum[c] for c in shown) + minimum[column] <= width - overhead(len(shown) + 1, boxed):
            shown = [c for c in columns if c in shown or c == column]
            dropped.remove(column)
    widths = {c: natural[c] for c in shown}
    excess = sum(widths.values()) - room()
    while excess > 0:  # narrow the widest column that can still wrap, one character at a time
        slack = [c for c in shown if widths[c] > minimum[c]]
        if not slack:
            break  # narrower than its words: wider than the terminal, never split
        widths[max(slack, key=lambda c: widths[c])] -= 1
        excess -= 1
    return Layout(shown, widths, [c for c in columns if c in dropped])


def _drop_order(columns: list[str], text_columns: frozenset[str] | set[str]) -> list[str]:
    """Columns in the order they are left out: :data:`DROP_FIRST`, then numbers from the right, then text
    (it wraps), never :data:`KEEP`."""
    first = [c for d in DROP_FIRST for c in columns if c == d or (d == "vs *" and c.startswith("vs "))]
    rest = [c for c in reversed(columns) if c not in first and c not in KEEP]
    return first + [c for c in rest if c not in text_columns] + [c for c in rest if c in text_columns]


def wrapped_rows(rows: list[Row], layout: Layout) -> list[Row]:
    """The rows' shown cells wrapped to their column's width (lines joined by new lines)."""
    return [{c: "\n".join(wrap(row.get(c, ""), layout.widths[c])) for c in layout.columns} for row in rows]


def plain_lines(rows: list[Row], layout: Layout, text_columns: frozenset[str] | set[str]) -> list[str]:
    """A plain-text table (header, dashes, rows; cells of several lines) in the layout's widths."""
    widths = layout.widths
    header = {c: "\n".join(wrap(c, widths[c])) for c in layout.columns}
    lines = _plain_row(header, layout, text_columns)
    lines.append((" " * PLAIN_GAP).join("-" * widths[c] for c in layout.columns))
    for row in wrapped_rows(rows, layout):
        lines += _plain_row(row, layout, text_columns)
    return lines


def _plain_row(row: Row, layout: Layout, text_columns: frozenset[str] | set[str]) -> list[str]:
    cells = {c: row.get(c, "").split("\n") for c in layout.columns}
    height = max((len(v) for v in cells.values()), default=1)
    out = []
    for i in range(height):
        parts = []
        for c in layout.columns:
            line = cells[c][i] if i < len(cells[c]) else ""
            parts.append(line.ljust(layout.widths[c]) if c in text_columns else line.rjust(layout.widths[c]))
        out.append((" " * PLAIN_GAP).join(parts).rstrip())
    return out
