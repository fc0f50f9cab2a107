"""The one validation of every numeric input: command-line flags, suite keys, ``--set`` overrides and
the ``suite_config`` a resumed results file holds.

Text is parsed by :func:`parse_int` / :func:`parse_number`: plain ASCII decimal
digits only (``10_0``, full-width ``１０``, ``0x10`` and spaces inside are
refused, though Python's ``int()`` takes some of them), and a number must be
finite. Every value, parsed or read from TOML/JSON, is then checked against its
:class:`Range` in :data:`RANGES` (:func:`check`): an integer where one is
expected (``true`` is not one), finite, inside its bounds. The upper bounds keep
each value where the code using it works: a timeout must fit the OS timer, a
seed NumPy's generator, a thread count or a seed list the machine.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass

_INT_TEXT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
#: The longest cell time limit: 30 days (far inside every OS timer; ``1e10`` overflows them).
MAX_TIMEOUT_SECONDS = 30 * 24 * 3600.0
#: The largest seed: NumPy's ``RandomState`` takes seeds below 2**32.
MAX_SEED = 2**32 - 1
#: The most seeds one suite runs (a seed list is materialised in memory).
MAX_SEEDS = 1_000_000
#: The largest integer a spec field (epochs, batch size, a layer size) may hold.
MAX_SPEC_INT = 2**31 - 1


class ValueRangeError(ValueError):
    """A number that is malformed, not finite or out of its range (one ``error:`` line, exit 2)."""


@dataclass(frozen=True)
class Range:
    """What one numeric input accepts: an integer or a number, within [low, high]."""

    integer: bool
    low: float
    high: float
    #: the low bound itself is refused (``timeout > 0``)
    low_open: bool = False

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a finite number"
        low, high = (f"{int(v)}" if self.integer else f"{v:g}" for v in (self.low, self.high))
        return f"{kind} {'>' if self.low_open else '>='} {low} and <= {high}"


#: Every bounded numeric input, by the name the user gives it.
RANGES: dict[str, Range] = {
    "threads": Range(True, 1, 1024),
    "workers": Range(True, 1, 1024),
    "seed": Range(True, 0, MAX_SEED),
    "seeds": Range(True, 1, MAX_SEEDS),
    "timeout": Range(False, 0, MAX_TIMEOUT_SECONDS, low_open=True),
    "memory_limit_mb": Range(True, 1, (2**63 - 1) // 2**20),
    "curve_points": Range(True, 0, 1_000_000),
    "trials": Range(True, 1, 10_000),
    "time_tolerance": Range(False, 0, 1e6),
    "alpha": Range(False, 0, 1, low_open=True),
}


def parse_int(text: str, name: str) -> int:
    """``text`` as an integer written in ASCII decimal digits, checked against ``RANGES[name]`` if any."""
    stripped = text.strip()
    if not _INT_TEXT.fullmatch(stripped):
        raise ValueRangeError(f"{name} must be an integer written in decimal digits, got {text!r}")
    return check(int(stripped), name)


def parse_number(text: str, name: str) -> float:
    """``text`` as a finite number (ASCII digits, optional exponent), checked against ``RANGES[name]``."""
    stripped = text.strip()
    if stripped.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        raise ValueRangeError(f"{name} must be a finite number, got {stripped}")
    if not _NUMBER_TEXT.fullmatch(stripped):
        raise ValueRangeError(f"{name} must be a finite number written in decimal digits, got {text!r}")
    return check(float(stripped), name)


def check(value: object, name: str, bounds: Range | None = None) -> int | float:  # type: ignore[return]
    """``value`` as a plain int/float when it fits ``bounds`` (default ``RANGES[name]``)."""
    bounds = bounds or RANGES.get(name)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = "an integer" if bounds is None or bounds.integer else "a number"
        raise ValueRangeError(f"{name} must be {kind}, got {value!r}")
    if bounds is not None and bounds.integer and not isinstance(value, numbers.Integral):
        raise ValueRangeError(f"{name} must be an integer, got {value!r}")
    if not isinstance(value, numbers.Integral) and not math.isfinite(float(value)):
        raise ValueRangeError(f"{name} must be a finite number, got {value!r}")
    plain: int | float = int(value) if isinstance(value, numbers.Integral) else float(value) + 0.0
    if bounds is None:
        return plain
    too_low = plain <= bounds.low if bounds.low_open else plain < bounds.low
    if too_low or plain > bounds.high:
        raise ValueRangeError(f"{name} must be {bounds.describe()}, got {value!r}")
    return plain


def argument(name: str, integer: bool = True):  # type: ignore[no-untyped-def]
    """An argparse ``type=`` for the flag whose value is ``RANGES[name]`` (its error is argparse's line)."""
    import argparse

    def parse(text: str) -> int | float:
        try:
            return parse_int(text, name) if integer else parse_number(text, name)
        except ValueRangeError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = name
    return parse
