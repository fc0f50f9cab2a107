"""A table file as a task: formats, inference rules, encoding, splits, and every bad input (in-process)."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.core import registry
from bench.core.task import TaskDataError
from tasks import table_reading
from tasks.preprocessing import holdout_indices
from tasks.table_file import FileTaskDefinition, TableFileTask, task_name_for
from tasks.table_inference import MAX_INTEGER_CLASSES


def mixed_frame(n: int = 60) -> pd.DataFrame:
    """Two numbers, a colour (text), a flag (boolean) and a text class with three values."""
    rng = np.random.default_rng(0)
    x1 = rng.normal(10, 3, n)
    return pd.DataFrame({
        "x1": x1.round(3),
        "x2": rng.integers(0, 100, n),
        "colour": [("red", "green", "blue")[i % 3] for i in range(n)],
        "flag": [i % 2 == 0 for i in range(n)],
        "label": [("low", "mid", "high")[i % 3] for i in range(n)],
    })


def write(frame: pd.DataFrame, path: Path, sep: str = ",") -> Path:
    if path.suffix == ".parquet":
        frame.to_parquet(path)
    elif path.suffix == ".gz":
        path.write_bytes(gzip.compress(frame.to_csv(index=False, sep=sep).encode()))
    else:
        path.write_text(frame.to_csv(index=False, sep=sep))
    return path


def file_task(path: Path, target: str = "label", name: str = "mine", **options: object) -> TableFileTask:
    task = registry.task(name, {"file": str(path), "target": target, **options})
    assert isinstance(task, TableFileTask)
    return task


def error_of(path: Path, target: str = "label", **options: object) -> str:
    with pytest.raises(TaskDataError) as caught:
        file_task(path, target, **options).check_data()
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- formats --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "sep", "fmt"), [
    ("t.csv", ",", "csv"), ("t.tsv", "\t", "tsv"), ("t.txt", ";", "csv (';'-separated)"),
    ("t.csv.gz", ",", "csv.gz"), ("t.tsv.gz", "\t", "tsv.gz"), ("t.parquet", ",", "parquet"),
])
def test_every_format_reads_the_same_table(tmp_path: Path, name: str, sep: str, fmt: str) -> None:
    frame = mixed_frame()
    path = write(frame, tmp_path / name, sep)
    table = table_reading.read_table(path)
    assert table.format == fmt
    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and table.size == path.stat().st_size
    assert list(table.frame.columns) == list(frame.columns) and len(table.frame) == len(frame)
    task = file_task(path)
    reference = file_task(write(frame, tmp_path / "reference.csv"), name="reference")
    assert np.array_equal(task.prepared.X, reference.prepared.X)
    assert task.kind == "multiclass" and task.prepared.classes == ["high", "low", "mid"]


def test_format_comes_from_the_bytes_not_the_name(tmp_path: Path) -> None:
    path = tmp_path / "table.dat"
    mixed_frame().to_parquet(path)
    assert table_reading.read_table(path).format == "parquet"


def test_task_is_named_after_the_file() -> None:
    assert task_name_for(Path("/x/german.credit.csv.gz")) == "german.credit"
    assert task_name_for(Path("sales.parquet")) == "sales" and task_name_for(Path("data")) == "data"


# --- inference rules ------------------------------------------------------------------------------

def test_numbers_stay_numbers_strings_and_booleans_are_one_hot(tmp_path: Path) -> None:
    task = file_task(write(mixed_frame(), tmp_path / "t.csv"))
    columns = {c.name: c for c in task.prepared.columns}
    assert [c.name for c in task.prepared.columns] == ["x1", "x2", "colour", "flag"]  # numbers first
    assert (columns["x1"].type, columns["x2"].type) == ("numeric", "numeric")
    assert columns["colour"].type == columns["flag"].type == "categorical"
    assert columns["colour"].categories == ["blue", "green", "red"]
    assert columns["flag"].categories == ["False", "True"]
    X = task.prepared.X
    assert X.shape == (60, 2 + 3 + 2)
    assert np.array_equal(X[:, 2:5].sum(axis=1), np.ones(60))  # one category per row
    assert task.info().features == 4 and "7 inputs" in task.info().notes


def test_categorical_option_one_hots_a_numeric_column(tmp_path: Path) -> None:
    frame = mixed_frame().assign(code=[1, 2, 3] * 20)
    task = file_task(write(frame, tmp_path / "t.csv"), categorical=["code"])
    (code,) = [c for c in task.prepared.columns if c.name == "code"]
    assert code.type == "categorical" and code.categories == ["1", "2", "3"]


def test_drop_removes_columns(tmp_path: Path) -> None:
    task = file_task(write(mixed_frame(), tmp_path / "t.csv"), drop=["colour", "x2"])
    assert [c.name for c in task.prepared.columns] == ["x1", "flag"]


@pytest.mark.parametrize(("values", "kind"), [
    (["yes", "no"] * 30, "binary"),                          # strings → classification
    ([True, False] * 30, "binary"),                          # booleans → classification
    ([0, 1, 2] * 20, "multiclass"),                          # a few distinct integers → classes
    (list(range(MAX_INTEGER_CLASSES)) * 6, "multiclass"),    # at most MAX_INTEGER_CLASSES integers
    (list(range(MAX_INTEGER_CLASSES + 1)) * 5 + [0] * 5, "regression"),  # more integers → regression
    ([0.5, 1.5, 2.0] * 20, "regression"),                    # numbers that are not integers
])
def test_target_kind_rule(tmp_path: Path, values: list[object], kind: str) -> None:
    frame = mixed_frame().assign(label=values)
    task = file_task(write(frame, tmp_path / "t.csv"))
    assert task.kind == kind
    assert task.prepared.kind_rule.startswith("inferred")


def test_kind_given_overrides_the_rule(tmp_path: Path) -> None:
    path = write(mixed_frame().assign(label=[0, 1, 2] * 20), tmp_path / "t.csv")
    task = file_task(path, kind="regression")
    assert task.kind == "regression" and task.prepared.kind_rule == "given"
    assert task.prepared.target_range == (0.0, 2.0)


def test_default_network_follows_the_slides(tmp_path: Path) -> None:
    path = write(mixed_frame(), tmp_path / "t.csv")
    multi = file_task(path).default_spec()
    assert multi.layers == (7, 5, 3)  # (7 + 3) / 2 = 5
    assert (multi.output_activation, multi.loss) == ("softmax", "cross_entropy")
    binary = file_task(path, target="flag", name="b").default_spec()
    assert binary.layers == (8, 5, 1)  # x1, x2, colour ×3, label ×3; (8 + 1) / 2 = 4.5 → 5
    assert (binary.output_activation, binary.loss) == ("sigmoid", "cross_entropy")
    regression = file_task(path, target="x1", name="r").default_spec()
    assert regression.layers[-1] == 1 and (regression.output_activation, regression.loss) == ("linear", "mse")


def test_split_is_seeded_stratified_and_scaled_on_training_rows_only(tmp_path: Path) -> None:
    task = file_task(write(mixed_frame(), tmp_path / "t.csv"))
    (split,) = task.splits(seed=3)
    assert len(split.X_test) == 12 and len(split.X_train) == 48
    numeric = split.X_train[:, :2]
    assert np.allclose(numeric.mean(axis=0), 0) and np.allclose(numeric.std(axis=0), 1)
    assert not np.allclose(split.X_test[:, :2].mean(axis=0), 0)  # test rows use the training statistics
    assert set(np.unique(split.X_train[:, 2:])) <= {0.0, 1.0}  # one-hot columns are not scaled
    assert np.array_equal(split.Y_test.sum(axis=0), [4, 4, 4])  # stratified: 4 test rows per class
    (again,) = task.splits(seed=3)
    (other,) = task.splits(seed=4)
    assert np.array_equal(split.X_test, again.X_test) and not np.array_equal(split.X_test, other.X_test)


def test_regression_target_is_scaled_on_training_rows_and_metrics_undo_it(tmp_path: Path) -> None:
    task = file_task(write(mixed_frame(), tmp_path / "t.csv"), target="x1")
    (split,) = task.splits(seed=0)
    frame = mixed_frame()
    train, _ = holdout_indices(len(frame), 0)
    assert split.target_offset == pytest.approx(frame["x1"].to_numpy()[train].mean())
    assert task.target == ("r2", 0.01, "max")


def test_unseen_category_is_all_zeros_and_counted(tmp_path: Path) -> None:
    frame = mixed_frame()
    labels = frame["label"].map({"high": 0, "low": 1, "mid": 2}).to_numpy()
    _, test = holdout_indices(len(frame), 0, stratify=labels)
    frame.loc[test[:2], "colour"] = "violet"  # only in two test rows for seed 0
    task = file_task(write(frame, tmp_path / "t.csv"))
    (split,) = task.splits(seed=0)
    (colour,) = [c for c in task.prepared.columns if c.name == "colour"]
    assert "violet" in colour.categories  # the column exists (same network for every seed) …
    block = split.X_test[:, colour.inputs]
    assert (block.sum(axis=1) == 0).sum() == 2  # … but the unseen value encodes as all zeros
    data = task.info().data
    assert data["unseen_categories"] == {"colour": 2}
    assert data["sha256"] == hashlib.sha256((tmp_path / "t.csv").read_bytes()).hexdigest()
    assert data["file"] == "t.csv" and data["bytes"] == (tmp_path / "t.csv").stat().st_size


def test_dropna_drops_and_counts_rows(tmp_path: Path) -> None:
    frame = mixed_frame().astype({"x1": float})
    frame.loc[[3, 7], "x1"] = np.nan
    task = file_task(write(frame, tmp_path / "t.csv"), dropna=True)
    assert len(task.prepared.X) == 58 and task.info().data["rows_dropped_missing"] == 2


def test_target_threshold_beats_the_majority_class(tmp_path: Path) -> None:
    frame = mixed_frame().assign(label=["a"] * 45 + ["b"] * 15)
    assert file_task(write(frame, tmp_path / "t.csv")).target == ("accuracy", 0.76, "max")


def test_pinned_sha256_must_match(tmp_path: Path) -> None:
    path = write(mixed_frame(), tmp_path / "t.csv")
    pinned = file_task(path).pinned_definition()
    assert pinned["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    write(mixed_frame(61), path)
    with pytest.raises(TaskDataError, match="changed since this run was planned"):
        registry.task("mine", pinned).check_data()


# --- bad input: one line each ---------------------------------------------------------------------

def test_missing_file(tmp_path: Path) -> None:
    assert "no data file at" in error_of(tmp_path / "absent.csv")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty"),
    (b"\n  \n", "is empty"),
    (b"x,label\n", "has a header but no data rows"),
    (b"1,2,0\n3,4,1\n", "no header"),
    (b"x,,label\n1,2,a\n", "unnamed"),
    (b"x,x,label\n1,2,a\n", "repeats column name(s) x"),
    (b"x;label\xff\n1;a\n", "not UTF-8"),
    (b"just one column\nvalue\n", "no column delimiter found"),
    (b"PAR1 not really parquet", "not a readable Parquet file"),
    (b"\x1f\x8bbroken gzip stream", "not a readable gzip file"),
])
def test_unreadable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    assert message in error_of(path)


def test_unknown_target_column(tmp_path: Path) -> None:
    message = error_of(write(mixed_frame(), tmp_path / "t.csv"), target="price")
    assert "unknown target column 'price'" in message and "x1, x2, colour, flag, label" in message


def test_unknown_drop_and_categorical_columns(tmp_path: Path) -> None:
    path = write(mixed_frame(), tmp_path / "t.csv")
    assert "unknown drop column 'nope'" in error_of(path, drop=["nope"])
    assert "unknown categorical column 'nope'" in error_of(path, categorical=["nope"])
    assert "cannot also be dropped" in error_of(path, drop=["label"])


def test_a_long_column_list_starts_with_the_closest_names(tmp_path: Path) -> None:
    """31 columns: the list is cut after 12, but never before the columns closest to the name given."""
    frame = pd.DataFrame({"id": range(20), **{f"feature_{i}": np.arange(20.0) for i in range(29)},
                          "label": [0, 1] * 10})
    path = write(frame, tmp_path / "wide.csv")
    message = error_of(path, target="Label")
    assert "unknown target column 'Label'; did you mean 'label'? columns: label, id, feature_0," in message
    assert message.endswith("… (31 in all)") and message.count(", ") == 11
    several = error_of(path, drop=["Id", "featur_28"])
    assert "unknown drop columns 'Id', 'featur_28'; did you mean 'id', 'feature_28'? columns: id, " in several
    assert "feature_28" in several.split("columns: ")[1]
    nothing_close = error_of(path, target="price")
    assert "did you mean" not in nothing_close and "columns: id, feature_0, feature_1" in nothing_close


def test_an_unknown_kind_gets_a_suggestion(tmp_path: Path) -> None:
    message = error_of(write(mixed_frame(), tmp_path / "t.csv"), kind="binray")
    assert "unknown kind 'binray'; did you mean 'binary'? known: auto, binary, multiclass" in message


def test_target_with_one_class(tmp_path: Path) -> None:
    message = error_of(write(mixed_frame().assign(label="same"), tmp_path / "t.csv"))
    assert "target 'label' has one class only (same)" in message


def test_constant_regression_target(tmp_path: Path) -> None:
    assert "one value only" in error_of(write(mixed_frame().assign(y=2.5), tmp_path / "t.csv"), target="y")


@pytest.mark.parametrize("name", ["t.csv", "t.parquet"])
def test_missing_values_name_columns_and_counts(tmp_path: Path, name: str) -> None:
    frame = mixed_frame().astype({"x1": float})
    frame.loc[[1, 2, 3], "x1"] = np.nan
    frame.loc[5, "colour"] = None
    message = error_of(write(frame, tmp_path / name))
    assert "missing values in x1 (3), colour (1)" in message and "--dropna" in message


def test_text_in_a_numeric_column(tmp_path: Path) -> None:
    frame = mixed_frame().astype({"x1": object})
    frame.loc[17, "x1"] = "n/a?"
    message = error_of(write(frame, tmp_path / "t.csv"))
    assert "column 'x1' is numeric but 1 value(s) are text ('n/a?'; first in data row 18)" in message
    assert "--categorical x1" in message


def test_text_in_a_numeric_target(tmp_path: Path) -> None:
    frame = mixed_frame().assign(y=[float(i) for i in range(60)]).astype({"y": object})
    frame.loc[30, "y"] = "oops"
    message = error_of(write(frame, tmp_path / "t.csv"), target="y")
    assert "column 'y' is numeric but 1 value(s) are text ('oops'" in message


def test_identifier_like_text_column(tmp_path: Path) -> None:
    frame = mixed_frame().assign(id=[f"row-{i}" for i in range(60)])
    assert "like an identifier; drop it (--drop id)" in error_of(write(frame, tmp_path / "t.csv"))


def test_infinite_values(tmp_path: Path) -> None:
    frame = mixed_frame().astype({"x1": float})
    frame.loc[4, "x1"] = np.inf
    assert "'x1' holds 1 infinite value(s), first in data row 5" in error_of(write(frame, tmp_path / "t.csv"))


@pytest.mark.parametrize(("options", "message"), [
    ({"kind": "binary"}, "--kind binary needs two classes, target 'label' has 3"),
    ({"kind": "regression"}, "cannot be a regression target"),
    ({"kind": "nonsense"}, "unknown kind 'nonsense'"),
    ({"test_size": 1.5}, "test_size must be a fraction between 0 and 1"),
    ({"test_size": 0.01}, "leave too few for 3 classes"),
    ({"colour": "red"}, "unknown key(s) ['colour']"),
    ({"drop": "x1"}, "drop must be a list of column names"),
])
def test_bad_options(tmp_path: Path, options: dict[str, object], message: str) -> None:
    path = write(mixed_frame(), tmp_path / "t.csv")
    assert message in error_of(path, **options)


def test_class_too_small_to_stratify(tmp_path: Path) -> None:
    frame = mixed_frame().assign(label=["a"] * 30 + ["b"] * 29 + ["c"])
    message = error_of(write(frame, tmp_path / "t.csv"))
    assert "class(es) c (1) of target 'label' have fewer than 2 rows" in message


def test_too_large_for_memory_is_refused_before_reading(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(mixed_frame(), tmp_path / "t.csv")
    monkeypatch.setattr(table_reading, "available_memory_bytes", lambda: 1000)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    message = error_of(path)
    assert "too large to load" in message and "0.0 MB available" in message


def test_gzip_is_judged_by_its_uncompressed_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.csv.gz"
    text = ("x,label\n" + "1,a\n" * 250_000).encode()
    path.write_bytes(gzip.compress(text))
    assert table_reading.uncompressed_size(path, path.stat().st_size) == len(text)
    limit = len(text) * table_reading.MEMORY_FACTOR - 1  # enough for the file, not for what it holds
    monkeypatch.setattr(table_reading, "available_memory_bytes", lambda: limit)
    assert f"{len(text) / 1e6:,.1f} MB uncompressed" in error_of(path)


def test_definition_round_trips() -> None:
    definition = FileTaskDefinition.from_mapping("t", {"file": "/a.csv", "target": "y", "drop": ["z"]})
    assert FileTaskDefinition.from_mapping("t", definition.to_dict()) == definition
    with pytest.raises(TaskDataError, match="needs target"):
        FileTaskDefinition.from_mapping("t", {"file": "/a.csv"})


def test_a_cell_books_reading_its_file_as_data_not_setup(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is read once, before the network (whose width it sets) is resolved, under ``data``."""
    import time

    from bench.core.record import CellConfig
    from bench.run.worker import run_cell
    from tasks import table_file

    path = write(mixed_frame(), tmp_path / "mine.csv")
    real_read, reads = table_file.read_table, []

    def slow_read(where: Path) -> object:
        reads.append(where)
        time.sleep(1.0)
        return real_read(where)

    table_file._load.cache_clear()
    monkeypatch.setattr(table_file, "read_table", slow_read)
    definition = {"file": str(path), "target": "label"}
    config = CellConfig(backend="numpy", task="mine", task_file=definition, overrides={"epochs": 2})
    record = run_cell(config).to_dict()
    assert record["status"] == "ok" and len(reads) == 1
    assert record["phase_seconds"]["data"] >= 1.0 > record["phase_seconds"]["setup"]
