"""Public plugin import: ``from bench.spec import NetworkSpec`` (lives in :mod:`bench.core.spec`)."""

from bench.core.spec import NetworkSpec, SpecError

__all__ = ["NetworkSpec", "SpecError"]
