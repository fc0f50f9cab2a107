"""The words around the HTML page's tables: its title, what the two divisions mean, its contents.

The title names what ran and where, from the records themselves: the suite's
name (its ``suite`` field; a run without a suite file is ``adhoc`` and is
named by its tasks and backends), the machine (``env``: host name, CPU model,
cores) and the device when it was not the CPU.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from bench.core.owned import REPORT_MARK
from bench.core.record import Record
from bench.core.text import visible
from bench.report import palette

#: the suite name of a run given on the command line (``--task``/``--backend``), no suite file
ADHOC_SUITE = "adhoc"
#: names listed in a title before it says "N tasks" instead
MAX_NAMED = 4

DIVISION_TEXT = {
    "closed": ("<b>Closed division</b>: every library repeats the NumPy reference's exact computation "
               "(the same initial weights, the same row order each epoch, the same loss written out, "
               "float64). Its metrics should be equal across libraries (a difference is a bug or a "
               "recorded deviation) and its times compare identical work."),
    "open": ("<b>Open division</b>: each library is trained the way its own documentation teaches (its "
             "initialiser, shuffling, loss classes and training loop, float32). Its metrics differ by "
             "library and seed, and its times are what a user of the library gets."),
}
DIVISIONS_CLOSING = "The two divisions answer different questions and are never ranked together."


def esc(text: object) -> str:
    return html.escape(visible(text), quote=True)


def _names(values: Sequence[str], noun: str) -> str:
    distinct = list(dict.fromkeys(values))
    if len(distinct) > MAX_NAMED:
        return f"{len(distinct)} {noun}s"
    return ", ".join(distinct)


def machine_text(records: Sequence[Record]) -> str:
    """``vm (AMD EPYC, 2 cores)``; ``3 machines (a, b, c)`` when the runs were spread out."""
    seen: dict[str, str] = {}
    for record in records:
        env = record.env or {}
        host = str(env.get("hostname") or "unknown host")
        details = [str(env["cpu"])] if env.get("cpu") else []
        if env.get("cores"):
            details.append(f"{env['cores']} cores")
        seen.setdefault(host, host + (f" ({', '.join(details)})" if details else ""))
    if len(seen) > 1:
        return f"{len(seen)} machines ({_names(list(seen), 'machine')})"
    return next(iter(seen.values()), "unknown machine")


def page_title(records: Sequence[Record]) -> str:
    """``nnbench results: suite quick on vm (AMD EPYC, 2 cores), gpu``: what ran, where, on what device.

    It starts with :data:`bench.core.owned.REPORT_MARK`, the mark that lets a later report replace
    the page."""
    suites = [str(r.suite) for r in records if r.suite]
    named = [s for s in dict.fromkeys(suites) if s != ADHOC_SUITE]
    if named:
        what = f"suite {', '.join(named)}"
    else:
        tasks = _names([r.task for r in records], "task")
        backends = _names(palette.ordered(r.backend for r in records), "backend")
        what = f"{tasks} × {backends}"
    devices = [d for d in dict.fromkeys(str(r.device) for r in records) if d != "cpu"]
    device = f", {', '.join(devices)}" if devices else ""
    return f"{REPORT_MARK} {what} on {machine_text(records)}{device}"


def divisions_paragraph(records: Sequence[Record]) -> str:
    """What closed and open mean, for the divisions present (one paragraph, HTML)."""
    present = [d for d in DIVISION_TEXT if any(r.division == d for r in records)]
    if not present:
        return ""
    parts = [DIVISION_TEXT[d] for d in present]
    if len(present) > 1:
        parts.append(DIVISIONS_CLOSING)
    return f'<p class="divisions" id="divisions">{" ".join(parts)}</p>'


@dataclass
class Section:
    """One part of the page: its anchor, its heading and its HTML (heading included)."""

    anchor: str
    heading: str
    body: str
    #: (anchor, title) of the parts inside it, listed under it in the contents
    parts: tuple[tuple[str, str], ...] = ()


def contents(sections: Sequence[Section]) -> str:
    """A list of links to every section (and its parts), in page order."""
    items = []
    for section in sections:
        sub = "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t in section.parts)
        items.append(f'<li><a href="#{esc(section.anchor)}">{esc(section.heading)}</a>'
                     + (f"<ul>{sub}</ul>" if sub else "") + "</li>")
    return f'<nav id="contents"><b>Contents</b><ol>{"".join(items)}</ol></nav>'
