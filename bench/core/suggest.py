"""Names the user probably meant: "did you mean" for an unknown name, and name lists that start with them.

Matching is :func:`difflib.get_close_matches` on lower-cased names, so ``pytorch`` finds ``torch`` and
``Label`` finds ``label``; an exact match but for case comes first.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: how alike (difflib's ratio, 0..1) a name must be to be suggested
CUTOFF = 0.6
#: names a "known:" list shows at most before it says how many there are
SHOWN = 12
#: characters of an unknown name an error shows at most (a pasted file must not flood the terminal)
NAME_SHOWN = 80


def close_matches(name: str, known: Iterable[str], most: int = 3) -> list[str]:
    """The known names most like ``name``, best first (case-insensitive); [] when none is close."""
    names = list(dict.fromkeys(str(k) for k in known))
    lowered: dict[str, list[str]] = {}
    for known_name in names:
        lowered.setdefault(known_name.lower(), []).append(known_name)
    key = str(name).lower()
    if key in lowered:  # the same name but for case: nothing else is as likely
        return lowered[key][:most]
    found = difflib.get_close_matches(key, list(lowered), n=most, cutoff=CUTOFF)
    if len(key) >= 3:  # a part of a longer name: "mnist" for "mnist-subset"
        found += [k for k in lowered if key in k and k not in found]
    return [original for match in found for original in lowered[match]][:most]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"did you mean 'torch'? "`` (or two names), or ``""`` when nothing known is close."""
    matches = close_matches(name, known, most=2)
    return f"did you mean {' or '.join(repr(m) for m in matches)}? " if matches else ""


def listed(known: Iterable[str], near: Iterable[str] = (), most: int = SHOWN) -> str:
    """``known`` joined by commas; a list longer than ``most`` is cut after ``most`` names, with the
    total, and starts with the names closest to each of ``near``: it never hides the best matches."""
    names = list(dict.fromkeys(str(k) for k in known))
    if len(names) <= most:
        return ", ".join(names)
    best = list(dict.fromkeys(m for name in near for m in close_matches(name, names)))
    ordered = list(dict.fromkeys([*best, *names]))[:max(most, len(best))]
    return f"{', '.join(ordered)} … ({len(names)} in all)"


def unknown(what: str, name: str, known: Iterable[str], most: int = SHOWN) -> str:
    """``unknown backend 'pytorch'; did you mean 'torch'? known: numpy, …``."""
    names = list(known)
    return f"unknown {what} {quoted(name)}; {did_you_mean(name, names)}known: {listed(names, [name], most)}"


def quoted(name: str, most: int = NAME_SHOWN) -> str:
    """``repr(name)``, a name longer than ``most`` characters cut short with its length."""
    name = str(name)
    return repr(name) if len(name) <= most else f"{name[:most]!r}… ({len(name):,} characters)"
