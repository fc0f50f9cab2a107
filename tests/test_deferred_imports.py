"""Tasks defer their heavy imports: a logic-gate cell loads no scikit-learn, pandas or SciPy."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sklearn", "pandas", "scipy", "torch", "tensorflow")


def _modules_after(code: str) -> list[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_logic_gate_task_and_numpy_backend_import_no_heavy_library() -> None:
    code = ("from bench.core import registry\n"
            "for name in ('and', 'or', 'xor'):\n"
            "    registry.task(name).splits(0)\n"
            "registry.backend_class('numpy').available()\n"
            "import tasks.credit_risk, tasks.images, tasks.regression, tasks.preprocessing")
    assert _modules_after(code) == []


def test_a_holdout_split_still_imports_sklearn_when_it_runs() -> None:
    code = "from tasks.preprocessing import holdout_indices\nholdout_indices(10, 0)"
    assert "sklearn" in _modules_after(code)
