"""Run-time set-up shared by notebooks and tests; the face a notebook uses.

``runtime.describe()`` (versions, devices, profile, seed), ``runtime.settings(fast=…, full=…,
smoke=…)`` (a chapter's sizes for the active profile), ``runtime.expect(value, fast=…, full=…)``
(a result held to its bound) and ``runtime.scope()`` (every visible GPU/TPU). Each concern has its
own module: ``backends`` (the Keras backend, read in one place, and its devices), ``profiles``
(profile, smoke mode, settings), ``seeding``, ``devices`` (distribution), ``precision`` (mixed
precision, XLA, steps per execution) and ``bounds`` (result checks). Nothing here imports
TensorFlow at module level, so the package also imports under ``KERAS_BACKEND=jax`` or ``torch``.
"""

from __future__ import annotations

import platform

from dl_course.runtime import backends, bounds, devices, precision, profiles, seeding
from dl_course.runtime.backends import (
    accelerators,
    import_tensorflow_quietly,
    native_stderr_silenced,
    quiet_tensorflow,
)
from dl_course.runtime.bounds import ExpectationError, expect
from dl_course.runtime.devices import check_devices, distribution, scope, strategy
from dl_course.runtime.precision import (
    accelerate,
    acceleration,
    float32_outputs,
    jit_compile,
    steps_per_execution,
)
from dl_course.runtime.profiles import (
    ENV_PROFILE,
    ENV_SMOKE,
    ENV_STRICT,
    PROFILES,
    SMOKE_BATCH,
    SMOKE_BATCH_SIZE,
    SMOKE_BATCHES,
    SMOKE_CUTS,
    SMOKE_EPOCHS,
    SMOKE_STEPS,
    activated,
    pick,
    profile,
    settings,
    smoke,
    strict,
)
from dl_course.runtime.seeding import DEFAULT_SEED, set_seed

backend = backends.name  # the active Keras backend's name: "tensorflow", "jax", "torch"
backend_report = backends.report

__all__ = [
    "DEFAULT_SEED", "ENV_PROFILE", "ENV_SMOKE", "ENV_STRICT", "PROFILES", "SMOKE_BATCH", "SMOKE_BATCH_SIZE", "SMOKE_BATCHES",
    "SMOKE_CUTS", "SMOKE_EPOCHS", "SMOKE_STEPS", "ExpectationError", "accelerate", "acceleration",
    "accelerators", "activated", "backend", "backend_report", "backends", "bounds", "check_devices",
    "describe", "devices", "distribution", "expect", "float32_outputs", "import_tensorflow_quietly", "info",
    "jit_compile", "native_stderr_silenced", "pick", "precision", "profile", "profiles", "quiet_tensorflow",
    "scope", "seeding", "set_seed", "settings", "smoke", "steps_per_execution", "strategy", "strict",
]  # fmt: skip


def info(seed: int | None = DEFAULT_SEED) -> dict:
    """Versions, devices and profile as a dict; seeds everything unless ``seed`` is None."""
    import keras

    table = {"python": platform.python_version(), "keras": keras.__version__, **backends.report(), "profile": profile()}
    if smoke():
        table["smoke mode"] = "on: loops cut to a few steps, bounds not enforced"
    if seed is not None:
        table["seed"] = set_seed(seed)
    return table


def describe(seed: int | None = DEFAULT_SEED) -> None:
    """Print versions, devices and profile, seed everything and set the precision policy
    (``accelerate()``): a notebook's first output."""
    table = info(seed)
    table["precision"] = accelerate().precision
    width = max(map(len, table))
    for key, value in table.items():
        print(f"{key:<{width}}  {value}")
