"""Argument checks shared by the builders and the data generators.

Each check returns the value in its plain form (``int``, ``float``, ``tuple``) or raises a
``ValueError`` worded one way everywhere: ``"<name> must be <rule>, got <value>."``, so the
message says both what was wrong and what to pass instead. ``name`` may carry a short
gloss, e.g. ``"dropout (a drop probability)"``. Integers may be of any integer type (NumPy's
included) but never ``bool``. This module imports nothing from the package, so ``models``
and ``datasets`` both use it without depending on each other.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def shown(value, limit: int = 80) -> str:
    """``repr(value)``, cut to about ``limit`` characters: a message names a value, it does not dump it."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value):,} items, " if hasattr(value, "__len__") else ""
    return f"{text[:limit]}… ({type(value).__name__}, {size}{len(text):,} characters)"


def _fail(name: str, rule: str, value) -> ValueError:
    return ValueError(f"{name} must be {rule}, got {shown(value)}.")


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def is_int(value) -> bool:
    """Whether ``value`` is an integer of any type, ``bool`` excluded."""
    return isinstance(value, numbers.Integral) and not _is_bool(value)


def check_positive(value, name: str, minimum: int = 1) -> int:
    """``value`` as an ``int`` when it is a positive integer (at least ``minimum``)."""
    if not is_int(value) or value < minimum:
        rule = "a positive integer" if minimum == 1 else f"an integer ≥ {minimum}"
        raise _fail(name, rule, value)
    return int(value)


def check_number(value, name: str, minimum: float = 0.0, *, inclusive: bool = True) -> float:
    """``value`` as a ``float`` when it is a real number ≥ ``minimum`` (> with ``inclusive=False``)."""
    real = isinstance(value, numbers.Real) and not _is_bool(value) and not math.isnan(value)
    if not real or value < minimum or (value == minimum and not inclusive):
        raise _fail(name, f"a number {'≥' if inclusive else '>'} {minimum:g}", value)
    return float(value)


def check_fraction(value, name: str, *, zero: bool = True) -> float:
    """``value`` as a ``float`` when it lies in [0, 1) (in (0, 1) with ``zero=False``)."""
    real = isinstance(value, numbers.Real) and not _is_bool(value)
    if not real or not (0.0 <= value < 1.0) or (value == 0.0 and not zero):
        raise _fail(name, f"a number in {'[' if zero else '('}0, 1)", value)
    return float(value)


def check_widths(values, name: str, *, empty: bool = False, single: bool = False) -> tuple[int, ...]:
    """``values`` as a tuple of positive ints, e.g. layer widths ``(256, 128)``.

    ``empty=True`` accepts ``()``; ``single=True`` accepts one integer as a 1-tuple.
    """
    if single and is_int(values):
        values = (values,)
    listed = np.iterable(values) and not isinstance(values, (str, bytes))
    widths = tuple(values) if listed else ()
    if not listed or (not widths and not empty) or not all(is_int(w) and w >= 1 for w in widths):
        many = f"a {'' if empty else 'non-empty '}tuple of positive integers"
        rule = f"a positive integer or {many}" if single else many
        raise _fail(name, rule, values)
    return tuple(int(w) for w in widths)


def check_choice(value, name: str, choices):
    """``value`` when it is one of ``choices`` (a tuple, or a dict from each choice to its meaning)."""
    if not any(_same(value, c) for c in choices):
        meaning = choices if isinstance(choices, dict) else dict.fromkeys(choices)
        listed = ", ".join(f"{c!r} ({m})" if m else repr(c) for c, m in meaning.items())
        raise _fail(name, f"one of {listed}", value)
    return value


def _same(value, choice) -> bool:
    try:
        return bool(value == choice) and _is_bool(value) == _is_bool(choice)
    except (TypeError, ValueError):  # e.g. an array compared with a string
        return False


def check_bool(value, name: str) -> bool:
    """``value`` as a ``bool`` when it is ``True`` or ``False``."""
    if not _is_bool(value):
        raise _fail(name, "True or False", value)
    return bool(value)
