"""``python -m bench.testing [--long] BACKEND...``: how the kit's tolerances are measured."""

from __future__ import annotations

import argparse
import sys

from bench.core import registry
from bench.core.cli_parser import NameList, Names, Parser
from bench.testing.tolerances import deviation_kinds
from bench.testing.training import TRAIN_NET, training_comparisons

DESCRIPTION = """\
The conformance kit's training matrix, printed: each backend trained on each setting (full batch,
mini-batches of 1 and 5, shuffled or not, a summed or averaged loss, in float32 and float64) from
the same weights as the NumPy reference, with its largest difference from the reference (weights and
epoch losses), the tolerance it must stay under, and what the backend declares it does differently.
Ends with the largest difference per kind of deviation: how the kit's tolerances were measured.

A backend whose library is not installed is reported unavailable, not an error.
"""
EXAMPLES = """\
examples:
  # every built-in backend, the short check
  python -m bench.testing
  # two backends, 25 epochs on 40 rows (the slow check)
  python -m bench.testing torch,jax --long
"""
#: the backends checked by default: every built-in one but the perceptron (it trains no MLP)
DEFAULT_BACKENDS = Names(n for n in registry.BUILTIN_BACKENDS if n != "numpy-perceptron")


def parser() -> argparse.ArgumentParser:
    """``python -m bench.testing [--long] [BACKEND ...]``."""
    made = Parser(prog="python -m bench.testing", description=DESCRIPTION, epilog=EXAMPLES)
    made.add_argument("backends", nargs="*", metavar="BACKEND", action=NameList, default=DEFAULT_BACKENDS,
                      help="backends to check, separated by spaces or commas")
    made.add_argument("--long", action="store_true", help="25 epochs on 40 rows (the slow check)")
    return made


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.testing [--long] BACKEND...``: each training setting's largest difference from
    the NumPy reference (how :data:`TOLERANCE` was measured)."""
    options = parser().parse_args(argv)
    base, rows = (TRAIN_NET.replace(epochs=25), 40) if options.long else (TRAIN_NET, 12)
    largest: dict[str, tuple[float, str]] = {}  # what the fit recorded → (largest difference, backend)
    try:  # every name checked before anything trains
        classes = {name: registry.backend_class(name) for name in options.backends}
    except registry.UnknownNameError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, cls in classes.items():
        ok, why = cls.available()
        if not ok:
            print(f"{name}: unavailable: {why}")
            continue
        declared = cls.kit_skips.get(f"check_trains_like_the_reference{'_long' if options.long else ''}")
        if declared:  # e.g. the perceptron: no hidden layer, not backpropagation
            print(f"{name}: not compared (kit_skips): {declared}")
            continue
        for found in training_comparisons(cls, base, rows, options.long):
            row = "+".join(deviation_kinds(cls, found.deviations)) or f"nothing, {found.dtype}"
            if not found.skipped and found.difference > largest.get(row, (-1.0, ""))[0]:
                largest[row] = (found.difference, name)
            detail = f"skipped: {found.skipped}" if found.skipped else (
                f"{found.difference:9.2e} {'≤' if found.agrees else '>'} {found.tolerance:7.1e} "
                f"{'+'.join(found.widened_by) or '':<12} {found.what:<22} "
                f"{'; '.join(d[:50] for d in found.deviations)}")
            print(f"{name:<11} {found.setting:<30} {found.dtype:<8} {detail}")
    for row, (difference, name) in sorted(largest.items()):
        print(f"largest with {row:<28} {difference:9.2e} ({name})")  # the README table's measured column
    return 0

