"""Run the tuned division: an Optuna study per backend × task × seed, every trial an isolated unit of work.

Each tuned cell gets one study with Optuna's ``RandomSampler`` seeded with the
cell's seed. Its ``trials`` trials are all asked up front (random search: a
trial's values never depend on another's result), so every backend of a seed
trains the identical sequence of values, and the trials of every cell run as
one batch through the executor: one after another on the serial executor, spread
over the workers on Dask, each in its own process with the cell's timeout and
memory cap (:func:`bench.run.isolation.run_isolated`, or a warm template). Each
trial's record is appended to the *trial journal* beside the results file
(:func:`journal_path`) as it ends and told to the study (a failed trial as
``FAIL``: it costs one trial). Then each cell's best trial (Optuna's
``best_trial``: the best validation score, the earliest among equals) is trained
again on the trials' fit rows for its best epoch count (the validated model,
:func:`bench.core.tuning.tuned_splits`) and scored once on the test rows: that
final record, holding the whole tuning (:class:`bench.core.tuning.TuningOutcome`),
goes to the results file.

``--resume``: the journal's trials of a cell without a final record are replayed
into a new study (the sampler, asked again, proposes the recorded values, which
are checked), and only the missing trials run; the continued study equals an
uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.core import registry
from bench.core.record import CellConfig, CellKey, cell_key, failed_record, skipped_record
from bench.core.results import ResultsFileError, ResultsWriter, read_records
from bench.core.tuning import TrialResult, TrialValues, TuningOutcome, TuningSpace
from bench.run.executors import Executor, Runner

#: The trial journal's name beside a results file ``NAME.jsonl``: ``NAME.trials.jsonl``.
JOURNAL_SUFFIX = ".trials.jsonl"

Progress = Callable[[int, int, CellConfig, dict[str, Any]], None]


def journal_path(results: Path) -> Path:
    """Where the trials of ``results``'s tuned cells are journaled."""
    results = Path(results)
    stem = results.name[:-len(".jsonl")] if results.name.endswith(".jsonl") else results.name
    return results.with_name(stem + JOURNAL_SUFFIX)


def check_journal_free(results: Path) -> None:
    """Before a new run writes anything: the journal's name must not hold another run's file."""
    journal = journal_path(results)
    if journal.exists() or journal.is_symlink():
        raise ResultsFileError(f"{journal} already exists (another run's trial journal); nnbench does not "
                               "overwrite it: choose another --output or move that file")


def journal_records(results: Path) -> list[dict[str, Any]]:
    """The trial records journaled beside ``results`` (none without a journal); a line that is not a
    trial record is a :class:`ResultsFileError` naming it."""
    journal = journal_path(results)
    records = read_records(journal) if journal.exists() else []
    for number, record in enumerate(records, 1):
        if _journaled_trial(record) is None:
            raise ResultsFileError(f"{journal}: record {number} is not an nnbench trial record")
    return records


def _journaled_trial(record: Any) -> TrialResult | None:
    """The trial of a journal record, or None when the record is not a well-typed one."""
    if not isinstance(record, dict) or not isinstance(record.get("trial"), dict):
        return None
    try:
        hash(cell_key(record))
        trial = TrialResult.from_dict(record["trial"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    scores = (trial.validation_score, trial.fit_seconds, trial.wall_seconds)
    whole = (trial.number, *(() if trial.best_epoch is None else (trial.best_epoch,)))
    if (not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in whole)
            or not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in scores)
            or not isinstance(trial.status, str) or not isinstance(trial.reason, str)
            or not isinstance(trial.validation_curve, list)):
        return None
    return trial


def read_journal(results: Path) -> dict[tuple[CellKey, int], TrialResult]:
    """The journaled trials of ``results``, by (cell key, trial number); the last record of each counts."""
    found: dict[tuple[CellKey, int], TrialResult] = {}
    for record in journal_records(results):
        result = _journaled_trial(record)
        if result is not None:
            found[(cell_key(record), result.number)] = result
    return found


