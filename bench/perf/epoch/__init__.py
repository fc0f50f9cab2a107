"""How close one training epoch runs to the machine's limit, and to its peers on the same work.

:mod:`~bench.perf.epoch.matmul_only` is the epoch's floor (its matrix products alone),
:mod:`~bench.perf.epoch.peers` the contenders' epochs (NumPy, scikit-learn, the frameworks),
:mod:`~bench.perf.epoch.probe` runs one group of them in a fresh interpreter.
"""
