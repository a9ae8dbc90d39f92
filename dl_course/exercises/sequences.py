"""Checks for chapters 05 and 06: truncated BPTT, LSTM variants' parameter counts."""

from __future__ import annotations

import numpy as np

from dl_course.exercises.registry import exercise, first_difference, function, number
from dl_course.exercises.runner import Wrong, call
from dl_course.scratch.activations import softmax
from dl_course.scratch.rnn import rnn_bptt, rnn_forward


def truncated_grads(x, y, U, W, V, b, c, n: int) -> dict:
    """Gradients when the loss at step t flows back only to h_t, …, h_{t−n+1} (n steps)."""
    batch, steps = y.shape
    hs = rnn_forward(x, U, W, b, np.zeros((batch, U.shape[1])))
    p = softmax(hs @ V + c)
    rows, cols = np.meshgrid(np.arange(batch), np.arange(steps), indexing="ij")
    do = p.copy()
    do[rows, cols, y] -= 1.0
    do /= batch
    grads = {"U": np.zeros_like(U), "W": np.zeros_like(W), "b": np.zeros(U.shape[1]),
             "V": np.einsum("btu,btk->uk", hs, do), "c": do.sum(axis=(0, 1))}
    for t in range(steps):
        dh = do[:, t] @ V.T
        for s in range(t, max(t - n, -1), -1):
            da = dh * (1.0 - hs[:, s] ** 2)
            h_prev = hs[:, s - 1] if s > 0 else np.zeros_like(hs[:, 0])
            grads["U"] += x[:, s].T @ da
            grads["W"] += h_prev.T @ da
            grads["b"] += da.sum(axis=0)
            dh = da @ W.T
    return grads


def _rnn_case(rng, batch=3, steps=6, inputs=4, units=5, classes=3):
    return (rng.normal(size=(batch, steps, inputs)), rng.integers(0, classes, size=(batch, steps)),
            0.5 * rng.normal(size=(inputs, units)), 0.5 * rng.normal(size=(units, units)),
            0.5 * rng.normal(size=(units, classes)), 0.1 * rng.normal(size=units), 0.1 * rng.normal(size=classes))


def _student_grads(fn, case, n):
    out = call(fn, *[a.copy() for a in case], n)
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict):
        out = out[1]  # (loss, grads) like rnn_bptt
    if not isinstance(out, dict) or not {"U", "W", "b"} <= set(out):
        raise Wrong("返回值应是梯度字典 the result should be a dict of gradients with keys U, W, b (V, c optional), "
                    f"得到 got {type(out).__name__}.", "照 scratch.rnn_bptt 的返回格式。Return grads as rnn_bptt does.")
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


@exercise("05.2", "a function truncated_bptt(x, y, U, W, V, b, c, n) -> grads dict (or (loss, grads))")
def truncated_bptt(answer):
    fn = function(answer, "truncated_bptt(x, y, U, W, V, b, c, n)")
    rng = np.random.default_rng(52)
    case = _rnn_case(rng)
    steps = case[1].shape[1]
    full = rnn_bptt(*case)[1]
    for n in (steps, steps + 3, 1, 3):
        got = _student_grads(fn, case, n)
        want = full if n >= steps else truncated_grads(*case, n)
        for key in ("U", "W", "b"):
            if got[key].shape != want[key].shape:
                raise Wrong(f"n={n}: grads['{key}'] 形状 shape {got[key].shape}, 应为 expected {want[key].shape}.")
            where = first_difference(got[key], want[key], 1e-8)
            if where is None:
                continue
            if n >= steps:
                raise Wrong(f"n={n} ≥ T={steps} 时应与完整 BPTT 相同 should equal full BPTT: grads['{key}'] {where}.",
                            "n 不小于序列长度时截断不起作用。With n ≥ T nothing is cut.")
            for off in (n - 1, n + 1):
                if off >= 1 and np.allclose(got[key], truncated_grads(*case, off)[key], atol=1e-8):
                    raise Wrong(f"n={n}: grads['{key}'] {where}; 和回传 {off} 步的结果一样 it matches {off} steps.",
                                "差了一步：n=1 表示每步的损失只对当前的 h_t 求导。Off by one: n=1 means only h_t itself.")
            raise Wrong(f"n={n}: grads['{key}'] {where}.",
                        "每个时间步 t 的损失单独回传，最多经过 n 个隐藏状态 h_t … h_{t−n+1}；"
                        "不能像完整 BPTT 那样把 dh_next 一路带下去。Back-propagate each step's loss separately, n states deep.")


def _count(fn, n, m, name):
    got = call(fn, n, m)
    return number(got, f"{name}({n}, {m})")


@exercise("06.2", "a function peephole_lstm_params(n, m) -> int (n units, m inputs)")
def peephole_params(answer):
    fn = function(answer, "peephole_lstm_params(n, m)")
    for n, m in ((1, 1), (64, 32), (7, 100)):
        got, plain = _count(fn, n, m, "peephole_lstm_params"), 4 * (n * m + n * n + n)
        if got in (plain + 3 * n, plain + 3 * n * n):  # diagonal (Gers et al.) or full peephole matrices
            continue
        if got == plain:
            raise Wrong(f"n={n}, m={m}: {got:g} 与普通 LSTM 相同 equals the plain LSTM.",
                        "窥视孔给门加了新的权重：哪几个门看 C？The peepholes add weights: which gates look at C?")
        if got in (plain + 4 * n, plain + 4 * n * n):
            raise Wrong(f"n={n}, m={m}: {got:g} 多了一组 one set too many.",
                        "候选值 C̃ 不接窥视孔，只有三个门看细胞状态。Only the three gates get peepholes, not the candidate.")
        raise Wrong(f"n={n}, m={m}: {got:g} 不对 is wrong (plain LSTM: {plain}).",
                    "在 4(nm + n² + n) 上加上窥视孔权重。Add the peephole weights to 4(nm + n² + n).")


@exercise("06.3", "a function coupled_lstm_params(n, m) -> int for the LSTM with i_t = 1 − f_t")
def coupled_params(answer):
    fn = function(answer, "coupled_lstm_params(n, m)")
    for n, m in ((1, 1), (64, 32), (7, 100)):
        got = _count(fn, n, m, "coupled_lstm_params")
        if got == 4 * (n * m + n * n + n):
            raise Wrong(f"n={n}, m={m}: {got:g} 与普通 LSTM 相同 equals the plain LSTM.",
                        "耦合后哪个门不再需要自己的权重？Which gate loses its own weights once coupled?")
        if got != 3 * (n * m + n * n + n):
            raise Wrong(f"n={n}, m={m}: {got:g} 不对 is wrong (plain LSTM: {4 * (n * m + n * n + n)}).",
                        "输入门由遗忘门算出，不再有自己的权重。The input gate is computed from f_t: it has no weights.")
