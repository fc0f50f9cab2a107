"""``python -m bench tasks``: tasks, their data and default networks."""

from __future__ import annotations

import argparse

from bench.core import registry

NAME = "tasks"
HELP = "list tasks"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    return None


def handle(args: argparse.Namespace) -> int:
    import pandas as pd

    rows = [registry.task(name).describe() for name in registry.task_names()]
    print(pd.DataFrame(rows).to_string(index=False))
    return 0
