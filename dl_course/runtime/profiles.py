"""The profile (fast, full or auto) and smoke mode: read from the environment in one place, set
for a run and restored after it, and the notebooks' settings picked for them.

``DL_COURSE_PROFILE`` = ``fast`` | ``full`` | ``auto`` decides how much data and how many epochs a
chapter uses; ``auto`` (the default) means ``full`` when a GPU or TPU is visible and ``fast``
otherwise. Smoke mode (``DL_COURSE_SMOKE=1``) keeps a profile's settings but cuts every loop to a
few steps (each setting names its cut, see ``SMOKE_CUTS``), so a CPU proves the full profile runs.
``DL_COURSE_STRICT=1`` (set by the test runner) makes a missed bound fail the cell.
"""

from __future__ import annotations

import contextlib
import os
from types import SimpleNamespace

from dl_course.runtime import backends

PROFILES = ("fast", "full")
ENV_PROFILE = "DL_COURSE_PROFILE"
ENV_SMOKE = "DL_COURSE_SMOKE"
ENV_STRICT = "DL_COURSE_STRICT"

#: Smoke mode's cuts, one of which every ``settings`` key names in ``smoke=``: "epochs" cuts an
#: epoch count to one epoch, "steps" a step count to a few steps, "batches" a number of examples
#: to a couple of batches (twice the settings' ``batch_size`` after its cut, else 2 × 128),
#: "batch" a batch size to 32 (for a full-profile batch whose steps take tens of seconds on a
#: CPU, as chapter 04's 512 images through DenseNet-121), and "keep" leaves the value (model
#: widths, shapes, rates, names), so smoke mode builds and feeds the same models.
SMOKE_EPOCHS, SMOKE_STEPS, SMOKE_BATCHES, SMOKE_BATCH, SMOKE_BATCH_SIZE = 1, 2, 2, 128, 32
SMOKE_CUTS = {
    "epochs": "cut to 1 epoch",
    "steps": f"cut to {SMOKE_STEPS} steps",
    "batches": f"cut to {SMOKE_BATCHES} batches of examples",
    "batch": f"cut to {SMOKE_BATCH_SIZE} examples a batch",
    "keep": "left as it is",
}
FALSE_WORDS, TRUE_WORDS = ("", "0", "false", "no", "off"), ("1", "true", "yes", "on")


def requested(value: str | None = None) -> str:
    """The profile asked for (``value``, else ``DL_COURSE_PROFILE``, else auto), checked:
    ``"fast"``, ``"full"`` or ``"auto"``."""
    value = (os.environ.get(ENV_PROFILE, "auto") if value is None else value).strip().lower() or "auto"
    if value not in (*PROFILES, "auto"):
        raise ValueError(
            f"{ENV_PROFILE}={value!r} is not a profile. Use one of: fast, full, auto "
            f"(e.g. `export {ENV_PROFILE}=fast`)."
        )
    return value


def profile() -> str:
    """The active profile, ``"fast"`` or ``"full"`` (``auto`` resolved by the accelerators seen)."""
    value = requested()
    if value == "auto":
        return "full" if backends.accelerators() else "fast"
    return value


def _flag(variable: str, what: str) -> bool:
    """Whether ``variable`` is on: 1, true, yes, on (off: unset, 0, false, no, off); else ``ValueError``."""
    value = os.environ.get(variable, "").strip().lower()
    if value in FALSE_WORDS or value in TRUE_WORDS:
        return value in TRUE_WORDS
    raise ValueError(
        f"{variable} must be one of {', '.join(TRUE_WORDS)} (on) or {', '.join(FALSE_WORDS[1:])} or unset (off), "
        f"got {value!r}. Use `export {variable}=1` to turn {what} on, `unset {variable}` to turn it off."
    )


def smoke() -> bool:
    """Whether smoke mode is on (``DL_COURSE_SMOKE``); any value but on/off words is a ``ValueError``."""
    return _flag(ENV_SMOKE, "smoke mode")


def strict() -> bool:
    """Whether a missed bound fails (``DL_COURSE_STRICT``, set under the test runner)."""
    return _flag(ENV_STRICT, "strict bounds")


