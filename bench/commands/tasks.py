"""``python -m bench tasks``: tasks, their data and default networks."""

from bench.commands.listing import list_tasks as handle

NAME = "tasks"
HELP = "list tasks"


def add_arguments(parser) -> None:  # type: ignore[no-untyped-def]
    return None


__all__ = ["NAME", "HELP", "add_arguments", "handle"]
