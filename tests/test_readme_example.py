"""The "Adding a backend" page's example adapter is complete and passes the kit."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

from bench.testing import CHECKS, check_backend

PAGE = Path(__file__).resolve().parents[1] / "docs" / "adding-a-backend.md"


def test_readme_example_backend_passes_the_conformance_kit() -> None:
    text = PAGE.read_text(encoding="utf-8")
    code = re.search(r"```python\n(# my_package/my_backend.py\n.*?)```", text, re.S)
    assert code, "the example adapter (# my_package/my_backend.py) is not on docs/adding-a-backend.md"
    module = types.ModuleType("my_backend_example")
    sys.modules[module.__name__] = module
    exec(compile(code.group(1), str(PAGE), "exec"), module.__dict__)
    ran = check_backend(module.MyBackend)
    assert len(ran) == len(CHECKS)
