"""One module per ``nnbench`` (``python -m bench``) subcommand.

Each module defines ``NAME``, ``HELP`` (the one-line summary in ``nnbench --help``), ``DESCRIPTION``
(plain text for users: paragraphs, filled to the terminal), ``EXAMPLES`` (the epilog: ``examples:``
then indented comment and command lines, kept as written), ``add_arguments(parser)`` and
``handle(args) -> int``; :mod:`bench.cli` lists them in ``COMMANDS``. Every option that takes a
value says its default (``(default: …)``; :class:`bench.core.cli_parser.HelpFormatter` adds it where
the value is the parser's default), and list options take comma lists
(:class:`bench.core.cli_parser.NameList`).
"""
