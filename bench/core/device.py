"""What a cell's device did to its timing and arithmetic, recorded in ``record["env"]["device"]``.

Every backend pins float32 matrix products to full precision (no TF32 or bf16 passes: "highest")
and waits for queued device work before the harness reads a clock; both are recorded, with the
peak device memory (None on the CPU).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: The float32 matmul precision every library is pinned to (torch "highest"/"ieee", JAX "highest",
#: TensorFlow without TF32).
MATMUL_PRECISION = "highest"


@dataclass(frozen=True)
class DeviceConditions:
    """The device facts of one cell."""

    #: "cpu" or "gpu" (the cell's resolved device)
    device: str
    #: the float32 matmul precision the library ran at ("highest": full float32)
    matmul_precision: str = MATMUL_PRECISION
    #: each library setting that pins it: {setting: value}, as read back after setting it
    precision_settings: dict[str, str] = field(default_factory=dict)
    #: how the harness waits for the device before reading a clock ("" : nothing to wait for)
    synchronize: str = ""
    #: peak device memory in bytes (None: not a device with its own memory, or not reported)
    peak_memory_bytes: int | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)
