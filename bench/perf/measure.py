"""Run every measurement of ``bench perf`` and print the report as it goes."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.perf import contention, idiomatic, report
from bench.perf.child import run_json_child
from bench.perf.contention import ContentionOptions
from bench.perf.epoch.probe import second_activation
from bench.perf.timing import median
from bench.perf.workload import Workload
from bench.run import environment

FRAMEWORKS = ("torch", "keras")
#: Backends of the suite whose cells measure the harness by default: the quick ones, so that
#: ``make bench-perf`` takes minutes (the default suite's keras/torch/pybrain cells take 10-40 s each).
HARNESS_BACKENDS = ("numpy", "numpy-perceptron", "sklearn")


@dataclass
class PerfOptions:
    workload: Workload = field(default_factory=Workload)
    threads: int = 1
    device: str = "cpu"
    frameworks: tuple[str, ...] = FRAMEWORKS
    suite: Path | None = Path("suites/default.toml")
    harness_repeats: int = 3
    harness_backends: tuple[str, ...] | None = HARNESS_BACKENDS  # None: all of the suite's
    harness_seeds: int = 1  # the suite's first seeds
    harness_results: Path | None = None  # read the harness timings from this results file instead
    probe_timeout: float = 600.0
    idiomatic: tuple[str, ...] = idiomatic.LIBRARIES  # open adapters vs idiomatic scripts; () for none
    idiomatic_runs: int = 3  # runs of each contender, interleaved
    idiomatic_epochs: int = 5  # timed epochs per run (after the workload's warm-up epochs)
    contention: ContentionOptions | None = field(default_factory=ContentionOptions)  # None: skip it


def run_probe(group: str, options: PerfOptions, threads: int | None = None) -> dict[str, Any]:
    """One :mod:`bench.perf.epoch.probe` group in a fresh interpreter with the thread budget set."""
    threads = options.threads if threads is None else threads
    config = {"workload": options.workload.to_dict(), "threads": threads, "device": options.device}
    result, problem = run_json_child("bench.perf.epoch.probe", [group, json.dumps(config)], threads,
                                     options.device, options.probe_timeout)
    return result if result is not None else {"error": f"probe {group} {problem}"}


def machine_lines(options: PerfOptions) -> list[str]:
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    return [
        f"machine: {environment.cpu_model()}, {os.cpu_count()} cores; load average {load} (1, 5, 15 min)",
        f"threads: {options.threads} for every library (BLAS via threadpoolctl + env, torch.set_num_threads, "
        "TensorFlow intra/inter-op; the thread policy: passive OpenMP waits)",
        f"workload: {options.workload.describe()}",
    ]


def blas_line(result: dict[str, Any]) -> str:
    pools = result.get("blas", [])
    pools = [p for p in pools if "numpy" in str(p.get("filepath", ""))] or pools
    described = "; ".join(f"{p['internal_api']} {p.get('version') or ''} {p.get('architecture') or ''} "
                          f"{p.get('threading_layer') or ''} {p['num_threads']} threads".replace("  ", " ")
                          for p in pools)
    return f"numpy {result.get('numpy_version', '?')} BLAS: {described}"


def measure(options: PerfOptions, echo: Callable[[str], None] = print) -> list[report.Ratio]:
    """Print the whole report through ``echo``; return the ratios (with targets or not)."""
    for line in machine_lines(options):
        echo(line)
    ratios = numpy_report(options, echo)
    ratios += frameworks_report(options, echo)
    if options.idiomatic:
        ratios += idiomatic_report(options, echo)
    if options.harness_results is not None:
        ratios += harness_report_from_file(options, echo)
    elif options.suite is not None and options.harness_repeats > 0:
        ratios += harness_report(options, echo)
    if options.contention is not None and options.contention.backends and options.contention.candidates:
        ratios += contention.ratios(contention.measure_contention(options.contention, echo))
    echo("")
    echo("ratios (each with its target):")
    for ratio in ratios:
        echo(f"  {ratio.line()}")
    return ratios


def numpy_report(options: PerfOptions, echo: Callable[[str], None]) -> list[report.Ratio]:
    """NumPy's epoch against matmul-only and sklearn in one process (and at 1 thread for reference)."""
    activation, other = options.workload.hidden_activation, second_activation(options.workload)
    numpy_result = run_probe("numpy", options)
    if "error" in numpy_result:
        echo(f"numpy/sklearn measurements failed: {numpy_result['error']}")
        ratios = [report.Ratio(f"numpy epoch / matmul-only ({activation})", float("nan"),
                               report.MATMUL_TARGET)]
    else:
        times = numpy_result["times"]
        echo(blas_line(numpy_result))
        echo("epoch times (numpy, matmul-only and sklearn interleaved epoch by epoch in one process):")
        gflops = numpy_result["matmul_flops_per_epoch"] / median(times["matmul_only"]) / 1e9
        echo(report.epoch_line(f"numpy MLP ({activation})", times[f"numpy_{activation}"]))
        echo(report.epoch_line(f"numpy MLP ({other})", times[f"numpy_{other}"]))
        echo(report.epoch_line(f"matmul-only ({numpy_result['matmul_gemms_per_batch']} GEMMs/batch)",
                               times["matmul_only"], f"  {gflops:.1f} GFLOP/s"))
        echo(report.epoch_line(f"sklearn MLPClassifier ({activation})", times["sklearn"]))
        echo(f"  sklearn: {numpy_result['labels']['sklearn']}")
        ratios = report.numpy_ratios(numpy_result, activation, other)
    if options.threads > 1:
        ratios += _one_thread_reference(options, activation, echo)
    return ratios


