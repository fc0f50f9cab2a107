"""The shape of a delimited text table: every line needs as many fields as the header.

A line with more or fewer fields than the header is refused naming the
line, its field count and the header's (pandas would otherwise pad a short
line with missing values, or stop with a tokenizer message). A first line in
scikit-learn's bundled layout — ``n_rows,n_features,class names…`` above
rows of ``n_features`` numbers and a class index (``breast_cancer.csv``,
``wine_data.csv``, ``iris.csv``) — is metadata, not a header: the message
says so and how to read the file (replace that line by a header).
"""

from __future__ import annotations

import csv
import io
import shlex
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.core.task import TaskDataError

#: ragged lines named in the message at most
SHOWN = 3
#: features up to which the suggested header is spelt out in full
MAX_NAMED = 40


@dataclass
class Layout:
    """Field counts of a text table's lines (blank lines skipped)."""

    header: list[str]
    #: fields per data line → how many lines have that many
    counts: Counter[int] = field(default_factory=Counter)
    #: (line number, fields) of the first data lines whose field count differs from the header's
    ragged: list[tuple[int, int]] = field(default_factory=list)
    #: line numbers of the header, the first data line and the last (1-based, as an editor shows them)
    header_line: int = 1
    first_line: int = 0
    last_line: int = 0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def ragged_total(self) -> int:
        return self.rows - self.counts.get(len(self.header), 0)


class UnreadableLine(ValueError):
    """A line :mod:`csv` cannot split (a carriage return inside an unquoted value)."""

    def __init__(self, line: int, error: csv.Error) -> None:
        bare_return = "new-line character seen in unquoted field" in str(error)
        why = ("a carriage return (\\r) outside a quoted value and not before a new line; quote the "
               "value that holds it, or save the file with \\n or \\r\\n line endings"
               if bare_return else str(error))
        super().__init__(f"line {line}: {why}")


def read_layout(text: str, delimiter: str) -> Layout:
    """The header and the field count of every other line (one pass of :mod:`csv`)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return _read_rows(reader)
    except csv.Error as exc:
        raise UnreadableLine(reader.line_num, exc) from None


def _read_rows(reader: Any) -> Layout:
    header: list[str] | None = None
    layout = Layout([])
    start = 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not row or row == [""]:
            continue
        if header is None:
            header = layout.header = row
            layout.header_line = line
            continue
        layout.first_line = layout.first_line or line
        layout.last_line = line
        layout.counts[len(row)] += 1
        if len(row) != len(header) and len(layout.ragged) < SHOWN:
            layout.ragged.append((line, len(row)))
    return layout


def _natural(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def metadata_first_line(layout: Layout, path: Path) -> str | None:
    """How to read the file when its first line is scikit-learn's ``n_rows,n_features,classes…``."""
    head = layout.header
    n_rows, n_features = (_natural(head[0]), _natural(head[1])) if len(head) >= 2 else (None, None)
    if n_rows is None or n_features is None or not n_features:
        return None
    if layout.rows != n_rows or set(layout.counts) != {n_features + 1}:
        return None
    classes = [name.strip() for name in head[2:]]
    if not classes or any(is_number(name) for name in classes):
        return None
    listed = f", classes {', '.join(classes)} (the last column holds their index 0..{len(classes) - 1})" \
        if classes else ""
    widths = "" if len(head) == n_features + 1 else f"{disagreement(layout, n_features + 1)}: "
    names = ",".join([f"x{i}" for i in range(1, n_features + 1)] + ["target"]) if n_features <= MAX_NAMED \
        else f"x1,x2,…,x{n_features},target"
    return (f"{widths}its first line ({','.join(head)[:60]}) is not a header but metadata in scikit-learn's "
            f"layout: {n_rows} rows of {n_features} features and a class index{listed}. To read it, replace "
            f"the first line with a header naming the {n_features + 1} columns, e.g. "
            f"{{ echo '{names}'; tail -n +2 {shlex.quote(str(path))}; }} > with-header.csv, "
            "then --target target")


def _fields(n: int) -> str:
    return f"{n} field{'s' if n != 1 else ''}"


def disagreement(layout: Layout, fields: int) -> str:
    """``line 1 (the header) has 4 fields but lines 2–570 have 31``: every data line has ``fields``."""
    first, last = layout.first_line, layout.last_line
    lines = f"line {first} has" if first == last else f"lines {first}–{last} have"
    return f"line {layout.header_line} (the header) has {_fields(len(layout.header))} but {lines} {fields}"


def is_number(text: str) -> bool:
    """Whether ``text`` reads as a number (a header of numbers is data, not names)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_layout(text: str, delimiter: str, path: Path) -> None:
    """:class:`TaskDataError` naming the lines whose field count differs from the header's."""
    try:
        layout = read_layout(text, delimiter)
    except UnreadableLine as exc:
        raise TaskDataError(f"{path}: {exc}") from None
    hint = metadata_first_line(layout, path)
    if hint:
        raise TaskDataError(f"{path}: {hint}")
    if not layout.ragged:
        return
    width = len(layout.header)
    if len(layout.counts) == 1:
        (fields,) = layout.counts
        raise TaskDataError(f"{path}: {disagreement(layout, fields)}; the first line must name each column "
                            f"once (delimiter {delimiter!r})")
    shown = ", ".join(f"line {line} has {fields}" for line, fields in layout.ragged)
    more = layout.ragged_total - len(layout.ragged)
    total = layout.ragged_total
    raise TaskDataError(f"{path}: line {layout.header_line} (the header) has {_fields(width)} but "
                        f"{total} line{'s' if total != 1 else ''} below it do{'es' if total == 1 else ''} "
                        f"not: {shown}{f' ({more} more)' if more > 0 else ''}; every line needs one field "
                        f"per column (delimiter {delimiter!r}; quote a value that holds it)")


def likely_delimiter(sample: str, delimiters: str) -> str | None:
    """The delimiter of a table whose lines disagree: the one in the first line that most lines hold (of
    those in the lines below when the first holds none: a one-field header above delimited rows)."""
    lines = [line for line in sample.splitlines() if line.strip()]
    if not lines:
        return None
    present = [d for d in delimiters if d in lines[0]] or [d for d in delimiters if d in "".join(lines[1:])]
    if not present:
        return None
    return max(present, key=lambda d: sum(d in line for line in lines))
