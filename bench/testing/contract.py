"""Checks of what an adapter declares: its name and devices, kit_skips and kit_deviations, a clean
GPU request, a clean message when its library is missing."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import packages_distributions

from bench.core.backend import Backend, install_command
from bench.testing.base import CHECK_NAMES
from bench.testing.tolerances import DEVIATION_BOUNDS
from bench.testing.training import TRAINING_CHECKS, TRAINING_SETTINGS, split_skip


def check_declares_contract(cls: type[Backend]) -> None:
    """name, devices, kit_skips and available() have the documented types."""
    assert isinstance(cls.name, str) and cls.name, "Backend.name must be a non-empty string"
    assert "cpu" in cls.devices, f"{cls.name}: every backend must run on 'cpu' (devices={cls.devices})"
    ok, reason = cls.available()
    assert isinstance(ok, bool) and isinstance(reason, str), "available() must return (bool, str)"
    assert ok or reason, f"{cls.name}: available() said no without a reason"
    known = set(CHECK_NAMES)
    for name, why in cls.kit_skips.items():
        check, setting = split_skip(name)
        assert check in known, f"{cls.name}: kit_skips names {name!r}, which is no check of the kit"
        assert not setting or (check in TRAINING_CHECKS and setting in TRAINING_SETTINGS), \
            f"{cls.name}: kit_skips names {name!r}: only the training checks take a known [<setting>]"
        assert isinstance(why, str) and why, f"{cls.name}: kit_skips[{name!r}] needs a reason"
    for start, kind in cls.kit_deviations.items():
        assert isinstance(start, str) and start, f"{cls.name}: kit_deviations needs the start of a note"
        assert kind in DEVIATION_BOUNDS, \
            f"{cls.name}: kit_deviations[{start!r}] = {kind!r}, not a kind of {sorted(DEVIATION_BOUNDS)}"


def check_gpu_request_is_clean(cls: type[Backend]) -> None:
    """Asking for a GPU returns (bool, reason); a 'no' says why and 'auto' then means the CPU."""
    ok, reason = cls.device_available("gpu")
    assert isinstance(ok, bool) and isinstance(reason, str)
    assert cls.resolve_device("auto") in cls.devices
    if not ok:
        assert "gpu" in reason.lower(), f"{cls.name}: device_available('gpu') said no without saying why"
        assert cls.resolve_device("auto") == "cpu", f"{cls.name}: 'auto' must be the CPU without a GPU"


def check_missing_library_is_clean(cls: type[Backend]) -> None:
    """With its library unimportable, the adapter module imports and available() says why, naming
    the command that installs its extra (``Backend.unavailable``)."""
    distributions = {d for d in cls.packages if d != "numpy"}
    modules = sorted(m for m, dists in packages_distributions().items() if distributions & set(dists)
                     and not m.startswith("_"))
    if not modules:
        return
    code = (
        "import sys\n"
        f"for name in {modules!r}:\n    sys.modules[name] = None\n"
        f"from {cls.__module__} import {cls.__qualname__} as B\n"
        "ok, reason = B.available()\n"
        "assert ok is False and reason, (ok, reason)\n"
        "print(reason)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (
        f"{cls.name}: with {modules} missing, available() did not fail cleanly: {done.stderr.strip()[-300:]}"
    )
    command = install_command(cls.extra)
    assert command in done.stdout, (
        f"{cls.name}: with {modules} missing, the reason does not name {command!r} (return "
        f"cls.unavailable(reason)): {done.stdout.strip()}"
    )

