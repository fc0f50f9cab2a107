"""``python -m bench run``: run a benchmark matrix and summarise it.

``--resume RESULTS`` finishes an interrupted run: it rebuilds the suite from
the records' ``suite_config`` and runs only the cells with no record yet,
appending to the same file. ``--executor dask`` runs cells as Dask tasks
(``--scheduler tcp://HOST:8786``, or a local cluster of ``--workers N``).

Every output path is checked and the results file locked before the first
cell runs (:mod:`bench.run.outputs`). Ctrl-C (SIGINT) or SIGTERM stops the
run: the running cell's processes are killed, what finished is summarised
with how to ``--resume``, and the exit status is 130 (143 for SIGTERM).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from bench.commands.tasks import DATA_FLAGS, add_data_arguments, file_task_from_args
from bench.core.cli_parser import NameList, comma_list
from bench.core.conditions import QUIET_MODES, WAIT_LIMIT_SECONDS
from bench.core.record import MAX_CURVE_POINTS, CellConfig
from bench.core.results import RESULTS_DIR, ResultsFileError, ResultsLock, ResultsWriteError, read_records
from bench.core.spec import SpecError
from bench.core.tuning import TuningSpace
from bench.core.values import argument
from bench.run.executors import EXECUTORS, Executor, make_executor
from bench.run.harness import Terminated, sigterm_raises
from bench.run.outputs import (
    check_not_inputs,
    claim_new_output,
    claim_resumed_output,
    fresh_results_path,
    suite_inputs,
)
from bench.run.quiet import QuietPolicy, refuse_if_busy
from bench.run.suite import DEVICES, DIVISIONS, Suite, SuiteError, load_suite
from bench.run.threads import default_threads
from bench.run.tuning import check_journal_free, journal_records

#: Flags that define the matrix; with --resume it comes from the results file instead.
MATRIX_FLAGS = ("suite", "backend", "task", "seeds", "seed", "device", "threads", "timeout", "set",
                "memory_limit_mb", "curve_points", "output", "division", "trials", *DATA_FLAGS)

NAME = "run"
HELP = "train backends on tasks (a benchmark matrix), then report"
DESCRIPTION = """\
Train every backend on every task with every seed (each a cell of the matrix, in a process of its
own) and write the results file, one JSON record per cell, then the report beside it: tables on the
terminal, Markdown, CSV, figures and an HTML page.

The matrix comes from a suite file (--suite), from the flags, or both (a flag overrides the suite's
key). With neither: numpy on the tasks and, or, xor with seeds 0, 1, 2. List flags take names
separated by commas or repeated: --backend numpy,sklearn is --backend numpy --backend sklearn.

Every input and output path is checked before the first cell runs. Ctrl-C stops the run cleanly:
every finished cell is kept and --resume finishes the run later. Exit status: 0 once the run is
reported (a failed cell is a record, not an error), 1 when a file cannot be written mid-run (a
full disk), 2 for bad input, 130 after Ctrl-C (143 after SIGTERM).
"""
EXAMPLES = """\
examples:
  # two libraries on XOR, three seeds each
  nnbench run --backend numpy,sklearn --task xor --seeds 3
  # the default suite (what make bench runs)
  nnbench run --suite suites/default.toml
  # your own table as a task (see: nnbench tasks --help)
  nnbench run --data my.csv --target price --backend numpy,torch
  # a spec field changed for every task, both divisions
  nnbench run --backend torch --task digits --set epochs=50 --division both
  # finish an interrupted run
  nnbench run --resume results/20261124-101500.jsonl
