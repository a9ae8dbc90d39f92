"""Precision and compilation for the hardware: mixed precision, XLA, steps per execution."""

from __future__ import annotations

from types import SimpleNamespace

from dl_course.runtime import backends, profiles


def steps_per_execution(steps: int = 16) -> int:
    """``steps`` training steps per call into the compiled step, or 1 under PyTorch (which
    Keras runs one step at a time): pass it to ``compile(steps_per_execution=...)``."""
    return 1 if backends.name() == "torch" else steps


def jit_compile(wanted: bool = True) -> bool:
    """``wanted``, or False under PyTorch on a CPU: pass it to ``compile(jit_compile=...)``.

    On TensorFlow and JAX ``jit_compile=True`` is XLA, which compiles a training step in
    seconds. Under PyTorch it is ``torch.compile``, which on a CPU builds C++ with the system
    compiler for the step and again for every new batch shape (a last, shorter batch; a
    validation batch size): minutes on two cores per model, more than the few epochs of a
    chapter's fast profile take eagerly. Keras's own ``jit_compile="auto"`` is off under PyTorch.
    """
    if backends.name() == "torch" and not backends.accelerators():
        return False
    return bool(wanted)


def acceleration(kinds: tuple[str, ...] | None = None, active_profile: str | None = None) -> SimpleNamespace:
    """Mixed precision, XLA and input prefetching for the hardware in ``kinds`` (default: seen).

    In the full profile: on a TPU ``mixed_bfloat16``, on a GPU ``mixed_float16``, both with
    ``jit_compile`` and prefetching on. On a CPU or in the fast profile: ``float32``, all off.
    """
    kinds = backends.accelerators() if kinds is None else tuple(k.upper() for k in kinds)
    on = (active_profile or profiles.profile()) == "full" and bool(kinds)
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
