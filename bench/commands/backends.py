"""``python -m bench backends``: backends, whether they can run here, and their libraries' versions.

Each backend is asked in a child process of its own (:mod:`bench.run.availability`): two native
libraries loaded into one process can crash it, and a crash is one backend's answer, not the list's end.
"""

from __future__ import annotations

import argparse
import sys

from bench.core import registry
from bench.core.cli_parser import NameList
from bench.report.layout import print_wrapped
from bench.run.availability import Availability, probe_all
from bench.run.environment import package_versions

NAME = "backends"
HELP = "list the backends, whether each can run here, and its libraries' versions"
DESCRIPTION = """\
One line per backend: the devices it can use here, then "available" with its libraries' versions,
or "unavailable" with the reason, which ends with the command that installs what is missing (each
engine is an extra, e.g. pip install 'nnbench[torch]'). Each backend is asked in a process of its
own, so one library that crashes cannot hide the others.
"""
EXAMPLES = """\
examples:
  # every registered backend
  nnbench backends
  # only these
  nnbench backends torch,jax
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="BACKEND", action=NameList,
                        help="only these backends, separated by spaces or commas (default: every "
                             "registered one)")


def handle(args: argparse.Namespace) -> int:
    names = args.names or registry.backend_names()
    registry.check_backend_names(names)
    try:
        for found in probe_all(names):
            print_wrapped(_line(found))
    except KeyboardInterrupt:  # Ctrl-C reaches the probes too (one process group): they end with it
        print("interrupted", file=sys.stderr)
        return 130
    return 0


def _line(found: Availability) -> str:
    devices = ",".join(found.devices) or "-"
    versions = _versions(found.packages)
    if found.ok:
        state = f"available    {versions or 'not installed: ' + ', '.join(_libraries(found.packages))}"
    else:  # the reason last: it ends with the install command
        state = f"unavailable: {found.reason}" + (f" (installed: {versions})" if versions else "")
    return f"{found.name:18} devices={devices:8} {state}"


def _libraries(packages: tuple[str, ...]) -> list[str]:
    """A backend's own libraries (numpy only where it is the library)."""
    return [p for p in packages if p != "numpy"] or ["numpy"]


def _versions(packages: tuple[str, ...]) -> str:
    """The installed versions of a backend's libraries, "" when none is installed."""
    if not packages:
        return ""
    found = {name: v for name, v in package_versions(_libraries(packages)).items() if v != "not installed"}
    return ", ".join(f"{name} {v}" for name, v in found.items())
