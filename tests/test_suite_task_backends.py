"""A suite's tasks_backends: a task run by fewer backends than the suite names."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cli import main
from bench.run.suite import SuiteError, load_suite, suite_from_mapping

SUITES = Path(__file__).resolve().parents[1] / "suites"


def suite(**changes: object):  # type: ignore[no-untyped-def]
    data = {"backends": ["numpy", "sklearn", "torch"], "tasks": ["xor", "and"], "seeds": [0, 1],
            "divisions": ["closed", "open"], **changes}
    return suite_from_mapping(data, "suite.toml")


def test_a_task_runs_only_on_its_listed_backends_in_the_suites_order() -> None:
    chosen = suite(tasks_backends={"and": ["torch", "numpy"]})
    chosen.validate()
    cells = chosen.cells()
    assert {c.backend for c in cells if c.task == "and"} == {"numpy", "torch"}
    assert {c.backend for c in cells if c.task == "xor"} == {"numpy", "sklearn", "torch"}
    assert len(cells) == 2 * (3 + 2) * 2  # divisions × backends per task × seeds
    assert chosen.backends_for("and") == ["numpy", "torch"]
    assert chosen.to_dict()["tasks_backends"] == {"and": ["torch", "numpy"]}  # kept for --resume


def test_narrowing_the_backends_on_the_command_line_keeps_the_intersection() -> None:
    chosen = suite(tasks_backends={"and": ["sklearn"]}, backends=["numpy"])
    chosen.validate()
    assert [c.task for c in chosen.cells() if c.division == "closed" and c.seed == 0] == ["xor"]
    narrowed = suite(tasks_backends={"and": ["sklearn"]}, tasks=["xor"])  # --task xor on such a suite
    narrowed.validate()
    assert {c.task for c in narrowed.cells()} == {"xor"}


@pytest.mark.parametrize(("value", "message"), [
    ({"digitz": ["numpy"]}, "unknown task 'digitz'"),
    ({"and": ["nope"]}, "unknown backend 'nope'"),
    ({"and": []}, "tasks_backends.and must list one or more backends, each once"),
    ({"and": ["numpy", "numpy"]}, "tasks_backends.and must list one or more backends, each once"),
    ({"and": "numpy"}, "tasks_backends must map task names to lists of backend names"),
    (["numpy"], "tasks_backends must map task names to lists of backend names"),
])
def test_bad_tasks_backends_are_refused(value: object, message: str) -> None:
    with pytest.raises((SuiteError, LookupError)) as error:  # LookupError: the registry refuses a name
        chosen = suite(tasks_backends=value)
        chosen.validate()
    assert message in str(error.value)


def test_a_bad_table_stops_the_run_with_one_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    Path("suite.toml").write_text('tasks = ["xor"]\n[tasks_backends]\nand = ["numpy", "nope"]\n')
    assert main(["run", "--suite", "suite.toml"]) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("error: unknown backend 'nope'") and stderr.count("\n") == 1, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["suite.toml"]


def test_the_default_suite_gives_mnist_subset_a_small_network_on_four_backends() -> None:
    default = load_suite(SUITES / "default.toml")
    default.validate()
    mnist = [c for c in default.cells() if c.task == "mnist-subset"]
    assert {c.backend for c in mnist} == {"numpy", "sklearn", "keras", "torch"}
    assert len(mnist) == 4 * 3 * 2
    spec = default.task("mnist-subset").default_spec().replace(**default.overrides_for("mnist-subset"))
    assert spec.layers == (784, 64, 10)
    assert (spec.hidden_activation, spec.output_activation, spec.loss) == ("relu", "softmax", "cross_entropy")
    others = {c.backend for c in default.cells() if c.task == "digits"}
    assert others == set(default.backends)
