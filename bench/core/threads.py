"""The thread policy a cell runs under: how many threads every library's pools get and how they wait.

Pure data (no probing of the machine): :mod:`bench.run.threads` chooses it, puts
:meth:`ThreadPolicy.environment` in the worker's environment before any library
loads and hands the policy itself over in :data:`POLICY_VARIABLE`; the worker
records :meth:`ThreadPolicy.to_dict` in ``record["env"]["thread_policy"]`` and
the backend's ``setup_threads`` applies what needs a runtime call (PyTorch's and
TensorFlow's inter-op pools).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

#: The environment variable carrying the policy (JSON) from the harness to the worker.
POLICY_VARIABLE = "NNBENCH_THREAD_POLICY"

#: Thread-count variables of the BLAS, OpenMP and TensorFlow builds a backend may load.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
)

#: ``wait="passive"``: idle OpenMP workers sleep at once instead of spinning (GNU libgomp, inside
#: PyTorch and scikit-learn's wheels; LLVM/Intel libomp, inside MKL builds).
PASSIVE_WAIT_VARIABLES = {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "0", "KMP_BLOCKTIME": "0"}

WAITS = ("passive", "library")
SOURCES = ("budget", "idle cores")


@dataclass(frozen=True)
class ThreadPolicy:
    """Threads for every pool of every library, and how idle workers wait."""

    #: threads of every intra-op pool (BLAS, OpenMP, PyTorch, TensorFlow, XLA)
    threads: int
    #: where ``threads`` came from: "budget" (the run's thread budget: ``--threads``, the suite's
    #: ``threads``, else every CPU this process may use), "idle cores" (those idle at the start)
    source: str = "budget"
    #: "passive": idle OpenMP workers sleep; "library": each library's default (spinning)
    wait: str = "passive"
    #: threads of PyTorch's and TensorFlow's inter-op pools (None: TensorFlow's at ``threads``,
    #: PyTorch's own default)
    interop_threads: int | None = None
    #: one line: why this many threads
    reason: str = ""
    #: extra variables set on top of the policy's own (a measurement's candidate settings)
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {self.threads}")
        if self.wait not in WAITS:
            raise ValueError(f"unknown wait {self.wait!r} (known: {', '.join(WAITS)})")
        if self.source not in SOURCES:
            raise ValueError(f"unknown source {self.source!r} (known: {', '.join(SOURCES)})")

    def environment(self) -> dict[str, str]:
        """Every variable this policy sets, to be in place before the worker imports a library."""
        env = dict.fromkeys(THREAD_VARIABLES, str(self.threads))
        env["TF_NUM_INTEROP_THREADS"] = str(self.interop_threads or self.threads)
        if self.wait == "passive":
            env.update(PASSIVE_WAIT_VARIABLES)
        env.update(self.extra)
        return env

    def to_dict(self) -> dict[str, object]:
        """The policy as recorded, with the variables it set."""
        return {**asdict(self), "variables": self.environment()}

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ThreadPolicy:
        data = json.loads(text)
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> ThreadPolicy | None:
        """The policy the harness handed this process, or None (a process it did not start)."""
        text = environ.get(POLICY_VARIABLE)
        if not text:
            return None
        try:
            return cls.from_json(text)
        except (ValueError, TypeError):
            return None
