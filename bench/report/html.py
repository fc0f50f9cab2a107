"""One self-contained HTML page per results file: nothing is fetched when it opens.

Styles are inline, figures are embedded as base64 PNG (``data:`` URIs), and
there are no scripts, links or external ``src``; the page can be mailed or
attached to a CI run as is.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.core import owned
from bench.core.record import Record
from bench.core.text import visible
from bench.report import palette
from bench.report.answer import Answer, Standing, answers, time_cell_text
from bench.report.page import Section, contents, divisions_paragraph, page_title
from bench.report.render import TEXT_COLUMNS, Row, table_columns, untrusted_row
from bench.report.summary import GroupSummary
from bench.report.tables import ANSWER_HEADING, ReportTables, spec_text
from bench.report.trust import conditions_banner

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1400px;
       padding: 0 1.5em; color: #1d2330; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 2px solid #dde3ec; }
p.meta, p.note { color: #556; font-size: 0.9em; max-width: 70em; }
div.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.82em; }
span.iqr { color: #667; font-size: 0.85em; }
th, td { border: 1px solid #d5dbe5; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #eef2f8; } tr:nth-child(even) td { background: #f8fafc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.flag td { background: #fde8e8 !important; }
tr.contended td { background: #fff4d6 !important; }
div.banner { border: 2px solid #d08a00; background: #fff4d6; padding: 0.6em 1em; margin: 1em 0; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #e3e7ee; }
figcaption { color: #556; font-size: 0.85em; }
table.heat td.heat { text-align: center; white-space: nowrap; }
nav#contents { background: #f4f6fa; padding: 0.5em 1em; margin: 1em 0; display: inline-block; }
nav#contents ol { margin: 0.3em 0; padding-left: 1.5em; } nav#contents ul { padding-left: 1.2em; }
p.divisions { max-width: 70em; font-size: 0.92em; }
span.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.3em; border-radius: 2px; }
td.marked { outline: 2px dashed #d08a00; outline-offset: -3px; }
span.mark { color: #8a5a00; font-size: 0.85em; }
pre { background: #f4f6fa; padding: 0.6em; overflow-x: auto; font-size: 0.8em; }
"""

HEATMAP_NOTE = (
    "Time (to the target where every backend past the quality gate reached it, else fit time) as a ratio "
    "to the fastest backend of the task that reaches its target or ties with the best (median over "
    "seeds), and the mean metric; green is the fastest, red 10× slower or more (log scale); grey: not "
    "ranked or did not reach the target. (tie): the difference from the fastest "
    "is inside the seeds' noise. ⚠ contended / unstable: other processes competed for the CPUs, or the "
    "epoch times varied, while this backend was timed; its ratio is not a fair measure.")

FIGURE_CAPTIONS = {
    "metric-vs-fit-time": ("Main metric (mean, 95 % CI) against fit time (median, IQR), one point a backend; "
                           "the metric's axis stays inside its range (accuracy 0–1)."),
    "fit-time": ("Median fit time per backend, a panel per task (and division), log scale; whiskers span "
                 "the interquartile range over seeds."),
    "learning-curves": ("Training loss per epoch for every seed (loss as each backend reports it). "
                        "Backends whose curves are identical are drawn once, in the first one's colour, "
                        "and named together above the panel (identical: numpy = torch)."),
    "time-to-target": ("Target metric on held-out rows against training seconds, every seed; dashed: the "
                       "target. A k-fold task is evaluated during training on its first fold only (for "
                       "credit-risk, one held-out row): like the time-to-target table, its panel says "
                       "n/a; its learning curves are the first fold's."),
    "tuning": "Tuned division: best validation score so far against cumulative tuning time, per backend.",
}
FIGURE_TITLES = {"metric-vs-fit-time": "metric against fit time", "fit-time": "fit time",
                 "learning-curves": "learning curves", "time-to-target": "time to target"}
COLOUR_NOTE = ("Each library has one colour and one place in every figure and table of every nnbench "
               "page (numpy blue, sklearn orange, keras red, torch purple, ...); a library nnbench does "
               "not ship gets a colour from its name, the same on every page.")


def esc(text: Any) -> str:
    return html.escape(visible(text), quote=True)


def cell_html(text: str) -> str:
    """A cell's text; ``median [q1–q3]`` puts the quartiles on a smaller second line."""
    match = re.fullmatch(r"(\S+) (\[[^\]]+\])", text)
    if match:
        return f'{esc(match[1])}<br><span class="iqr">{esc(match[2])}</span>'
    return esc(text)


