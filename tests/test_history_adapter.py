"""History knows the adapter's code: an edited adapter starts a new series; the hash follows the source."""

from __future__ import annotations

import csv
import importlib
import sys
from pathlib import Path

import pytest
from synthetic_results import ENV, record, write

from bench.cli import main
from bench.report.history import history
from bench.run.adapter_source import adapter_modules, adapter_version


def write_series(folder: Path, adapters: list[str | None], slow_last: float = 1.0) -> None:
    """One run a day of numpy and torch on xor, 3 seeds; run i's torch records carry ``adapters[i]``."""
    folder.mkdir(parents=True, exist_ok=True)
    for run, adapter in enumerate(adapters):
        last = run == len(adapters) - 1
        records = []
        for backend, base in (("numpy", 0.01), ("torch", 0.05)):
            for seed in range(3):
                extra = {"adapter_version": adapter} if backend == "torch" and adapter else {}
                fit = base * (1 + 0.01 * seed) * (slow_last if last and backend == "torch" else 1.0)
                records.append(record(backend, "xor", seed, fit=fit, env=ENV,
                                      started_at=f"2026-11-{10 + run:02d}T03:00:0{seed}+00:00", **extra))
        write(folder / f"202611{10 + run:02d}-030000.jsonl", records)


def verdicts(folder: Path) -> dict[str, object]:
    return {v.key.backend: v for v in history([folder]).verdicts}


def test_an_edited_adapter_starts_a_new_series_instead_of_a_regression(tmp_path):
    write_series(tmp_path / "r", ["aaaa"] * 5 + ["bbbb"], slow_last=3.0)
    found = verdicts(tmp_path / "r")
    torch = found["torch"]
    assert torch.verdict == "too little history"  # not "slower": the code is not the same
    assert torch.history_runs == 0
    assert any(reason.startswith("adapter changed: 5 earlier run(s)") for reason in torch.reasons)
    assert found["numpy"].verdict == "unchanged"  # another backend's series goes on


def test_the_same_adapter_continues_the_series_and_judges(tmp_path):
    write_series(tmp_path / "r", ["aaaa"] * 6, slow_last=3.0)
    torch = verdicts(tmp_path / "r")["torch"]
    assert torch.verdict == "slower" and torch.history_runs == 5
    assert not any("adapter changed" in reason for reason in torch.reasons)


def test_old_records_without_the_field_are_unknown_and_comparable_among_themselves(tmp_path):
    write_series(tmp_path / "r", [None] * 6, slow_last=3.0)
    result = history([tmp_path / "r"])
    assert {r.adapter for r in result.rows} == {"unknown"}
    assert {v.key.backend: v.verdict for v in result.verdicts}["torch"] == "slower"


def test_a_run_after_old_records_is_a_new_series(tmp_path):
    write_series(tmp_path / "r", [None] * 5 + ["cccc"])
    torch = verdicts(tmp_path / "r")["torch"]
    assert torch.verdict == "too little history"
    assert any("adapter changed" in reason and "now cccc" in reason for reason in torch.reasons)


def test_the_long_table_and_its_cache_carry_the_adapter(tmp_path):
    write_series(tmp_path / "r", ["aaaa"] * 3 + ["bbbb"])
    out = tmp_path / "out"
    assert main(["history", str(tmp_path / "r"), "-o", str(out), "--no-plots"]) == 0
    rows = list(csv.DictReader((out / "history.csv").open(encoding="utf-8")))
    assert {(r["backend"], r["adapter"]) for r in rows} == {("numpy", "unknown"), ("torch", "aaaa"),
                                                             ("torch", "bbbb")}
    cached = history([tmp_path / "r"], cache=out / "cache.parquet")  # read back from the cache
    assert {r.adapter for r in cached.rows} == {"unknown", "aaaa", "bbbb"}


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A third-party backend package: its adapter module imports a helper of its own, and numpy."""
    package = tmp_path / "site" / "thirdparty_nn"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text("SCALE = 1.0\n")
    (package / "unused.py").write_text("X = 1\n")
    (package / "adapter.py").write_text(
        "import numpy as np\n"
        "from . import helpers\n"
        "from bench.core.backend import Backend\n\n"
        "class Adapter(Backend):\n"
        "    name = 'thirdparty'\n\n"
        "    def scale(self):\n"
        "        from thirdparty_nn.helpers import SCALE\n"
        "        return np.float64(SCALE) * helpers.SCALE\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    yield package
    for name in [m for m in sys.modules if m.startswith("thirdparty_nn")]:
        del sys.modules[name]


def test_the_hash_covers_the_adapter_and_the_helpers_it_imports(plugin: Path):
    module = importlib.import_module("thirdparty_nn.adapter")
    # ``from . import helpers`` names the package and its module: both count
    assert set(adapter_modules("thirdparty_nn.adapter")) == {"thirdparty_nn.adapter", "thirdparty_nn.helpers",
                                                             "thirdparty_nn"}
    before = adapter_version(module.Adapter)
    assert before is not None and len(before) == 12
    assert adapter_version(module.Adapter) == before  # deterministic
    (plugin / "unused.py").write_text("X = 2\n")  # a module it does not import: no change
    assert adapter_version(module.Adapter) == before
    (plugin / "helpers.py").write_text("SCALE = 2.0\n")  # a helper it imports: a new version
    after_helper = adapter_version(module.Adapter)
    assert after_helper != before
    (plugin / "adapter.py").write_text((plugin / "adapter.py").read_text() + "# edited\n")
    assert adapter_version(module.Adapter) not in (before, after_helper)


def test_the_built_in_adapters_hash_their_shared_runtime_modules():
    assert "backends.torch_runtime" in adapter_modules("backends.torch_mlp")
    assert {"backends.jax_common", "backends.jax_runtime"} <= set(adapter_modules("backends.flax_mlp"))
    hashed = adapter_modules("backends.torch_mlp")
    assert not any(name.startswith(("bench.", "numpy", "torch")) for name in hashed)


def test_the_history_figure_breaks_the_line_where_the_adapter_changed(tmp_path):
    from bench.report.plots import history_figures

    write_series(tmp_path / "r", ["aaaa"] * 3 + ["bbbb"] * 2)
    (figure,) = history_figures(history([tmp_path / "r"]).rows).values()
    time_ax = figure.axes[1]
    lines = [line for line in time_ax.get_lines() if line.get_linestyle() == "-"]
    assert sorted(len(line.get_xdata()) for line in lines) == [2, 3, 5]  # torch 3 + 2, numpy 5
    notes = [text.get_text() for text in time_ax.texts]
    assert notes == ["torch: adapter changed"]
    assert [text.get_text() for text in time_ax.get_legend().get_texts()] == ["numpy", "torch"]


def test_a_run_records_its_adapters_version(tmp_path):
    import json

    from backends.numpy_mlp import NumpyMLP

    output = tmp_path / "r.jsonl"
    assert main(["run", "--backend", "numpy", "--task", "xor", "--seed", "0", "--set", "epochs=5",
                 "--output", str(output)]) == 0
    (line,) = output.read_text().splitlines()
    assert json.loads(line)["adapter_version"] == adapter_version(NumpyMLP)
