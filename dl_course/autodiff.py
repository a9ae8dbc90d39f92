"""Gradients of a function written with ``keras.ops``, on whichever Keras backend is active.

Each backend differentiates in its own way: TensorFlow records the forward pass on a
``tf.GradientTape`` and plays it back; JAX transforms the function (``jax.value_and_grad``);
PyTorch records a graph on tensors that ``require_grad`` and fills their ``.grad`` when
``loss.backward()`` runs. ``value_and_grad`` hides that difference so that a chapter's
gradient checks read the same on all three; chapter 02 shows the three side by side.
"""

from __future__ import annotations

import contextlib

import numpy as np

from dl_course import runtime


def value_and_grad(fn, params):
    """``(fn(params), d fn / d params)`` as a float and NumPy arrays shaped like ``params``.

    ``fn`` maps ``params`` (an array, or a list, tuple or dict of arrays: NumPy arrays,
    backend tensors or ``keras.Variable`` values) to a scalar, using ``keras.ops`` or
    operators. float64 inputs stay float64 (under JAX, Keras still computes ``ops.sin`` and
    ``ops.tanh`` of float64 tensors in float32, so expect agreement to about 1e-7 there).
    """
    import keras

    flat = keras.tree.flatten(params)
    if not flat:
        raise ValueError("params is empty: pass the array(s) to differentiate with respect to.")
    arrays = [np.asarray(p) if isinstance(p, (np.ndarray, np.generic, float)) else keras.ops.convert_to_numpy(p) for p in flat]
    name = runtime.backend()
    if name not in _BACKENDS:
        raise ValueError(f"no gradients for the Keras backend {name!r}; use tensorflow, jax or torch.")
    value, grads = _BACKENDS[name](fn, params, arrays)
    return float(value), keras.tree.pack_sequence_as(params, [np.asarray(g) for g in grads])


def _tensorflow(fn, params, arrays):
    import keras
    import tensorflow as tf

    tensors = [tf.convert_to_tensor(a) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        value = fn(keras.tree.pack_sequence_as(params, tensors))
    return value.numpy(), [g.numpy() for g in tape.gradient(value, tensors)]


def _jax(fn, params, arrays):
    import jax
    import keras

    wide = any(a.dtype == np.float64 for a in arrays)
    enable_x64 = getattr(jax, "enable_x64", None)
    if enable_x64 is None:  # JAX before jax.enable_x64
        from jax.experimental import enable_x64
    with enable_x64(True) if wide else contextlib.nullcontext():
        def flat_fn(*tensors):
            return fn(keras.tree.pack_sequence_as(params, list(tensors)))

        value, grads = jax.value_and_grad(flat_fn, argnums=tuple(range(len(arrays))))(*map(jax.numpy.asarray, arrays))
        return np.asarray(value), [np.asarray(g) for g in grads]


def _torch(fn, params, arrays):
    import keras

    tensors = [keras.ops.convert_to_tensor(a).detach().requires_grad_(True) for a in arrays]
    value = fn(keras.tree.pack_sequence_as(params, tensors))
    value.backward()
    return value.detach().cpu().numpy(), [np.zeros_like(a) if t.grad is None else t.grad.detach().cpu().numpy() for a, t in zip(arrays, tensors)]


_BACKENDS = {"tensorflow": _tensorflow, "jax": _jax, "torch": _torch}