@contextlib.contextmanager
def activated(profile: str | None = None, smoke: bool | None = None):
    """Set the profile and smoke mode for a block (kernels started inside inherit them), checked
    first; both variables are restored afterwards. ``None`` leaves a setting as it is."""
    wanted = {ENV_PROFILE: requested(profile) if profile is not None else None,
              ENV_SMOKE: ("1" if smoke else "0") if smoke is not None else None}
    saved = {key: os.environ.get(key) for key in wanted}
    try:
        for key, value in wanted.items():
            if value is not None:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

def smoke_cut(chosen: dict, cuts: dict) -> dict:
    """``chosen`` settings with each key cut as ``cuts`` names it (see ``SMOKE_CUTS``)."""
    cut = {k: min(v, SMOKE_BATCH_SIZE) if cuts[k] == "batch" else v for k, v in chosen.items()}
    batches = SMOKE_BATCHES * int(cut.get("batch_size", SMOKE_BATCH))
    limits = {"epochs": SMOKE_EPOCHS, "steps": SMOKE_STEPS, "batches": batches}
    for key, value in chosen.items():
        if cuts[key] in limits:
            cut[key] = min(value, limits[cuts[key]])
    return cut


def check_smoke_cuts(fast: dict, full: dict, cuts: dict) -> None:
    """Raise ``ValueError`` unless ``cuts`` names one of ``SMOKE_CUTS`` for exactly the settings' keys."""
    from dl_course.checks import is_int

    how = "add it to smoke=dict(...) with one of " + ", ".join(f"{c!r} ({m})" for c, m in SMOKE_CUTS.items())
    for key in fast:
        if key not in cuts:
            raise ValueError(f"smoke[{key!r}] must be given (how smoke mode cuts setting {key!r}), got nothing: {how}.")
        if cuts[key] not in SMOKE_CUTS:
            raise ValueError(f"smoke[{key!r}] must be one of {', '.join(map(repr, SMOKE_CUTS))}, got {cuts[key]!r}.")
        if cuts[key] != "keep" and not (is_int(fast[key]) and is_int(full[key])):
            raise ValueError(
                f"smoke[{key!r}] must be 'keep' for a setting that is not a whole number, got {cuts[key]!r} "
                f"for fast={fast[key]!r}, full={full[key]!r}."
            )
    extra = sorted(set(cuts) - set(fast))
    if extra:
        raise ValueError(f"smoke must name only the settings' keys, got unknown {extra}: remove them or add them to fast and full.")


smoke_now = smoke  # ``settings`` takes an argument named ``smoke``


def pick(fast, full):
    """Return ``fast`` or ``full`` according to the active profile."""
    return fast if profile() == "fast" else full


def settings(fast: dict, full: dict, smoke: dict) -> SimpleNamespace:
    """Pick a notebook's sizes for the active profile and print them (cut in smoke mode).

    ``smoke`` names, for every key, how smoke mode cuts it: "epochs", "steps", "batches" or
    "keep" (see ``SMOKE_CUTS``); a key it leaves out is an error, so no new key runs at full
    size in smoke mode by oversight.

    >>> cfg = settings(fast=dict(epochs=1), full=dict(epochs=20), smoke=dict(epochs="epochs"))  # doctest: +SKIP
    profile: fast | epochs=1
    """
    for name, value in (("fast", fast), ("full", full), ("smoke", smoke)):
        if not isinstance(value, dict):
            raise ValueError(f"{name} must be a dict of settings, e.g. {name}=dict(epochs=...), got {value!r}.")
    if set(fast) != set(full):
        raise ValueError(f"fast and full settings must name the same keys, got {sorted(fast)} and {sorted(full)}")
    check_smoke_cuts(fast, full, smoke)
    chosen = pick(fast, full)
    if not smoke_now():
        print(f"profile: {profile()} | " + ", ".join(f"{k}={v}" for k, v in chosen.items()))
        return SimpleNamespace(**chosen)
    cut = smoke_cut(chosen, smoke)
    shown = (f"{k}={v}" + (f" (not {chosen[k]})" if v != chosen[k] else "") for k, v in cut.items())
    print(f"profile: {profile()}, smoke mode | " + ", ".join(shown))
    return SimpleNamespace(**cut)
