"""docs/adding-a-backend.md: its example adapter is complete and passes the kit, and its bounds table is
the kit's tolerances."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

from bench.testing import CHECKS, check_backend
from bench.testing.tolerances import DEVIATION_BOUNDS, LONG_TOLERANCE, TOLERANCE

PAGE = Path(__file__).resolve().parents[1] / "docs" / "adding-a-backend.md"


def test_the_example_backend_passes_the_conformance_kit() -> None:
    text = PAGE.read_text(encoding="utf-8")
    code = re.search(r"```python\n(# my_package/my_backend.py\n.*?)```", text, re.S)
    assert code, "example adapter not found in docs/adding-a-backend.md"
    module = types.ModuleType("my_backend_example")
    sys.modules[module.__name__] = module
    exec(compile(code.group(1), str(PAGE), "exec"), module.__dict__)
    ran = check_backend(module.MyBackend)
    assert len(ran) == len(CHECKS)


def _bounds_table() -> dict[str, tuple[str, str]]:
    """The page's tolerances table: {first cell's start: (3-epoch bound, 25-epoch bound)}."""
    text = PAGE.read_text(encoding="utf-8")
    table = text[text.index("| what the fit recorded |"):].split("\n\n")[0].splitlines()[2:]
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in table]
    return {row[0]: (row[1], row[2]) for row in cells}


def test_the_bounds_table_is_what_the_kit_enforces() -> None:
    rows = _bounds_table()
    precision, adam = DEVIATION_BOUNDS["precision"], DEVIATION_BOUNDS["adam-epsilon"]
    expected = {
        "nothing, float64": (TOLERANCE["float64"], LONG_TOLERANCE["float64"]),
        "nothing, float32": (TOLERANCE["float32"], LONG_TOLERANCE["float32"]),
        "a `precision` deviation": (precision.short, precision.long),
        "an `adam-epsilon` deviation": (adam.short, adam.long),
        "`adam-epsilon` and `precision`": (precision.short + adam.short, precision.long + adam.long),
    }
    assert len(rows) == len(expected) + 1 and set(DEVIATION_BOUNDS) == {"precision", "adam-epsilon"}
    for start, (short, long) in expected.items():
        (found,) = [bounds for first, bounds in rows.items() if first.startswith(start)]
        assert (float(found[0]), float(found[1])) == pytest.approx((short, long), rel=1e-12), start
