"""Run-time set-up shared by notebooks and tests: profile, smoke mode, seeds, devices, bounds.

The profile (``DL_COURSE_PROFILE`` = ``fast`` | ``full`` | ``auto``) decides how much data and
how many epochs a chapter uses; ``auto`` (the default) means ``full`` when a GPU or TPU is
visible and ``fast`` otherwise. Smoke mode (``DL_COURSE_SMOKE=1``) keeps a profile's settings
but cuts every loop to a few steps (each setting names its cut, see ``SMOKE_CUTS``), so a CPU proves the full profile
runs. ``scope()`` spreads training over the visible devices; ``acceleration()`` decides mixed
precision and XLA. Nothing here imports TensorFlow at module level, so the package also
imports under ``KERAS_BACKEND=jax``.
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
ENV_SMOKE = "DL_COURSE_SMOKE"
DEFAULT_SEED = 42

#: Smoke mode's cuts, one of which every ``settings`` key names in ``smoke=``: "epochs" cuts an
#: epoch count to one epoch, "steps" a step count to a few steps, "batches" a number of examples
#: to a couple of batches (twice the settings' ``batch_size``, else 2 × 128), and "keep" leaves
#: the value (batch sizes, model widths, shapes, rates, names), so smoke mode builds and feeds
#: the same models.
SMOKE_EPOCHS, SMOKE_STEPS, SMOKE_BATCHES, SMOKE_BATCH = 1, 2, 2, 128
SMOKE_CUTS = {
    "epochs": "cut to 1 epoch",
    "steps": f"cut to {SMOKE_STEPS} steps",
    "batches": f"cut to {SMOKE_BATCHES} batches of examples",
    "keep": "left as it is",
}
FALSE_WORDS, TRUE_WORDS = ("", "0", "false", "no", "off"), ("1", "true", "yes", "on")


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
    if name == "torch":
        import torch

        return ("GPU",) if torch.cuda.is_available() else ()
    return ()


def backend_report() -> dict:
    """The Keras backend, its framework's version and the devices it sees, as a dict of strings.

    Only the active backend's framework is imported (``KERAS_BACKEND=jax`` never imports
    TensorFlow), so this also works where TensorFlow is not installed.
    """
    name = backend()
    report = {"backend": name}
    if name == "tensorflow":
        import tensorflow as tf

        report["tensorflow"] = tf.__version__
        gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
    elif name == "jax":
        import jax

        report["jax"] = jax.__version__
        gpus = [str(d) for d in jax.devices() if d.platform == "gpu"]
    elif name == "torch":
        import torch

        report["torch"] = torch.__version__
        gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    else:
        gpus = []
    report["gpu"] = ", ".join(gpus) if gpus else "none seen"
    report["accelerators"] = ", ".join(accelerators()) or "none (CPU)"
    return report


def steps_per_execution(steps: int = 16) -> int:
    """``steps`` training steps per call into the compiled step, or 1 under PyTorch (which
    Keras runs one step at a time): pass it to ``compile(steps_per_execution=...)``."""
    return 1 if backend() == "torch" else steps


def jit_compile(wanted: bool = True) -> bool:
    """``wanted``, or False under PyTorch on a CPU: pass it to ``compile(jit_compile=...)``.

    On TensorFlow and JAX ``jit_compile=True`` is XLA, which compiles a training step in
    seconds. Under PyTorch it is ``torch.compile``, which on a CPU builds C++ with the system
    compiler for the step and again for every new batch shape (a last, shorter batch; a
    validation batch size): minutes on two cores per model, more than the few epochs of a
    chapter's fast profile take eagerly. Keras's own ``jit_compile="auto"`` is off under PyTorch.
    """
    if backend() == "torch" and not accelerators():
        return False
    return bool(wanted)


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


def smoke() -> bool:
    """Whether smoke mode is on: ``DL_COURSE_SMOKE`` = 1, true, yes, on (off: unset, 0, false, no, off).

    Any other value (``0.0``, ``maybe``) is a ``ValueError`` rather than a guess.
    """
    value = os.environ.get(ENV_SMOKE, "").strip().lower()
    if value in FALSE_WORDS or value in TRUE_WORDS:
        return value in TRUE_WORDS
    raise ValueError(
        f"{ENV_SMOKE} must be one of {', '.join(TRUE_WORDS)} (on) or {', '.join(FALSE_WORDS[1:])} or unset (off), "
        f"got {value!r}. Use `export {ENV_SMOKE}=1` to turn smoke mode on, `unset {ENV_SMOKE}` to turn it off."
    )


def smoke_cut(chosen: dict, cuts: dict) -> dict:
    """``chosen`` settings with each key cut as ``cuts`` names it (see ``SMOKE_CUTS``)."""
    batches = SMOKE_BATCHES * int(chosen.get("batch_size", SMOKE_BATCH))
    limits = {"epochs": SMOKE_EPOCHS, "steps": SMOKE_STEPS, "batches": batches}
    cut = dict(chosen)
    for key, value in chosen.items():
        if cuts[key] != "keep":
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


smoke_mode = smoke  # ``settings`` takes an argument named ``smoke``


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
    if not smoke_mode():
        print(f"profile: {profile()} | " + ", ".join(f"{k}={v}" for k, v in chosen.items()))
        return SimpleNamespace(**chosen)
    cut = smoke_cut(chosen, smoke)
    shown = (f"{k}={v}" + (f" (not {chosen[k]})" if v != chosen[k] else "") for k, v in cut.items())
    print(f"profile: {profile()}, smoke mode | " + ", ".join(shown))
    return SimpleNamespace(**cut)


def set_seed(seed: int = DEFAULT_SEED) -> int:
    """Seed Python, NumPy and the Keras backend so a run repeats on one machine."""
    import keras
    from keras.src.backend.common import global_state

    from dl_course.checks import check_positive

    seed = check_positive(seed, "seed", minimum=0)
    if backend() == "tensorflow" or "tensorflow" in sys.modules:
        keras.utils.set_random_seed(seed)  # also seeds tf.random (tf.data's shuffling)
    else:  # what it does, without importing TensorFlow (when installed) only to seed it
        import random

        import numpy as np

        global_state.set_global_attribute("global_random_seed", seed)  # keras.config.random_seed()
        random.seed(seed)
        np.random.seed(seed)
        if backend() == "torch":
            import torch

            torch.manual_seed(seed)
    # Keras < 3.15 keeps the global SeedGenerator that unseeded keras.random draws use: start anew.
    global_state.set_global_attribute("global_seed_generator", None)
    return seed


def info(seed: int | None = DEFAULT_SEED) -> dict:
    """Versions, devices and profile as a dict; seeds everything unless ``seed`` is None."""
    import keras

    table = {"python": platform.python_version(), "keras": keras.__version__, **backend_report(), "profile": profile()}
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


def strategy(devices: list[str] | None = None):
    """A ``tf.distribute`` strategy: TPU, else several GPUs mirrored, else the default one.

    ``devices`` forces a ``MirroredStrategy`` over the given devices (e.g. two logical CPUs).
    TensorFlow only.
    """
    import tensorflow as tf

    if devices:
        return tf.distribute.MirroredStrategy(check_devices(devices))
    return _visible_strategy()


def check_devices(devices) -> list[str]:
    """``devices`` when each names a device TensorFlow sees (``"/gpu:0"``, ``"CPU:1"``), else a ``ValueError``."""
    import tensorflow as tf

    seen = {(d.device_type, tf.DeviceSpec.from_string(d.name).device_index) for d in tf.config.list_logical_devices()}
    listed = [d.name for d in tf.config.list_logical_devices()]
    for device in [devices] if isinstance(devices, str) else devices:
        try:
            spec = tf.DeviceSpec.from_string(device) if isinstance(device, str) else None
        except ValueError:
            spec = None
        if spec is None or (str(spec.device_type).upper(), spec.device_index or 0) not in seen:
            raise ValueError(
                f"devices must name visible devices ({', '.join(listed)}), got {device!r}: "
                "leave devices out to use every visible device."
            )
    return [devices] if isinstance(devices, str) else list(devices)


@functools.lru_cache(maxsize=1)
def _visible_strategy():
    """The strategy for the visible devices, made once (a TPU system is initialised once)."""
    import tensorflow as tf

    if tf.config.list_logical_devices("TPU"):
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def distribution(devices: list[str] | None = None):
    """JAX: ``keras.distribution.DataParallel`` over ``devices`` (default: all visible), or
    ``None`` when there is only one device."""
    import keras

    devices = devices or keras.distribution.list_devices()
    return keras.distribution.DataParallel(devices=devices) if len(devices) > 1 else None


@contextlib.contextmanager
def scope(devices: list[str] | None = None):
    """Build, compile and fit inside ``with runtime.scope():`` to train on every visible device.

    TensorFlow: the ``strategy()`` scope (TPU; several GPUs mirrored; else the default, a
    no-op). JAX: ``distribution()`` (data parallel over the devices). Also a decorator:
    ``@runtime.scope()``. ``devices`` names devices explicitly (e.g. two logical CPUs).
    """
    name = backend()
    if name == "tensorflow":
        context = strategy(devices).scope()
    elif name == "jax" and (dist := distribution(devices)) is not None:
        context = dist.scope()
    else:
        context = contextlib.nullcontext()
    with context:
        yield


def acceleration(kinds: tuple[str, ...] | None = None, active_profile: str | None = None) -> SimpleNamespace:
    """Mixed precision, XLA and input prefetching for the hardware in ``kinds`` (default: seen).

    In the full profile: on a TPU ``mixed_bfloat16``, on a GPU ``mixed_float16``, both with
    ``jit_compile`` and prefetching on. On a CPU or in the fast profile: ``float32``, all off.
    """
    kinds = accelerators() if kinds is None else tuple(k.upper() for k in kinds)
    on = (active_profile or profile()) == "full" and bool(kinds)
    precision = "float32" if not on else "mixed_bfloat16" if "TPU" in kinds else "mixed_float16"
    return SimpleNamespace(precision=precision, jit_compile=on, prefetch=on)


def accelerate(kinds: tuple[str, ...] | None = None, active_profile: str | None = None) -> SimpleNamespace:
    """Apply ``acceleration(...)``: set Keras's global dtype policy; return the decision."""
    import keras

    choice = acceleration(kinds, active_profile)
    keras.config.set_dtype_policy(choice.precision)
    return choice


