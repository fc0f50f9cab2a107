"""Input scaling a spec asks for (``input_scaling``), applied by the harness to every backend alike."""

from __future__ import annotations

import dataclasses

from bench.core.task import Split


def standardise(split: Split) -> Split:
    """``split`` with each input column centred and divided by its standard deviation on the training
    rows, the test rows with the same statistics: scikit-learn's ``StandardScaler`` (population standard
    deviation; a constant column is centred and divided by 1)."""
    mean = split.X_train.mean(axis=0)
    scale = split.X_train.std(axis=0)
    scale[scale == 0] = 1.0
    return dataclasses.replace(split, X_train=(split.X_train - mean) / scale,
                               X_test=(split.X_test - mean) / scale)


def scale_inputs(splits: list[Split], input_scaling: str) -> list[Split]:
    """The splits as the spec's ``input_scaling`` has them ("none": unchanged)."""
    if input_scaling == "none":
        return splits
    if input_scaling == "standard":
        return [standardise(split) for split in splits]
    raise ValueError(f"unknown input_scaling {input_scaling!r}")
