"""Self-attention and the Transformer's other parts in NumPy, equation by equation.

Vaswani et al. (2017), *Attention is all you need*, in the order the paper builds them:

* §3.2.1 scaled dot-product attention, ``Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V``;
* the decoder's causal mask (§3.2.3: position i may attend to positions j ≤ i only);
* §3.2.2 multi-head attention, ``MultiHead(Q, K, V) = Concat(head_1, …, head_h) W^O`` with
  ``head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V)``;
* §3.5 sinusoidal positional encodings;
* layer normalisation (Ba, Kiros & Hinton 2016), applied after every residual connection (§3.1).

Rows are tokens (row-vector convention ``x W``, as Keras stores weights), so a sequence is a
(steps, features) matrix and a batch adds a leading axis. ``multi_head_attention`` takes the
weights in the layout of ``keras.layers.MultiHeadAttention.get_weights()`` and returns what the
layer returns; ``layer_norm`` uses ``keras.layers.LayerNormalization``'s default epsilon.
"""

from __future__ import annotations

import numpy as np

from dl_course.scratch.activations import softmax

__all__ = [
    "softmax",
    "scaled_dot_product_attention",
    "causal_mask",
    "multi_head_attention",
    "sinusoidal_positions",
    "layer_norm",
]

#: What a masked score becomes: exp(−1e9 − max) is 0 in float64, and a row with every key
#: masked still gives finite (uniform) weights, where −∞ would give 0 / 0.
MASKED = -1e9


def scaled_dot_product_attention(q, k, v, mask=None, scale=None):
    """``softmax(Q Kᵀ / √d_k) V`` (Vaswani et al. 2017, §3.2.1, equation 1).

    ``q`` is (…, n_queries, d_k), ``k`` (…, n_keys, d_k), ``v`` (…, n_keys, d_v); leading axes
    (batch, heads) are shared. ``mask`` (broadcast to (…, n_queries, n_keys)) is True where a
    query may look at a key. ``scale`` replaces 1/√d_k: ``scale=1`` shows why the paper
    divides (dot products of d_k unit-variance components have variance d_k, so for large d_k
    the softmax saturates to one key and its gradients vanish, footnote 4).
    Returns ``(output, weights)``: (…, n_queries, d_v) and the weights (…, n_queries, n_keys),
    each row a probability distribution over the keys.
    """
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: q (…, n_queries, d_k) {q.shape}, k (…, n_keys, d_k) {k.shape} "
            f"and v (…, n_keys, d_v) {v.shape} do not fit together."
        )
    d_k = q.shape[-1]
    scale = 1.0 / np.sqrt(d_k) if scale is None else scale
    scores = scale * (q @ np.swapaxes(k, -1, -2))  # how well each query matches each key
    if mask is not None:
        scores = np.where(mask, scores, MASKED)  # a masked key gets (almost) no weight
    weights = softmax(scores, axis=-1)  # each row sums to 1
    return weights @ v, weights  # each output is a weighted mean of the values


def causal_mask(n: int) -> np.ndarray:
    """(n, n) booleans, True on and below the diagonal: query i sees keys j ≤ i (§3.2.3).

    A decoder trained on a whole sequence at once must not look at the tokens it is learning
    to predict; with this mask output i depends on inputs 0 … i only.
    """
    return np.tril(np.ones((n, n), dtype=bool))


