"""Conformance kit for backend adapters, after scikit-learn's ``check_estimator``.

Any adapter, shipped or third-party, can run::

    from bench.testing import check_backend
    check_backend(MyBackend)          # raises AssertionError naming the failed check

or get one pytest test per check (after ``parametrize_with_checks``)::

    from bench.testing import parametrize_with_checks

    @parametrize_with_checks([MyBackend])
    def test_my_backend(backend, check):   # ids like "my-backend-check_loads_given_weights"
        check(backend)

Each check is a small function taking the backend class. A check that does
not apply to a backend is named in the class's ``kit_skips`` ({check name:
reason}); a backend whose library is missing only has to say so cleanly
(``available()`` → ``(False, reason)``); the checks needing the library are
then skipped with that reason.

The training checks (:func:`check_trains_like_the_reference`) fit the adapter
and the NumPy reference from the same given initial weights on each setting of
:data:`TRAINING_SETTINGS` and compare the weights after training and every
epoch loss to :data:`TOLERANCE` (per dtype). A setting the adapter cannot train
must be refused by ``skip()`` with a reason. A setting it trains differently
must be recorded in ``deviations`` during that fit, and a recorded deviation
widens the tolerance only as far as its kind's stated bound
(:data:`DEVIATION_BOUNDS`; the adapter names the kind of each of its notes in
``kit_deviations``): the difference is still compared. A setting that cannot be
compared at all is declared in ``kit_skips`` as
``"check_trains_like_the_reference[<setting>]"`` with its reason, and reported
(:class:`KitSkipWarning`). The first setting that differs beyond its tolerance
fails the check, by name.

The kit is a package whose modules each have one job: :mod:`~bench.testing.base` (skips, markers, data,
the reference looked up through the registry), :mod:`~bench.testing.tolerances`,
:mod:`~bench.testing.contract`, :mod:`~bench.testing.closed`, :mod:`~bench.testing.training` (the
setting matrix beside the reference), :mod:`~bench.testing.open` and :mod:`~bench.testing.recipes` (the
open division's promises), :mod:`~bench.testing.suite` (the list of checks) and
:mod:`~bench.testing.cli` (``python -m bench.testing``). It imports ``bench.core`` only.
"""

from bench.testing.base import (
    SMALL_NET,
    Check,
    KitSkip,
    KitSkipWarning,
    given_weights,
    multiclass_data,
    skip_check,
    xor_data,
)
from bench.testing.cli import main
from bench.testing.closed import (
    LOAD_CASES,
    UNUSUAL_SPECS,
    check_deterministic,
    check_fit_predict_shapes,
    check_learns_xor,
    check_loads_given_weights,
    check_predicting_between_epochs_changes_nothing,
    check_regression,
    check_unsupported_specs_are_explained,
)
from bench.testing.contract import (
    check_declares_contract,
    check_gpu_request_is_clean,
    check_missing_library_is_clean,
)
from bench.testing.open import (
    OPEN_NET,
    OPEN_XOR_SPECS,
    SKIP_MATRIX,
    check_open_deterministic,
    check_open_division_trains,
    check_open_learns_xor,
    check_open_recipe_matches_what_ran,
    check_open_runs_in_the_spec_dtype,
    check_open_seed_decides_the_initial_model,
    check_skip_refuses_what_fit_cannot_train,
)
from bench.testing.recipes import FIELD_NOTES, recipe_mismatches
from bench.testing.suite import CHECKS, backend_checks, check_backend, parametrize_with_checks
from bench.testing.tolerances import (
    DEVIATION_BOUNDS,
    LONG_TOLERANCE,
    TOLERANCE,
    DeviationBound,
    allowed_difference,
    deviation_kinds,
)
from bench.testing.training import (
    TRAIN_NET,
    TRAINING_SETTINGS,
    TrainingComparison,
    check_trains_like_the_reference,
    check_trains_like_the_reference_long,
    setting_skip,
    training_comparisons,
)

__all__ = [
    "CHECKS", "DEVIATION_BOUNDS", "FIELD_NOTES", "LOAD_CASES", "LONG_TOLERANCE", "OPEN_NET", "OPEN_XOR_SPECS",
    "SKIP_MATRIX", "SMALL_NET", "TOLERANCE", "TRAINING_SETTINGS", "TRAIN_NET", "UNUSUAL_SPECS", "Check",
    "DeviationBound", "KitSkip", "KitSkipWarning", "TrainingComparison", "allowed_difference",
    "backend_checks", "check_backend", "check_declares_contract", "check_deterministic",
    "check_fit_predict_shapes", "check_gpu_request_is_clean", "check_learns_xor", "check_loads_given_weights",
    "check_missing_library_is_clean", "check_open_deterministic", "check_open_division_trains",
    "check_open_learns_xor", "check_open_recipe_matches_what_ran", "check_open_runs_in_the_spec_dtype",
    "check_open_seed_decides_the_initial_model", "check_predicting_between_epochs_changes_nothing",
    "check_regression", "check_skip_refuses_what_fit_cannot_train", "check_trains_like_the_reference",
    "check_trains_like_the_reference_long", "check_unsupported_specs_are_explained", "deviation_kinds",
    "given_weights", "main", "multiclass_data", "parametrize_with_checks", "recipe_mismatches",
    "setting_skip", "skip_check", "training_comparisons", "xor_data",
]
