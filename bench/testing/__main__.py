"""``python -m bench.testing``: see :mod:`bench.testing.cli`."""

from bench.testing.cli import main

raise SystemExit(main())
