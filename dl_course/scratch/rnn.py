"""Recurrent networks in NumPy: SimpleRNN, LSTM and its variants, GRU, BPTT, RTRL, clipping.

The forward passes take weights exactly as Keras stores them (``layer.get_weights()``) and
use its row-vector convention, ``x_t @ kernel + h_{t-1} @ recurrent_kernel + bias``, so their
outputs equal ``keras.layers.SimpleRNN/LSTM/GRU(return_sequences=True)``. In the slides'
notation (课件: 循环神经网络) the SimpleRNN is

    h_t = tanh(U x_t + W h_{t-1} + b),   o_t = V h_t + c,   p_t = softmax(o_t),

so here ``U = kernel``, ``W = recurrent_kernel`` and ``V`` is a Dense layer's kernel, all
transposed with respect to the column-vector formulas. Shapes are checked, values are not:
NaN and infinity pass through as they do in Keras (exploding gradients show up as inf/NaN).
"""

from __future__ import annotations

import numpy as np

from dl_course.scratch.activations import sigmoid, softmax


def _check(x, kernel, recurrent_kernel, gates: int, name: str):
    """Validate shapes; return ``(x, units)`` with ``x`` as a float64 array (batch, time, features)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"{name}: x must be (batch, time, features), got shape {x.shape}.")
    kernel, recurrent_kernel = np.asarray(kernel), np.asarray(recurrent_kernel)
    if recurrent_kernel.ndim != 2 or recurrent_kernel.shape[1] != gates * recurrent_kernel.shape[0]:
        raise ValueError(
            f"{name}: recurrent_kernel must be (units, {gates}·units), got shape {recurrent_kernel.shape}."
        )
    units = recurrent_kernel.shape[0]
    if kernel.shape != (x.shape[2], gates * units):
        raise ValueError(
            f"{name}: kernel must be (features, {gates}·units) = {(x.shape[2], gates * units)}, "
            f"got shape {kernel.shape}."
        )
    return x, units


def _state(s, batch: int, units: int, what: str, name: str):
    """An initial state: zeros when ``s`` is None, else ``s`` checked to be (batch, units)."""
    if s is None:
        return np.zeros((batch, units))
    s = np.asarray(s, dtype=np.float64)
    if s.shape != (batch, units):
        raise ValueError(
            f"{name}: {what} must be (batch, units) = {(batch, units)}, got {s.shape}."
        )
    return s


def _bias(bias, shape: tuple, name: str):
    bias = np.asarray(bias, dtype=np.float64)
    if bias.shape != shape:
        raise ValueError(f"{name}: bias must have shape {shape}, got {bias.shape}.")
    return bias


def rnn_forward(x, kernel, recurrent_kernel, bias, h0=None):
    """SimpleRNN with tanh: ``h_t = tanh(x_t U + h_{t-1} W + b)``; returns (batch, time, units)."""
    x, units = _check(x, kernel, recurrent_kernel, 1, "rnn_forward")
    bias = _bias(bias, (units,), "rnn_forward")
    h = _state(h0, x.shape[0], units, "h0", "rnn_forward")
    hs = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent_kernel + bias)
        hs.append(h)
    return np.stack(hs, axis=1)


def lstm_forward(x, kernel, recurrent_kernel, bias, h0=None, c0=None, return_cells: bool = False):
    """LSTM (Hochreiter & Schmidhuber 1997, with forget gate) in Keras's gate order i, f, c, o.

    The slides' equations (课件, LSTM):
    (a) f_t = σ(W_fx x_t + W_fh h_{t-1} + b_f)      (b) C̃_t = tanh(W_Cx x_t + W_Ch h_{t-1} + b_C)
    (c) i_t = σ(W_ix x_t + W_ih h_{t-1} + b_i)      (d) C_t = f_t * C_{t-1} + i_t * C̃_t
    (e) o_t = σ(W_ox x_t + W_oh h_{t-1} + b_o)      (f) h_t = o_t * tanh(C_t)

    Returns the hidden states (batch, time, units), and the cell states too when
    ``return_cells`` is true.
    """
    x, units = _check(x, kernel, recurrent_kernel, 4, "lstm_forward")
    bias = _bias(bias, (4 * units,), "lstm_forward")
    h = _state(h0, x.shape[0], units, "h0", "lstm_forward")
    c = _state(c0, x.shape[0], units, "c0", "lstm_forward")
    hs, cs = [], []
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        i, f, g, o = np.split(z, 4, axis=-1)
        f = sigmoid(f)  # (a) forget gate
        g = np.tanh(g)  # (b) candidate cell state C̃_t
        i = sigmoid(i)  # (c) input gate
        c = f * c + i * g  # (d) new cell state
        o = sigmoid(o)  # (e) output gate
        h = o * np.tanh(c)  # (f) hidden state
        hs.append(h)
        cs.append(c)
    hs, cs = np.stack(hs, axis=1), np.stack(cs, axis=1)
    return (hs, cs) if return_cells else hs


def _stack_gates(steps: list[dict]) -> dict:
    """Per-step dicts of (batch, units) arrays → one dict of (batch, time, units) arrays."""
    return {key: np.stack([step[key] for step in steps], axis=1) for key in steps[0]}


def peephole_lstm_forward(x, kernel, recurrent_kernel, bias, peephole, h0=None, c0=None, return_gates: bool = False):
    """LSTM with peephole connections (Gers & Schmidhuber 2000): the gates also look at the cell.

    Equations (a), (c), (e) of ``lstm_forward`` gain one term each (课件, LSTM 的变体):
    (a') f_t = σ(W_fx x_t + W_fh h_{t-1} + p_f * C_{t-1} + b_f)
    (c') i_t = σ(W_ix x_t + W_ih h_{t-1} + p_i * C_{t-1} + b_i)
    (e') o_t = σ(W_ox x_t + W_oh h_{t-1} + p_o * C_t + b_o)      (the output gate sees the new cell)
    (b), (d), (f) are unchanged. ``peephole`` is (3, units), rows p_i, p_f, p_o: diagonal weights, one
    per unit and gate, as in Greff et al. (2017), so 3·units parameters more than the LSTM. The other
    weights are ``lstm_forward``'s (Keras order i, f, c, o); with ``peephole = 0`` both are equal.
    Returns the hidden states (batch, time, units), and with ``return_gates`` also a dict of the
    gates ``i``, ``f``, ``o`` and cell states ``c``, each (batch, time, units).
    """
    x, units = _check(x, kernel, recurrent_kernel, 4, "peephole_lstm_forward")
    bias = _bias(bias, (4 * units,), "peephole_lstm_forward")
    peephole = np.asarray(peephole, dtype=np.float64)
    if peephole.shape != (3, units):
        raise ValueError(f"peephole_lstm_forward: peephole must be (3, units) = {(3, units)} (rows p_i, p_f, p_o), "
                         f"got {peephole.shape}.")
    p_i, p_f, p_o = peephole
    h = _state(h0, x.shape[0], units, "h0", "peephole_lstm_forward")
    c = _state(c0, x.shape[0], units, "c0", "peephole_lstm_forward")
    hs, steps = [], []
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        z_i, z_f, z_g, z_o = np.split(z, 4, axis=-1)
        f = sigmoid(z_f + p_f * c)  # (a') forget gate peeks at C_{t-1}
        g = np.tanh(z_g)  # (b) candidate cell state C̃_t
        i = sigmoid(z_i + p_i * c)  # (c') input gate peeks at C_{t-1}
        c = f * c + i * g  # (d) new cell state
        o = sigmoid(z_o + p_o * c)  # (e') output gate peeks at the new C_t
        h = o * np.tanh(c)  # (f) hidden state
        hs.append(h)
        steps.append({"i": i, "f": f, "o": o, "c": c})
    hs = np.stack(hs, axis=1)
    return (hs, _stack_gates(steps)) if return_gates else hs


def coupled_lstm_forward(x, kernel, recurrent_kernel, bias, h0=None, c0=None, return_gates: bool = False):
    """LSTM with coupled input and forget gates (CIFG; Greff et al. 2017): i_t = 1 − f_t.

    There is no input gate of its own: new content enters the cell only as far as old content
    is forgotten, the same convex mix as the GRU's update gate (课件, LSTM 的变体):
    (a) f_t = σ(W_fx x_t + W_fh h_{t-1} + b_f)       (b) C̃_t = tanh(W_Cx x_t + W_Ch h_{t-1} + b_C)
    (c') i_t = 1 − f_t                                (d) C_t = f_t * C_{t-1} + i_t * C̃_t
    (e) o_t = σ(W_ox x_t + W_oh h_{t-1} + b_o)       (f) h_t = o_t * tanh(C_t)
    ``kernel`` (features, 3·units), ``recurrent_kernel`` (units, 3·units) and ``bias`` (3·units,)
    hold the blocks in the order f, c, o: a quarter fewer parameters than the LSTM. Returns what
    ``peephole_lstm_forward`` returns.
    """
    x, units = _check(x, kernel, recurrent_kernel, 3, "coupled_lstm_forward")
    bias = _bias(bias, (3 * units,), "coupled_lstm_forward")
    h = _state(h0, x.shape[0], units, "h0", "coupled_lstm_forward")
    c = _state(c0, x.shape[0], units, "c0", "coupled_lstm_forward")
    hs, steps = [], []
    for t in range(x.shape[1]):
        z_f, z_g, z_o = np.split(x[:, t] @ kernel + h @ recurrent_kernel + bias, 3, axis=-1)
        f = sigmoid(z_f)  # (a) forget gate
        g = np.tanh(z_g)  # (b) candidate cell state C̃_t
        i = 1.0 - f  # (c') coupled input gate
        c = f * c + i * g  # (d) new cell state
        o = sigmoid(z_o)  # (e) output gate
        h = o * np.tanh(c)  # (f) hidden state
        hs.append(h)
        steps.append({"i": i, "f": f, "o": o, "c": c})
    hs = np.stack(hs, axis=1)
    return (hs, _stack_gates(steps)) if return_gates else hs


def gru_forward(x, kernel, recurrent_kernel, bias, h0=None):
    """GRU (Cho et al. 2014) in Keras's gate order z (update), r (reset), h (candidate).

    ``bias`` of shape (2, 3·units) means Keras's default ``reset_after=True``: the reset gate
    multiplies ``h_{t-1} W_h + b_rh`` after the matrix product. A bias of shape (3·units,)
    means ``reset_after=False``, the paper's form ``tanh(x_t U_h + (r_t * h_{t-1}) W_h + b_h)``.
    Both update ``h_t = z_t * h_{t-1} + (1 - z_t) * h̃_t``. Returns (batch, time, units).
    """
    x, units = _check(x, kernel, recurrent_kernel, 3, "gru_forward")
    bias = np.asarray(bias, dtype=np.float64)
    reset_after = bias.ndim == 2
    bias = _bias(bias, (2, 3 * units) if reset_after else (3 * units,), "gru_forward")
    b_x, b_h = (bias[0], bias[1]) if reset_after else (bias, np.zeros(3 * units))
    w_zr, w_h = recurrent_kernel[:, : 2 * units], recurrent_kernel[:, 2 * units :]
    h = _state(h0, x.shape[0], units, "h0", "gru_forward")
    hs = []
    for t in range(x.shape[1]):
        x_z, x_r, x_h = np.split(x[:, t] @ kernel + b_x, 3, axis=-1)
        h_z, h_r = np.split(h @ w_zr + b_h[: 2 * units], 2, axis=-1)
        z, r = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
        if reset_after:
            candidate = np.tanh(x_h + r * (h @ w_h + b_h[2 * units :]))
        else:
            candidate = np.tanh(x_h + (r * h) @ w_h)
        h = z * h + (1.0 - z) * candidate
        hs.append(h)
    return np.stack(hs, axis=1)


def rnn_bptt(x, y, U, W, V, b, c, h0=None):
    """Loss and gradients of a softmax-output SimpleRNN by back-propagation through time.

    Model: ``h_t = tanh(x_t U + h_{t-1} W + b)``, ``p_t = softmax(h_t V + c)``; ``y`` holds
    integer targets (batch, time). Loss: cross-entropy summed over time steps (the slide's
    global loss over all N steps) and averaged over the batch.

    Returns ``(loss, grads)`` with ``grads`` a dict of arrays shaped like ``U, W, V, b, c``.
    """
    x, units = _check(x, U, W, 1, "rnn_bptt")
    V, c = np.asarray(V, dtype=np.float64), np.asarray(c, dtype=np.float64)
    if V.ndim != 2 or V.shape[0] != units or c.shape != (V.shape[1],):
        raise ValueError(
            f"rnn_bptt: V must be (units={units}, classes) and c (classes,), got {V.shape} and {c.shape}."
        )
    y = np.asarray(y)
    if y.shape != x.shape[:2] or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"rnn_bptt: y must hold integer class ids of shape (batch, time) = {x.shape[:2]}, got {y.dtype} {y.shape}."
        )
    if y.min() < 0 or y.max() >= V.shape[1]:
        raise ValueError(
            f"rnn_bptt: targets must lie in [0, {V.shape[1]}), got range [{y.min()}, {y.max()}]."
        )
    batch, steps = y.shape
    h_init = _state(h0, batch, units, "h0", "rnn_bptt")
    hs = rnn_forward(x, U, W, b, h_init)
    p = softmax(hs @ V + c)
    rows, cols = np.meshgrid(np.arange(batch), np.arange(steps), indexing="ij")
    loss = -np.log(p[rows, cols, y]).sum() / batch

    do = p.copy()  # ∂L/∂o_t = (p_t − onehot(y_t)) / batch
    do[rows, cols, y] -= 1.0
    do /= batch
    grads = {"U": np.zeros_like(U, dtype=np.float64), "W": np.zeros_like(W, dtype=np.float64)}
    grads["V"] = np.einsum("btu,btk->uk", hs, do)
    grads["c"] = do.sum(axis=(0, 1))
    grads["b"] = np.zeros(units)
    dh_next = np.zeros((batch, units))  # gradient arriving at h_t from step t+1
    for t in reversed(range(steps)):
        h_prev = hs[:, t - 1] if t > 0 else h_init
        dh = do[:, t] @ V.T + dh_next
        da = dh * (1.0 - hs[:, t] ** 2)  # through tanh
        grads["U"] += x[:, t].T @ da
        grads["W"] += h_prev.T @ da
        grads["b"] += da.sum(axis=0)
        dh_next = da @ np.asarray(W).T
    return loss, grads


def rnn_rtrl(x, y, U, W, V, b, c, h0=None):
    """The gradients of :func:`rnn_bptt`, computed forward in time by real-time recurrent
    learning (RTRL, Williams & Zipser 1989).

    RTRL carries the sensitivities ``P_t = ∂h_t/∂θ`` of the hidden state to every recurrent
    parameter θ ∈ (U, W, b) along with the state:

        P_t = diag(1 − h_t²) (∂a_t/∂θ|direct + P_{t−1} W),   a_t = x_t U + h_{t−1} W + b,

    and adds ``δo_t V^T · P_t`` to the gradient at every step, so nothing of the past is
    stored (online learning) but each step costs O(n⁴) for n hidden units, against BPTT's
    O(n²). Returns ``(loss, grads)`` like :func:`rnn_bptt`, equal to it up to rounding.
    """
    x, units = _check(x, U, W, 1, "rnn_rtrl")
    V, c, y = np.asarray(V, dtype=np.float64), np.asarray(c, dtype=np.float64), np.asarray(y)
    if y.shape != x.shape[:2] or V.shape != (units, c.shape[0]):
        raise ValueError(f"rnn_rtrl: y must be (batch, time) = {x.shape[:2]} and V (units={units}, classes), "
                         f"got {y.shape} and {V.shape}.")
    batch, steps = y.shape
    W = np.asarray(W, dtype=np.float64)
    h = _state(h0, batch, units, "h0", "rnn_rtrl")
    eye = np.eye(units)
    P_U = np.zeros((batch, units, x.shape[2], units))  # ∂h[k]/∂U[i, j], indexed [b, k, i, j]
    P_W = np.zeros((batch, units, units, units))
    P_b = np.zeros((batch, units, units))
    grads = {"U": np.zeros(P_U.shape[2:]), "W": np.zeros((units, units)), "b": np.zeros(units),
             "V": np.zeros_like(V), "c": np.zeros_like(c)}
    loss = 0.0
    for t in range(steps):
        h_prev = h
        h = np.tanh(x[:, t] @ U + h_prev @ W + b)
        gain = (1.0 - h**2)[:, :, None, None]
        # the direct term ∂a_t[k]/∂U[i, j] = x_t[i]·[j = k], then the path through h_{t−1}
        P_U = gain * (np.einsum("blij,lk->bkij", P_U, W) + np.einsum("bi,jk->bkij", x[:, t], eye))
        P_W = gain * (np.einsum("blij,lk->bkij", P_W, W) + np.einsum("bi,jk->bkij", h_prev, eye))
        P_b = gain[:, :, :, 0] * (np.einsum("blj,lk->bkj", P_b, W) + eye[None])
        p = softmax(h @ V + c)
        loss -= np.log(p[np.arange(batch), y[:, t]]).sum() / batch
        do = p.copy()
        do[np.arange(batch), y[:, t]] -= 1.0
        do /= batch
        grads["V"] += h.T @ do
        grads["c"] += do.sum(axis=0)
        dh = do @ V.T  # the loss at step t reaches θ only through h_t
        grads["U"] += np.einsum("bk,bkij->ij", dh, P_U)
        grads["W"] += np.einsum("bk,bkij->ij", dh, P_W)
        grads["b"] += np.einsum("bk,bkj->j", dh, P_b)
    return loss, grads


def state_jacobian_norms(x, kernel, recurrent_kernel, bias, h0=None):
    """Norm of ∂h_T/∂h_{T-k} for lags k = 0 … T-1 of a tanh SimpleRNN (vanishing gradients).

    ∂h_t/∂h_{t-1} = diag(1 − h_t²) Wᵀ in column form; the product over k steps shrinks
    geometrically when the recurrent weights are small. Returns the Frobenius norm averaged
    over the batch, one value per lag.
    """
    hs = rnn_forward(x, kernel, recurrent_kernel, bias, h0)
    batch, steps, units = hs.shape
    recurrent_kernel = np.asarray(recurrent_kernel, dtype=np.float64)
    jac = np.broadcast_to(np.eye(units), (batch, units, units)).copy()  # ∂h_T/∂h_T
    norms = [np.linalg.norm(jac, axis=(1, 2)).mean()]
    for t in range(steps - 1, 0, -1):
        step = (1.0 - hs[:, t] ** 2)[:, :, None] * recurrent_kernel.T  # ∂h_t/∂h_{t-1}
        jac = jac @ step
        norms.append(np.linalg.norm(jac, axis=(1, 2)).mean())
    return np.array(norms)


def global_norm(grads: dict) -> float:
    """Euclidean norm of all gradients taken together."""
    return float(np.sqrt(sum(np.sum(np.square(g)) for g in grads.values())))


def clip_gradients(grads: dict, max_norm: float | None = None, max_value: float | None = None):
    """Gradient clipping (梯度修剪) against exploding gradients.

    ``max_norm`` rescales all gradients together when their global norm exceeds it
    (Pascanu et al. 2013; like ``tf.clip_by_global_norm``), keeping their direction;
    ``max_value`` clips each element to [−max_value, max_value]. Returns
    ``(clipped, norm_before)``; the input dict is not modified.
    """
    for label, limit in (("max_norm", max_norm), ("max_value", max_value)):
        if limit is not None and not limit > 0:
            raise ValueError(f"{label} must be positive or None, got {limit!r}.")
    norm = global_norm(grads)
    clipped = {k: np.array(g, dtype=np.float64) for k, g in grads.items()}
    if max_value is not None:
        clipped = {k: np.clip(g, -max_value, max_value) for k, g in clipped.items()}
    if max_norm is not None:
        current = global_norm(clipped)
        if current > max_norm:
            clipped = {k: g * (max_norm / current) for k, g in clipped.items()}
    return clipped, norm