"""
#: A matrix larger than this says how many cells it is about to run before it starts.
LARGE_MATRIX_CELLS = 10_000
#: Exit status after SIGINT / SIGTERM (128 + the signal number, as a shell reports it).
INTERRUPTED_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", type=Path, metavar="FILE",
                        help="a TOML suite file, e.g. suites/default.toml (default: none, the flags alone)")
    parser.add_argument("--backend", action=NameList, metavar="NAMES",
                        help="backends to train, comma-separated or repeated; see nnbench backends "
                             "(default: the suite's, else numpy)")
    parser.add_argument("--task", action=NameList, metavar="NAMES",
                        help="tasks to train on, comma-separated or repeated; see nnbench tasks "
                             "(default: the suite's, else and,or,xor)")
    parser.add_argument("--seeds", type=argument("seeds"), metavar="N",
                        help="use seeds 0..N-1 (default: the suite's, else 3)")
    parser.add_argument("--seed", type=comma_list(argument("seed")), action=NameList, metavar="SEEDS",
                        help="these seeds, comma-separated or repeated, e.g. 0,7,42 (default: see --seeds)")
    parser.add_argument("--device", help=f"one of {', '.join(DEVICES)} (default: the suite's, else cpu)")
    parser.add_argument("--division", choices=(*DIVISIONS, "both", "all"),
                        help="closed: the reference's exact computation (shared weights and batches); "
                             "open: each library trained as its documentation teaches; tuned: the open "
                             "recipe after the same tuning budget for every library (docs/tuned.md); "
                             "both: closed and open; all: the three "
                             "(default: the suite's divisions, else closed)")
    parser.add_argument("--trials", type=argument("trials"), metavar="N",
                        help="tuned division: trials per backend × task × seed; suite key tuning.trials "
                             f"(default: the suite's, else {TuningSpace().trials})")
    parser.add_argument("--threads", type=argument("threads"), metavar="N",
                        help="thread budget for every backend "
                             f"(default: the suite's, else the usable cores, {default_threads()})")
    parser.add_argument("--timeout", type=argument("timeout", integer=False), metavar="SECONDS",
                        help="hard limit per cell; its processes are killed (default: the suite's, else 600)")
    parser.add_argument("--memory-limit-mb", type=argument("memory_limit_mb"), metavar="MB",
                        help="cap each cell's address space (RLIMIT_AS), megabytes (default: no cap)")
    parser.add_argument("--curve-points", type=argument("curve_points"), metavar="N",
                        help="held-out evaluations during training, at most; 0: no learning curves and "
                             f"no time-to-target, for pure throughput (default: {MAX_CURVE_POINTS})")
    parser.add_argument("--set", action="append", metavar="FIELD=VALUE",
                        help="override a spec field for every task, e.g. --set epochs=50 or "
                             "--set layers=64,32; repeatable (default: each task's own network)")
    parser.add_argument("--output", metavar="FILE",
                        help="the results file, a new .jsonl (default: results/<date>-<time>.jsonl)")
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="folder of external data files, e.g. Fashion-MNIST IDX files; sets "
                             "NNBENCH_DATA_DIR for every cell (default: $NNBENCH_DATA_DIR)")
    add_data_arguments(parser)
    add_execution_arguments(parser.add_argument_group("resuming, and where and when cells run"))


def add_execution_arguments(parser: argparse._ArgumentGroup) -> None:
    """``--resume``, ``--retry-failed``, ``--start``, the executor's and the quiet-machine flags."""
    parser.add_argument("--resume", type=Path, metavar="RESULTS",
                        help="finish the cells an interrupted run's results file lacks, appending to it; "
                             "the matrix comes from the file (default: a new run)")
    parser.add_argument("--retry-failed", action="store_true",
                        help="with --resume: run failed cells again too (their old records stay)")
    parser.add_argument("--start", choices=("warm", "cold"), default="warm",
                        help="warm: serial cells fork from a template per backend that imported its "
                             "library once; cold: a fresh interpreter per cell (Dask cells always are)")
    parser.add_argument("--executor", metavar="NAME",
                        help=f"where cells run: {' or '.join(EXECUTORS)} (default: serial; dask with "
                             "--scheduler)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="a Dask scheduler, e.g. tcp://host:8786; implies --executor dask "
                             "(default: a local cluster of --workers)")
    parser.add_argument("--quiet-machine", choices=QUIET_MODES,
                        help="when other processes compete for the CPUs: warn (run, and mark each "
                             "contended cell), wait (before each cell, until the machine is quiet, up to "
                             "--quiet-wait-limit), refuse (stop before the run, writing nothing); suite key "
                             "quiet_machine (default: the suite's, else warn)")
    parser.add_argument("--quiet-wait-limit", type=float, metavar="SECONDS",
                        help="with --quiet-machine wait: the longest pause before one cell; then the cell "
                             "runs, marked; suite key quiet_wait_limit "
                             f"(default: the suite's, else {WAIT_LIMIT_SECONDS:g})")
    parser.add_argument("--workers", type=argument("workers"), default=2, metavar="N",
                        help="with --executor dask and no --scheduler: local worker processes")


def parse_set(values: list[str]) -> dict[str, str]:
    overrides = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise SpecError(f"--set expects FIELD=VALUE, got {item!r}")
        overrides[name.strip()] = value.strip()
    return overrides


