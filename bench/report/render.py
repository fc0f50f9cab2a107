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
from bench.report.summary import REFERENCE_BACKEND

Row = dict[str, str]
#: Columns holding text (left-aligned in every format); the others hold numbers.
TEXT_COLUMNS = frozenset({"task", "backend", "division", "device", "spec", "metric", "notes", "reason",
                          "verdict", "target", "deviation", "network", "used by", "field", "value", "note",
                          f"vs {REFERENCE_BACKEND}", "why", "best", "by metric", "fastest",
                          "by time", "not ranked", "size", "timed by"})
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


def plain_table(rows: list[Row]) -> str:
    from tabulate import tabulate

    return tabulate(rows, headers="keys", tablefmt="simple", disable_numparse=True)


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
                   row_style: Callable[[Row], str | None] = flag_style) -> None:
    """Tables on a terminal: rich tables on a TTY, plain text otherwise (pipes, CI logs)."""
    stream = stream or sys.stdout
    sections = list(sections)
    use_rich = stream.isatty() if rich is None else rich
    if not use_rich:
        for heading, rows, _ in sections:
            print(visible(f"\n{heading}\n{plain_table(rows)}"), file=stream)
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=unfiltered(stream))  # rich's colours are its own; every cell is made visible

    def shown(text: Any) -> str:
        return escape(visible(text))

    for heading, rows, note in sections:
        table = Table(title=shown(heading), title_justify="left", caption=shown(note) if note else None,
                      caption_justify="left")
        columns = table_columns(rows)
        for column in columns:
            table.add_column(shown(column), justify="left" if column in TEXT_COLUMNS else "right",
                             overflow="fold", no_wrap=column in {"task", "backend"})
        for row in rows:
            table.add_row(*(shown(row.get(c, "")) for c in columns), style=row_style(row))
        console.print(table)


