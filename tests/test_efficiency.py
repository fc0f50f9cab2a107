"""Suite efficiency and the cold-versus-warm comparison of ``bench perf`` (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.core.record import CellConfig
from bench.perf.harness.efficiency import compare_starts, comparison_lines, efficiency


def _record(fit: float, imports: float, data: float, process: float, wall: float, start: dict[str, Any],
            started_at: str = "2026-12-01T20:00:00+00:00") -> dict[str, Any]:
    phases = {"imports": imports, "setup": 0.01, "data": data, "fit": fit, "curve": 0.1, "predict": 0.05}
    return {"status": "ok", "fit_seconds": fit, "phase_seconds": phases, "process_seconds": process,
            "wall_seconds": wall, "start": start, "started_at": started_at}


def test_efficiency_splits_a_measured_wall_into_parts_that_add_up() -> None:
    warm = {"mode": "warm", "template": "torch/1", "template_startup_seconds": 3.0}
    records = [_record(2.0, 0.0, 0.2, 2.6, 2.4, warm), _record(4.0, 0.0, 0.2, 4.6, 4.4, warm),
               _record(1.0, 2.0, 0.5, 4.0, 3.7, {"mode": "cold"})]
    result = efficiency(records, wall=16.0)
    assert result.seconds["training"] == pytest.approx(7.0 + 3 * 0.15)
    assert result.seconds["imports"] == pytest.approx(2.0)
    assert result.seconds["data"] == pytest.approx(0.9)
    assert result.seconds["start-up"] == pytest.approx(0.2 + 0.2 + 0.3 + 3.0)  # the template once
    assert sum(result.seconds.values()) == pytest.approx(16.0)
    assert result.share("training") == pytest.approx(7.45 / 16.0)
    lines = result.lines("x")
    assert "(measured)" in lines[0] and "fit + predict + curve" in lines[1]


def test_efficiency_from_a_results_file_spans_the_records_and_never_less_than_their_processes() -> None:
    records = [_record(1.0, 1.0, 0.0, 3.0, 2.5, {"mode": "cold"}, "2026-12-01T20:00:00+00:00"),
               _record(1.0, 1.0, 0.0, 3.0, 2.5, {"mode": "cold"}, "2026-12-01T20:00:10+00:00")]
    assert efficiency(records).wall == pytest.approx(13.0)
    same_second = [dict(r, started_at="2026-12-01T20:00:00+00:00") for r in records]
    assert efficiency(same_second).wall == pytest.approx(6.0)  # Σ process_seconds: the floor


def test_cold_and_warm_alternate_and_the_ratio_reads_against_the_noise() -> None:
    calls: list[str] = []

    def runner(mode: str, fit: float):  # type: ignore[no-untyped-def]
        def run(cell: CellConfig) -> dict[str, Any]:
            calls.append(mode)
            fit_now = fit * (1 + 0.01 * len(calls))
            return _record(fit_now, 0.0, 0.0, fit_now + 0.1, fit_now, {"mode": mode})
        return run

    cell = CellConfig(backend="numpy", task="xor")
    (comparison,) = compare_starts([cell], 4, warm=runner("warm", 1.0), cold=runner("cold", 2.0))
    assert calls == ["cold", "warm", "warm", "cold"] * 2  # ABBA
    assert len(comparison.cold) == len(comparison.warm) == 4 and len(comparison.records) == 8
    assert comparison.ratio() == pytest.approx(0.5, rel=0.05)
    assert 0 < comparison.noise() < 0.05
    lines = comparison_lines([comparison])
    assert "numpy × xor seed 0" in lines[2] and "geometric mean 0.5" in lines[-1]
    assert lines[-1].endswith("twice their noise: 1")


def test_a_cell_that_fails_is_listed_not_averaged() -> None:
    def failing(cell: CellConfig) -> dict[str, Any]:
        return {"status": "failed", "reason": "boom"}

    (comparison,) = compare_starts([CellConfig(backend="numpy", task="xor")], 2, failing, failing)
    assert comparison.failures and "not measured: cold: failed: boom" in comparison_lines([comparison])[2]


def test_harness_results_file_gets_its_efficiency_lines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from bench.perf.measure import PerfOptions, harness_report_from_file

    path = tmp_path / "r.jsonl"
    records = [dict(_record(1.0, 2.0, 0.1, 3.5, 3.3, {"mode": "cold"}), backend="numpy", task="xor", seed=s,
                    predict_seconds=0.01, suite="default") for s in range(2)]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    lines: list[str] = []
    harness_report_from_file(PerfOptions(harness_results=path), lines.append)
    (head,) = [i for i, line in enumerate(lines) if line.startswith("suite efficiency")]
    assert "2 cells" in lines[head]
    assert [line.split()[0] for line in lines[head + 1:head + 6]] == ["fit", "imports", "start-up", "data",
                                                                      "harness"]
