"""The Keras backend: its name (read here and nowhere else), the accelerators it sees, a report,
and TensorFlow's start-up log kept quiet.

Only the active backend's framework is imported, so this works where TensorFlow is not installed.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from pathlib import Path

#: The names Keras takes in ``KERAS_BACKEND`` (keras/src/backend/__init__.py); the course runs on the first three.
KNOWN = ("tensorflow", "jax", "torch", "numpy", "openvino")


def name() -> str:
    """The Keras backend ("tensorflow", "jax", "torch"): Keras's own answer once it is imported,
    else the one it will choose (``KERAS_BACKEND``, then ``keras.json``, then TensorFlow)."""
    if "keras" in sys.modules and hasattr(sys.modules["keras"], "backend"):
        return sys.modules["keras"].backend.backend()
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"].strip().lower()
    home = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")
    try:
        return json.loads((home / "keras.json").read_text(encoding="utf-8")).get("backend", "tensorflow")
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def problem() -> str | None:
    """What is wrong with the backend's name, or ``None`` when Keras knows it (Keras cannot be
    imported with an unknown name, so ``import dl_course`` asks this first)."""
    backend = name()
    if backend in KNOWN:
        return None
    return (f"KERAS_BACKEND must be one of tensorflow, jax or torch (Keras also takes numpy, openvino), "
            f"got {backend!r}: set it to one of them, or unset it for TensorFlow. "
            f"环境变量 KERAS_BACKEND 应为 tensorflow、jax 或 torch，或删除该变量。")


@functools.lru_cache(maxsize=1)
def accelerators() -> tuple[str, ...]:
    """Kinds of accelerator visible to the active backend, e.g. ``("GPU",)`` or ``()``."""
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        return tuple(k for k in ("TPU", "GPU") if tf.config.list_logical_devices(k))
    if backend == "jax":
        import jax

        return tuple(sorted({d.platform.upper() for d in jax.devices() if d.platform != "cpu"}))
    if backend == "torch":
        import torch

        return ("GPU",) if torch.cuda.is_available() else ()
    return ()


def report() -> dict:
    """The Keras backend, its framework's version and the devices it sees, as a dict of strings."""
    backend = name()
    table = {"backend": backend}
    if backend == "tensorflow":
        import tensorflow as tf

        table["tensorflow"] = tf.__version__
        gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
    elif backend == "jax":
        import jax

        table["jax"] = jax.__version__
        gpus = [str(d) for d in jax.devices() if d.platform == "gpu"]
    elif backend == "torch":
        import torch

        table["torch"] = torch.__version__
        gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    else:
        gpus = []
    table["gpu"] = ", ".join(gpus) if gpus else "none seen"
    table["accelerators"] = ", ".join(accelerators()) or "none (CPU)"
    return table


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
    if "tensorflow" in sys.modules or name() != "tensorflow":
        return
    with native_stderr_silenced():
        try:
            import tensorflow as tf

            tf.config.list_logical_devices()  # device discovery logs too
        except ImportError:
            pass
