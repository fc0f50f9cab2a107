"""Performance tooling (issue 8): how close the NumPy MLP runs to the machine's limit.

``python -m bench perf`` (``make bench-perf``) measures, side by side in one
run, the NumPy MLP's epoch against the bare matrix products of that epoch
(:mod:`bench.perf.matmul_only`), against scikit-learn, PyTorch and Keras on
the same work (:mod:`bench.perf.probe`), and the time the harness adds around
a cell (:mod:`bench.perf.overhead`), and (issue 13) each library's open
adapter against a minimal idiomatic script (:mod:`bench.perf.idiomatic`) and
its closed path, in one process per library (:mod:`bench.perf.side_by_side`);
:mod:`bench.perf.report` prints every
ratio beside its target with PASS or MISS. No unit test asserts a timing.
"""
