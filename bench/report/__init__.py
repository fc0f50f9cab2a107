"""Reading results: summary statistics, tables, the output formats (terminal, Markdown,
CSV, HTML, plots) and the comparison of two runs.

Builds on :mod:`bench.core`; never imports :mod:`bench.run`.
"""
