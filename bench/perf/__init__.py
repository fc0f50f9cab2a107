"""Performance tooling: how close each backend runs to the machine's limit and to its peers.

``python -m bench perf`` (``make bench-perf``) measures side by side in one run, grouped by what
is measured:

* :mod:`bench.perf.epoch`: the NumPy MLP's epoch against the bare matrix products of that epoch
  (:mod:`~bench.perf.epoch.matmul_only`) and against scikit-learn, PyTorch and Keras on the same
  work (:mod:`~bench.perf.epoch.peers`, run by :mod:`~bench.perf.epoch.probe`);
* :mod:`bench.perf.harness`: what the benchmark's machinery adds: the time around a cell
  (:mod:`~bench.perf.harness.overhead`), a suite's wall time and warm starts
  (:mod:`~bench.perf.harness.efficiency`), each open adapter against its library's idiomatic
  script (:mod:`bench.perf.idiomatic`) in one process (:mod:`~bench.perf.harness.side_by_side`);
* :mod:`bench.perf.contention`: fit time beside CPU hogs; :mod:`bench.perf.scaling`: epoch time
  against samples and width (``bench scaling``).

The shared parts: the workload (:mod:`~bench.perf.workload`), timing helpers
(:mod:`~bench.perf.timing`), fresh child interpreters (:mod:`~bench.perf.child`), the run
(:mod:`~bench.perf.measure`) and :mod:`bench.perf.report`, which prints every ratio beside its
target with PASS or MISS. No unit test asserts a timing.
"""
