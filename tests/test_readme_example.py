"""The README's "Adding a backend" example is complete and passes the kit."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

from bench.testing import CHECKS, check_backend

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_backend_passes_the_conformance_kit() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Adding a backend"):]
    code = re.search(r"```python\n(# my_package/my_backend.py\n.*?)```", section, re.S)
    assert code, "README example adapter not found"
    module = types.ModuleType("my_backend_example")
    sys.modules[module.__name__] = module
    exec(compile(code.group(1), "README.md", "exec"), module.__dict__)
    ran = check_backend(module.MyBackend)
    assert len(ran) == len(CHECKS)
