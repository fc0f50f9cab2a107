"""Running the matrix: suites, the harness, executors (serial, Dask), the isolated
worker process, resume, thread budgets and the environment probe.

Builds on :mod:`bench.core`; never imports :mod:`bench.report`.
"""
