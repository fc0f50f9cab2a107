"""``python -m bench scaling``: how epoch time grows with rows and hidden width, per backend.

Fits the log-log slope (the exponent) of seconds per epoch against the
number of rows and against the hidden width, prints it per backend and
writes a log-log PNG and the raw points under ``results/``. The default run
is modest (rows 1k…64k, widths 16…512; numpy, sklearn, torch); ``--full``
takes rows to 256k and widths to 2,048; keras and pybrain are opt-in
(``--backends numpy,sklearn,torch,keras``) because they are slow.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.core import registry
from bench.core.cli_parser import NameList, Names
from bench.core.values import argument
from bench.perf.scaling import (
    DEFAULT_BACKENDS,
    DEFAULT_SAMPLES,
    DEFAULT_WIDTHS,
    FULL_SAMPLES,
    FULL_WIDTHS,
    ScalingConfig,
    run_scaling,
)
from bench.report.layout import print_wrapped
from bench.run.threads import default_threads

NAME = "scaling"
HELP = "how epoch time grows with rows and hidden width, per backend"
DESCRIPTION = """\
Times epochs of each backend while the number of rows grows (hidden width fixed), then while the
hidden width grows, and fits the log-log slope of seconds per epoch against each: an exponent near 1
is linear growth. Prints the exponents per backend and writes a log-log figure (PNG) and the raw
points (JSON) into --output-dir.

The default is modest (rows 1k to 64k, widths 16 to 512); --full takes rows to 256k and widths to
2,048. keras and pybrain are slow, so they run only when named in --backends.
"""
EXAMPLES = """\
examples:
  # the default sweep: numpy, sklearn, torch
  nnbench scaling
  # keras too, on a sweep of your own
  nnbench scaling --backends numpy,torch,keras --samples 1k,4k,16k --widths 32,128
"""


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(float(v.lower().replace("k", "e3"))) for v in text.split(",") if v)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backends", action=NameList, default=Names(DEFAULT_BACKENDS), metavar="NAMES",
                        help="backends to time, comma-separated or repeated (keras and pybrain are slow)")
    parser.add_argument("--data", choices=("friedman1", "digits"), default="friedman1",
                        help="the task whose data are resized")
    parser.add_argument("--samples", type=_sizes, metavar="SIZES",
                        help="rows of the samples sweep, e.g. 1k,2k,4k "
                             f"(default: {_shown(DEFAULT_SAMPLES)}; with --full, {_shown(FULL_SAMPLES)})")
    parser.add_argument("--widths", type=_sizes, metavar="SIZES",
                        help="hidden widths of the width sweep, e.g. 16,64,256 "
                             f"(default: {_shown(DEFAULT_WIDTHS)}; with --full, {_shown(FULL_WIDTHS)})")
    parser.add_argument("--full", action="store_true", help="the long sweeps: rows to 256k, widths to 2,048")
    parser.add_argument("--epochs", type=int, default=4, metavar="N",
                        help="epochs per point; the first is dropped")
    parser.add_argument("--batch-size", type=int, default=128, metavar="N", help="rows per mini-batch")
    parser.add_argument("--threads", type=argument("threads"), default=default_threads(), metavar="N",
                        help="thread budget for every backend (default: the usable cores, %(default)s)")
    parser.add_argument("--output-dir", type=Path, default=Path("results"), metavar="DIR",
                        help="folder for the figure and the points")
    parser.add_argument("--timeout", type=argument("timeout", integer=False), default=900.0,
                        metavar="SECONDS", help="time limit per backend")


def _shown(sizes: tuple[int, ...]) -> str:
    """``1k,2k,4k``: sizes as the flags take them."""
    return ",".join(f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n) for n in sizes)


def handle(args: argparse.Namespace) -> int:
    backends = list(args.backends)
    registry.check_backend_names(backends)
    samples = args.samples or (FULL_SAMPLES if args.full else DEFAULT_SAMPLES)
    widths = args.widths or (FULL_WIDTHS if args.full else DEFAULT_WIDTHS)
    config = ScalingConfig(data=args.data, samples=samples, widths=widths, epochs=max(args.epochs, 1),
                           batch_size=args.batch_size, threads=args.threads,
                           width_rows=min(8_000, max(samples)))
    run_scaling(config, backends, args.output_dir, timeout=args.timeout,
                echo=print_wrapped)
    return 0
