"""Planning a matrix costs time linear in its size, and a record's size does not grow with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cli import main
from bench.run import harness
from bench.run.resume import plan_resume
from bench.run.suite import LISTED_SEEDS_MAX, Suite, suite_from_mapping

OPERATIONS = {"compared": 0}


class CountedSeed(int):
    """A seed that counts how often planning compares or hashes it."""

    def __eq__(self, other: object) -> bool:
        OPERATIONS["compared"] += 1
        return int(self) == other

    def __hash__(self) -> int:
        OPERATIONS["compared"] += 1
        return int.__hash__(self)


def planning_operations(seeds: int) -> int:
    OPERATIONS["compared"] = 0
    suite = Suite(backends=["numpy"], tasks=["xor"], seeds=[CountedSeed(s) for s in range(seeds)])
    suite.validate()
    assert len(suite.cells()) == seeds
    return OPERATIONS["compared"]


def test_planning_is_linear_in_the_seeds() -> None:
    """The reproduction: --seeds 100000 printed nothing for minutes (list.count per seed: quadratic)."""
    small, large = planning_operations(2_500), planning_operations(10_000)
    assert 0 < large <= 4.5 * small, (small, large)  # quadratic would be 16x


def test_a_long_run_of_seeds_is_stored_compactly_and_read_back() -> None:
    suite = Suite(seeds=list(range(3, 3 + 50_000)))
    stored = suite.to_dict()
    assert stored["seeds"] == {"first": 3, "count": 50_000}
    assert len(json.dumps(stored)) < 1_000
    assert suite_from_mapping(json.loads(json.dumps(stored)), "r.jsonl").seeds == suite.seeds
    few = Suite(seeds=[5, 1, 2]).to_dict()["seeds"]
    assert few == [5, 1, 2] and len(Suite(seeds=list(range(LISTED_SEEDS_MAX))).to_dict()["seeds"]) == 1000


@pytest.mark.parametrize("bad", [{"first": 0}, {"first": -1, "count": 3}, {"first": 0, "count": True},
                                 {"first": 0, "count": 2, "step": 2}])
def test_a_malformed_compact_seed_range_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="seeds must be a list of integers or"):
        suite_from_mapping({"seeds": bad}, "r.jsonl")


def test_resume_matches_a_large_matrix(tmp_path: Path) -> None:
    suite = Suite(backends=["numpy"], tasks=["xor"], seeds=list(range(20_000)))
    cells, stored = suite.cells(), suite.to_dict()
    lines = [json.dumps({"backend": c.backend, "task": c.task, "seed": c.seed, "device": c.device,
                         "status": "ok", "cell": c.to_dict(), "suite_config": stored})
             for c in cells[:15_000]]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(lines) + "\n")
    plan = plan_resume(path)
    assert plan.done == 15_000 and [c.seed for c in plan.missing] == list(range(15_000, 20_000))


def test_a_far_larger_matrix_says_how_many_cells_before_it_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)

    def stop_at_once(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(harness, "run_suite", stop_at_once)
    args = ["run", "--backend", "numpy", "--task", "xor", "--seeds", "20000", "--output", "r.jsonl"]
    assert main(args) == 130
    stderr = capsys.readouterr().err
    assert "note: about to run 20,000 cells, far more than usual" in stderr
    assert ("interrupted (SIGINT): 0 of 20000 cells finished; r.jsonl holds no record yet: start the run "
            "again (the same --output is free)") in stderr
