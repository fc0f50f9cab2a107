"""``python -m bench backends``: backends and whether they can run here."""

from bench.commands.listing import list_backends as handle

NAME = "backends"
HELP = "list backends"


def add_arguments(parser) -> None:  # type: ignore[no-untyped-def]
    return None


__all__ = ["NAME", "HELP", "add_arguments", "handle"]
