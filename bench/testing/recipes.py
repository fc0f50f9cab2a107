"""How the kit compares an open fit's :class:`~bench.core.recipe.Recipe` with the spec and with what ran.

The rule, explicit: each shared field of the recipe equals the spec's, except where the fit recorded a
deviation whose note starts with that field's name as :data:`FIELD_NOTES` spells it ("batch size 5:
BackpropTrainer trains per row …" lets ``batch_size`` differ). ``dtype`` is the parameters' own
(``parameter_dtype()``) and differs from the spec's only with a recorded deviation of kind
``precision`` (``kit_deviations``); ``seed`` is None exactly when the class says ``open_seeded = False``;
``momentum`` is None for Adam.
"""

from __future__ import annotations

from bench.core.backend import Backend
from bench.core.recipe import Recipe
from bench.core.spec import NetworkSpec
from bench.testing.tolerances import deviation_kinds

#: Recipe field → how a deviation note about it starts.
FIELD_NOTES = {"seed": "seed", "optimizer": "optimizer", "learning_rate": "learning rate",
               "momentum": "momentum", "batch_size": "batch size", "epochs": "epochs", "shuffle": "shuffle"}


def deviates_in(cls: type[Backend], deviations: list[str], kind: str) -> bool:
    """Whether ``deviations`` hold a note of ``kind`` (``cls.kit_deviations``)."""
    return kind in deviation_kinds(cls, deviations)


def expected_fields(cls: type[Backend], spec: NetworkSpec, rows: int) -> dict[str, object]:
    """The recipe's shared fields as the spec (trained on ``rows`` rows) asks for them."""
    return {"seed": spec.seed if cls.open_seeded else None, "optimizer": spec.optimizer,
            "learning_rate": spec.learning_rate,
            "momentum": spec.momentum if spec.optimizer == "sgd" else None,
            "batch_size": spec.effective_batch_size(rows), "epochs": spec.epochs, "shuffle": spec.shuffle}


def recipe_mismatches(cls: type[Backend], backend: Backend, spec: NetworkSpec, rows: int) -> list[str]:
    """Every way ``backend.recipe`` (after an open fit of ``spec`` on ``rows`` rows) departs from the
    spec or from what ran without a recorded deviation saying so; empty when it matches."""
    recipe = backend.recipe
    if not isinstance(recipe, Recipe):
        return [f"recipe is {type(recipe).__name__}, not a bench.core.recipe.Recipe"]
    found = []
    for name, wanted in expected_fields(cls, spec, rows).items():
        stated = getattr(recipe, name)
        if stated != wanted and not any(note.startswith(FIELD_NOTES[name]) for note in backend.deviations):
            found.append(f"{name} is {stated!r}, the spec's is {wanted!r} (no deviation "
                         f"'{FIELD_NOTES[name]} …' recorded)")
    held = backend.parameter_dtype()
    if recipe.dtype != held:
        found.append(f"dtype is {recipe.dtype!r}, the model's parameters are {held}")
    elif held != spec.dtype and not deviates_in(cls, backend.deviations, "precision"):
        found.append(f"dtype is {held!r}, the spec's is {spec.dtype!r} (no deviation of kind 'precision')")
    if backend.epochs_run != recipe.epochs and backend.converged is None:
        found.append(f"epochs is {recipe.epochs}, but {backend.epochs_run} ran and the library did not say "
                     "it stopped by its own rule (converged)")
    return found
