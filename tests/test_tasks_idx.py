"""tasks/idx.py on tiny IDX files written here: images + labels, gzipped or not, bad magic numbers."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from bench.core.task import TaskDataError
from tasks.idx import IdxFormatError, find_idx_file, read_idx, read_idx_header, write_idx

IMAGES = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
LABELS = np.array([7, 2], dtype=np.uint8)


def handmade_images() -> bytes:
    """Magic 0x00000803, sizes 2, 3, 4 big-endian, then the pixels (MNIST's layout)."""
    return struct.pack(">IIII", 0x803, 2, 3, 4) + IMAGES.tobytes()


def handmade_labels() -> bytes:
    return struct.pack(">II", 0x801, 2) + LABELS.tobytes()


@pytest.mark.parametrize("compress", [False, True])
def test_reads_images_and_labels(tmp_path: Path, compress: bool) -> None:
    for name, raw, expected in (("images", handmade_images(), IMAGES), ("labels", handmade_labels(), LABELS)):
        path = tmp_path / name
        path.write_bytes(gzip.compress(raw) if compress else raw)
        array = read_idx(path)
        assert array.dtype == np.uint8 and array.shape == expected.shape
        assert np.array_equal(array, expected)
        assert read_idx_header(path) == (np.dtype(np.uint8), expected.shape)


def test_big_endian_wider_types(tmp_path: Path) -> None:
    raw = struct.pack(">BBBBI", 0, 0, 0x0C, 1, 3) + struct.pack(">iii", -1, 256, 70000)
    (tmp_path / "ints").write_bytes(raw)
    assert read_idx(tmp_path / "ints").tolist() == [-1, 256, 70000]


@pytest.mark.parametrize("compress", [False, True])
def test_writer_round_trip(tmp_path: Path, compress: bool) -> None:
    write_idx(tmp_path / "x", IMAGES, compress=compress)
    assert (tmp_path / "x").read_bytes()[:2] == (b"\x1f\x8b" if compress else b"\x00\x00")
    assert np.array_equal(read_idx(tmp_path / "x"), IMAGES)


@pytest.mark.parametrize("compress", [False, True])
def test_wrong_magic_number_is_a_clear_error(tmp_path: Path, compress: bool) -> None:
    raw = b"PK\x03\x04" + bytes(20)  # a zip file, say
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    message = r"train-images-idx3-ubyte is not an IDX file \(magic number 504b0304\)"
    with pytest.raises(IdxFormatError, match=message):
        read_idx(path)
    with pytest.raises(IdxFormatError, match="not an IDX file"):
        read_idx_header(path)


def test_truncated_data_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "short").write_bytes(handmade_images()[:-1])
    with pytest.raises(IdxFormatError, match="23 data bytes, expected 24"):
        read_idx(tmp_path / "short")


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(TaskDataError, match="missing data file .*nothing-here"):
        read_idx(tmp_path / "nothing-here")


def test_find_idx_file_plain_or_gz(tmp_path: Path) -> None:
    (tmp_path / "a.gz").write_bytes(b"")
    assert find_idx_file(tmp_path, "a") == tmp_path / "a.gz"
    (tmp_path / "a").write_bytes(b"")
    assert find_idx_file(tmp_path, "a") == tmp_path / "a"
    with pytest.raises(TaskDataError, match=r"missing data file .*b\[\.gz\]"):
        find_idx_file(tmp_path, "b")
