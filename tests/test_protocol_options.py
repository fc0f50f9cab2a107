"""A paper's protocol in the open division: input_scaling (StandardScaler), stopping (the library's rule)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.core import registry
from bench.core.record import CellConfig, spec_key
from bench.core.scaling import scale_inputs, standardise
from bench.core.spec import NetworkSpec, SpecError, coerce_overrides
from bench.core.task import Split
from bench.run.worker import run_cell

SPEC = NetworkSpec(layers=(4, 5, 3), hidden_activation="relu", output_activation="softmax",
                   loss="cross_entropy")


def test_protocol_fields_are_validated_and_parsed_from_the_command_line() -> None:
    with pytest.raises(SpecError, match=r"input_scaling must be one of \['none', 'standard'\], got 'minmax'"):
        SPEC.replace(input_scaling="minmax")
    with pytest.raises(SpecError, match=r"stopping must be one of \['epochs', 'library'\]"):
        SPEC.replace(stopping="early")
    assert coerce_overrides({"input_scaling": "standard", "stopping": "library"}) == {
        "input_scaling": "standard", "stopping": "library"}


def test_a_record_holds_the_protocol_fields_only_when_set_so_earlier_spec_ids_stand() -> None:
    plain = SPEC.to_dict()
    assert "input_scaling" not in plain and "stopping" not in plain
    assert NetworkSpec.from_dict(plain) == SPEC
    changed = SPEC.replace(input_scaling="standard", stopping="library")
    data = changed.to_dict()
    assert (data["input_scaling"], data["stopping"]) == ("standard", "library")
    assert NetworkSpec.from_dict(data) == changed
    assert spec_key(data) != spec_key(plain)


def test_standardise_is_scikit_learns_standard_scaler_fitted_on_the_training_rows() -> None:
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X_train, X_test = rng.normal(3, 2, (50, 4)), rng.normal(3, 2, (20, 4))
    X_train[:, 2] = X_test[:, 2] = 7.0  # a constant column: centred, divided by 1
    split = Split(X_train, np.eye(3)[rng.integers(0, 3, 50)], X_test, np.eye(3)[rng.integers(0, 3, 20)])
    scaled = standardise(split)
    scaler = StandardScaler().fit(X_train)
    np.testing.assert_allclose(scaled.X_train, scaler.transform(X_train), atol=1e-12)
    np.testing.assert_allclose(scaled.X_test, scaler.transform(X_test), atol=1e-12)
    assert scaled.Y_train is split.Y_train and scaled.name == split.name
    assert scale_inputs([split], "none") == [split]
    with pytest.raises(ValueError, match="unknown input_scaling"):
        scale_inputs([split], "minmax")


@pytest.mark.parametrize(("backend", "division", "reason"), [
    ("sklearn", "closed", "stopping 'library' is the open division's"),
    ("torch", "open", "torch's library has no stopping rule of its own"),
    ("numpy", "open", "numpy's library has no stopping rule of its own"),
])
def test_library_stopping_is_skipped_where_it_cannot_be_followed(backend: str, division: str,
                                                                 reason: str) -> None:
    adapter = registry.backend_class(backend)()
    skip, why = adapter.skip(SPEC.replace(stopping="library"), "multiclass", division)
    assert skip and reason in why


def cell(**overrides: object) -> CellConfig:
    return CellConfig(backend="sklearn", task="digits", seed=0, threads=1,
                      division="open", curve_points=0, overrides={"layers": [64, 8, 10], **overrides})


def test_sklearn_follows_its_own_stopping_rule_and_the_record_says_so() -> None:
    # 64-32-10 at Adam's 0.01 stops by tol / n_iter_no_change after about 50 of its 200 epochs
    record = run_cell(cell(layers=[64, 32, 10], optimizer="adam", learning_rate=0.01, batch_size=200,
                           epochs=200, stopping="library", input_scaling="standard", dtype="float64"))
    assert record.status == "ok", record.reason
    assert (record.spec["stopping"], record.spec["input_scaling"]) == ("library", "standard")
    arguments = record.recipe["arguments"]
    assert "n_iter_no_change" not in {k for k in arguments if k != "defaults"}
    assert (arguments["defaults"]["n_iter_no_change"], arguments["defaults"]["tol"]) == (10, 1e-4)
    assert (arguments["max_iter"], arguments["batch_size"], arguments["solver"]) == (200, 200, "adam")
    assert record.epochs < 200 and record.converged is True  # its rule stopped it before max_iter
    assert f"within max_iter=200: {record.epochs} epochs run" in record.recipe["loop"]
    cut = run_cell(cell(optimizer="adam", learning_rate=0.01, epochs=2, stopping="library"))
    assert (cut.status, cut.epochs, cut.converged) == ("ok", 2, False)  # max_iter came first
    assert cut.reason == "training stopped before its own criterion was met"


def test_without_library_stopping_every_epoch_runs() -> None:
    record = run_cell(cell(epochs=3))
    assert record.status == "ok", record.reason
    assert record.recipe["arguments"]["n_iter_no_change"] == 3
    assert record.epochs == 3 and record.converged is None
    assert "stopping" not in record.spec and "input_scaling" not in record.spec


def test_the_harness_scales_every_backends_inputs_before_fitting(monkeypatch: pytest.MonkeyPatch) -> None:
    import bench.run.worker as worker

    seen: list[tuple[str, float]] = []

    def scaled(splits: list[Split], how: str) -> list[Split]:
        out = scale_inputs(splits, how)
        seen.append((how, float(np.abs(out[0].X_train.mean(axis=0)).max())))
        return out

    monkeypatch.setattr(worker, "scale_inputs", scaled)
    record = run_cell(CellConfig(backend="numpy", task="digits", seed=0, threads=1, curve_points=0,
                                 overrides={"layers": [64, 8, 10], "epochs": 1, "input_scaling": "standard"}))
    assert record.status == "ok" and record.spec["input_scaling"] == "standard"
    assert seen[0][0] == "standard" and seen[0][1] < 1e-12  # training columns centred


def test_the_reports_network_line_names_the_protocol_fields_when_set() -> None:
    from bench.report.tables import spec_text

    assert "input_scaling" not in spec_text(SPEC.to_dict())
    text = spec_text(SPEC.replace(input_scaling="standard", stopping="library").to_dict())
    assert text.endswith(" input_scaling=standard stopping=library")
