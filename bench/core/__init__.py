"""Contracts every other layer builds on: the network spec, tasks, backends, weights,
metrics, the result record and its file, and the registry that finds them by name.

Nothing here imports from :mod:`bench.run`, :mod:`bench.report` or :mod:`bench.perf`.
"""
