"""``python -m bench backends``: backends, whether they can run here, and their libraries' versions."""

from __future__ import annotations

import argparse

from bench.core import registry
from bench.run.environment import package_versions

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
            versions = _versions(cls.packages)
        except ImportError as exc:
            ok, reason, devices, versions = False, f"cannot import adapter: {exc}", "-", "-"
        state = "available" if ok else f"unavailable: {reason}"
        print(f"{name:18} devices={devices:8} {state:12} {versions}")
    return 0


def _versions(packages: tuple[str, ...]) -> str:
    """The installed versions of a backend's libraries (numpy only where it is the library)."""
    wanted = [p for p in packages if p != "numpy"] or ["numpy"]
    found = {name: v for name, v in package_versions(wanted).items() if v != "not installed"}
    return ", ".join(f"{name} {v}" for name, v in found.items()) or "not installed: " + ", ".join(wanted)
