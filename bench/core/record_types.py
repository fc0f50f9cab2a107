"""Each field of a record read from a file is of its declared type, or the record is refused.

:meth:`bench.core.record.Record.from_dict` calls :func:`check_types`: a
``seed`` that is a list, a ``spec`` that is text, a metric that is not a
number would otherwise reach the summaries and fail there with a traceback.
The types come from the dataclass's own annotations (``int``, ``float | None``,
``dict[str, Any] | None``, ``list[str]``, ``Any``), so a new field is checked
as it is declared.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any

_KINDS: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (numbers.Integral,), "float": (numbers.Real,), "bool": (bool,),
    "dict": (dict,), "list": (list,),
}
_NAMES = {"str": "text", "int": "an integer", "float": "a number", "bool": "true or false",
          "dict": "a JSON object", "list": "a JSON array"}


def _accepts(annotation: str) -> tuple[tuple[type, ...], bool, str] | None:
    """(types, None allowed, description) of an annotation; None for ``Any``."""
    parts = [part.strip() for part in annotation.split("|")]
    optional = "None" in parts
    bases = [part.split("[", 1)[0] for part in parts if part != "None"]
    if "Any" in bases or not bases:
        return None
    kinds = tuple(kind for base in bases for kind in _KINDS.get(base, (object,)))
    return kinds, optional, " or ".join(_NAMES.get(base, base) for base in bases)


def _fits(value: Any, kinds: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in kinds:
        return False
    return isinstance(value, kinds)


def check_types(cls: type, values: dict[str, Any], where: str, error: type[Exception]) -> None:
    """Raise ``error`` naming ``where`` and the first field whose value is not of its declared type."""
    for item in dataclasses.fields(cls):
        if item.name not in values:
            continue
        accepts = _accepts(str(item.type))
        value = values[item.name]
        if accepts is None:
            continue
        kinds, optional, description = accepts
        if (value is None and optional) or (value is not None and _fits(value, kinds)):
            continue
        raise error(f"{where}: field {item.name!r} must be {description}"
                    f"{' or null' if optional else ''}, got {type(value).__name__} {_short(value)}")
    _check_contents(values, where, error)


def _check_contents(values: dict[str, Any], where: str, error: type[Exception]) -> None:
    """The insides the summaries compute with: metric values are numbers, deviations text, curve objects."""
    for name, value in (values.get("metrics") or {}).items():
        if not _numeric(value):
            raise error(f"{where}: metric {name!r} must be a number, null or an array of numbers "
                        f"(a confusion matrix), got {_short(value)}")
    if not all(isinstance(text, str) for text in values.get("deviations") or []):
        raise error(f"{where}: field 'deviations' must be a list of text")
    if not all(isinstance(point, dict) for point in values.get("curve") or []):
        raise error(f"{where}: field 'curve' must be a list of JSON objects")


def _numeric(value: Any) -> bool:
    """A number, null, or a (nested) array of numbers; iteratively, whatever the nesting."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif item is not None and not _fits(item, (numbers.Real,)):
            return False
    return True


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
