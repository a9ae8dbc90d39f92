"""Self-attention models (chapter 09): the Transformer, its encoder, GPT and BERT.

Two layers build them all. :class:`PositionalEmbedding` turns token ids into vectors and adds
where each token stands (sinusoidal, Vaswani et al. 2017 §3.5, or learned); it also maps the
final states back to the vocabulary with its own table when the embeddings are tied
(``to_logits=True``). :class:`TransformerBlock` is one layer of the stack: self-attention
(causal in a decoder), cross-attention to the encoder's output in an encoder–decoder, and a
position-wise feed-forward network, each wrapped in a residual connection and layer norm.
``norm_first=False`` is the paper's post-LN, ``LN(x + sublayer(x))``; ``norm_first=True`` is
pre-LN, ``x + sublayer(LN(x))`` (GPT-2; Xiong et al. 2020), which trains without warm-up and
needs one more layer norm after the stack.

Padding (token id 0, as ``datasets.text.CharVocab`` and ``datasets.sequences`` use) is masked
explicitly: the builders pass ``ids != 0`` as ``padding_mask`` / ``context_mask``. Each block
returns its attention weights too when called with ``return_attention_scores=True``, as every
builder here does; :func:`attention_model` exposes them for plotting. The NumPy versions of
the parts are in ``dl_course.scratch.attention``. Only ``keras.layers`` / ``keras.ops``: the
models run under TensorFlow, JAX and PyTorch, and load from ``.keras`` files.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from dl_course.checks import check_bool, check_choice, check_fraction, check_positive
from dl_course.models import register
from dl_course.models.common import append_doc, check_activation

POSITIONS = {"sinusoidal": "fixed, Vaswani et al. 2017 §3.5", "learned": "one trained vector per position"}


def check_heads(d_model, heads, model: str) -> tuple[int, int]:
    """``(d_model, heads)`` as ints when ``heads`` divides ``d_model`` (each head gets d_model / heads)."""
    d_model = check_positive(d_model, f"{model}: d_model")
    heads = check_positive(heads, f"{model}: heads")
    if d_model % heads:
        raise ValueError(
            f"{model}: heads must be a positive integer that divides d_model = {d_model} "
            f"(each head gets d_model / heads features), got {heads!r}."
        )
    return d_model, heads


def sinusoidal_positions(length, depth: int, dtype="float32"):
    """The (length, depth) sinusoidal encodings of ``scratch.attention.sinusoidal_positions`` in
    ``keras.ops``: ``length`` may be a symbolic size (a sequence length known only at run time)."""
    pos = ops.cast(ops.arange(length), "float32")[:, None]
    two_i = ops.cast(ops.arange(0, depth, 2), "float32")[None, :]
    angles = pos / ops.power(10000.0, two_i / depth)  # (length, depth / 2)
    pairs = ops.stack([ops.sin(angles), ops.cos(angles)], axis=-1)  # sin in column 2i, cos in 2i + 1
    return ops.cast(ops.reshape(pairs, (-1, depth)), dtype)


@keras.saving.register_keras_serializable(package="dl_course")
class PositionalEmbedding(keras.layers.Layer):
    """Token ids (batch, steps) → token embedding (× √d with ``scale``) + position encoding.

    ``positions="sinusoidal"`` adds the fixed encodings of §3.5 (no weights, any length;
    ``depth`` must be even); ``"learned"`` adds a trained vector per position, up to
    ``max_length``. ``scale=True`` multiplies the token vectors by √depth first, as the paper
    does (§3.4), so that they are not drowned by the unit-size encodings. Called with
    ``to_logits=True`` on (batch, steps, depth) states it returns ``states · Eᵀ``, the
    pre-softmax scores over the vocabulary from the same table E (tied embeddings, §3.4;
    Press & Wolf 2017). Token vectors start as N(0, 1/depth) draws: unit length, and unit
    variance after the √depth scaling.
    """

    def __init__(self, vocab_size, depth, max_length=None, positions="sinusoidal", scale=False, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = check_positive(vocab_size, "vocab_size")
        self.depth = check_positive(depth, "depth (d_model)")
        self.positions = check_choice(positions, "positions", POSITIONS)
        self.scale = check_bool(scale, "scale")
        if positions == "learned" or max_length is not None:
            max_length = check_positive(max_length, "max_length (the longest sequence with learned positions)")
        self.max_length = max_length
        if positions == "sinusoidal" and self.depth % 2:
            raise ValueError(f"depth (d_model) must be an even integer with sinusoidal positions (sine and cosine "
                             f"pairs), got {depth!r}.")
        self.tokens = keras.layers.Embedding(
            vocab_size, depth, embeddings_initializer=keras.initializers.RandomNormal(stddev=depth**-0.5),
            name="tokens",
        )
        self.learned = keras.layers.Embedding(max_length, depth, name="positions") if positions == "learned" else None

    def build(self, input_shape):
        self.tokens.build(input_shape)
        if self.learned is not None:
            self.learned.build(input_shape)
        steps = input_shape[1] if len(input_shape) > 1 else None
        if self.max_length is not None and steps is not None and steps > self.max_length:
            raise ValueError(f"{self.name}: sequences of {steps} steps are longer than max_length={self.max_length}.")

    def call(self, inputs, to_logits=False):
        if to_logits:  # states (batch, steps, depth) · Eᵀ → (batch, steps, vocab)
            return ops.matmul(inputs, ops.transpose(self.tokens.embeddings))
        x = self.tokens(inputs)
        if self.scale:
            x = x * ops.cast(math.sqrt(self.depth), x.dtype)
        steps = ops.shape(inputs)[1]
        if self.learned is not None:
            return x + self.learned(ops.arange(steps))[None]
        return x + sinusoidal_positions(steps, self.depth, x.dtype)[None]

    def compute_output_spec(self, inputs, to_logits=False):
        if to_logits:
            return keras.KerasTensor((*inputs.shape[:-1], self.vocab_size), dtype=self.compute_dtype)
        return keras.KerasTensor((*inputs.shape, self.depth), dtype=self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "depth": self.depth,
                "max_length": self.max_length, "positions": self.positions, "scale": self.scale}


@keras.saving.register_keras_serializable(package="dl_course")
class TransformerBlock(keras.layers.Layer):
    """One layer of a Transformer stack (Vaswani et al. 2017, §3.1): sub-layers, each with a
    residual connection and layer normalisation (Ba et al. 2016):

    1. multi-head self-attention (``causal=True``: position i attends to positions ≤ i, §3.2.3);
    2. with ``cross_attention=True`` (a decoder layer), multi-head attention whose queries are
       the states and whose keys and values are the encoder's output (``context``);
    3. the position-wise feed-forward network ``FFN(x) = act(x W₁ + b₁) W₂ + b₂`` (§3.3).

    Post-LN (``norm_first=False``, the paper): ``x = LN(x + Dropout(sublayer(x)))``. Pre-LN
    (``norm_first=True``; Xiong et al. 2020): ``x = x + Dropout(sublayer(LN(x)))``. ``dropout``
    applies to each sub-layer's output (residual dropout, §5.4) and to the attention weights.

    ``call(x, context=None, padding_mask=None, context_mask=None, return_attention_scores=False)``:
    the masks are (batch, steps) booleans, True on real tokens, for ``x`` and ``context``. With
    ``return_attention_scores`` it returns ``(x, self_weights)`` or, with cross-attention,
    ``(x, self_weights, cross_weights)``, the weights (batch, heads, queries, keys).
    """

    def __init__(self, d_model, heads, d_ff, dropout=0.0, causal=False, cross_attention=False,
                 norm_first=False, activation="relu", epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.d_model, self.heads = check_heads(d_model, heads, "TransformerBlock")
        self.d_ff = check_positive(d_ff, "d_ff (the feed-forward width)")
        self.dropout = check_fraction(dropout, "dropout (a drop probability)")
        self.causal = check_bool(causal, "causal")
        self.cross_attention = check_bool(cross_attention, "cross_attention")
        self.norm_first = check_bool(norm_first, "norm_first")
        self.activation = check_activation(activation)
        self.epsilon = epsilon
        key_dim = self.d_model // self.heads
        self.self_attention = keras.layers.MultiHeadAttention(heads, key_dim, dropout=dropout, name="self_attention")
        self.cross = (keras.layers.MultiHeadAttention(heads, key_dim, dropout=dropout, name="cross_attention")
                      if cross_attention else None)
        self.ffn_hidden = keras.layers.Dense(d_ff, activation=activation, name="ffn_hidden")
        self.ffn_output = keras.layers.Dense(d_model, name="ffn_output")
        self.norms = [keras.layers.LayerNormalization(epsilon=epsilon, name=f"norm{i}")
                      for i in range(3 if cross_attention else 2)]
        self.drop = keras.layers.Dropout(dropout)

    def build(self, input_shape):
        """Build every sub-layer for inputs (batch, steps, d_model) (the context has d_model features too)."""
        if input_shape[-1] != self.d_model:
            raise ValueError(f"{self.name}: inputs must have d_model = {self.d_model} features, got shape {input_shape}.")
        context_shape = (input_shape[0], None, self.d_model)
        self.self_attention.build(input_shape, input_shape)
        if self.cross is not None:
            self.cross.build(input_shape, context_shape)
        self.ffn_hidden.build(input_shape)
        self.ffn_output.build((*input_shape[:-1], self.d_ff))
        for norm in self.norms:
            norm.build(input_shape)

    def _residual(self, x, norm, sublayer, training):
        """Post-LN ``LN(x + Dropout(f(x)))`` or pre-LN ``x + Dropout(f(LN(x)))``; returns (x, extra)."""
        y, extra = sublayer(norm(x) if self.norm_first else x)
        x = x + self.drop(y, training=training)
        return (x if self.norm_first else norm(x)), extra

    def call(self, x, context=None, padding_mask=None, context_mask=None, training=None,
             return_attention_scores=False):
        if self.cross is not None and context is None:
            raise ValueError(f"{self.name}: a block with cross_attention=True needs the encoder's output as context.")
        keys = None if padding_mask is None else ops.expand_dims(ops.cast(padding_mask, "bool"), 1)  # (batch, 1, steps)

        def attend_to_self(h):
            return self.self_attention(h, h, attention_mask=keys, use_causal_mask=self.causal,
                                       return_attention_scores=True, training=training)

        x, self_weights = self._residual(x, self.norms[0], attend_to_self, training)
        weights = (self_weights,)
        if self.cross is not None:
            sources = None if context_mask is None else ops.expand_dims(ops.cast(context_mask, "bool"), 1)

            def attend_to_context(h):
                return self.cross(h, context, attention_mask=sources, return_attention_scores=True,
                                  training=training)

            x, cross_weights = self._residual(x, self.norms[1], attend_to_context, training)
            weights += (cross_weights,)

        def feed_forward(h):
            return self.ffn_output(self.ffn_hidden(h)), None

        x, _ = self._residual(x, self.norms[-1], feed_forward, training)
        return (x, *weights) if return_attention_scores else x

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model, "heads": self.heads, "d_ff": self.d_ff,
                "dropout": self.dropout, "causal": self.causal, "cross_attention": self.cross_attention,
                "norm_first": self.norm_first, "activation": keras.activations.serialize(
                    keras.activations.get(self.activation)), "epsilon": self.epsilon}


def _check(model, *, layers, d_ff, dropout, norm_first, positions, max_length=None):
    check_positive(layers, f"{model}: layers")
    check_positive(d_ff, f"{model}: d_ff (the feed-forward width)")
    check_fraction(dropout, f"{model}: dropout (a drop probability)")
    check_bool(norm_first, f"{model}: norm_first")
    check_choice(positions, f"{model}: positions", POSITIONS)
    if positions == "learned" or max_length is not None:
        check_positive(max_length, f"{model}: max_length (the longest sequence with learned positions)")


def _padding(ids):
    """(batch, steps) booleans, True on real tokens: id 0 pads."""
    return ops.not_equal(ids, 0)


def _stack(x, prefix, layers, final_norm, epsilon, context=None, **block):
    """``layers`` blocks named ``{prefix}{i}`` called with their attention weights returned; with
    ``final_norm`` (pre-LN stacks) one more layer norm. ``block`` holds TransformerBlock options
    and the masks (``padding_mask``, ``context_mask``)."""
    masks = {k: block.pop(k) for k in ("padding_mask", "context_mask") if k in block}
    for i in range(1, layers + 1):
        x, *_ = TransformerBlock(epsilon=epsilon, name=f"{prefix}{i}", **block)(
            x, context=context, return_attention_scores=True, **masks)
    if final_norm:
        x = keras.layers.LayerNormalization(epsilon=epsilon, name=f"{prefix}_norm")(x)
    return x


SHARED_DOC = """
    Arguments: ``d_model`` (the width of every state), ``heads`` (it must divide d_model; each
    head attends in d_model / heads dimensions), ``d_ff`` (the feed-forward width), ``layers``
    (blocks in each stack), ``dropout`` (residual and attention dropout), ``positions``
    (``"sinusoidal"`` or ``"learned"``, the latter up to ``max_length`` steps), ``norm_first``
    (pre-LN instead of post-LN, with a layer norm after each stack). Token id 0 is padding and
    is masked as a key. See :class:`TransformerBlock`; count the parameters of a large
    configuration without allocating them inside ``dl_course.models.shapes_only()``.
