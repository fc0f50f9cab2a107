"""A reader for IDX files, the format of MNIST and Fashion-MNIST.

Format (LeCun et al., http://yann.lecun.com/exdb/mnist/): a 4-byte magic
number — two zero bytes, a type code (0x08 = unsigned byte, …) and the number
of dimensions — then one big-endian 32-bit size per dimension, then the
values in row-major order, big-endian. Image files are ``0x00000803``
(count × rows × columns), label files ``0x00000801`` (count). Files may be
gzip-compressed (``*.gz``, detected from their first bytes, not their name).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from bench.core.files import InputFileError, check_regular, gunzip_bounded, read_regular
from bench.core.task import TaskDataError

#: IDX type code → NumPy big-endian dtype.
IDX_TYPES: dict[int, str] = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
GZIP_MAGIC = b"\x1f\x8b"


class IdxFormatError(TaskDataError):
    """A file that is not a well-formed IDX file."""


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """The array stored in an IDX file (gzipped or not)."""
    path = Path(path)
    if not path.exists():
        raise TaskDataError(f"missing data file {path}")
    from tasks.table_reading import memory_budget_bytes  # here: it imports pandas

    try:  # a regular file, and no more bytes than the table's memory guard allows, compressed or not
        raw = read_regular(path, "data file", limit=memory_budget_bytes())
        if raw[:2] == GZIP_MAGIC:
            raw = gunzip_bounded(raw, memory_budget_bytes(), str(path))
    except InputFileError as exc:
        raise IdxFormatError(str(exc)) from None
    return parse_idx(raw, str(path))


def read_idx_header(path: str | os.PathLike[str]) -> tuple[np.dtype, tuple[int, ...]]:
    """The dtype and shape an IDX file declares, reading only its first bytes."""
    path = Path(path)
    try:
        check_regular(path, "data file")
        with path.open("rb") as handle:
            compressed = handle.read(2) == GZIP_MAGIC
        with (gzip.open(path, "rb") if compressed else path.open("rb")) as handle:
            head = handle.read(4)
            head += handle.read(4 * head[3]) if len(head) == 4 else b""
    except (FileNotFoundError, InputFileError) as exc:
        missing = isinstance(exc, FileNotFoundError) or not path.exists()
        raise (TaskDataError(f"missing data file {path}") if missing else IdxFormatError(str(exc))) from None
    except (OSError, EOFError) as exc:
        raise IdxFormatError(f"cannot read {path}: {exc}") from None
    return parse_header(head, str(path))


def parse_header(raw: bytes, name: str = "<bytes>") -> tuple[np.dtype, tuple[int, ...]]:
    """The dtype and shape from the magic number and sizes at the start of IDX bytes."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES:
        raise IdxFormatError(f"{name} is not an IDX file (magic number {raw[:4].hex() or 'missing'})")
    ndim = raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise IdxFormatError(f"{name}: truncated IDX header")
    shape = tuple(int(n) for n in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    return np.dtype(IDX_TYPES[raw[2]]), shape


def parse_idx(raw: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode the bytes of an (uncompressed) IDX file."""
    dtype, shape = parse_header(raw, name)
    header = 4 + 4 * len(shape)
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise IdxFormatError(f"{name}: {len(raw) - header} data bytes, expected {expected} for shape {shape}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def write_idx(path: str | os.PathLike[str], array: np.ndarray, compress: bool = False) -> None:
    """Write ``array`` as an IDX file (used by the tests and to export data)."""
    array = np.asarray(array)
    codes = {np.dtype(v).newbyteorder(">").str: k for k, v in IDX_TYPES.items()}
    code = codes[array.dtype.newbyteorder(">").str]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    data = header + array.astype(np.dtype(IDX_TYPES[code]), copy=False).tobytes()
    Path(path).write_bytes(gzip.compress(data) if compress else data)


def find_idx_file(directory: Path, stem: str) -> Path:
    """``directory/stem`` or ``directory/stem.gz``; a one-line error naming the file when neither exists."""
    for candidate in (directory / stem, directory / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    raise TaskDataError(f"missing data file {directory / stem}[.gz] (give the folder with --data-dir "
                        f"or NNBENCH_DATA_DIR)")
