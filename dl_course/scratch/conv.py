"""Convolution and pooling in NumPy, forward and backward (课件: 卷积层误差传播, 池化层误差传递).

Layouts follow TensorFlow: images are NHWC ``(batch, height, width, channels)``, filters are
HWIO ``(kh, kw, in_channels, out_channels)``. Like every deep-learning framework, "convolution"
here is cross-correlation (the kernel is not flipped):

    y[n, i, j, f] = b[f] + Σ_{p, q, c} x_pad[n, i·s + p, j·s + q, c] · w[p, q, c, f]

``padding`` is ``"valid"`` (none), ``"same"`` (TensorFlow's rule: output = ⌈n / s⌉, the extra
row/column of padding goes to the bottom/right) or an integer ``p`` of zeros on every side.
Each backward function takes the upstream gradient ``dy = ∂L/∂y`` (checked to have the
output's shape) and returns ``∂L/∂x`` (and the parameter gradients).

Shapes are checked, values are not: NaN and infinity pass through to the outputs that see
them, as in TensorFlow, so a diverging network shows up as NaN here as it would there.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def output_size(n: int, k: int, stride: int = 1, padding="valid") -> int:
    """Output length along one axis: ``⌊(n + 2p − k) / s⌋ + 1``; ``"same"`` gives ``⌈n / s⌉``."""
    return _pads(n, k, stride, padding)[2]


def receptive_field(layers) -> int:
    """Receptive field of a stack of ``(kernel, stride)`` layers, input side first.

    ``r = 1 + Σ_l (k_l − 1) · Π_{m<l} s_m``: each layer widens the field by ``k − 1`` steps of
    its input grid, and one step of that grid spans the product of earlier strides.
    """
    r, jump = 1, 1
    for k, s in layers:
        r += (k - 1) * jump
        jump *= s
    return r


def _pads(n: int, k: int, stride: int, padding) -> tuple[int, int, int]:
    """(before, after, output length) along one axis."""
    if not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f"stride must be a positive integer, got {stride!r}.")
    if padding == "valid":
        before = after = 0
    elif padding == "same":
        total = max((math.ceil(n / stride) - 1) * stride + k - n, 0)
        before, after = total // 2, total - total // 2
    elif isinstance(padding, (int, np.integer)) and not isinstance(padding, bool) and padding >= 0:
        before = after = int(padding)
    else:
        raise ValueError(f"padding must be 'valid', 'same' or an integer ≥ 0, got {padding!r}.")
    out = (n + before + after - k) // stride + 1
    if out < 1:
        raise ValueError(
            f"window {k} does not fit in an input of {n} with padding {padding!r}: "
            f"the input must be at least {k - before - after}."
        )
    return before, after, out


def _pad(x, kh: int, kw: int, stride: int, padding, value=0.0):
    """Pad the spatial axes of an NHWC array; return it and the (top, left) offsets."""
    top, bottom, _ = _pads(x.shape[1], kh, stride, padding)
    left, right, _ = _pads(x.shape[2], kw, stride, padding)
    widths = ((0, 0), (top, bottom), (left, right), (0, 0))
    return np.pad(x, widths, constant_values=value), (top, left)


def _windows(xp, kh: int, kw: int, stride: int):
    """All kh×kw windows at the given stride: shape (N, Ho, Wo, C, kh, kw), a view."""
    return sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]


def _fold(dwin, padded_shape, stride: int, offsets, shape):
    """Adjoint of ``_windows``: add window gradients (N, Ho, Wo, C, kh, kw) back onto the input.

    Overlapping windows add up; the padding is cut away at the end.
    """
    n, ho, wo, _, kh, kw = dwin.shape
    dxp = np.zeros(padded_shape)
    for p in range(kh):
        for q in range(kw):
            dxp[:, p : p + stride * ho : stride, q : q + stride * wo : stride] += dwin[..., p, q]
    top, left = offsets
    return dxp[:, top : top + shape[1], left : left + shape[2]]


def _check_image(x, name: str):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError(
            f"{name}: x must be NHWC (batch, height, width, channels), got shape {x.shape}."
        )
    return x


def _check_conv(x, w, b):
    x = _check_image(x, "conv2d")
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 4:
        raise ValueError(
            f"conv2d: w must be HWIO (kh, kw, in_channels, filters), got shape {w.shape}."
        )
    if w.shape[2] != x.shape[3]:
        raise ValueError(f"conv2d: w expects {w.shape[2]} input channels but x has {x.shape[3]}.")
    if b is not None and np.shape(b) != (w.shape[3],):
        raise ValueError(f"conv2d: b must have shape ({w.shape[3]},), got {np.shape(b)}.")
    return x, w


def conv2d(x, w, b=None, stride: int = 1, padding="valid"):
    """2-D convolution (cross-correlation) of NHWC ``x`` with HWIO ``w`` plus bias ``b``."""
    x, w = _check_conv(x, w, b)
    xp, _ = _pad(x, w.shape[0], w.shape[1], stride, padding)
    y = np.einsum("nhwcpq,pqcf->nhwf", _windows(xp, w.shape[0], w.shape[1], stride), w)
    return y if b is None else y + np.asarray(b)


def conv2d_backward(dy, x, w, stride: int = 1, padding="valid"):
    """Gradients ``(dx, dw, db)`` of ``conv2d`` given ``dy = ∂L/∂y``.

    - ``dw[p, q, c, f] = Σ_{n,i,j} x_pad[n, i·s + p, j·s + q, c] · dy[n, i, j, f]``: the input
      windows weighted by the error of the unit that saw them.
    - ``dx``: every output unit sends ``dy · w`` back to the inputs of its window; with
      stride 1 this is a "full" convolution of ``dy`` with the kernel rotated by 180°.
    - ``db[f] = Σ dy[..., f]``.
    """
    x, w = _check_conv(x, w, None)
    kh, kw = w.shape[:2]
    xp, offsets = _pad(x, kh, kw, stride, padding)
    windows = _windows(xp, kh, kw, stride)
    dy = _check_dy(dy, windows.shape[:3] + (w.shape[3],), "conv2d_backward")
    dw = np.einsum("nhwcpq,nhwf->pqcf", windows, dy)
    dwin = np.einsum("nhwf,pqcf->nhwcpq", dy, w)
    dx = _fold(dwin, xp.shape, stride, offsets, x.shape)
    return dx, dw, dy.sum(axis=(0, 1, 2))


def _check_dy(dy, shape: tuple, name: str) -> np.ndarray:
    """``dy`` as float64, checked to have the forward output's ``shape`` (no silent broadcasting)."""
    dy = np.asarray(dy, dtype=np.float64)
    if dy.shape != shape:
        raise ValueError(f"{name}: dy must have the output shape {shape}, got {dy.shape}.")
    return dy


