"""What the benchmark's own machinery adds to what it measures.

:mod:`~bench.perf.harness.overhead`: the time the harness adds around a cell and the spread of
its fit time; :mod:`~bench.perf.harness.efficiency`: where a suite's wall time goes, and whether a
warm start changes a cell's measurements; :mod:`~bench.perf.harness.side_by_side`: an open
adapter against its library's idiomatic script (and the closed adapter) in one process.
"""
