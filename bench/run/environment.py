"""What machine and software produced a result (recorded with every run)."""

from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, packages_distributions, version


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def platform_name() -> str:
    """``system-release-machine`` from ``os.uname()`` (``platform.platform()`` runs ``uname -p``)."""
    if not hasattr(os, "uname"):
        return platform.platform()
    name = os.uname()
    return f"{name.sysname}-{name.release}-{name.machine}"


def _distribution_key(name: str) -> str:
    """A distribution's name as packaging compares them (``tensorflow_cpu`` → ``tensorflow-cpu``)."""
    return name.lower().replace("_", "-").replace(".", "-")


def package_versions(names: tuple[str, ...] | list[str]) -> dict[str, str]:
    """The installed version of each name, a distribution or else an importable package.

    A name that is no installed distribution is looked up as an import name
    (:func:`importlib.metadata.packages_distributions`): ``tensorflow`` provided
    by the ``tensorflow-cpu`` distribution reads ``2.21.0 (tensorflow-cpu)``. A
    name that such an entry already covers is not repeated; one neither
    installed nor importable reads ``not installed``.
    """
    versions: dict[str, str] = {}
    covered: set[str] = set()  # distributions named in another entry's version
    direct: set[str] = set()  # names that are installed distributions
    providers: dict[str, list[str]] | None = None
    for name in names:
        try:
            versions[name] = version(name)
            direct.add(name)
            continue
        except PackageNotFoundError:
            pass
        if providers is None:
            providers = packages_distributions()
        found = []
        for distribution in dict.fromkeys(providers.get(name.replace("-", "_"), [])):
            try:
                found.append(f"{version(distribution)} ({_distribution_key(distribution)})")
                covered.add(_distribution_key(distribution))
            except PackageNotFoundError:
                continue
        versions[name] = ", ".join(found) or "not installed"
    return {name: value for name, value in versions.items()
            if name not in direct or _distribution_key(name) not in covered}


def describe(packages: tuple[str, ...] | list[str] = ("numpy",)) -> dict[str, object]:
    """The software and machine of a record; ``machine_state``: cores, load, frequency, thread settings and
    pools, GPU presence as they were (:mod:`bench.run.machine`)."""
    from bench.run.machine import machine_facts  # imports threadpoolctl and psutil: not for every caller

    return {
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "platform": platform_name(),
        "machine": platform.machine(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "hostname": platform.node(),
        "packages": package_versions(packages),
        "machine_state": machine_facts().to_dict(),
    }


def rss_mb() -> float:
    """Resident memory of this process now, in MiB (Linux /proc)."""
    try:
        with open("/proc/self/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
