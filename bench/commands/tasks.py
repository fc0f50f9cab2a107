"""``python -m bench tasks``: tasks, their data and default networks.

The list fits the terminal: by default the columns of :data:`DEFAULT_COLUMNS`
(wrapped, or the least important left out with a note, at the terminal's width);
``--columns a,b`` chooses them, ``--wide`` shows every column on lines as long
as they need (for a file or a pager).

``--data FILE --target COLUMN`` (and the other file-task flags of ``run``)
prints instead what was inferred about that file — rows, column types,
inputs after encoding, classes or target range, the default network with
its batch size, epochs and learning rate — without training anything.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench.core import registry, suggest
from bench.core.cli_parser import NameList
from bench.run.suite import SuiteError

NAME = "tasks"
HELP = "list the tasks, or show what your data file (--data) becomes, without training"
DESCRIPTION = """\
Without --data: every task, its data and its default network.

With --data FILE --target COLUMN: what nnbench run would train on, read from the file, without
training anything: rows, column types, the inputs after encoding, the classes or the target's range,
the default network with its batch size, epochs and learning rate.

A data file is a CSV or TSV (gzip'd or not) or a Parquet file. Its first line names the columns;
every line has one field per column. Text columns are one-hot encoded, numeric columns are
standardised on the training rows; a missing value stops the run unless --dropna. The task is named
after the file.
"""
EXAMPLES = """\
examples:
  # the built-in tasks
  nnbench tasks
  # what a file becomes, before you run it
  nnbench tasks --data my.csv --target price
  # ignore two columns, read a numeric code column as categories
  nnbench tasks --data loans.csv.gz --target default --drop id,name --categorical zip
"""

#: The flags that define a file task (argparse destinations), shared with ``run``.
DATA_FLAGS = ("data", "target", "kind", "test_size", "drop", "categorical", "dropna")


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """``--data FILE --target COLUMN [--kind K] [--test-size F] [--drop C …] [--categorical C …]
    [--dropna]``."""
    group = parser.add_argument_group("your own data file as a task")
    group.add_argument("--data", type=Path, metavar="FILE",
                       help="a CSV or TSV file (gzip'd or not) or a Parquet file whose first line names "
                            "the columns; a task named after the file (default: none)")
    group.add_argument("--target", metavar="COLUMN",
                       help="with --data: the column to predict (required with --data)")
    group.add_argument("--kind", metavar="KIND",
                       help="with --data: auto, binary, multiclass or regression (default: auto, inferred "
                            "from the target column)")
    group.add_argument("--test-size", type=float, metavar="FRACTION",
                       help="with --data: fraction of the rows held out for testing (default: 0.2)")
    group.add_argument("--drop", action=NameList, metavar="COLUMNS",
                       help="with --data: columns to ignore, comma-separated or repeated (default: none)")
    group.add_argument("--categorical", action=NameList, metavar="COLUMNS",
                       help="with --data: numeric columns (codes) to one-hot instead of scaling, "
                            "comma-separated or repeated (default: none; text columns always are)")
    group.add_argument("--dropna", action="store_true", default=None,
                       help="with --data: drop rows with a missing value (counted) instead of stopping")


def file_task_from_args(args: argparse.Namespace) -> tuple[str, dict[str, Any]] | None:
    """(task name, definition) from the ``--data`` flags; ``None`` without ``--data``."""
    if args.data is None:
        given = [flag for flag in DATA_FLAGS[1:] if getattr(args, flag) not in (None, [])]
        if given:
            raise SuiteError(f"--{given[0].replace('_', '-')} only goes with --data FILE")
        return None
    if not args.target:
        raise SuiteError("--data needs --target COLUMN, the column to predict")
    from tasks.table_file import task_name_for

    definition: dict[str, Any] = {"file": str(args.data.absolute()), "target": args.target}
    for flag in DATA_FLAGS[2:]:
        if getattr(args, flag) is not None:
            definition[flag] = getattr(args, flag)
    return task_name_for(args.data), definition


#: Every column of the list (a task's :meth:`~bench.core.task.Task.describe`), in order.
ALL_COLUMNS = ("task", "kind", "rows", "features", "classes_or_target", "evaluation", "source", "licence",
               "network", "batch", "epochs", "lr")
#: The columns shown without ``--wide`` / ``--columns``.
DEFAULT_COLUMNS = ("task", "kind", "rows", "features", "classes_or_target", "network", "batch", "epochs",
                   "lr")
#: Columns of text (left-aligned); the others hold numbers.
TEXT_COLUMNS = frozenset({"task", "kind", "classes_or_target", "evaluation", "source", "licence", "network"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_arguments(parser)
    parser.add_argument("--wide", action="store_true",
                        help="every column (evaluation, source, licence too), lines as long as they need")
    parser.add_argument("--columns", action=NameList, metavar="NAMES",
                        help="the columns to show, comma-separated or repeated, of: "
                             f"{', '.join(ALL_COLUMNS)} "
                             f"(default: {', '.join(DEFAULT_COLUMNS)}; with --wide, all)")


def chosen_columns(args: argparse.Namespace) -> tuple[str, ...]:
    """The columns ``--columns`` / ``--wide`` ask for; :class:`SuiteError` naming an unknown one."""
    if args.columns is None:
        return ALL_COLUMNS if args.wide else DEFAULT_COLUMNS
    names = tuple(dict.fromkeys(args.columns))
    unknown = [name for name in names if name not in ALL_COLUMNS]
    if unknown:
        known = len(ALL_COLUMNS)
        raise SuiteError(f"--columns: {suggest.unknown('column', unknown[0], ALL_COLUMNS, most=known)}")
    if not names:
        raise SuiteError(f"--columns: no column given; known: {', '.join(ALL_COLUMNS)}")
    return names


def handle(args: argparse.Namespace) -> int:
    file_task = file_task_from_args(args)
    if file_task is not None:
        print(describe_file_task(*file_task))
        return 0
    columns = chosen_columns(args)
    from bench.report.layout import UNLIMITED
    from bench.report.render import print_sections

    rows = [{_header(column): _cell(row.get(column)) for column in columns}
            for row in (registry.task(name).describe() for name in registry.task_names())]
    width = UNLIMITED if args.wide else None  # --wide: never wrapped, never left out
    print_sections([("", rows, "")], rich=False, width=width,
                   text_columns=frozenset(map(_header, TEXT_COLUMNS)))
    return 0


def _header(column: str) -> str:
    """A column's header: its name, words apart (they wrap on a narrow terminal)."""
    return column.replace("_", " ")


def _cell(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe_file_task(name: str, definition: dict[str, Any]) -> str:
    """What ``run --data`` would train on, in plain lines, then one line per column."""
    from tasks.table_file import BEAT_BASELINE_BY, TableFileTask

    task = registry.task(name, definition)
    assert isinstance(task, TableFileTask)
    task.check_data()
    table, prepared = task.load()
    info, spec = task.info(), task.default_spec()
    metric, value, _ = task.target
    n_numeric = sum(c.type == "numeric" for c in prepared.columns)
    categorical = [c for c in prepared.columns if c.type == "categorical"]
    if prepared.kind == "regression":
        low, high = prepared.target_range or (0.0, 0.0)
        outcome = f"target    {definition['target']}: real value in [{low:.6g}, {high:.6g}]"
    else:
        positive = f" (output 1 = {prepared.classes[1]})" if prepared.kind == "binary" else ""
        outcome = f"classes   {definition['target']}: {', '.join(prepared.classes)}{positive}"
    lines = [
        f"task      {name}",
        f"file      {table.path} ({table.format}, {table.size:,} bytes, sha256 {table.sha256})",
        f"kind      {prepared.kind} ({prepared.kind_rule})",
        f"rows      {len(prepared.X):,} ({prepared.rows_dropped} dropped for missing values)",
        f"features  {len(prepared.columns)} columns → {prepared.X.shape[1]} inputs: {n_numeric} numeric "
        f"(standardised on the training rows), {len(categorical)} categorical "
        f"({sum(c.width for c in categorical)} one-hot inputs)",
        outcome,
        f"split     {info.evaluation}",
        f"network   {'-'.join(map(str, spec.layers))} {spec.hidden_activation}/{spec.output_activation} "
        f"{spec.loss}, batch {spec.batch_size or 'all'}, {spec.epochs} epochs, learning rate "
        f"{spec.learning_rate}, momentum {spec.momentum}",
        f"threshold {metric} ≥ {value:.4g} for time-to-target (the trivial baseline + {BEAT_BASELINE_BY})",
        "",
    ]
    width = min(40, max(len("column"), *(len(c.name) for c in prepared.columns)))
    lines.append(f"{'column':{width}} {'type':12} {'inputs':>6}  values (one-hot, in input order)")
    for column in prepared.columns:
        values = ", ".join(column.categories)
        values = values if len(values) <= 70 else values[:69] + "…"
        lines.append(f"{column.name[:width]:{width}} {column.type:12} {column.width:>6}  {values}")
    return "\n".join(lines)
