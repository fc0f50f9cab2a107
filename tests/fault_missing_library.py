"""Test-only backend whose library is not installed: importing it fails (fault injection)."""

from __future__ import annotations

import nnbench_library_that_is_not_installed  # noqa: F401

from backends.numpy_mlp import NumpyMLP


class NeedsMissingLibrary(NumpyMLP):
    name = "fault-missing-library"