"""


@register(example=dict(vocab_size=30, d_model=16, heads=2, d_ff=32, layers=2))
def transformer_encoder(
    vocab_size: int = 37000,
    d_model: int = 512,
    heads: int = 8,
    d_ff: int = 2048,
    layers: int = 6,
    dropout: float = 0.1,
    positions: str = "sinusoidal",
    max_length: int | None = None,
    norm_first: bool = False,
    name: str = "transformer_encoder",
):
    """The Transformer's encoder stack (Vaswani et al. 2017, §3.1): ids (batch, steps) →
    contextual states (batch, steps, d_model), one per token, with no classifier on top.

    Embedding × √d_model + positions, dropout, then ``layers`` blocks of self-attention and
    feed-forward (ReLU), each sub-layer post-LN. Every state depends on the whole sequence:
    attention is not causal here.

    Parameters, with V vocabulary, d = d_model, f = d_ff, N layers (sinusoidal positions):
    ``Vd + N(4(d² + d) + 2df + f + d + 4d)``. Default (the base model's encoder with its
    37,000-token vocabulary): 18,944,000 + 6 × 3,152,384 = 37,858,304.
    """
    _check(name, layers=layers, d_ff=d_ff, dropout=dropout, norm_first=norm_first, positions=positions,
           max_length=max_length)
    d_model, heads = check_heads(d_model, heads, name)
    ids = keras.Input(shape=(max_length,), dtype="int32", name="tokens")
    x = PositionalEmbedding(vocab_size, d_model, max_length, positions, scale=True, name="embedding")(ids)
    x = keras.layers.Dropout(dropout, name="embedding_dropout")(x)
    x = _stack(x, "encoder", layers, norm_first, 1e-5, padding_mask=_padding(ids), d_model=d_model, heads=heads,
               d_ff=d_ff, dropout=dropout, norm_first=norm_first)
    return keras.Model(ids, x, name=name)


@register(example=dict(source_vocab=20, target_vocab=8, d_model=16, heads=2, d_ff=32, layers=1))
def transformer(
    source_vocab: int = 37000,
    target_vocab: int | None = None,
    d_model: int = 512,
    heads: int = 8,
    d_ff: int = 2048,
    layers: int = 6,
    dropout: float = 0.1,
    positions: str = "sinusoidal",
    max_length: int | None = None,
    tie_embeddings: bool = True,
    norm_first: bool = False,
    name: str = "transformer",
):
    """The Transformer (Vaswani et al. 2017), encoder–decoder: ``[source_ids, decoder_in]`` →
    per-step softmax over the target vocabulary, the interface of ``seq2seq_attention``.

    The encoder (see ``transformer_encoder``) reads the source; each decoder block attends
    causally to the target so far, then to the encoder's output (cross-attention, padding
    masked), then applies the feed-forward network. Train with teacher forcing
    (``decoder_in`` = target shifted right behind a start token); decode with
    ``dl_course.generate.greedy_decode``. ``target_vocab=None`` means one vocabulary shared by
    source and target (the paper's byte-pair vocabulary): one embedding table serves both; with
    ``tie_embeddings`` the (target) table also gives the pre-softmax scores (§3.4), with no
    output bias, else a Dense layer with bias does.

    Parameters, with V the vocabulary, d = d_model, f = d_ff, N layers, no biases left out:
    encoder blocks ``4(d² + d) + (2df + f + d) + 4d`` each, decoder blocks ``8(d² + d) +
    (2df + f + d) + 6d`` each, embeddings ``Vd``. Default, the base model (d 512, 8 heads, f 2048,
    N = 6, shared 37,000-token vocabulary, tied): 18,944,000 + 6 × 3,152,384 + 6 × 4,204,032 =
    **63,082,496**. The paper's Table 3 gives 65 M for it; its configuration gives 63.08 M, and
    the 1,917,504 between them would be the embeddings of about 3,745 more tokens (its
    vocabulary was "about 37000") — the count is not broken down there. Untied, a separate
    37,000-way output layer adds 18,981,000 (82,063,496), and separate source and target tables
    another 18,944,000.
    """
    _check(name, layers=layers, d_ff=d_ff, dropout=dropout, norm_first=norm_first, positions=positions,
           max_length=max_length)
    d_model, heads = check_heads(d_model, heads, name)
    check_bool(tie_embeddings, f"{name}: tie_embeddings")
    check_positive(source_vocab, f"{name}: source_vocab")
    if target_vocab is not None:
        check_positive(target_vocab, f"{name}: target_vocab (the start token plus symbols)", minimum=2)
    source = keras.Input(shape=(None,), dtype="int32", name="source")
    target = keras.Input(shape=(None,), dtype="int32", name="decoder_in")
    options = dict(depth=d_model, max_length=max_length, positions=positions, scale=True)
    if target_vocab is None:
        source_embedding = target_embedding = PositionalEmbedding(source_vocab, name="embedding", **options)
        target_vocab = source_vocab
    else:
        source_embedding = PositionalEmbedding(source_vocab, name="source_embedding", **options)
        target_embedding = PositionalEmbedding(target_vocab, name="target_embedding", **options)
    blocks = dict(d_model=d_model, heads=heads, d_ff=d_ff, dropout=dropout, norm_first=norm_first)
    keep = _padding(source)
    x = keras.layers.Dropout(dropout, name="source_dropout")(source_embedding(source))
    memory = _stack(x, "encoder", layers, norm_first, 1e-5, padding_mask=keep, **blocks)
    y = keras.layers.Dropout(dropout, name="target_dropout")(target_embedding(target))
    y = _stack(y, "decoder", layers, norm_first, 1e-5, context=memory, context_mask=keep, causal=True,
               cross_attention=True, **blocks)
    if tie_embeddings:
        logits = target_embedding(y, to_logits=True)
    else:
        logits = keras.layers.Dense(target_vocab, name="logits")(y)
    probs = keras.layers.Activation("softmax", name="predictions")(logits)
    return keras.Model([source, target], probs, name=name)


@register(example=dict(vocab_size=30, max_length=16, d_model=16, heads=2, d_ff=32, layers=2))
def gpt(
    vocab_size: int = 50257,
    max_length: int | None = 1024,
    d_model: int = 768,
    heads: int = 12,
    d_ff: int = 3072,
    layers: int = 12,
    dropout: float = 0.1,
    positions: str = "learned",
    tie_embeddings: bool = True,
    norm_first: bool = True,
    classifier_activation: str | None = "softmax",
    name: str = "gpt",
):
    """Decoder-only language model (Radford et al. 2018, 2019): ids (batch, steps) → at each
    step a softmax over the vocabulary for the next id, like ``char_rnn``.

    Token + learned position embeddings, ``layers`` causal blocks (pre-LN and GELU, as GPT-2),
    a final layer norm, and the pre-softmax scores from the token table itself
    (``tie_embeddings``, no bias; untied: a Dense layer with bias). Output i depends on
    ids 0 … i only, so one pass trains every position at once. ``positions="sinusoidal"`` needs
    no ``max_length``.

    Parameters, with V vocabulary, P positions, d, f, N as above (tied):
    ``Vd + Pd + N(4(d² + d) + 2df + f + d + 4d) + 2d``. Default, GPT-2 small (V 50,257,
    P 1,024, d 768, 12 heads, f 3,072, N 12): 38,597,376 + 786,432 + 12 × 7,087,872 + 1,536 =
    **124,439,808**, the released model's count. Radford et al. (2019), Table 2, print 117 M;
    OpenAI later corrected its counts (the model is now called 124M). Untied, the output layer
    adds 38,647,633.
    """
    _check(name, layers=layers, d_ff=d_ff, dropout=dropout, norm_first=norm_first, positions=positions,
           max_length=max_length)
    d_model, heads = check_heads(d_model, heads, name)
    check_bool(tie_embeddings, f"{name}: tie_embeddings")
    ids = keras.Input(shape=(None,), dtype="int32", name="tokens")
    embedding = PositionalEmbedding(vocab_size, d_model, max_length, positions, name="embedding")
    x = keras.layers.Dropout(dropout, name="embedding_dropout")(embedding(ids))
    x = _stack(x, "decoder", layers, norm_first, 1e-5, d_model=d_model, heads=heads, d_ff=d_ff, dropout=dropout,
               causal=True, norm_first=norm_first, activation="gelu")
    logits = embedding(x, to_logits=True) if tie_embeddings else keras.layers.Dense(vocab_size, name="logits")(x)
    outputs = keras.layers.Activation(classifier_activation, name="next_token")(logits)
    return keras.Model(ids, outputs, name=name)


@register(example=dict(vocab_size=30, max_length=16, d_model=16, heads=2, d_ff=32, layers=2))
def bert(
    vocab_size: int = 30522,
    max_length: int = 512,
    type_vocab_size: int = 2,
    d_model: int = 768,
    heads: int = 12,
    d_ff: int = 3072,
    layers: int = 12,
    dropout: float = 0.1,
    pooler: bool = True,
    name: str = "bert",
):
    """BERT's encoder (Devlin et al. 2019): ``[token_ids, segment_ids]`` → the contextual
    states (batch, steps, d_model) and, with ``pooler``, ``tanh(W h_[CLS] + b)`` (batch, d_model).

    Token + learned position + segment (token-type) embeddings, a layer norm, then post-LN
    blocks with GELU (layer-norm epsilon 1e-12, as released). No pre-training heads (masked-LM,
    next-sentence): they are not part of BERT-base's quoted size.

    Parameters: embeddings ``(V + P + T)d + 2d``, each block ``4(d² + d) + 2df + f + d + 4d``,
    pooler ``d² + d``. Default, BERT-base (V 30,522, P 512, T 2, d 768, 12 heads, f 3,072,
    N 12): 23,837,184 + 12 × 7,087,872 + 590,592 = **109,482,240** (the paper's "110M"; without
    the pooler 108,891,648).
    """
    _check(name, layers=layers, d_ff=d_ff, dropout=dropout, norm_first=False, positions="learned",
           max_length=max_length)
    d_model, heads = check_heads(d_model, heads, name)
    check_positive(type_vocab_size, f"{name}: type_vocab_size (segments)")
    check_bool(pooler, f"{name}: pooler")
    ids = keras.Input(shape=(None,), dtype="int32", name="tokens")
    segments = keras.Input(shape=(None,), dtype="int32", name="segments")
    x = PositionalEmbedding(vocab_size, d_model, max_length, "learned", name="embedding")(ids)
    x = keras.layers.Add(name="add_segments")(
        [x, keras.layers.Embedding(type_vocab_size, d_model, name="segment_embedding")(segments)])
    x = keras.layers.LayerNormalization(epsilon=1e-12, name="embedding_norm")(x)
    x = keras.layers.Dropout(dropout, name="embedding_dropout")(x)
    x = _stack(x, "encoder", layers, False, 1e-12, padding_mask=_padding(ids), d_model=d_model, heads=heads,
               d_ff=d_ff, dropout=dropout, activation="gelu")
    if not pooler:
        return keras.Model([ids, segments], x, name=name)
    pooled = keras.layers.Dense(d_model, activation="tanh", name="pooler")(x[:, 0])  # the [CLS] token
    return keras.Model([ids, segments], [x, pooled], name=name)


append_doc(SHARED_DOC, transformer_encoder, transformer, gpt)


def attention_model(model: keras.Model) -> keras.Model:
    """A model sharing ``model``'s layers that maps its inputs to every block's attention
    weights: a dict from block name (``"encoder1"``, …; ``"decoder1/cross"`` for a decoder's
    cross-attention) to (batch, heads, queries, keys), each row summing to 1."""
    outputs = {}
    for layer in model.layers:
        if isinstance(layer, TransformerBlock):
            _, *weights = layer.output
            outputs[layer.name] = weights[0]
            if len(weights) > 1:
                outputs[f"{layer.name}/cross"] = weights[1]
    if not outputs:
        raise ValueError(f"model {model.name!r} has no TransformerBlock layers.")
    return keras.Model(model.inputs, outputs, name=f"{model.name}_weights")
