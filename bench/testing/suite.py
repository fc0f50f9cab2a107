"""The kit as a whole: the list of checks, one pytest id per backend × check, :func:`check_backend`."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

from bench.core.backend import Backend
from bench.testing.base import CHECK_NAMES, NEEDS_LIBRARY, SLOW, Check, KitSkipWarning, skip_exceptions
from bench.testing.closed import (
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
    check_open_deterministic,
    check_open_division_trains,
    check_open_learns_xor,
    check_open_recipe_matches_what_ran,
    check_open_runs_in_the_spec_dtype,
    check_open_seed_decides_the_initial_model,
    check_skip_refuses_what_fit_cannot_train,
)
from bench.testing.training import check_trains_like_the_reference, check_trains_like_the_reference_long

CHECKS: list[Check] = [
    check_declares_contract,
    check_gpu_request_is_clean,
    check_missing_library_is_clean,
    check_fit_predict_shapes,
    check_loads_given_weights,
    check_deterministic,
    check_predicting_between_epochs_changes_nothing,
    check_trains_like_the_reference,
    check_trains_like_the_reference_long,
    check_unsupported_specs_are_explained,
    check_regression,
    check_learns_xor,
    check_open_division_trains,
    check_open_learns_xor,
    check_open_deterministic,
    check_open_runs_in_the_spec_dtype,
    check_open_seed_decides_the_initial_model,
    check_open_recipe_matches_what_ran,
    check_skip_refuses_what_fit_cannot_train,
]
CHECK_NAMES[:] = [check.__name__ for check in CHECKS]


def backend_checks(cls: type[Backend]) -> Iterator[tuple[Check, str]]:
    """Every check with why it is skipped for ``cls`` ("" when it runs): ``kit_skips``, or the
    library's absence for the checks that need it."""
    available, why_not = cls.available()
    for check in CHECKS:
        reason = cls.kit_skips.get(check.__name__, "")
        if not reason and check.__name__ in NEEDS_LIBRARY and not available:
            reason = f"{cls.name} unavailable: {why_not}"
        yield check, reason


def parametrize_with_checks(classes: list[type[Backend]]) -> Any:
    """A ``pytest.mark.parametrize("backend, check", ...)`` over every class × check, one id per pair
    (``"<name>-<check>"``); skipped pairs carry their reason, heavy checks ``pytest.mark.slow``."""
    import pytest

    params = []
    for cls in classes:
        for check, reason in backend_checks(cls):
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            if check.__name__ in SLOW:
                marks.append(pytest.mark.slow)
            params.append(pytest.param(cls, check, id=f"{cls.name}-{check.__name__}", marks=marks))
    return pytest.mark.parametrize("backend, check", params)


def check_backend(cls: type[Backend], skip: tuple[str, ...] = ()) -> list[str]:
    """Run every check on ``cls`` but those skipped (``kit_skips``, ``skip``, a missing library);
    returns the names of the checks that ran. A check that skips itself while running (an open-division
    check on a backend without ``build_open``) is not among them; it is reported as a KitSkipWarning."""
    ran = []
    for check, reason in backend_checks(cls):
        if reason or check.__name__ in skip:
            continue
        try:
            check(cls)
        except skip_exceptions() as exc:
            warnings.warn(KitSkipWarning(f"{cls.name}: {check.__name__} skipped: {exc}"), stacklevel=2)
            continue
        ran.append(check.__name__)
    return ran

