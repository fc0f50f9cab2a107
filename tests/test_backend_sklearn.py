"""scikit-learn adapter: its stated deviations and refusals (the conformance kit checks the rest)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import XOR_X, XOR_Y
from tests.parity_helpers import (
    SEED_XOR,
    assert_same_weights,
    softmax_data,
    softmax_net,
    train_beside_reference,
)

pytest.importorskip("sklearn")
from backends.sklearn_mlp import SklearnMLP  # noqa: E402

SOFTMAX_NET = softmax_net(seed=4)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_seed_xor_mse_on_a_sigmoid_output_is_a_stated_deviation(reduction: str, seed_weights) -> None:  # type: ignore[no-untyped-def]
    """MLPClassifier has only log-loss: the slides' mse step cannot be reproduced, and it says so."""
    backend, reference = train_beside_reference(SklearnMLP(threads=1), SEED_XOR.replace(reduction=reduction),
                                                XOR_X, XOR_Y, seed_weights)
    assert any("log-loss" in deviation for deviation in backend.deviations)
    assert backend.get_weights()[0][1] is None
    moved = [np.abs(W - W0).max() for (W, _), (W0, _) in zip(backend.get_weights(), seed_weights)]
    assert min(moved) > 0  # it did train, with its own loss


def test_exact_settings_record_no_deviation() -> None:
    X, Y = softmax_data(9, seed=5)
    for change in (dict(), dict(reduction="sum", batch_size=4, shuffle=True, momentum=0.5, bias=False),
                   dict(output_activation="linear", loss="mse", learning_rate=0.05)):
        spec = SOFTMAX_NET.replace(**change)
        backend, reference = train_beside_reference(SklearnMLP(threads=1), spec, X, Y)
        assert backend.deviations == []
        assert_same_weights(backend, reference)


def test_adam_is_close_and_its_epsilon_placement_is_stated() -> None:
    X, Y = softmax_data(9, seed=5)
    spec = SOFTMAX_NET.replace(optimizer="adam", learning_rate=0.01, batch_size=3, epochs=5)
    backend, reference = train_beside_reference(SklearnMLP(threads=1), spec, X, Y)
    assert any("ε" in deviation for deviation in backend.deviations)
    assert_same_weights(backend, reference, atol=1e-4)


def test_adam_with_sum_over_unequal_batches_is_stated() -> None:
    X, Y = softmax_data(9, seed=5)
    backend = SklearnMLP()
    backend.fit(SOFTMAX_NET.replace(optimizer="adam", reduction="sum", batch_size=4), X, Y)
    assert any("equal batches" in deviation for deviation in backend.deviations)


def test_float32_trains_in_float32() -> None:
    """The kit's "float32" settings compare the weights with the reference's; this checks the estimator
    itself holds float32 coefficients (float64 ones would agree to within the kit's tolerance)."""
    X, Y = softmax_data(9, seed=5)
    backend = SklearnMLP(threads=1)
    backend.fit(SOFTMAX_NET.replace(dtype="float32", epochs=3), X, Y)
    assert backend.model.coefs_[0].dtype == np.float32