@dataclass
class Study:
    """One tuned cell's Optuna study and its trials so far."""

    cell: CellConfig
    space: TuningSpace
    metric: str
    direction: str
    study: Any
    asked: list[tuple[Any, TrialValues]] = field(default_factory=list)
    results: dict[int, TrialResult] = field(default_factory=dict)

    def trial_config(self, number: int) -> CellConfig:
        values = self.asked[number][1]
        job = {"role": "trial", "space": self.space.to_dict(), "number": number, "values": values.to_dict()}
        return dataclasses.replace(self.cell, tuning=job, overrides=dict(self.cell.overrides))

    def tell(self, result: TrialResult) -> None:
        from optuna.trial import TrialState

        self.results[result.number] = result
        trial = self.asked[result.number][0]
        if result.ok:
            self.study.tell(trial, float(result.validation_score))  # type: ignore[arg-type]
        else:
            self.study.tell(trial, state=TrialState.FAIL)

    def outcome(self) -> TuningOutcome:
        from optuna.trial import TrialState

        trials = [self.results[n] for n in sorted(self.results)]
        complete = [t for t in self.study.trials if t.state == TrialState.COMPLETE]
        chosen = self.results[self.study.best_trial.number] if complete else None
        seconds = sum(t.wall_seconds or 0.0 for t in trials)
        return TuningOutcome(space=self.space, metric=self.metric, direction=self.direction,
                             sampler_seed=self.cell.seed, trials=trials, chosen=chosen,
                             tuning_seconds=seconds)


def new_study(cell: CellConfig) -> Study:
    """The cell's study with every trial asked (seeded random sampler: the values depend on the seed only)."""
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = TuningSpace.from_dict((cell.tuning or {}).get("space", {}))
    metric, _, direction = registry.task(cell.task, cell.task_file).target
    sampler = optuna.samplers.RandomSampler(seed=cell.seed)
    study = optuna.create_study(direction="maximize" if direction == "max" else "minimize", sampler=sampler)
    distributions = {"learning_rate": FloatDistribution(*space.learning_rate, log=True),
                     "batch_size": CategoricalDistribution(list(space.batch_size)),
                     "optimizer": CategoricalDistribution(list(space.optimizers))}
    tuned = Study(cell, space, metric, direction, study)
    for _ in range(space.trials):
        trial = study.ask(distributions)
        tuned.asked.append((trial, TrialValues.from_dict(trial.params)))
    return tuned


def trial_result(config: CellConfig, record: dict[str, Any]) -> TrialResult:
    """The trial a record reports; a record without one (a crash, a timeout) is a failed trial."""
    job = config.tuning or {}
    values = TrialValues.from_dict(job["values"])
    found = record.get("trial")
    number = int(job["number"])
    result = TrialResult.from_dict(found) if isinstance(found, dict) else TrialResult(number, values)
    if not isinstance(found, dict):
        result.status, result.reason = record.get("status") or "failed", record.get("reason") or ""
        if result.status == "ok":
            result.status = "failed"
    result.values = values
    wall = record.get("process_seconds")
    result.wall_seconds = float(wall) if isinstance(wall, (int, float)) else result.wall_seconds
    return result


def replay(studies: Sequence[Study], journal: dict[tuple[CellKey, int], TrialResult]) -> int:
    """Tell each study its journaled trials whose values match what its sampler proposed; how many."""
    replayed = 0
    for tuned in studies:
        for number, (_, values) in enumerate(tuned.asked):
            found = journal.get((tuned.cell.key(), number))
            if found is not None and found.values == values:
                tuned.tell(found)
                replayed += 1
    return replayed