def float32_outputs(model):
    """``model``, with a float32 output layer added when a mixed-precision policy is active.

    Softmax and the loss stay in float32 (Keras's mixed-precision advice). Only functional
    models with a lower-precision output change; layers and their names are kept.
    """
    import keras

    outputs = getattr(model, "outputs", None)
    if keras.config.dtype_policy().compute_dtype == "float32" or not outputs:
        return model
    if all(keras.backend.standardize_dtype(t.dtype) == "float32" for t in outputs):
        return model
    cast = [keras.layers.Activation("linear", dtype="float32", name=f"float32_output_{i}")(t) for i, t in enumerate(outputs)]
    inputs = model.inputs if len(model.inputs) > 1 else model.inputs[0]
    return keras.Model(inputs, cast if len(cast) > 1 else cast[0], name=model.name)


class ExpectationError(AssertionError):
    """A training result missed the bound of the active profile."""


def expect(value, *, fast: float, full: float, name: str = "value", higher_is_better: bool = True):
    """Fail when ``value`` misses the active profile's bound; print and return it otherwise.

    With ``higher_is_better=False`` the bound is an upper limit (losses, errors).
    """
    import numpy as np

    if np.ndim(value) != 0 or not isinstance(np.asarray(value).item(), (int, float)) or isinstance(value, bool):
        raise ValueError(f"value must be a single number (e.g. float(accuracy)), got {value!r}.")
    active = profile()
    bound = fast if active == "fast" else full
    value = float(value)
    ok = value >= bound if higher_is_better else value <= bound
    relation = "≥" if higher_is_better else "≤"
    message = f"{name} = {value:.4g} (bound for the {active} profile: {relation} {bound})"
    if smoke():
        print(f"SMOKE {message}: {'met' if ok else 'missed'}, not enforced in smoke mode")
        return value
    if not ok:
        raise ExpectationError(f"{message}: result missed the bound; training regressed.")
    print("OK", message, file=sys.stdout)
    return value