@pytest.mark.parametrize("change, kind, words", [
    (dict(hidden_activation="step"), "multiclass", "no step activation"),
    (dict(output_activation="tanh", loss="mse"), "multiclass", "output layer"),
    (dict(output_activation="sigmoid", layers=(4, 5, 1)), "regression", "real-valued"),
    (dict(layers=(4, 5, 2)), "binary", "two classes"),
])
def test_what_sklearn_cannot_express_is_skipped_with_a_reason(change: dict, kind: str, words: str) -> None:
    skip, reason = SklearnMLP().skip(SOFTMAX_NET.replace(**change), kind)
    assert skip and words in reason


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # max_iter = the epochs asked
def test_open_fit_with_its_epoch_callback_is_the_plain_estimators_fit() -> None:
    """The open division's per-epoch hook (a private method) changes nothing: the recipe's estimator,
    fitted plainly outside nnbench, ends with the same weights and the same loss curve."""
    from sklearn.neural_network import MLPClassifier

    X, Y = softmax_data(30, seed=5)
    spec = SOFTMAX_NET.replace(epochs=6, batch_size=4, momentum=0.9, dtype="float32")
    backend, seen = SklearnMLP(), []
    backend.fit(spec, X, Y, on_epoch=lambda epoch, loss: seen.append((epoch, loss)), division="open")
    arguments = {k: v for k, v in backend.recipe.arguments.items() if k != "defaults"}
    plain = MLPClassifier(**arguments).fit(X.astype(np.float32), Y.argmax(axis=1))
    for W, W_plain in zip(backend.model.coefs_, plain.coefs_):
        np.testing.assert_array_equal(W, W_plain)
    assert seen == list(enumerate(plain.loss_curve_, start=1)) and backend.epochs_run == 6
    assert backend.recipe.model == "sklearn.neural_network.MLPClassifier(**arguments)"
    assert backend.parameter_dtype() == backend.recipe.dtype == "float32"


def test_open_division_records_what_scikit_learn_cannot_express() -> None:
    X, Y = softmax_data(12, seed=5)
    backend = SklearnMLP()
    backend.fit(SOFTMAX_NET.replace(reduction="sum", loss="mse", epochs=2), X, Y, division="open")
    assert any("reduction sum" in note for note in backend.deviations)
    assert any("log-loss" in note for note in backend.deviations)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("output, layers", [("softmax", (4, 5, 3)), ("sigmoid", (4, 5, 1)),
                                           ("linear", (4, 5, 1))])
def test_build_open_holds_the_weights_fit_starts_from(output: str, layers: tuple[int, ...]) -> None:
    """scikit-learn draws its weights inside fit; build_open draws them the same way (_initialize on
    RandomState(seed)), so get_weights() after build_open are the weights fit redraws: one epoch at a
    learning rate of 1e-12 ends within 1e-9 of them (another seed's are 0.1 away)."""
    X, Y = softmax_data(12, seed=5)
    Y = Y if output == "softmax" else Y[:, :1]
    loss = "mse" if output == "linear" else "cross_entropy"
    spec = SOFTMAX_NET.replace(layers=layers, output_activation=output, loss=loss, epochs=1,
                               learning_rate=1e-12, momentum=0.0, seed=3)
    backend = SklearnMLP()
    backend.build_open(spec)
    built = backend.get_weights()
    backend.train_open(spec, X, Y, None)
    other = SklearnMLP()
    other.build_open(spec.replace(seed=4))
    for (W, b), (W_fit, b_fit), (W_other, _) in zip(built, backend.get_weights(), other.get_weights()):
        np.testing.assert_allclose(W_fit, W, atol=1e-9)
        np.testing.assert_allclose(b_fit, b, atol=1e-9)
        assert np.max(np.abs(W_other - W)) > 0.01


def test_targets_its_classifier_cannot_take_are_refused_in_skip_in_both_divisions() -> None:
    """Real-valued targets on a logistic output: skip() refuses them; fit, asked anyway, raises."""
    X, _ = softmax_data(12, seed=5)
    spec = SOFTMAX_NET.replace(layers=(4, 5, 1), output_activation="sigmoid", loss="mse", epochs=1)
    for division in ("closed", "open"):
        skip, reason = SklearnMLP().skip(spec, "regression", division)
        assert skip and "real-valued" in reason
        with pytest.raises(ValueError, match="0/1"):
            SklearnMLP().fit(spec, X, X[:, :1], division=division)


def test_the_open_division_refuses_a_network_without_bias() -> None:
    skip, reason = SklearnMLP().skip(SOFTMAX_NET.replace(bias=False), "multiclass", "open")
    assert skip and "intercepts" in reason
    assert not SklearnMLP().skip(SOFTMAX_NET.replace(bias=False), "multiclass", "closed")[0]
