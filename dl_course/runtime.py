"""Run-time set-up shared by notebooks and tests: profile, seeds, devices, strategy, bounds.

The profile (``DL_COURSE_PROFILE`` = ``fast`` | ``full`` | ``auto``) decides how much data and
how many epochs a chapter uses; ``auto`` (the default) means ``full`` when a GPU or TPU is
visible and ``fast`` otherwise. Nothing here imports TensorFlow at module level, so the
package also imports under ``KERAS_BACKEND=jax``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import sys
from types import SimpleNamespace

PROFILES = ("fast", "full")
ENV_PROFILE = "DL_COURSE_PROFILE"
DEFAULT_SEED = 42


def quiet_tensorflow() -> None:
    """Keep TensorFlow's C++ start-up log lines (oneDNN notice, CPU feature guard) quiet.

    Must run before TensorFlow is first imported; ``import dl_course`` calls it.
    """
    # Without an NVIDIA driver, level 3 also hides the harmless "failed call to cuInit" error.
    has_nvidia = os.path.exists("/dev/nvidiactl")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2" if has_nvidia else "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass


@contextlib.contextmanager
def native_stderr_silenced():
    """Send file descriptor 2 to /dev/null: C++ libraries log there before Python can filter."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow (when it is the Keras backend) without its CUDA/absl start-up lines."""
    if "tensorflow" in sys.modules or os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        return
    with native_stderr_silenced():
        try:
            import tensorflow as tf

            tf.config.list_logical_devices()  # device discovery logs too
        except ImportError:
            pass


def backend() -> str:
    """The active Keras backend name ("tensorflow", "jax", ...)."""
    import keras

    return keras.backend.backend()


@functools.lru_cache(maxsize=1)
def accelerators() -> tuple[str, ...]:
    """Kinds of accelerator visible to the active backend, e.g. ``("GPU",)`` or ``()``."""
    name = backend()
    if name == "tensorflow":
        import tensorflow as tf

        kinds = ("TPU", "GPU")
        return tuple(k for k in kinds if tf.config.list_logical_devices(k))
    if name == "jax":
        import jax

        return tuple(sorted({d.platform.upper() for d in jax.devices() if d.platform != "cpu"}))
    return ()


def profile() -> str:
    """The active profile, ``"fast"`` or ``"full"``, from ``DL_COURSE_PROFILE``."""
    value = os.environ.get(ENV_PROFILE, "auto").strip().lower() or "auto"
    if value == "auto":
        return "full" if accelerators() else "fast"
    if value not in PROFILES:
        raise ValueError(
            f"{ENV_PROFILE}={value!r} is not a profile. Use one of: fast, full, auto "
            f"(e.g. `export {ENV_PROFILE}=fast`)."
        )
    return value


def pick(fast, full):
    """Return ``fast`` or ``full`` according to the active profile."""
    return fast if profile() == "fast" else full


def settings(fast: dict, full: dict) -> SimpleNamespace:
    """Pick a notebook's sizes for the active profile and print them.

    >>> cfg = settings(fast=dict(epochs=1), full=dict(epochs=20))  # doctest: +SKIP
    profile: fast | epochs=1
    """
    if set(fast) != set(full):
        raise ValueError(f"fast and full settings must name the same keys, got {sorted(fast)} and {sorted(full)}")
    chosen = pick(fast, full)
    print(f"profile: {profile()} | " + ", ".join(f"{k}={v}" for k, v in chosen.items()))
    return SimpleNamespace(**chosen)


def set_seed(seed: int = DEFAULT_SEED) -> int:
    """Seed Python, NumPy and the Keras backend so a run repeats on one machine."""
    import keras

    keras.utils.set_random_seed(seed)
    return seed


def info(seed: int | None = DEFAULT_SEED) -> dict:
    """Versions, devices and profile as a dict; seeds everything unless ``seed`` is None."""
    import keras

    table = {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": backend(),
        "accelerators": ", ".join(accelerators()) or "none (CPU)",
        "profile": profile(),
    }
    if table["backend"] == "tensorflow":
        import tensorflow as tf

        table["tensorflow"] = tf.__version__
    if seed is not None:
        table["seed"] = set_seed(seed)
    return table


def describe(seed: int | None = DEFAULT_SEED) -> None:
    """Print versions, devices and profile, and seed everything (a notebook's first output)."""
    table = info(seed)
    width = max(map(len, table))
    for key, value in table.items():
        print(f"{key:<{width}}  {value}")


def strategy(devices: list[str] | None = None):
    """A ``tf.distribute`` strategy: TPU, else several GPUs mirrored, else the default one.

    ``devices`` forces a ``MirroredStrategy`` over the given devices (e.g. two logical CPUs).
    TensorFlow only.
    """
    import tensorflow as tf

    if devices:
        return tf.distribute.MirroredStrategy(devices)
    if tf.config.list_logical_devices("TPU"):
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


class ExpectationError(AssertionError):
    """A training result missed the bound of the active profile."""


def expect(value, *, fast: float, full: float, name: str = "value", higher_is_better: bool = True):
    """Fail when ``value`` misses the active profile's bound; print and return it otherwise.

    With ``higher_is_better=False`` the bound is an upper limit (losses, errors).
    """
    active = profile()
    bound = fast if active == "fast" else full
    value = float(value)
    ok = value >= bound if higher_is_better else value <= bound
    relation = "≥" if higher_is_better else "≤"
    message = f"{name} = {value:.4g} (bound for the {active} profile: {relation} {bound})"
    if not ok:
        raise ExpectationError(f"{message}: result missed the bound; training regressed.")
    print("OK", message, file=sys.stdout)
    return value