def final_config(tuned: Study, outcome: TuningOutcome) -> CellConfig | None:
    """The final fit's cell: the chosen values for the best epoch count (None: no trial to choose)."""
    chosen = outcome.chosen
    if chosen is None or chosen.best_epoch is None:
        return None
    overrides = {**tuned.cell.overrides, **chosen.values.spec_changes(tuned.space),
                 "epochs": chosen.best_epoch}
    job = {"role": "final", "space": tuned.space.to_dict(), "number": chosen.number}
    return dataclasses.replace(tuned.cell, overrides=overrides, tuning=job)


def run_tuned(cells: Sequence[CellConfig], writer: ResultsWriter, runner: Runner, executor: Executor,
              stamp: dict[str, Any], progress: Progress | None = None) -> list[dict[str, Any]]:
    """Tune ``cells`` (all of division ``tuned``), journal every trial, append each final record."""
    journal_writer = ResultsWriter(journal_path(writer.path))
    studies = [new_study(cell) for cell in cells]
    replayed = replay(studies, read_journal(writer.path))
    pending = [tuned.trial_config(n) for tuned in studies for n in range(len(tuned.asked))
               if n not in tuned.results]
    by_key = {tuned.cell.key(): tuned for tuned in studies}
    total = sum(len(tuned.asked) for tuned in studies)
    print(f"tuning {len(studies)} cells: {total} trials, {replayed} replayed from the journal, "
          f"{len(pending)} to run ({executor.name})", file=sys.stderr, flush=True)
    for done, (config, record) in enumerate(executor.run(pending, runner), 1):
        record.update(executor=executor.name, cell=config.to_dict(), **stamp)
        result = trial_result(config, record)
        record["trial"] = result.to_dict()
        journal_writer.append(record)
        by_key[config.key()].tell(result)
        print(f"[trial {done}/{len(pending)}] {trial_line(config, result)}", file=sys.stderr, flush=True)
    return run_finals(studies, writer, runner, executor, stamp, progress)


def run_finals(studies: Sequence[Study], writer: ResultsWriter, runner: Runner, executor: Executor,
               stamp: dict[str, Any], progress: Progress | None) -> list[dict[str, Any]]:
    """Train each cell's chosen values once more and score them on the test rows (:func:`final_config`);
    a cell with no ok trial gets its record without running (:func:`unchosen_record`)."""
    outcomes = {tuned.cell.key(): tuned.outcome() for tuned in studies}
    finals: list[CellConfig] = []
    records: list[dict[str, Any]] = []

    def finish(record: dict[str, Any], config: CellConfig) -> None:
        record.update(executor=executor.name, cell=config.to_dict(), **stamp)
        record["tuning"] = outcomes[config.key()].to_dict()
        writer.append(record)
        records.append(record)
        if progress is not None:
            progress(len(records), len(studies), config, record)

    for tuned in studies:
        config = final_config(tuned, outcomes[tuned.cell.key()])
        if config is None:
            finish(unchosen_record(tuned), tuned.cell)
        else:
            finals.append(config)
    for config, record in executor.run(finals, runner):
        finish(record, config)
    return records


def unchosen_record(tuned: Study) -> dict[str, Any]:
    """The final record of a cell no trial of which gave a score: skipped when every trial was skipped
    (the backend cannot train it: its reason), else failed."""
    trials = list(tuned.results.values())
    if trials and all(trial.status == "skipped" for trial in trials):
        return skipped_record(tuned.cell, trials[0].reason).to_dict()
    return failed_record(tuned.cell, "tuning found no configuration: every trial failed").to_dict()


def trial_line(config: CellConfig, result: TrialResult) -> str:
    values = result.values
    head = (f"{config.backend} {config.task} seed {config.seed} trial {result.number}: lr "
            f"{values.learning_rate:.3g}, batch {values.batch_size or 'all'}, {values.optimizer}")
    if result.ok:
        return f"{head} → validation {result.validation_score:.4g} at epoch {result.best_epoch}"
    return f"{head} → {result.status}: {result.reason}"