def multi_head_attention(
    query,
    value,
    key,
    query_kernel,
    query_bias,
    key_kernel,
    key_bias,
    value_kernel,
    value_bias,
    output_kernel,
    output_bias,
    mask=None,
):
    """Multi-head attention (§3.2.2) with the weights of ``keras.layers.MultiHeadAttention``.

    ``MultiHead(Q, K, V) = Concat(head_1, …, head_h) W^O``,
    ``head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V)``.

    ``query`` is (batch, n_queries, d_model), ``value`` and ``key`` (batch, n_keys, d_model)
    (``key=None`` means ``key = value``; self-attention passes one sequence three times).
    Weights in the order ``layer.get_weights()`` lists them: ``query_kernel``, ``key_kernel``,
    ``value_kernel`` (d_model, heads, key_dim) hold W_i^Q, W_i^K, W_i^V for every head i, with
    biases (heads, key_dim); ``output_kernel`` (heads, key_dim, d_model) is W^O cut into one
    block per head, with bias (d_model,). ``mask`` is (n_queries, n_keys) or
    (batch, n_queries, n_keys), True where a query may attend (Keras's ``attention_mask``).
    Returns ``(output, weights)``: (batch, n_queries, d_model) and (batch, heads, n_queries, n_keys).
    """
    key = value if key is None else key
    query, value, key = (np.asarray(a, dtype=np.float64) for a in (query, value, key))
    heads, key_dim = np.shape(query_bias)
    if np.shape(query_kernel) != (query.shape[-1], heads, key_dim):
        raise ValueError(
            f"multi_head_attention: query_kernel must be (d_model, heads, key_dim) = "
            f"{(query.shape[-1], heads, key_dim)}, got {np.shape(query_kernel)}."
        )
    # Project into every head at once: b batch, t query steps, s key steps, d model, h heads, k key_dim.
    q = np.einsum("btd,dhk->bhtk", query, query_kernel) + np.asarray(query_bias)[:, None, :]  # Q W_i^Q
    k = np.einsum("bsd,dhk->bhsk", key, key_kernel) + np.asarray(key_bias)[:, None, :]  # K W_i^K
    v = np.einsum("bsd,dhk->bhsk", value, value_kernel) + np.asarray(value_bias)[:, None, :]  # V W_i^V
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        mask = mask[:, None] if mask.ndim == 3 else mask  # the same mask for every head
    heads_out, weights = scaled_dot_product_attention(q, k, v, mask)  # head_i, (batch, heads, t, key_dim)
    # Concat(head_1, …, head_h) W^O: summing each head times its block of W^O is the same product.
    output = np.einsum("bhtk,hkd->btd", heads_out, output_kernel) + output_bias
    return output, weights


def sinusoidal_positions(length: int, depth: int) -> np.ndarray:
    """The positional encodings of §3.5, a (length, depth) matrix added to the embeddings:

        PE(pos, 2i) = sin(pos / 10000^(2i / d_model)),   PE(pos, 2i+1) = cos(pos / 10000^(2i / d_model)).

    Each pair of columns is a sine and cosine of one frequency, the wavelengths forming a
    geometric progression from 2π to 10000·2π; PE(pos + k) is a linear function (a rotation
    of each pair) of PE(pos), which the paper gives as the reason for the choice.
    """
    if length < 0 or depth < 1:
        raise ValueError(f"sinusoidal_positions: length must be ≥ 0 and depth ≥ 1, got {length}, {depth}.")
    pos = np.arange(length)[:, None]  # (length, 1)
    two_i = np.arange(0, depth, 2)[None, :]  # 2i = 0, 2, 4, … (one per sine/cosine pair)
    angles = pos / 10000.0 ** (two_i / depth)  # (length, ⌈depth / 2⌉)
    pe = np.zeros((length, depth))
    pe[:, 0::2] = np.sin(angles)  # even columns 2i
    pe[:, 1::2] = np.cos(angles[:, : depth // 2])  # odd columns 2i + 1
    return pe


def layer_norm(x, gamma, beta, epsilon: float = 1e-3):
    """Layer normalisation (Ba, Kiros & Hinton 2016) over the last axis (each token's features):

        μ = mean(x),   σ² = mean((x − μ)²),   y = γ (x − μ) / √(σ² + ε) + β.

    Unlike batch normalisation it uses no statistics of other examples, so training and
    inference compute the same. ``epsilon`` defaults to ``keras.layers.LayerNormalization``'s 1e-3.
    """
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)  # the biased variance, as Keras uses
    return np.asarray(gamma) * (x - mu) / np.sqrt(var + epsilon) + np.asarray(beta)
