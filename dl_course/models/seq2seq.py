"""Encoder–decoder sequence-to-sequence models (chapter 06), with and without attention.

课件: Seq2Seq, Attention; LSTM (forget-gate bias 1). Both models
take ``[source_ids, decoder_in]`` and return per-step softmax probabilities over the target
vocabulary. Training uses teacher forcing (``decoder_in`` is the true target shifted right
behind a start token); ``dl_course.generate.greedy_decode`` feeds the model its own predictions.
Every LSTM here is built with ``unit_forget_bias=True``: the forget gate's bias starts at 1
(Jozefowicz et al. 2015; 课件 LSTM: "遗忘门的偏置 … 取 1 或 2") so memory is kept at first.

Embedding vectors start as N(0, 1) draws (PyTorch's ``nn.Embedding`` default), not Keras's
U(−0.05, 0.05): Adam moves each entry by about the learning rate per step, so vectors that
start near 0 take hundreds of steps to tell the tokens apart. On TensorFlow, Keras applies an
embedding's gradient as one slice per occurrence of a token, and Adam's second moment sums
the squares of those slices, so a token seen k times in a batch moved up to √k times
further and learned fast; JAX and PyTorch take the true Adam step. With N(0, 1) vectors the
date translators learn as fast on all three backends.
"""

from __future__ import annotations

import keras

from dl_course.checks import check_positive
from dl_course.models import register


@keras.saving.register_keras_serializable(package="dl_course")
class LuongAttention(keras.layers.Layer):
    """``[query, value, key] → (context, weights)``: ``weights = softmax_s(query · keyᵀ)`` over
    the unpadded source steps (the value's mask), ``context = weights · value``.

    ``keras.layers.Attention`` computes the same, but before Keras 3.12 it fails on a value mask
    without a causal mask, so the supported Keras releases need this layer.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        query, value, key = inputs
        scores = keras.ops.matmul(query, keras.ops.transpose(key, (0, 2, 1)))
        if mask is not None and mask[1] is not None:
            keep = keras.ops.expand_dims(mask[1], axis=1)
            scores = keras.ops.where(keep, scores, keras.ops.full_like(scores, -1e9))
        weights = keras.ops.softmax(scores, axis=-1)
        return keras.ops.matmul(weights, value), weights

    def compute_mask(self, inputs, mask=None):
        return None


def _check(source_vocab, target_vocab, embed_dim, units, model: str) -> None:
    check_positive(source_vocab, f"{model}: source_vocab")
    check_positive(target_vocab, f"{model}: target_vocab (the start token plus symbols)", minimum=2)
    check_positive(embed_dim, f"{model}: embed_dim")
    check_positive(units, f"{model}: units")


def _embedding(vocab: int, embed_dim: int, name: str, **kwargs) -> keras.layers.Embedding:
    """An embedding whose vectors start as N(0, 1) draws (see the module docstring)."""
    init = keras.initializers.RandomNormal(stddev=1.0)
    return keras.layers.Embedding(vocab, embed_dim, embeddings_initializer=init, name=name, **kwargs)


def _encoder_decoder(source_vocab, target_vocab, embed_dim, units):
    """Shared trunk: embeddings, LSTM encoder (mask on padding id 0), LSTM decoder."""
    source = keras.Input(shape=(None,), dtype="int32", name="source")
    target = keras.Input(shape=(None,), dtype="int32", name="decoder_in")
    x = _embedding(source_vocab, embed_dim, "source_embedding", mask_zero=True)(source)
    enc_seq, h, c = keras.layers.LSTM(
        units, return_sequences=True, return_state=True, unit_forget_bias=True, name="encoder"
    )(x)
    y = _embedding(target_vocab, embed_dim, "target_embedding")(target)
    dec_seq = keras.layers.LSTM(
        units, return_sequences=True, unit_forget_bias=True, name="decoder"
    )(y, initial_state=[h, c])
    return source, target, enc_seq, dec_seq


@register(example=dict(source_vocab=20, target_vocab=8, embed_dim=8, units=16))
def seq2seq(
    source_vocab: int = 48,
    target_vocab: int = 14,
    embed_dim: int = 32,
    units: int = 128,
    name: str = "seq2seq",
):
    """Encoder–decoder (Sutskever, Vinyals & Le 2014; Cho et al. 2014) with LSTMs.

    The encoder LSTM reads the embedded source (padding id 0 is masked); its final state
    ``(h, c)`` is the only thing the decoder LSTM receives about the source. A softmax
    Dense layer maps each decoder state to the target vocabulary. LSTMs use
    ``unit_forget_bias=True`` (forget-gate bias 1).

    Parameters, with V_s, V_t vocabularies, e embedding and n units:
    ``(V_s + V_t)e + 2·4(en + n² + n) + (n + 1)V_t``. Default (48, 14, 32, 128; the date
    task's vocabularies): 168,654.
    """
    _check(source_vocab, target_vocab, embed_dim, units, name)
    source, target, _, dec_seq = _encoder_decoder(source_vocab, target_vocab, embed_dim, units)
    probs = keras.layers.Dense(target_vocab, activation="softmax", name="predictions")(dec_seq)
    return keras.Model([source, target], probs, name=name)


@register(example=dict(source_vocab=20, target_vocab=8, embed_dim=8, units=16))
def seq2seq_attention(
    source_vocab: int = 48,
    target_vocab: int = 14,
    embed_dim: int = 32,
    units: int = 128,
    name: str = "seq2seq_attention",
):
    """Encoder–decoder with Luong global attention, "general" score (Luong, Pham & Manning 2015).

    For decoder state h_t and encoder states h̄_s: scores ``h_tᵀ W_a h̄_s``, weights
    ``a_t = softmax_s(scores)`` (padding masked), context ``c_t = Σ_s a_ts h̄_s``, attentional
    state ``h̃_t = tanh(W_c [c_t; h_t])``, output ``softmax(W_s h̃_t + b_s)``. The layer named
    ``"attention"`` returns the weights too; ``attention_model`` exposes them. LSTMs use
    ``unit_forget_bias=True`` (forget-gate bias 1).

    Parameters: those of ``seq2seq`` plus ``n²`` (W_a) and ``2n²`` (W_c), no biases.
    Default (48, 14, 32, 128): 217,806.
    """
    _check(source_vocab, target_vocab, embed_dim, units, name)
    source, target, enc_seq, dec_seq = _encoder_decoder(
        source_vocab, target_vocab, embed_dim, units
    )
    keys = keras.layers.Dense(units, use_bias=False, name="score_weight")(enc_seq)  # W_a h̄_s
    context, _ = LuongAttention(name="attention")([dec_seq, enc_seq, keys])
    merged = keras.layers.Concatenate(name="context_and_state")([context, dec_seq])
    attentional = keras.layers.Dense(units, activation="tanh", use_bias=False, name="attentional")(
        merged
    )
    probs = keras.layers.Dense(target_vocab, activation="softmax", name="predictions")(attentional)
    return keras.Model([source, target], probs, name=name)


def attention_model(model: keras.Model) -> keras.Model:
    """A model sharing ``model``'s layers that maps ``[source_ids, decoder_in]`` to the
    attention weights (batch, target steps, source steps); each row sums to 1."""
    try:
        layer = model.get_layer("attention")
    except ValueError:
        raise ValueError(f"model {model.name!r} has no layer named 'attention'.") from None
    return keras.Model(model.inputs, layer.output[1], name=f"{model.name}_weights")