def build_suite(args: argparse.Namespace) -> Suite:
    suite = load_suite(args.suite) if args.suite else Suite()
    if args.backend is not None:  # --backend "" names none: refused by validate(), not the default
        suite.backends = args.backend
    if args.task is not None:
        suite.tasks = args.task
    if args.seeds is not None:
        suite.seeds = list(range(args.seeds))
    if args.seed is not None:
        suite.seeds = args.seed
    if args.device:
        suite.device = args.device
    if args.division:
        suite.divisions = (["closed", "open"] if args.division == "both" else list(DIVISIONS)
                           if args.division == "all" else [args.division])
    if args.trials is not None and isinstance(suite.tuning, dict):  # a non-table: refused by validate()
        suite.tuning = {**suite.tuning, "trials": args.trials}
    if args.threads is not None:
        suite.threads = args.threads
    if args.timeout is not None:
        suite.timeout = args.timeout
    if args.set:
        suite.overrides = {**suite.overrides, **parse_set(args.set)}
    if args.memory_limit_mb is not None:
        suite.memory_limit_mb = args.memory_limit_mb
    if args.curve_points is not None:
        suite.curve_points = args.curve_points
    apply_quiet_flags(suite, args)
    add_file_task(suite, args)
    export_data_dir(args)
    suite.validate()
    if args.trials is not None and "tuned" not in suite.divisions:
        raise SuiteError(f"--trials applies to the tuned division only, and this run's divisions are "
                         f"{', '.join(suite.divisions)}; add --division tuned or --division all")
    return suite


def add_file_task(suite: Suite, args: argparse.Namespace) -> None:
    """``--data FILE``: its task joins the ``--task``s or the suite's tasks, or runs alone."""
    file_task = file_task_from_args(args)
    if file_task is None:
        return
    name, definition = file_task
    others = suite.tasks if args.task or args.suite else []
    if name in others:
        raise SuiteError(f"--data {args.data} makes a task named {name!r}, which the suite already has")
    suite.task_files = {**suite.task_files, name: definition}
    suite.tasks = [*others, name]


def export_data_dir(args: argparse.Namespace) -> None:
    """``--data-dir`` must be an existing folder; the workers inherit it as ``NNBENCH_DATA_DIR``."""
    if args.data_dir is None:
        return
    if not args.data_dir.exists():
        raise SuiteError(f"--data-dir {args.data_dir}: no such folder")
    if not args.data_dir.is_dir():
        raise SuiteError(f"--data-dir {args.data_dir} is a file; give the folder that holds the data files")
    os.environ["NNBENCH_DATA_DIR"] = str(args.data_dir.resolve())


def plan(args: argparse.Namespace) -> tuple[Suite, list[CellConfig], Path, ResultsLock]:
    """The suite, the cells to run, the results file and its held lock; validates everything first."""
    if args.retry_failed and not args.resume:
        raise SuiteError("--retry-failed only goes with --resume RESULTS")
    if not args.resume:
        suite = build_suite(args)
        cells = suite.cells()
        output = Path(args.output) if args.output else fresh_results_path(RESULTS_DIR)
        check_quiet(suite, args)
        if "tuned" in suite.divisions:
            check_journal_free(output)
        return suite, cells, output, claim_new_output(output, suite_inputs(args.suite, suite.task_files))
    from bench.run.resume import check_last_line, cut_torn_tail, mend_journal, plan_resume

    given = [f"--{flag.replace('_', '-')}" for flag in MATRIX_FLAGS if getattr(args, flag) not in (None, [])]
    if given:
        raise SuiteError(f"--resume takes the suite from the results file; drop {' '.join(given)}")
    export_data_dir(args)
    lock = claim_resumed_output(args.resume)  # before reading: no other run may be appending
    try:
        resumed = plan_resume(args.resume, retry_failed=args.retry_failed)
        apply_quiet_flags(resumed.suite, args)
        resumed.suite.validate()
        check_not_inputs(args.resume, suite_inputs(None, resumed.suite.task_files))
        check_quiet(resumed.suite, args)
        if resumed.missing:
            check_last_line(args.resume)
            cut_torn_tail(args.resume)
            mend_journal(args.resume)
    except BaseException:
        lock.release()
        raise
    print(f"resuming {args.resume}: {resumed.done} cells done, {len(resumed.missing)} to run",
          file=sys.stderr)
    return resumed.suite, resumed.missing, args.resume, lock


def apply_quiet_flags(suite: Suite, args: argparse.Namespace) -> None:
    """``--quiet-machine`` / ``--quiet-wait-limit`` override the suite's keys (also a resumed suite's)."""
    if getattr(args, "quiet_machine", None) is not None:
        suite.quiet_machine = args.quiet_machine
    if getattr(args, "quiet_wait_limit", None) is not None:
        suite.quiet_wait_limit = args.quiet_wait_limit


