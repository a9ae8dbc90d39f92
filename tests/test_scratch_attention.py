"""NumPy attention, positions and layer norm against Keras's layers, on any Keras backend."""

import keras
import numpy as np
import pytest

from dl_course.scratch import attention

numpy = keras.ops.convert_to_numpy  # PyTorch's outputs track gradients: no np.asarray


def _mha(rng, d_model=12, heads=3, key_dim=4, steps=6):
    """A built MultiHeadAttention with random weights (biases included), and its weights."""
    layer = keras.layers.MultiHeadAttention(heads, key_dim)
    layer.build((None, steps, d_model), (None, steps, d_model))
    weights = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return layer, weights


def test_weights_follow_the_layout_of_keras():
    layer, weights = _mha(np.random.default_rng(0))
    assert [w.shape for w in weights] == [(12, 3, 4), (3, 4)] * 3 + [(3, 4, 12), (12,)]


@pytest.mark.parametrize("masking", ["none", "use_causal_mask", "attention_mask"])
def test_multi_head_attention_equals_keras(masking):
    rng = np.random.default_rng(1)
    layer, weights = _mha(rng)
    x = rng.normal(size=(2, 6, 12)).astype("float32")
    mask = None
    kwargs = {}
    if masking == "use_causal_mask":
        kwargs["use_causal_mask"] = True
        mask = attention.causal_mask(6)
    elif masking == "attention_mask":
        mask = rng.random((2, 6, 6)) < 0.6
        mask[:, :, 0] = True  # every query sees at least one key
        kwargs["attention_mask"] = mask
    expected, expected_weights = layer(x, x, return_attention_scores=True, **kwargs)
    got, got_weights = attention.multi_head_attention(x, x, x, *weights, mask=mask)
    np.testing.assert_allclose(got, numpy(expected), atol=1e-5, rtol=0)
    np.testing.assert_allclose(got_weights, numpy(expected_weights), atol=1e-5, rtol=0)
    if mask is not None:
        assert np.all(got_weights[np.broadcast_to(~mask[:, None] if mask.ndim == 3 else ~mask, got_weights.shape)] < 1e-9)


def test_cross_attention_with_other_lengths_equals_keras():
    rng = np.random.default_rng(2)
    layer = keras.layers.MultiHeadAttention(2, 5)
    layer.build((None, 3, 8), (None, 7, 8))
    weights = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    query, context = rng.normal(size=(2, 3, 8)).astype("float32"), rng.normal(size=(2, 7, 8)).astype("float32")
    expected = layer(query, context)
    got, got_weights = attention.multi_head_attention(query, context, None, *weights)
    np.testing.assert_allclose(got, numpy(expected), atol=1e-5, rtol=0)
    assert got_weights.shape == (2, 2, 3, 7)
    np.testing.assert_allclose(got_weights.sum(-1), 1.0)


def test_scaled_dot_product_attention_is_the_formula():
    rng = np.random.default_rng(3)
    q, k, v = rng.normal(size=(4, 8)), rng.normal(size=(5, 8)), rng.normal(size=(5, 3))
    out, weights = attention.scaled_dot_product_attention(q, k, v)
    scores = q @ k.T / np.sqrt(8)
    expected = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(weights, expected)
    np.testing.assert_allclose(out, expected @ v)
    with pytest.raises(ValueError, match="do not fit together"):
        attention.scaled_dot_product_attention(q, k[:, :4], v)


def test_softmax_saturates_without_the_square_root_scaling():
    rng = np.random.default_rng(4)
    d, keys = 512, 16
    q, k = rng.normal(size=(200, d)), rng.normal(size=(keys, d))  # unit-variance components
    v = np.eye(keys)
    _, scaled = attention.scaled_dot_product_attention(q, k, v)
    _, unscaled = attention.scaled_dot_product_attention(q, k, v, scale=1.0)
    # q·k has variance d = 512 (std ≈ 23): the largest score wins nearly all the weight
    assert unscaled.max(axis=-1).mean() > 0.95
    # divided by √d the scores have unit variance: the weight stays spread over the keys
    assert scaled.max(axis=-1).mean() < 0.5


def test_causal_mask_lets_position_i_see_only_earlier_positions():
    np.testing.assert_array_equal(attention.causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    rng = np.random.default_rng(5)
    _, weights = _mha(rng, steps=5)
    x = rng.normal(size=(1, 5, 12))
    changed = x.copy()
    changed[0, 3] += 10.0  # change token 3
    mask = attention.causal_mask(5)
    before, w = attention.multi_head_attention(x, x, x, *weights, mask=mask)
    after, _ = attention.multi_head_attention(changed, changed, changed, *weights, mask=mask)
    np.testing.assert_allclose(after[0, :3], before[0, :3])  # outputs 0–2 cannot see token 3
    assert np.abs(after[0, 3:] - before[0, 3:]).min() > 1e-3
    assert np.all(np.triu(w[0, 0], k=1) < 1e-12)


@pytest.mark.parametrize("epsilon", [None, 1e-6])
def test_layer_norm_equals_keras(epsilon):
    rng = np.random.default_rng(6)
    options = {} if epsilon is None else {"epsilon": epsilon}
    layer = keras.layers.LayerNormalization(**options)
    x = rng.normal(loc=2.0, scale=3.0, size=(2, 5, 16)).astype("float32")
    layer.build(x.shape)
    gamma, beta = rng.normal(size=16).astype("float32"), rng.normal(size=16).astype("float32")
    layer.set_weights([gamma, beta])
    got = attention.layer_norm(x, gamma, beta, **options)
    np.testing.assert_allclose(got, numpy(layer(x)), atol=1e-5, rtol=0)
    assert layer.epsilon == (1e-3 if epsilon is None else epsilon)


def test_sinusoidal_positions_follow_section_3_5():
    pe = attention.sinusoidal_positions(50, 16)
    assert pe.shape == (50, 16)
    pos, i = 7, 3
    assert pe[pos, 2 * i] == pytest.approx(np.sin(pos / 10000 ** (2 * i / 16)))
    assert pe[pos, 2 * i + 1] == pytest.approx(np.cos(pos / 10000 ** (2 * i / 16)))
    np.testing.assert_array_equal(pe[0, 0::2], 0.0)
    np.testing.assert_array_equal(pe[0, 1::2], 1.0)
    # PE(pos + k) is PE(pos) rotated pair by pair: the same rotation for every pos
    k, w = 5, 1 / 10000 ** (2 * i / 16)
    rotation = np.array([[np.cos(k * w), -np.sin(k * w)], [np.sin(k * w), np.cos(k * w)]])
    np.testing.assert_allclose(pe[:-k, 2 * i : 2 * i + 2] @ rotation, pe[k:, 2 * i : 2 * i + 2], atol=1e-12)
    assert attention.sinusoidal_positions(4, 5).shape == (4, 5)  # odd depth: one sine more
