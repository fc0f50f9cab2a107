"""One verdict per division across tasks: mean ranks with bootstrap intervals, pairwise win rates, sentences.

Per task, each backend has a rank by the metric and a rank by time from
:mod:`bench.report.answer` (1 = best; ties share the mean of their positions).
A backend without a valid result on a task, and for time one below the
task's quality gate, shares the last rank there. Across the tasks of a
division:

* **mean rank** (Demšar 2006): the mean of a backend's ranks over the tasks;
* its **95 % interval** by the bootstrap over tasks (Efron & Tibshirani 1993):
  each of :data:`BOOTSTRAP` replicates draws the tasks with replacement and
  averages the backends' ranks on them; the interval is the 2.5th–97.5th
  percentile. The seed noise enters through the per-task ranks: backends
  inside each other's noise (Welch's t over seeds) already share a rank
  there, so the verdict never separates what a task's table calls a tie
  (redrawing three seeds would repeat one in 7 of 9 draws and understate
  their spread). The draws are seeded: a report is the same every time;
* **win rate** of each pair (TabArena, Erickson et al. 2025): the share of
  tasks where one backend ranks strictly ahead of the other, a tie counting half.

Backends whose intervals overlap the leader's are not told apart: the
sentences name them together ("not separable"), and "no difference beyond
noise" when that is every backend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bench.report.answer import Answer, Row, Standing
from bench.report.ranking import OVERHEAD_FLOPS

#: Bootstrap replicates of the mean-rank interval.
BOOTSTRAP = 1000
#: Seed of the bootstrap draws (a report is the same every time it is written).
BOOTSTRAP_SEED = 0
#: Tasks named at most in an "except on …" clause.
MOST_EXCEPTIONS = 3


@dataclass
class MeanRank:
    """A backend's mean rank over the tasks of a division, with its bootstrap interval."""

    label: str
    mean: float
    low: float
    high: float
    tasks: int


@dataclass
class PairWins:
    """How often backend ``a`` ranks ahead of ``b`` across tasks (by metric or by time)."""

    a: str
    b: str
    wins: int = 0
    losses: int = 0
    ties: int = 0

    @property
    def rate(self) -> float:
        """``a``'s win rate: (wins + ties / 2) / tasks."""
        n = self.wins + self.losses + self.ties
        return (self.wins + self.ties / 2) / n if n else math.nan


@dataclass
class DivisionVerdict:
    """The cross-task verdict of one division."""

    division: str
    tasks: list[str]
    labels: list[str]
    speed: list[MeanRank] = field(default_factory=list)
    quality: list[MeanRank] = field(default_factory=list)
    speed_pairs: list[PairWins] = field(default_factory=list)
    quality_pairs: list[PairWins] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


# --- ranks per task ------------------------------------------------------------------------------

def _last_rank(ranked: int, total: int) -> float:
    """The rank shared by the ``total - ranked`` entries after the ``ranked`` ones."""
    return (ranked + 1 + total) / 2


def task_ranks(answer: Answer, labels: list[str], by: str) -> dict[str, float]:
    """Every label's rank on one task, ``by`` "metric" or "time" (missing ones share the last rank)."""
    ranked: list[Standing] = answer.by_metric if by == "metric" else answer.by_time
    ranks = {s.label: s.metric_rank if by == "metric" else s.time_rank for s in ranked}
    last = _last_rank(len(ranks), len(labels))
    return {label: ranks.get(label, last) for label in labels}


def mean_ranks(items: list[Answer], labels: list[str], by: str,
               draws: int = BOOTSTRAP, seed: int = BOOTSTRAP_SEED) -> list[MeanRank]:
    """Each label's mean rank over ``items`` and its bootstrap 95 % interval over the tasks, best first."""
    points = np.array([[task_ranks(a, labels, by)[label] for label in labels] for a in items])
    picks = np.random.default_rng(seed).integers(0, len(items), size=(draws, len(items)))
    boot = points[picks].mean(axis=1)  # draw × label
    low, high = np.percentile(boot, [2.5, 97.5], axis=0)
    out = [MeanRank(label, float(points[:, j].mean()), float(low[j]), float(high[j]), len(items))
           for j, label in enumerate(labels)]
    return sorted(out, key=lambda m: (m.mean, m.label))


