"""One module per ``python -m bench`` subcommand.

Each module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``handle(args) -> int``; :mod:`bench.cli` lists them in ``COMMANDS``.
"""
