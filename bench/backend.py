"""Public plugin import: ``from bench.backend import Backend`` (lives in :mod:`bench.core.backend`)."""

from bench.core.backend import Backend, EpochCallback, Weights

__all__ = ["Backend", "EpochCallback", "Weights"]