def _one_thread_reference(
    options: PerfOptions, activation: str, echo: Callable[[str], None]
) -> list[report.Ratio]:
    """The NumPy epoch against matmul-only at 1 thread (when the run uses more)."""
    reference = run_probe("numpy-reference", options, threads=1)
    if "error" in reference:
        return []
    times = reference["times"]
    echo("for reference, the same at 1 thread (numpy MLP and matmul-only interleaved):")
    echo(report.epoch_line(f"numpy MLP ({activation}), 1 thread", times[f"numpy_{activation}"]))
    echo(report.epoch_line("matmul-only, 1 thread", times["matmul_only"]))
    return [report.Ratio(f"numpy epoch / matmul-only ({activation}, 1 thread)",
                         median(times[f"numpy_{activation}"]) / median(times["matmul_only"]),
                         report.MATMUL_TARGET,
                         note="the same work on 1 thread; at 2 threads only the GEMMs use the second core")]


def frameworks_report(options: PerfOptions, echo: Callable[[str], None]) -> list[report.Ratio]:
    """Each framework's epoch with NumPy epochs before and after it in the same process."""
    ratios = []
    for name in options.frameworks:
        result = run_probe(name, options)
        if "error" in result:
            echo(f"{name}: not measured ({result['error']})")
            continue
        for note in result.get("notes", []):
            echo(f"{name}: {note}")
        echo(f"{name} ({result['labels'][name]}; numpy epochs before and after it in the same process):")
        echo(report.epoch_line(f"{name} on {result['device']}", result["times"][name]))
        echo(report.epoch_line("numpy MLP (same process)", result["times"]["numpy"]))
        ratios.append(report.framework_ratio(name, result))
    return ratios


def idiomatic_report(options: PerfOptions, echo: Callable[[str], None]) -> list[report.Ratio]:
    """Per library, its open adapter, idiomatic script and closed adapter side by side in one process."""
    workload = dataclasses.replace(options.workload, epochs=options.idiomatic_epochs)
    first = "the first epoch" if workload.warmup_epochs == 1 else f"the first {workload.warmup_epochs} epochs"
    echo(f"open adapters vs idiomatic scripts (bench/perf/idiomatic/): one process per library on cpu, "
         f"open adapter, script and closed adapter in turn (rotating), {options.idiomatic_runs} runs × "
         f"({workload.warmup_epochs} + {workload.epochs}) epochs each, {first} of every run reported apart:")
    ratios: list[report.Ratio] = []
    for library in options.idiomatic:
        config = {"workload": idiomatic.workload_for(library, workload).to_dict(), "threads": options.threads,
                  "runs": options.idiomatic_runs}
        result, problem = run_json_child("bench.perf.harness.side_by_side", [library, json.dumps(config)],
                                         options.threads, "cpu", options.probe_timeout)
        if result is None or "error" in result:
            why = problem if result is None else str(result["error"])
            lines, library_ratios = report.side_by_side_failed(library, why)
        else:
            lines, library_ratios = report.side_by_side_lines(result, full_rows=workload.rows)
        for line in lines:
            echo(line)
        ratios += library_ratios
    return ratios


def harness_report(options: PerfOptions, echo: Callable[[str], None]) -> list[report.Ratio]:
    """The sample suite run warm and cold (suite efficiency of each), then every cell cold and warm
    interleaved (fit-time ratio and noise); the harness overhead table from the warm runs."""
    from bench.perf.harness.efficiency import compare_starts, comparison_lines, efficiency, run_timed
    from bench.perf.harness.overhead import timings_from_results
    from bench.run.isolation import run_isolated
    from bench.run.suite import load_suite
    from bench.run.templates import TemplatePool

    suite = load_suite(options.suite)
    suite.threads = options.threads
    if options.harness_backends is not None:
        suite.backends = [name for name in suite.backends if name in options.harness_backends]
    suite.seeds = suite.seeds[: max(options.harness_seeds, 1)]
    suite.validate()
    cells = suite.cells()
    echo(f"harness sample of suite {suite.name!r}: backends {', '.join(suite.backends)}; "
         f"tasks {', '.join(suite.tasks)}; seeds {suite.seeds}")
    with TemplatePool() as pool:  # fresh: the templates' start-up counts in the warm suite's wall time
        warm_records, warm_wall = run_timed(cells, pool)
        cold_records, cold_wall = run_timed(cells, run_isolated)
        for line in efficiency(warm_records, warm_wall).lines(f"sample of {suite.name!r}, warm start"):
            echo(line)
        for line in efficiency(cold_records, cold_wall).lines(f"sample of {suite.name!r}, cold start"):
            echo(line)
        comparisons = compare_starts(cells, options.harness_repeats, pool, run_isolated,
                                     progress=lambda text: echo(f"  {text}"))
    for line in comparison_lines(comparisons):
        echo(line)
    warm_runs = [r for c in comparisons for r in c.records if (r.get("start") or {}).get("mode") == "warm"]
    lines, ratios = report.harness_lines(timings_from_results(warm_runs), suite.name, options.harness_repeats)
    for line in lines:
        echo(line)
    return ratios


def harness_report_from_file(options: PerfOptions, echo: Callable[[str], None]) -> list[report.Ratio]:
    from bench.core.results import read_typed
    from bench.perf.harness.efficiency import efficiency
    from bench.perf.harness.overhead import timings_from_results

    assert options.harness_results is not None
    records = read_typed(options.harness_results)
    timings = timings_from_results(records)
    suites = sorted({str(r.suite) for r in records})
    runs = max((len(t.walls) for t in timings), default=0)
    echo(f"harness timings read from {options.harness_results} ({len(records)} records)")
    for line in efficiency([r.to_dict() for r in records]).lines(str(options.harness_results)):
        echo(line)
    lines, ratios = report.harness_lines(timings, "+".join(suites), runs)
    for line in lines:
        echo(line)
    return ratios
