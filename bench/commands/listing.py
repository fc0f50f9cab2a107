"""``python -m bench tasks`` and ``python -m bench backends``."""

from __future__ import annotations

import argparse

from bench import registry


def list_tasks(args: argparse.Namespace) -> int:
    import pandas as pd

    rows = [registry.task(name).describe() for name in registry.task_names()]
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


def list_backends(args: argparse.Namespace) -> int:
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
