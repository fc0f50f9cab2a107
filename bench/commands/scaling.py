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
HELP = "fit epoch time vs rows and hidden width per backend (log-log exponent, PNG)"


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(float(v.lower().replace("k", "e3"))) for v in text.split(",") if v)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backends", default=",".join(DEFAULT_BACKENDS),
                        help="comma-separated backends (default %(default)s; keras, pybrain are slow)")
    parser.add_argument("--data", choices=("friedman1", "digits"), default="friedman1")
    parser.add_argument("--samples", type=_sizes, help="rows of the samples sweep, e.g. 1k,2k,4k")
    parser.add_argument("--widths", type=_sizes, help="hidden widths of the width sweep, e.g. 16,64,256")
    parser.add_argument("--full", action="store_true", help="rows 1k…256k and widths 16…2048")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per point; the first is dropped")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=argument("threads"), default=default_threads())
    parser.add_argument("--output-dir", type=Path, default=Path("results"))
    parser.add_argument("--timeout", type=argument("timeout", integer=False), default=900.0,
                        help="limit per backend, seconds")


def handle(args: argparse.Namespace) -> int:
    backends = [name for name in args.backends.split(",") if name]
    registry.check_backend_names(backends)
    samples = args.samples or (FULL_SAMPLES if args.full else DEFAULT_SAMPLES)
    widths = args.widths or (FULL_WIDTHS if args.full else DEFAULT_WIDTHS)
    config = ScalingConfig(data=args.data, samples=samples, widths=widths, epochs=max(args.epochs, 1),
                           batch_size=args.batch_size, threads=args.threads,
                           width_rows=min(8_000, max(samples)))
    run_scaling(config, backends, args.output_dir, timeout=args.timeout,
                echo=print_wrapped)
    return 0