def pair_wins(items: list[Answer], labels: list[str], by: str) -> list[PairWins]:
    """Win, loss and tie counts of every pair of labels across ``items``."""
    ranks = [task_ranks(a, labels, by) for a in items]
    pairs = []
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            pair = PairWins(a, b)
            for r in ranks:
                if r[a] < r[b]:
                    pair.wins += 1
                elif r[a] > r[b]:
                    pair.losses += 1
                else:
                    pair.ties += 1
            pairs.append(pair)
    return pairs


# --- the sentences -------------------------------------------------------------------------------

def top_group(ranks: list[MeanRank]) -> list[MeanRank]:
    """The leader and every backend whose interval overlaps the leader's (not told apart)."""
    if not ranks:
        return []
    leader = ranks[0]
    return [m for m in ranks if m.low <= leader.high]


def _names(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _ranks_text(group: list[MeanRank], n: int) -> str:
    if len(group) == 1:
        m = group[0]
        return (f"mean rank {m.mean:.2f} of {n} over {m.tasks} task{'s' * (m.tasks != 1)}, "
                f"95 % interval {m.low:.2f}–{m.high:.2f}")
    return "mean ranks " + ", ".join(f"{m.mean:.2f}" for m in group) + f" of {n}, 95 % intervals overlap"


def _exceptions(items: list[Answer], group: set[str], by: str) -> str:
    """``except on xor (torch)``: tasks whose own best (or fastest) set holds none of ``group``."""
    misses = []
    for a in items:
        winners = [s.label for s in (a.leaders if by == "metric" else a.fastest)]
        if winners and not group & set(winners):
            misses.append(f"{a.task} ({_names(winners)})")
    if not misses:
        return ""
    more = f" and {len(misses) - MOST_EXCEPTIONS} more" if len(misses) > MOST_EXCEPTIONS else ""
    return f"; it does not hold on {', '.join(misses[:MOST_EXCEPTIONS])}{more}"


def _lead_sentence(v: DivisionVerdict, items: list[Answer], by: str) -> str:
    ranks = v.quality if by == "metric" else v.speed
    group = top_group(ranks)
    n = len(v.labels)
    what = "more accurate" if by == "metric" else "faster"
    if len(group) == n:
        low, high = ranks[0].mean, ranks[-1].mean
        return (f"No backend is {what} overall beyond noise (mean {'metric' if by == 'metric' else 'time'} "
                f"ranks {low:.2f}–{high:.2f} of {n}, 95 % intervals overlap).")
    title = "Most accurate overall" if by == "metric" else "Fastest overall"
    names = [m.label for m in group]
    if len(group) > 1 and len({(m.mean, m.low, m.high) for m in group}) == 1:
        title, group = f"{title}, a tie of {len(group)}", group[:1]
    separable = "" if len(group) == 1 else ", not separable"
    each = " each" if len(names) > len(group) else ""
    text = f"{title}{separable}: {_names(names)} ({_ranks_text(group, n)}{each})"
    text += _exceptions(items, set(names), by)
    if by == "time":
        marked = sorted({s.label for a in items for s in a.by_time if s.label in names and s.marks})
        if marked:
            text += (f"; some times of {_names(marked)} were measured under contention or were unstable "
                     "and are not to be trusted")
    return text + "."


def _accuracy_sentence(v: DivisionVerdict, items: list[Answer]) -> str:
    everyone = all(len(a.leaders) == len(a.by_metric) and not a.unranked for a in items if a.by_metric)
    if everyone and any(len(a.by_metric) > 1 for a in items):
        return ("No difference in the metric beyond noise: on every task every backend ties with the best "
                "(equal up to rounding or within the seed noise).")
    return _lead_sentence(v, items, "metric")


def _size_sentence(items: list[Answer]) -> str:
    toy = [a.task for a in items if a.overhead_bound]
    if not toy:
        return ""
    where = "on every task here" if len(toy) == len(items) else f"on {_names(toy)}"
    return (f"Toy size: {where} the epochs are overhead-bound (under {OVERHEAD_FLOPS / 1e9:g} GFLOP/s of the "
            "network's arithmetic), "
            "so these times measure per-call overhead, not the libraries' arithmetic.")


def division_verdict(division: str, items: list[Answer]) -> DivisionVerdict:
    """The verdict of one division from its tasks' answers."""
    labels = list(dict.fromkeys(s.label for a in items for s in [*a.by_metric, *a.standings]))
    verdict = DivisionVerdict(division, [a.task for a in items], labels)
    if not labels:
        return verdict
    timed = [a for a in items if a.by_time]
    scored = [a for a in items if a.by_metric]
    if timed:
        verdict.speed = mean_ranks(timed, labels, "time")
        verdict.speed_pairs = pair_wins(timed, labels, "time")
    if scored:
        verdict.quality = mean_ranks(scored, labels, "metric")
        verdict.quality_pairs = pair_wins(scored, labels, "metric")
    if len(labels) > 1:
        verdict.sentences = [text for text in (
            _lead_sentence(verdict, timed, "time") if timed else "",
            _accuracy_sentence(verdict, scored) if scored else "",
            _size_sentence(items)) if text]
    return verdict


def verdicts(items: list[Answer]) -> list[DivisionVerdict]:
    """One :class:`DivisionVerdict` per division, in the order the divisions first appear."""
    divisions = dict.fromkeys(a.division for a in items)
    return [division_verdict(d, [a for a in items if a.division == d]) for d in divisions]


def paragraphs(found: list[DivisionVerdict]) -> list[str]:
    """One paragraph of sentences per division (named when there are several)."""
    several = len(found) > 1
    return [(f"{v.division.capitalize()} division. " if several else "") + " ".join(v.sentences)
            for v in found if v.sentences]


def verdict_sentences(items: list[Answer]) -> list[str]:
    """The plain sentences that open every report: one paragraph per division."""
    return paragraphs(verdicts(items))


# --- the tables ----------------------------------------------------------------------------------

def _rank_cell(ranks: list[MeanRank], label: str) -> str:
    m = next((r for r in ranks if r.label == label), None)
    return f"{m.mean:.2f} [{m.low:.2f}–{m.high:.2f}]" if m else "–"


def overall_rows(found: list[DivisionVerdict]) -> list[Row]:
    """One row per division and backend: mean time rank and mean metric rank with their intervals."""
    several = len(found) > 1
    rows = []
    for v in found:
        order = [m.label for m in v.speed] or [m.label for m in v.quality]
        for label in order:
            row: Row = {"division": v.division} if several else {}
            row.update({"backend": label, "time rank [95 % CI]": _rank_cell(v.speed, label),
                        "metric rank [95 % CI]": _rank_cell(v.quality, label), "tasks": str(len(v.tasks))})
            rows.append(row)
    return rows


def _wins_text(pair: PairWins) -> str:
    if not (pair.wins or pair.losses or pair.ties):
        return "–"
    counts = f"{pair.a} {pair.wins}, {pair.b} {pair.losses}, ties {pair.ties}"
    return f"{counts} ({pair.a} win rate {pair.rate:.2f})"


def pair_rows(found: list[DivisionVerdict]) -> list[Row]:
    """One row per division and pair of backends: tasks each one is faster on, and more accurate on."""
    several = len(found) > 1
    rows = []
    for v in found:
        quality = {(p.a, p.b): p for p in v.quality_pairs}
        for pair in v.speed_pairs or v.quality_pairs:
            row: Row = {"division": v.division} if several else {}
            match = quality.get((pair.a, pair.b))
            row.update({"pair": f"{pair.a} vs {pair.b}",
                        "faster on (tasks)": _wins_text(pair) if v.speed_pairs else "–",
                        "more accurate on (tasks)": _wins_text(match) if match else "–"})
            rows.append(row)
    return rows
