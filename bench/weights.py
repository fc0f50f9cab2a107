"""Public plugin import: ``from bench.weights import initial_weights`` (in :mod:`bench.core.weights`)."""

from bench.core.weights import check_shapes, initial_weights

__all__ = ["check_shapes", "initial_weights"]
