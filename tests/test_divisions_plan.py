"""The division is part of the cell: suites, the CLI and the spec each cell resolves."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cli import main
from bench.core import registry
from bench.core.backend import OPEN_DTYPE
from bench.core.record import CellConfig
from bench.run.suite import Suite, SuiteError, load_suite, suite_from_mapping
from bench.run.worker import resolve_spec


def test_a_suite_runs_the_closed_division_unless_told_otherwise() -> None:
    suite = Suite(backends=["numpy"], tasks=["xor"], seeds=[0])
    assert [cell.division for cell in suite.cells()] == ["closed"]


def test_both_divisions_double_the_matrix_and_never_share_a_key() -> None:
    suite = Suite(backends=["numpy", "sklearn"], tasks=["xor", "and"], seeds=[0, 1],
                  divisions=["closed", "open"])
    cells = suite.cells()
    assert len(cells) == 2 * 2 * 2 * 2
    assert len({cell.key() for cell in cells}) == len(cells)
    assert [c.division for c in cells] == ["closed"] * 8 + ["open"] * 8


def test_a_stored_suite_config_without_divisions_reads_as_closed() -> None:
    """Results files written before divisions existed resume as the closed division."""
    stored = Suite(backends=["numpy"], tasks=["xor"], seeds=[0]).to_dict()
    del stored["divisions"]
    assert suite_from_mapping(stored, "old file").divisions == ["closed"]


@pytest.mark.parametrize("divisions", [["closed", "closed"], ["sealed"], []])
def test_bad_divisions_are_refused_before_anything_runs(divisions: list[str]) -> None:
    with pytest.raises(SuiteError, match="division"):
        Suite(backends=["numpy"], tasks=["xor"], seeds=[0], divisions=divisions).validate()


def test_suite_file_key(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('backends = ["numpy"]\ntasks = ["xor"]\nseeds = [0]\ndivisions = ["open"]\n')
    assert [cell.division for cell in load_suite(path).cells()] == ["open"]


def test_cli_division_flag_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(["run", "--backend", "numpy", "--task", "xor", "--division", "sealed"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert not (tmp_path / "results").exists()


def test_the_open_division_trains_in_float32_unless_the_suite_sets_dtype() -> None:
    task = registry.task("xor")
    closed = resolve_spec(task, CellConfig(backend="numpy", task="xor"))
    opened = resolve_spec(task, CellConfig(backend="numpy", task="xor", division="open"))
    pinned = resolve_spec(task, CellConfig(backend="numpy", task="xor", division="open",
                                           overrides={"dtype": "float64"}))
    assert closed.dtype == task.default_spec().dtype
    assert opened.dtype == OPEN_DTYPE == "float32"
    assert pinned.dtype == "float64"
