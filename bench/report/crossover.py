"""Where one backend overtakes another: crossovers in ``bench scaling`` results.

``python -m bench scaling`` writes ``scaling-<data>-<stamp>.json`` (its
``config`` and, per backend, the seconds per epoch along two sweeps: rows at
a fixed width, hidden width at fixed rows). For each sweep and each pair of
backends measured at the same points, the log ratio of their epoch times is
followed along the sweep: inside ±:data:`EVEN_BAND` (10 %) the two are even;
where the faster one changes, the crossover is placed by linear
interpolation of the log ratio against log(x) between the two points around
it. The last change is the one reported (the order that holds at the large
end); more changes are counted.

A report finds the newest scaling file of each data set beside its results
file (``results/`` by default for both commands).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Epoch times within this factor of each other are even (the noise band of ``compare``'s timing rule).
EVEN_BAND = 0.10
SCALING_GLOB = "scaling-*.json"
AXIS_NAMES = {"samples": "rows", "width": "hidden width"}

Row = dict[str, str]


@dataclass(frozen=True)
class Points:
    """Seconds per epoch of one backend along one sweep."""

    backend: str
    axis: str
    x: tuple[float, ...]
    seconds: tuple[float, ...]


@dataclass(frozen=True)
class Crossing:
    """How two backends compare along one sweep."""

    axis: str
    a: str
    b: str
    #: the backend faster at the sweep's small and large ends ("" where even)
    small_end: str
    large_end: str
    #: interpolated x of the last change of the faster backend (NaN: none)
    at: float = math.nan
    between: tuple[float, float] = (math.nan, math.nan)
    changes: int = 0
    span: tuple[float, float] = (math.nan, math.nan)

    def _where(self, low: float, high: float | None = None) -> str:
        """``8,000 rows`` / ``width 64``, or a range of them."""
        value = f"{low:,.0f}" if high is None else f"{low:,.0f}–{high:,.0f}"
        if self.axis == "samples":
            return f"{value} rows"
        return f"{'width' if high is None else 'widths'} {value}"

    @property
    def text(self) -> str:
        span = self._where(*self.span)
        if not self.changes:
            if not self.large_end:
                return f"even (within {EVEN_BAND:.0%}) over {span}"
            return f"{self.large_end} faster over the whole range, {span}"
        low, high = self.between
        more = f"; the order changes {self.changes} times" if self.changes > 1 else ""
        return (f"{self.large_end} overtakes {self.small_end or 'the other'} at ≈ {self._where(self.at)} "
                f"(between {low:,.0f} and {high:,.0f}){more}")


def _sign(a: float, b: float) -> int:
    """−1 when ``a`` is faster beyond the band, +1 when ``b`` is, 0 when even."""
    ratio = a / b
    if abs(math.log(ratio)) <= math.log1p(EVEN_BAND):
        return 0
    return -1 if ratio < 1 else 1


def crossing(first: Points, second: Points) -> Crossing | None:
    """The comparison of two backends along the points both measured (None: fewer than two)."""
    common = sorted(set(first.x) & set(second.x))
    times_a, times_b = dict(zip(first.x, first.seconds)), dict(zip(second.x, second.seconds))
    xs = [x for x in common if times_a[x] > 0 and times_b[x] > 0]
    if len(xs) < 2:
        return None
    signs = [_sign(times_a[x], times_b[x]) for x in xs]
    names = {-1: first.backend, 1: second.backend, 0: ""}
    marked = [(i, s) for i, s in enumerate(signs) if s]
    changes = [k for k in range(1, len(marked)) if marked[k][1] != marked[k - 1][1]]
    result = Crossing(first.axis, first.backend, second.backend, names[marked[0][1]] if marked else "",
                      names[marked[-1][1]] if marked else "", changes=len(changes), span=(xs[0], xs[-1]))
    if not changes:
        return result
    i, j = marked[changes[-1] - 1][0], marked[changes[-1]][0]
    d_i = math.log(times_a[xs[i]] / times_b[xs[i]])
    d_j = math.log(times_a[xs[j]] / times_b[xs[j]])
    share = d_i / (d_i - d_j)
    at = math.exp(math.log(xs[i]) + share * (math.log(xs[j]) - math.log(xs[i])))
    return Crossing(result.axis, result.a, result.b, names[marked[changes[-1] - 1][1]], result.large_end,
                    at, (xs[i], xs[j]), len(changes), result.span)


def read_points(data: dict[str, Any]) -> list[Points]:
    """Every sweep of a scaling file's JSON (malformed entries are left out)."""
    out = []
    for result in data.get("results") or []:
        for sweep in (result.get("sweeps") or []) if isinstance(result, dict) else []:
            try:
                x = tuple(float(v) for v in sweep["x"])
                seconds = tuple(float(v) for v in sweep["seconds"])
                out.append(Points(str(sweep["backend"]), str(sweep["axis"]), x, seconds))
            except (KeyError, TypeError, ValueError):
                continue
    return out


def crossings(points: list[Points]) -> list[Crossing]:
    """Every pair of backends on each sweep, in the order the backends were measured."""
    out = []
    for axis in dict.fromkeys(p.axis for p in points):
        sweeps = [p for p in points if p.axis == axis]
        for i, first in enumerate(sweeps):
            for second in sweeps[i + 1:]:
                found = crossing(first, second)
                if found is not None:
                    out.append(found)
    return out


def newest_scaling_files(folder: Path) -> list[Path]:
    """The newest ``scaling-<data>-<stamp>.json`` of each data set in ``folder`` (names sort by stamp)."""
    newest: dict[str, Path] = {}
    for path in sorted(Path(folder).glob(SCALING_GLOB)):
        data_set = path.stem[len("scaling-"):].rsplit("-", 2)[0]
        newest[data_set] = path
    return list(newest.values())


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def crossover_rows(paths: list[Path]) -> list[Row]:
    """One row per data set, sweep and pair of backends; a file that cannot be read gets a row saying so."""
    rows: list[Row] = []
    for path in paths:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            rows.append({"file": path.name, "sweep": "–", "pair": "–", "crossover": f"unreadable: {error}"})
            continue
        config = data.get("config") if isinstance(data, dict) else None
        if not isinstance(config, dict):
            rows.append({"file": path.name, "sweep": "–", "pair": "–", "crossover": "not a scaling file"})
            continue
        fixed = {"samples": f"width {config.get('width')}",
                 "width": f"{_count(config.get('width_rows'))} rows"}
        for found in crossings(read_points(data)):
            rows.append({"file": path.name, "sweep": f"{AXIS_NAMES.get(found.axis, found.axis)} "
                         f"({fixed.get(found.axis, '')}, {config.get('data')})",
                         "pair": f"{found.a} vs {found.b}", "crossover": found.text})
    return rows
