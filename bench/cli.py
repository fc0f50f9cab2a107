"""Command line: ``nnbench <command>`` (``python -m bench <command>``); one module per command.

Bad input (unknown names, malformed suite, invalid spec, unreadable files,
output paths that collide or cannot be written, a results file another run
is writing) prints one line, ``error: ...``, and exits with status 2 before
anything is written. A write that fails later (a full disk) is one line and
status 1; Ctrl-C / SIGTERM during a run, 130 / 143 (see ``bench.commands.run``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from bench.core import registry
from bench.core.cli_parser import Parser
from bench.core.files import InputFileError
from bench.core.results import ResultsFileError
from bench.core.spec import SpecError
from bench.core.task import TaskDataError
from bench.core.text import VisibleStream, visible
from bench.run.executors import ExecutorError
from bench.run.suite import SuiteError

#: Subcommand modules under bench.commands, in help order.
COMMANDS = ["run", "report", "compare", "history", "tasks", "backends", "perf", "scaling", "doctor"]

USAGE_ERRORS: tuple[type[Exception], ...] = (
    registry.UnknownNameError, SuiteError, SpecError, ResultsFileError, TaskDataError, ExecutorError,
    InputFileError,
)


#: The command's name (the console script); ``python -m bench`` is the same command.
PROG = "nnbench"

DESCRIPTION = """\
Train the same neural network on the same data with many libraries (NumPy from scratch,
scikit-learn, PyTorch, Keras, JAX, PyBrain, ...) and tell which is more accurate, faster and
cheaper. `python -m bench` is the same command as `nnbench`.

Bad input (an unknown name, a malformed suite or data file, an output path that cannot be
written) prints one line, `error: ...`, and exits with status 2 before anything is written.
"""

EPILOG = """\
examples:
  # two libraries on XOR, three seeds each
  nnbench run --backend numpy,sklearn --task xor --seeds 3
  # the default suite (what make bench runs)
  nnbench run --suite suites/default.toml
  # what your own table becomes, then train on it
  nnbench tasks --data my.csv --target price
  nnbench run --data my.csv --target price --backend numpy,sklearn,torch
  # the report of a run again; what changed between two runs
  nnbench report results/20261124-101500.jsonl
  nnbench compare results/A.jsonl results/B.jsonl

Each command's options and examples: nnbench COMMAND --help.
"""


def parser() -> argparse.ArgumentParser:
    """The whole command line: ``nnbench`` and one sub-parser per command (``COMMANDS``)."""
    root = Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG)
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")
    for name in COMMANDS:
        module = importlib.import_module(f"bench.commands.{name}")
        sub = commands.add_parser(module.NAME, help=module.HELP, description=module.DESCRIPTION,
                                  epilog=module.EXAMPLES)
        module.add_arguments(sub)
        sub.set_defaults(handler=module.handle)
    return root


def main(argv: list[str] | None = None) -> int:
    """Run a command; its standard output and error show control characters as escapes."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = VisibleStream(sys.stdout), VisibleStream(sys.stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = streams


def _main(argv: list[str] | None) -> int:
    from bench.run.harness import Terminated, sigterm_raises

    try:
        args = parser().parse_args(argv)
        with sigterm_raises():
            code = args.handler(args)
        sys.stdout.flush()  # a pipe's buffer is written here, where a closed reader can be caught
        return code
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM outside a run's cells (report, history, …)
        name, code = ("SIGTERM", 143) if isinstance(exc, Terminated) else ("SIGINT", 130)
        print(f"\ninterrupted ({name}); every file written so far is whole (each is written to a "
              "temporary file, then renamed)", file=sys.stderr)
        return code
    except USAGE_ERRORS as exc:
        print(f"error: {visible(exc, newlines=False)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `python -m bench tasks | head`: the reader left; say nothing more
        # Python's documented recipe: point stdout at devnull so the exit flush cannot raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a command killed by a closed pipe
    except OSError as exc:  # a file that cannot be written after all (a full disk, a vanished mount)
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {visible(exc.strerror or exc, newlines=False)}{visible(where, newlines=False)}",
              file=sys.stderr)
        return 1