def quiet_policy(suite: Suite) -> QuietPolicy:
    return QuietPolicy(suite.quiet_machine, suite.threads, suite.quiet_wait_limit)


def check_serial_wait(mode: str | None, args: argparse.Namespace) -> None:
    if mode == "wait" and (args.executor == "dask" or args.scheduler):
        raise SuiteError("--quiet-machine wait needs the serial executor: Dask's parallel cells "
                         "would wait for each other")


def check_quiet(suite: Suite, args: argparse.Namespace) -> None:
    """Before anything is written: ``wait`` needs the serial executor; ``refuse`` needs a quiet machine."""
    check_serial_wait(suite.quiet_machine, args)
    refuse_if_busy(quiet_policy(suite))


def handle(args: argparse.Namespace) -> int:
    check_serial_wait(args.quiet_machine, args)  # before a Dask cluster starts
    # First: an unreachable scheduler is an error before any file is claimed.
    executor = make_executor(args.executor, args.scheduler, args.workers)
    try:
        suite, cells, output, lock = plan(args)
        with lock:
            return _run_planned(executor, suite, cells, output, args.start, quiet_policy(suite), lock)
    finally:
        executor.close()


def _run_planned(executor: Executor, suite: Suite, cells: list[CellConfig], output: Path,
                 start: str = "warm", quiet: QuietPolicy | None = None,
                 lock: ResultsLock | None = None) -> int:
    from bench.commands.report import print_report
    from bench.run.harness import run_suite
    from bench.run.progress import MatrixProgress

    if not cells:
        print(f"nothing to run: every cell of {output} has a record", file=sys.stderr)
        return print_report(output)
    if len(cells) > LARGE_MATRIX_CELLS:
        print(f"note: about to run {len(cells):,} cells, far more than usual; Ctrl-C stops cleanly "
              f"and --resume {shlex.quote(str(output))} finishes later", file=sys.stderr, flush=True)
    finished = Counter[str]()

    def count(done: int, total: int, config: CellConfig, record: dict) -> None:
        finished[record["status"]] += 1
        progress(done, total, config, record)

    try:
        with sigterm_raises():
            print(f"running {len(cells)} cells ({suite.name}, {executor.name}) → {output}", file=sys.stderr)
            with MatrixProgress(cells) as progress:
                run_suite(suite, output, progress=count, executor=executor, cells=cells, start=start,
                          quiet=quiet, identity=lock.identity if lock is not None else None)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Terminated)
        number = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
        with _signals_ignored():  # a second Ctrl-C must not cut the summary short
            print(f"\ninterrupted ({number.name}): {_stopped_summary(finished, len(cells), output)}",
                  file=sys.stderr)
        return INTERRUPTED_STATUS[number]
    except ResultsWriteError as exc:
        print(f"error: {exc.strerror}; {_stopped_summary(finished, len(cells), output, done_verb='written')}",
              file=sys.stderr)
        return 1
    try:
        return print_report(output)
    except KeyboardInterrupt as exc:  # the cells are all recorded: only the report is left to write
        number = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
        print(f"\ninterrupted ({number.name}) while writing the report: {output} holds every record, "
              f"intact; write the report with: python -m bench report {output}", file=sys.stderr)
        return INTERRUPTED_STATUS[number]


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, signal.SIG_IGN) for number in INTERRUPTED_STATUS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _journaled(output: Path) -> int:
    """How many tuned-division trials the run's journal holds (they make the run resumable)."""
    try:
        return len(journal_records(output))
    except (ResultsFileError, OSError):
        return 0


def _stopped_summary(finished: Counter[str], planned: int, output: Path, done_verb: str = "finished") -> str:
    """``2 of 5 cells finished (1 ok, 1 failed); out.jsonl holds 4 records; finish with: …``."""
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(finished.items()))
    head = f"{sum(finished.values())} of {planned} cells {done_verb}{f' ({statuses})' if statuses else ''}"
    try:
        held = len(read_records(output))
    except ResultsFileError:
        held = 0
    except OSError as exc:  # the file itself is gone or unreadable now
        return (f"{head}; {output} cannot be read now ({exc.strerror or exc}): the records written to it are "
                f"all it holds; once it is readable, finish the run with: "
                f"python -m bench run --resume {shlex.quote(str(output))}")
    trials = _journaled(output)
    if not held and not trials:
        return f"{head}; {output} holds no record yet: start the run again (the same --output is free)"
    journal = f" and its trial journal {trials} trials" if trials else ""
    return (f"{head}; {output} holds {held} complete records{journal}, intact; "
            f"finish the run with: python -m bench run --resume {shlex.quote(str(output))}")
