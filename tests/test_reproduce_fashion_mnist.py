"""The Fashion-MNIST reproduction suites (the IDX files: Debian's dataset-fashion-mnist or --data-dir)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cli import main
from bench.core.published import published_list
from bench.core.task import TaskDataError
from bench.run.suite import load_suite
from tasks.images import FashionMnist

SUITES = Path(__file__).resolve().parents[1] / "suites"
ROWS = {"reproduce-fashion-mnist.toml": ([784, 100, 10], 0.871),
        "reproduce-fashion-mnist-small.toml": ([784, 10, 10], 0.848)}


def fashion_files_missing() -> str:
    try:
        FashionMnist().check_data()
    except (TaskDataError, OSError) as exc:
        return f"Fashion-MNIST IDX files not found ({exc}); apt-get install dataset-fashion-mnist"
    return ""


@pytest.mark.parametrize("name", sorted(ROWS))
def test_each_suite_states_the_papers_protocol_and_figure(name: str) -> None:
    import tomllib

    data = tomllib.loads((SUITES / name).read_text())
    layers, value = ROWS[name]
    (entry,) = published_list(data["published"])
    assert (entry.task, entry.backend, entry.division, entry.metric) == ("fashion-mnist", "sklearn", "open",
                                                                         "accuracy")
    assert entry.value == value and "arXiv:1708.07747" in entry.source and "Table 3" in entry.source
    overrides = data["tasks_overrides"]["fashion-mnist"]
    # MLPClassifier's defaults, StandardScaler, and the library's own stopping rule
    assert overrides == {"layers": layers, "hidden_activation": "relu", "optimizer": "adam",
                         "learning_rate": 0.001, "batch_size": 200, "epochs": 200, "stopping": "library",
                         "dtype": "float64", "input_scaling": "standard"}
    assert (data["backends"], data["divisions"], len(data["seeds"])) == (["sklearn"], ["open"], 5)


@pytest.mark.skipif(bool(fashion_files_missing()), reason=fashion_files_missing() or "files present")
@pytest.mark.parametrize("name", sorted(ROWS))
def test_the_suites_validate_against_the_installed_files(name: str) -> None:
    load_suite(SUITES / name).validate()


@pytest.mark.slow
@pytest.mark.skipif(bool(fashion_files_missing()), reason=fashion_files_missing() or "files present")
def test_one_seed_of_the_small_row_prints_reproduced_against_published(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "r.jsonl"
    code = main(["run", "--suite", str(SUITES / "reproduce-fashion-mnist-small.toml"), "--seed", "0",
                 "--output", str(results), "--curve-points", "0"])
    assert code == 0
    out = capsys.readouterr().out
    assert "Reproduced vs published" in out and "0.848 ± 0.0005" in out
    (record,) = [json.loads(line) for line in results.read_text().splitlines()]
    assert record["status"] == "ok" and record["spec"]["input_scaling"] == "standard"
    assert 0.8 < record["metrics"]["accuracy"] < 0.9  # scikit-learn's MLP on standardised Fashion-MNIST
    assert "Reproduced vs published" in results.with_suffix(".md").read_text()
