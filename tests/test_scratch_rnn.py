"""NumPy SimpleRNN/LSTM/GRU and BPTT against Keras and TensorFlow autodiff."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from dl_course.scratch import rnn

BATCH, STEPS, FEATURES, UNITS = 3, 7, 4, 5

pytestmark = pytest.mark.tensorflow_backend  # TensorFlow's own ops are the reference


def _keras_and_numpy(layer, forward, rng, initial=False):
    """Run ``layer`` (return_sequences=True) and ``forward`` on the same random weights."""
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    layer.build((None, STEPS, FEATURES))
    weights = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    if not initial:
        return layer(x).numpy(), forward(x, *weights)
    states = [rng.normal(size=(BATCH, UNITS)).astype("float32") for _ in range(initial)]
    return layer(x, initial_state=states).numpy(), forward(x, *weights, *states)


@pytest.mark.parametrize(
    "layer, forward, initial",
    [
        (lambda: keras.layers.SimpleRNN(UNITS, return_sequences=True), rnn.rnn_forward, 0),
        (lambda: keras.layers.SimpleRNN(UNITS, return_sequences=True), rnn.rnn_forward, 1),
        (lambda: keras.layers.LSTM(UNITS, return_sequences=True), rnn.lstm_forward, 0),
        (lambda: keras.layers.LSTM(UNITS, return_sequences=True), rnn.lstm_forward, 2),
        (lambda: keras.layers.GRU(UNITS, return_sequences=True), rnn.gru_forward, 0),
        (lambda: keras.layers.GRU(UNITS, return_sequences=True), rnn.gru_forward, 1),
        (
            lambda: keras.layers.GRU(UNITS, return_sequences=True, reset_after=False),
            rnn.gru_forward,
            0,
        ),
    ],
    ids=["rnn", "rnn-h0", "lstm", "lstm-h0c0", "gru", "gru-h0", "gru-reset-before"],
)
def test_forward_equals_keras(layer, forward, initial):
    expected, got = _keras_and_numpy(layer(), forward, np.random.default_rng(0), initial)
    assert got.shape == (BATCH, STEPS, UNITS)
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)


def test_lstm_returns_cell_states():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 4, 3))
    k, rk, b = rng.normal(size=(3, 8)), rng.normal(size=(2, 8)), rng.normal(size=8)
    hs, cs = rnn.lstm_forward(x, k, rk, b, return_cells=True)
    assert cs.shape == hs.shape == (2, 4, 2)
    np.testing.assert_allclose(hs, rnn.lstm_forward(x, k, rk, b))
    assert np.all(np.abs(hs) <= np.abs(np.tanh(cs)) + 1e-12)  # h = o · tanh(C), 0 < o < 1


def _params(rng, features=FEATURES, units=UNITS, classes=6, scale=0.5):
    return dict(
        U=rng.normal(scale=scale, size=(features, units)),
        W=rng.normal(scale=scale, size=(units, units)),
        V=rng.normal(scale=scale, size=(units, classes)),
        b=rng.normal(scale=scale, size=units),
        c=rng.normal(scale=scale, size=classes),
    )


def _tf_loss_and_grads(x, y, params):
    """The same loss written with TensorFlow ops in float64, differentiated by GradientTape."""
    variables = {k: tf.Variable(v) for k, v in params.items()}
    with tf.GradientTape() as tape:
        h = tf.zeros((x.shape[0], params["W"].shape[0]), tf.float64)
        loss = tf.constant(0.0, tf.float64)
        for t in range(x.shape[1]):
            h = tf.tanh(x[:, t] @ variables["U"] + h @ variables["W"] + variables["b"])
            logits = h @ variables["V"] + variables["c"]
            loss += tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(y[:, t], logits))
        loss /= x.shape[0]
    grads = tape.gradient(loss, variables)
    return float(loss), {k: g.numpy() for k, g in grads.items()}


def test_bptt_equals_gradient_tape():
    rng = np.random.default_rng(2)
    params = _params(rng)
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    y = rng.integers(0, 6, size=(BATCH, STEPS))
    loss, grads = rnn.rnn_bptt(x, y, **params)
    tf_loss, tf_grads = _tf_loss_and_grads(tf.constant(x), tf.constant(y), params)
    assert loss == pytest.approx(tf_loss, rel=1e-6)
    assert set(grads) == {"U", "W", "V", "b", "c"}
    for name, g in tf_grads.items():
        assert grads[name].shape == params[name].shape
        rel = np.linalg.norm(grads[name] - g) / np.linalg.norm(g)
        assert rel < 1e-6, f"d{name}: relative error {rel:.2e}"


def test_bptt_loss_is_lower_after_a_gradient_step():
    rng = np.random.default_rng(3)
    params = _params(rng)
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    y = rng.integers(0, 6, size=(BATCH, STEPS))
    loss, grads = rnn.rnn_bptt(x, y, **params)
    stepped = {k: v - 0.01 * grads[k] for k, v in params.items()}
    assert rnn.rnn_bptt(x, y, **stepped)[0] < loss


def test_rtrl_equals_bptt_with_and_without_an_initial_state():
    rng = np.random.default_rng(4)
    params = _params(rng)
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    y = rng.integers(0, 6, size=(BATCH, STEPS))
    for h0 in (None, rng.normal(size=(BATCH, UNITS))):
        loss, grads = rnn.rnn_bptt(x, y, **params, h0=h0)
        rtrl_loss, rtrl_grads = rnn.rnn_rtrl(x, y, **params, h0=h0)
        assert rtrl_loss == pytest.approx(loss, rel=1e-12)
        for name, g in grads.items():
            np.testing.assert_allclose(rtrl_grads[name], g, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="rnn_rtrl"):
        rnn.rnn_rtrl(x, y[:, :2], **params)


def test_jacobian_norms_equal_tensorflow_and_vanish():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 6, 3))
    k, rk, b = rng.normal(size=(3, 4)), 0.3 * rng.normal(size=(4, 4)), rng.normal(size=4)
    norms = rnn.state_jacobian_norms(x, k, rk, b)
    h0 = tf.Variable(tf.zeros((2, 4), tf.float64))
    hs = []
    with tf.GradientTape(persistent=True) as tape:
        h = h0
        for t in range(6):
            h = tf.tanh(x[:, t] @ k + h @ rk + b)
            hs.append(h)
        last = hs[-1]
    lag = 3  # ∂h_T/∂h_{T-3}: per-example Jacobian from the TensorFlow graph
    jac = tape.batch_jacobian(last, hs[-1 - lag]).numpy()
    expected = np.linalg.norm(jac, axis=(1, 2)).mean()
    assert norms.shape == (6,)
    assert norms[lag] == pytest.approx(expected, rel=1e-9)
    assert norms[-1] < 0.1 * norms[0]


def test_clip_by_global_norm_matches_tensorflow():
    rng = np.random.default_rng(5)
    grads = {k: 10 * v for k, v in _params(rng).items()}
    clipped, norm = rnn.clip_gradients(grads, max_norm=1.0)
    tf_clipped, tf_norm = tf.clip_by_global_norm([tf.constant(g) for g in grads.values()], 1.0)
    assert norm == pytest.approx(float(tf_norm))
    for got, expected in zip(clipped.values(), tf_clipped, strict=True):
        np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12)
    assert rnn.global_norm(clipped) == pytest.approx(1.0)
    cos = sum(np.sum(clipped[k] * grads[k]) for k in grads) / norm
    assert cos == pytest.approx(1.0)  # direction kept


def test_clipping_leaves_small_gradients_and_clips_values():
    grads = {"a": np.array([0.1, -0.2]), "b": np.array([[0.05]])}
    same, norm = rnn.clip_gradients(grads, max_norm=1.0)
    assert norm == pytest.approx(np.sqrt(0.01 + 0.04 + 0.0025))
    for k in grads:
        np.testing.assert_array_equal(same[k], grads[k])
    clipped, _ = rnn.clip_gradients({"a": np.array([3.0, -0.5, -7.0])}, max_value=1.0)
    np.testing.assert_array_equal(clipped["a"], [1.0, -0.5, -1.0])
    with pytest.raises(ValueError, match="max_norm must be positive"):
        rnn.clip_gradients(grads, max_norm=0)
    with pytest.raises(ValueError, match="max_value must be positive"):
        rnn.clip_gradients(grads, max_value=-1)


def test_clear_errors_on_bad_shapes():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 3, 4))
    k, rk, b = rng.normal(size=(4, 5)), rng.normal(size=(5, 5)), np.zeros(5)
    with pytest.raises(ValueError, match=r"x must be \(batch, time, features\)"):
        rnn.rnn_forward(x[0], k, rk, b)
    with pytest.raises(ValueError, match="kernel must be"):
        rnn.rnn_forward(x, k[:3], rk, b)
    with pytest.raises(ValueError, match="recurrent_kernel must be"):
        rnn.lstm_forward(x, rng.normal(size=(4, 20)), rk, np.zeros(20))
    with pytest.raises(ValueError, match="bias must have shape"):
        rnn.gru_forward(x, rng.normal(size=(4, 15)), rng.normal(size=(5, 15)), np.zeros((2, 5)))
    with pytest.raises(ValueError, match="h0 must be"):
        rnn.rnn_forward(x, k, rk, b, h0=np.zeros((3, 5)))
    with pytest.raises(ValueError, match="c0 must be"):
        rnn.lstm_forward(
            x, rng.normal(size=(4, 20)), rng.normal(size=(5, 20)), np.zeros(20), c0=np.zeros(5)
        )
    p = _params(rng, features=4, units=5, classes=3)
    with pytest.raises(ValueError, match="integer class ids"):
        rnn.rnn_bptt(x, np.zeros((2, 3)), **p)
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 3\)"):
        rnn.rnn_bptt(x, np.full((2, 3), 3), **p)
    with pytest.raises(ValueError, match="V must be"):
        rnn.rnn_bptt(x, np.zeros((2, 3), int), **{**p, "V": np.zeros((4, 3))})