def _pool_args(pool_size, stride):
    if not isinstance(pool_size, (int, np.integer)) or pool_size < 1:
        raise ValueError(f"pool_size must be a positive integer, got {pool_size!r}.")
    return pool_size, pool_size if stride is None else stride


def max_pool2d(x, pool_size: int = 2, stride: int | None = None, padding="valid"):
    """Maximum over each ``pool_size``×``pool_size`` window (stride defaults to the pool size).

    Padding is −∞ here, so it never wins the maximum (as TensorFlow's ``"same"``).
    """
    k, s = _pool_args(pool_size, stride)
    xp, _ = _pad(_check_image(x, "max_pool2d"), k, k, s, padding, value=-np.inf)
    return _windows(xp, k, k, s).max(axis=(4, 5))


def max_pool2d_backward(dy, x, pool_size: int = 2, stride: int | None = None, padding="valid"):
    """``∂L/∂x`` of ``max_pool2d``: each window's error goes to the position of its maximum.

    All other inputs of the window get 0 (they did not affect the output). Ties go to the
    first maximum in row-major order.
    """
    k, s = _pool_args(pool_size, stride)
    x = _check_image(x, "max_pool2d_backward")
    xp, offsets = _pad(x, k, k, s, padding, value=-np.inf)
    windows = _windows(xp, k, k, s)
    flat = windows.reshape(windows.shape[:4] + (k * k,))
    winner = np.eye(k * k)[flat.argmax(axis=-1)].reshape(windows.shape)
    dwin = winner * _check_dy(dy, windows.shape[:4], "max_pool2d_backward")[..., None, None]
    return _fold(dwin, xp.shape, s, offsets, x.shape)


def _avg_counts(x, k: int, s: int, padding):
    """Inputs averaged by each window: k·k, except that "same" padding is left out (as in TF).

    Integer padding adds real zeros, which are counted.
    """
    if padding != "same":
        return k * k
    ones, _ = _pad(np.ones((1,) + x.shape[1:3] + (1,)), k, k, s, padding)
    return _windows(ones, k, k, s).sum(axis=(4, 5))


def avg_pool2d(x, pool_size: int = 2, stride: int | None = None, padding="valid"):
    """Mean over each window; with ``"same"`` over the real inputs only, as in TensorFlow."""
    k, s = _pool_args(pool_size, stride)
    x = _check_image(x, "avg_pool2d")
    xp, _ = _pad(x, k, k, s, padding)
    return _windows(xp, k, k, s).sum(axis=(4, 5)) / _avg_counts(x, k, s, padding)


def avg_pool2d_backward(dy, x, pool_size: int = 2, stride: int | None = None, padding="valid"):
    """``∂L/∂x`` of ``avg_pool2d``: each window's error is shared equally by its inputs."""
    k, s = _pool_args(pool_size, stride)
    x = _check_image(x, "avg_pool2d_backward")
    xp, offsets = _pad(x, k, k, s, padding)
    dy = _check_dy(dy, _windows(xp, k, k, s).shape[:4], "avg_pool2d_backward")
    share = dy / _avg_counts(x, k, s, padding)
    dwin = np.broadcast_to(share[..., None, None], share.shape + (k, k))
    return _fold(dwin, xp.shape, s, offsets, x.shape)
