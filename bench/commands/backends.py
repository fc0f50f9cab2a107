"""``python -m bench backends``: backends and whether they can run here."""

from __future__ import annotations

import argparse

from bench.core import registry

NAME = "backends"
HELP = "list backends"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    return None


def handle(args: argparse.Namespace) -> int:
    for name in registry.backend_names():
        try:
            cls = registry.backend_class(name)
            ok, reason = cls.available()
            devices = ",".join(cls.devices)
        except ImportError as exc:
            ok, reason, devices = False, f"cannot import adapter: {exc}", "-"
        state = "available" if ok else f"unavailable: {reason}"
        print(f"{name:18} devices={devices:8} {state}")
    return 0