def html_table(rows: list[Row], table_id: str) -> str:
    columns = table_columns(rows)
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = []
    for row in rows:
        flagged = "suspicious" in row.get("verdict", "") or "suspicious" in row.get("notes", "")
        cells = "".join(f'<td{"" if c in TEXT_COLUMNS else " class=num"}>{cell_html(row.get(c, ""))}</td>'
                        for c in columns)
        css = " class=flag" if flagged else " class=contended" if untrusted_row(row) else ""
        body.append(f'<tr{css}>{cells}</tr>')
    return (f'<div class="scroll"><table id="{esc(table_id)}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def embedded_figure(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    caption = FIGURE_CAPTIONS.get(path.stem, path.stem)
    return (f'<figure id="figure-{esc(path.stem)}"><img alt="{esc(path.stem)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{esc(caption)}</figcaption></figure>')


def heat_colour(ratio: float) -> str:
    """Background of a heatmap cell: green at the fastest (1×), through yellow, to red from 10× on.

    The hue falls with log10 of the time ratio (a ratio of 3.2× is half-way), so equal factors look
    equally far apart; light (86 % lightness) so the text stays readable.
    """
    if not math.isfinite(ratio) or ratio <= 0:
        return "#eeeeee"
    share = min(max(math.log10(ratio), 0.0), 1.0)
    return f"hsl({120 * (1 - share):.0f}, 70%, 86%)"


def _heat_cell(a: Answer, label: str, s: Standing | None) -> str:
    if s is None:
        why = [u[len(label):].strip() for u in a.unranked if u.split(" (")[0] == label]
        text = f"not ranked {why[0]}".strip() if why else "–"
        return f'<td class="heat" style="background:#eeeeee">{esc(text)}</td>'
    shown = a.metric and math.isfinite(s.metric_mean)
    metric = f"{a.metric} {s.metric_mean:.4g}" if shown else ""
    css = "heat marked" if s.marks else "heat"
    mark = f'<br><span class="mark">⚠ {esc(s.marks)}</span>' if s.marks else ""
    return (f'<td class="{css}" style="background:{heat_colour(s.time_ratio)}">'
            f"<b>{esc(time_cell_text(a, s))}</b><br>{esc(metric)}{mark}</td>")


def swatch(backend: str) -> str:
    """The backend's colour in the figures, as a small square before its name."""
    return f'<span class="swatch" style="background:{palette.colour(backend)}"></span>'


def heatmap(items: list[Answer]) -> str:
    """Tasks × backends per division, cells coloured by the fit-time ratio to the task's fastest.

    Backends are columns in the fixed order of every figure (:mod:`bench.report.palette`); a cell
    whose timing was contended or unstable carries the mark the tables give it.
    """
    blocks = []
    for division in dict.fromkeys(a.division for a in items):
        rows = [a for a in items if a.division == division]
        found = dict.fromkeys(s.label for a in rows for s in a.standings)
        labels = sorted(found, key=lambda label: palette.position(palette.label_backend(label)))
        head = "".join(f"<th>{swatch(palette.label_backend(label))}{esc(label)}</th>" for label in labels)
        body = []
        for a in rows:
            by_label = {s.label: s for s in a.standings}
            cells = "".join(_heat_cell(a, label, by_label.get(label)) for label in labels)
            body.append(f"<tr><th>{esc(a.task)}</th>{cells}</tr>")
        blocks.append(f"<h3>{esc(division)} division</h3><div class=\"scroll\"><table class=\"heat\" "
                      f'id="heatmap-{esc(division)}"><thead><tr><th>task</th>{head}</tr></thead>'
                      f"<tbody>{''.join(body)}</tbody></table></div>")
    return "".join(blocks) + f'<p class="note">{esc(HEATMAP_NOTE)}</p>'


def verdict_html(paragraphs: list[str]) -> str:
    """The plain sentences that open the page: one paragraph per division."""
    if not paragraphs:
        return ""
    return '<div id="verdict">' + "".join(f"<p><strong>In brief.</strong> {esc(p)}</p>"
                                          for p in paragraphs) + "</div>"


def spec_details(summaries: list[GroupSummary]) -> str:
    seen: dict[str, dict[str, Any]] = {}
    for s in summaries:
        if s.spec and s.spec_key not in seen:
            seen[s.spec_key] = s.spec
    parts = [f"<details><summary>spec {esc(key)}: {esc(spec_text(spec))}</summary>"
             f"<pre>{esc(json.dumps(spec, indent=2))}</pre></details>" for key, spec in seen.items()]
    return "".join(parts)


def run_facts(records: list[Record]) -> str:
    suites = sorted({str(r.suite) for r in records})
    seeds = sorted({r.seed for r in records if isinstance(r.seed, int)})
    threads = sorted({str(r.threads) for r in records})
    divisions = sorted({r.division for r in records})
    started = sorted(str(r.started_at) for r in records if r.started_at)
    policy = next((r.timing_policy for r in records if r.timing_policy), "")
    facts = [f"{len(records)} runs", f"suite {', '.join(suites)}", f"seeds {seeds}",
             f"threads {', '.join(threads)}", f"division {', '.join(divisions)}"]
    if started:
        facts.append(f"started {started[0]} – {started[-1]}")
    text = f'<p class="meta">{esc(" · ".join(facts))}</p>'
    if policy:
        text += f'<p class="note">Timing policy: {esc(policy)}</p>'
    return text


#: anchors of the tables' sections
SECTION_IDS = {ANSWER_HEADING: "answer", "Summary": "summary",
               "Time to target vs the NumPy reference": "time-to-target",
               "Failures and skips": "failures", "Deviations from the spec": "deviations",
               "Networks trained (resolved specs)": "specs", "Environment": "environment"}


def table_sections(records: list[Record], summaries: list[GroupSummary],
                   tables: ReportTables) -> list[Section]:
    """A section per table; the answer's with what the divisions mean and the heatmap."""
    sections = []
    for heading, rows, note in tables.sections():
        anchor = SECTION_IDS.get(heading, heading.lower().replace(" ", "-"))
        block = f'<h2 id="{esc(anchor)}-heading">{esc(heading)}</h2>'
        if anchor == "answer":
            block += divisions_paragraph(records)
        block += html_table(rows, anchor)
        if note:
            block += f'<p class="note">{esc(note)}</p>'
        if anchor == "specs":
            block += spec_details(summaries)
        parts: tuple[tuple[str, str], ...] = ()
        if anchor == "answer":
            items = answers(records)
            block += heatmap(items)
            parts = tuple((f"heatmap-{d}", f"heatmap, {d} division")
                          for d in dict.fromkeys(a.division for a in items))
        sections.append(Section(f"{anchor}-heading", heading, block, parts))
    if not tables.failures:
        failures = Section("failures", "Failures and skips", '<h2 id="failures">Failures and skips</h2>'
                           '<p class="note">None: every run finished.</p>')
        place = next((i for i, s in enumerate(sections) if s.anchor in ("deviations-heading", "specs-heading",
                                                                         "environment-heading")),
                     len(sections))
        sections.insert(place, failures)
    return sections


def figures_section(plots: Iterable[Path]) -> Section | None:
    shown = [p for p in plots if p.suffix == ".png"]
    if not shown:
        return None
    body = "".join(embedded_figure(p) for p in shown)
    parts = tuple((f"figure-{p.stem}", FIGURE_TITLES.get(p.stem, p.stem)) for p in shown)
    return Section("figures", "Figures", f'<h2 id="figures">Figures</h2><p class="note">{esc(COLOUR_NOTE)}'
                   f"</p>{body}", parts)


def render_html(results_path: Path, records: list[Record], summaries: list[GroupSummary],
                tables: ReportTables, plots: Iterable[Path]) -> str:
    sections = table_sections(records, summaries, tables)
    figures = figures_section(plots)
    if figures is not None:
        sections.insert(1 if tables.answer else 0, figures)
    title = page_title(records)
    banner = conditions_banner(records)
    warning = (f'<div class="banner" id="conditions"><strong>Warning.</strong> {esc(banner)}</div>'
               if banner else "")
    generated = datetime.now().isoformat(timespec="seconds")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1>{warning}{verdict_html(tables.verdict)}{run_facts(records)}"
        f'<p class="meta">Results file {esc(results_path.name)}; generated {esc(generated)} by '
        "<code>python -m bench report</code>.</p>"
        + contents(sections) + "".join(s.body for s in sections) + "</body></html>\n"
    )


def write_html(path: Path, results_path: Path, records: list[Record],
               summaries: list[GroupSummary], tables: ReportTables, plots: Iterable[Path]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    owned.write_text(path, render_html(results_path, records, summaries, tables, plots), "the HTML page")
    return path
