"""Tables as text: Markdown, plain text, rich terminal tables, and CSV cells a spreadsheet cannot run.

Text coming from records is neutralised per format: Markdown cells escape raw
HTML and link syntax (:func:`markdown_text`), CSV fields that a spreadsheet
would run as a formula get a leading quote (:func:`csv_safe`), terminal cells
show control characters as visible escapes. The rows are built by
:mod:`bench.report.tables`.
"""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Callable, Iterable
from typing import IO, Any

import pandas as pd

from bench.core.text import unfiltered, visible
from bench.report.layout import fit, plain_lines, terminal_width, wrap, wrapped_rows
from bench.report.summary import REFERENCE_BACKEND

Row = dict[str, str]
#: Columns holding text (left-aligned in every format); the others hold numbers.
TEXT_COLUMNS = frozenset({"task", "backend", "division", "device", "spec", "metric", "notes", "reason",
                          "verdict", "target", "deviation", "network", "used by", "field", "value", "note",
                          f"vs {REFERENCE_BACKEND}", "why", "best", "by metric", "fastest",
                          "by time", "not ranked", "size", "timed by", "pair", "faster on (tasks)",
                          "more accurate on (tasks)", "time rank [95 % CI]", "metric rank [95 % CI]", "sweep",
                          "crossover", "file", "change", "chosen (first seed)"})
#: (title, rows, note) of one table
Section = tuple[str, list[Row], str]


#: What a spreadsheet reads as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A text field starting like a formula gets a leading ``'``; numbers (and other values) stay.

    Line breaks inside a text field become spaces as well (other control characters visible
    escapes, :func:`bench.core.text.visible`): a reader that
    splits on a bare CR would otherwise start a new row with what follows.
    """
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    return visible(value.replace("\r\n", " ").replace("\r", " ").replace("\n", " "))


def csv_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell passed through :func:`csv_safe` (numeric columns untouched)."""
    frame = frame.copy()
    for column in frame.columns:
        if not (pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column])):
            frame[column] = frame[column].map(csv_safe)
    frame.columns = [csv_safe(str(c)) for c in frame.columns]
    return frame


# --- output formats --------------------------------------------------------------------------------

def table_columns(rows: list[Row]) -> list[str]:
    """Every column of the rows, in first-seen order."""
    return list(dict.fromkeys(k for row in rows for k in row))


_SCRIPT_SCHEME = re.compile(r"(?i)\b(javascript|vbscript)(\s*):")


def markdown_text(text: Any) -> str:
    """Text from a record made inert in Markdown: no raw HTML, no link, no table break.

    ``<``, ``>`` and ``&`` become entities (no tag, no autolink), ``[`` and
    ``]`` are backslash-escaped (no inline or reference link), the colon of a
    ``javascript:``-like scheme is escaped too, ``|`` and new lines cannot
    break the table row.
    """
    text = html.escape(visible(text), quote=False)
    text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace("|", "\\|")
    text = _SCRIPT_SCHEME.sub(lambda m: f"{m[1]}{m[2]}&#58;", text)
    return text.replace("\r", " ").replace("\n", " ")


def markdown_table(rows: list[Row]) -> str:
    if not rows:
        return ""
    columns = table_columns(rows)
    lines = ["| " + " | ".join(markdown_text(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(markdown_text(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def to_markdown(sections: Iterable[Section], title: str, banner: str = "", lead: Iterable[str] = ()) -> str:
    parts = [f"# {markdown_text(title)}"]
    if banner:
        parts.append(f"> **Warning.** {markdown_text(banner)}")
    parts += [f"**In brief.** {markdown_text(paragraph)}" for paragraph in lead]
    for heading, rows, note in sections:
        parts.append(f"## {heading}")
        parts.append(markdown_table(rows))
        if note:
            parts.append(note)
    return "\n\n".join(parts) + "\n"


#: What marks a row whose times were measured under contention or were unstable (notes, answer entries).
UNTRUSTED_MARKS = ("contended", "unstable")


def untrusted_row(row: Row) -> bool:
    """Whether a row's notes or rankings carry a contention / instability mark."""
    return any(mark in row.get(column, "") for mark in UNTRUSTED_MARKS
               for column in ("notes", "by time", "fastest"))


def flag_style(row: Row) -> str | None:
    """Red for a suspicious verdict or a failure reason, yellow for untrusted timings, the report's rule."""
    if "suspicious" in row.get("verdict", "") or row.get("reason"):
        return "red"
    return "yellow" if untrusted_row(row) else None


def print_sections(sections: Iterable[Section], stream: IO[str] | None = None, rich: bool | None = None,
                   row_style: Callable[[Row], str | None] = flag_style, width: int | None = None,
                   text_columns: frozenset[str] = TEXT_COLUMNS) -> None:
    """Tables on a terminal: rich tables on a TTY, plain text otherwise (pipes, CI logs).

    Both fit ``width`` (default: the terminal's, :func:`bench.report.layout.terminal_width`): text
    wraps at spaces and, where that is not enough, low-priority columns are left out with a note.
    """
    stream = stream or sys.stdout
    sections = list(sections)
    use_rich = stream.isatty() if rich is None else rich
    width = width or terminal_width(stream)
    if not use_rich:
        for heading, rows, _ in sections:
            rows = [{k: visible(v) for k, v in row.items()} for row in rows]
            layout = fit(rows, table_columns(rows), width, text_columns)
            lines = ["", *wrap(visible(heading), width)] if heading else []
            lines += plain_lines(rows, layout, text_columns)
            lines += wrap(layout.note(width), width) if layout.dropped else []
            print("\n".join(lines), file=stream)
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=unfiltered(stream), width=width)  # rich's colours are its own; cells made visible

    for heading, rows, note in sections:
        rows = [{k: visible(v) for k, v in row.items()} for row in rows]
        layout = fit(rows, table_columns(rows), width, text_columns, boxed=True)
        caption = " ".join(part for part in (visible(note) if note else "", layout.note(width)) if part)
        table = Table(title=escape(visible(heading)), title_justify="left",
                      caption=escape(caption) if caption else None, caption_justify="left")
        for column in layout.columns:
            table.add_column(escape(column), justify="left" if column in text_columns else "right",
                             width=layout.widths[column], overflow="fold")
        for row, cells in zip(rows, wrapped_rows(rows, layout), strict=True):
            table.add_row(*(escape(cells[c]) for c in layout.columns), style=row_style(row))
        console.print(table)
