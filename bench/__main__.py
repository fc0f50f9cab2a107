"""``python -m bench``: see :mod:`bench.cli`."""

import sys

try:
    from bench.cli import main
except KeyboardInterrupt:  # Ctrl-C while the command's modules load: nothing was written yet
    print("\ninterrupted (SIGINT) while starting; nothing was written", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
