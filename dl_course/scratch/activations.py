"""The logistic sigmoid and the softmax, shared by the NumPy networks.

Both are written so that no input overflows: ``1 / (1 + exp(−z))`` would compute
``exp(1000)`` for ``z = −1000``, and ``exp(z_i) / Σ_j exp(z_j)`` overflows for large logits.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z):
    """Logistic function ``σ(z) = 1 / (1 + exp(−z))`` for any real ``z``.

    Computed as ``exp(−softplus(−z))`` with ``softplus(t) = log(1 + exp(t))`` from
    ``np.logaddexp(0, t)``: nothing overflows, and tiny values keep their precision.
    """
    return np.exp(-np.logaddexp(0.0, -np.asarray(z)))


def softmax(z, axis: int = -1):
    """``exp(z_i) / Σ_j exp(z_j)`` along ``axis``, shifted by the maximum (which leaves it unchanged)."""
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
