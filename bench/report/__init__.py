"""Reading results: summary statistics, tables, the output formats (terminal, Markdown,
CSV, HTML, plots: one writer each in :data:`bench.report.writers.WRITERS`) and the
comparison of two runs. Records are read typed (:class:`bench.core.record.Record`).

Builds on :mod:`bench.core`; never imports :mod:`bench.run`.
"""
