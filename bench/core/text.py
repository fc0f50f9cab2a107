"""One sanitiser for text from data and records (file, column, class and task names, reasons) on its way
to a terminal or a text file.

:func:`visible` replaces every control character — C0 but tab and new line,
DEL, C1 (which holds the 8-bit CSI), and the Unicode controls that reorder or
break what is shown (bidirectional overrides and isolates, line and paragraph
separators) — by a visible escape (``\\x1b``, ``\\u202e``). An escape
sequence (screen clear ``ESC [2J``, window title ``ESC ]0;…``) then prints as
text. The command line's standard output and error go through
:class:`VisibleStream`; the Markdown, CSV and HTML writers call
:func:`visible` on every text value; rich tables get sanitised cells and
write colours to the stream beneath (:func:`unfiltered`).
"""

from __future__ import annotations

import re
from typing import Any, TextIO

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: Any, newlines: bool = True) -> str:
    """``text`` with every control character shown as an escape; new lines too unless ``newlines``."""
    shown = _CONTROL.sub(_escape, str(text))
    return shown if newlines else shown.replace("\n", "\\n")


class VisibleStream:
    """A text stream that writes through :func:`visible` (tab and new line pass); all else is delegated."""

    def __init__(self, stream: TextIO) -> None:
        self.unfiltered = stream

    def write(self, text: str) -> int:
        self.unfiltered.write(visible(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.unfiltered, name)


def unfiltered(stream: Any) -> Any:
    """The stream beneath a :class:`VisibleStream` (for rich, whose colour codes are its own)."""
    return getattr(stream, "unfiltered", stream)
