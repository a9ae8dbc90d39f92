"""Recurrent networks for chapter 05: language model, seq2vec, vec2seq and synced seq2seq.

课件: 循环神经网络 (hidden state, weights shared over time), 双向 RNN, 深度 RNN, seq2vec,
vec2seq, synced seq2seq (N vs N), 语言模型 and 字符级 RNN. ``cell`` picks the recurrent layer:
``"rnn"`` (Elman 1990, ``SimpleRNN`` with tanh), ``"lstm"`` (Hochreiter & Schmidhuber 1997
with the forget gate of Gers et al. 2000) or ``"gru"`` (Cho et al. 2014). Every LSTM is built
with ``unit_forget_bias=True``: its forget-gate bias starts at 1 (Jozefowicz et al. 2015;
课件, LSTM: "遗忘门的偏置 … 取 1 或 2"), so the cell keeps its memory at the start of training;
``recurrent_layer(..., memory=T)`` starts it with :class:`ChronoBias` instead, for lags of up to T steps.
Token inputs use id 0 for padding, as ``dl_course.datasets.text.CharVocab`` does. The NumPy
versions of these layers are in ``dl_course.scratch.rnn``; ``dl_course.generate`` samples text.
"""

from __future__ import annotations

import keras

from dl_course.checks import check_choice, check_fraction, check_positive, check_widths
from dl_course.models import register
from dl_course.models.common import check_top

CELLS = ("rnn", "lstm", "gru")

#: Names of the token embedding and of the ``char_rnn`` output layer, which
#: ``dl_course.generate`` looks up to run a trained language model step by step.
EMBEDDING = "embedding"
NEXT_CHAR = "next_char"


def recurrent_params(cell: str, input_dim: int, units: int, reset_after: bool = True) -> int:
    """Parameters of one recurrent layer: gates · units · (input_dim + units + biases).

    SimpleRNN: u(d+u+1); LSTM: 4u(d+u+1); GRU: 3u(d+u+2) with Keras's default
    ``reset_after=True`` (separate input and recurrent biases), 3u(d+u+1) without.
    """
    check_choice(cell, "cell", CELLS)
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    biases = 2 if cell == "gru" and reset_after else 1
    return gates * units * (input_dim + units + biases)


@keras.saving.register_keras_serializable(package="dl_course")
class ChronoBias(keras.initializers.Initializer):
    """Chrono initialisation of an LSTM's bias (Tallec & Ollivier 2018): forget-gate biases
    log(u) with u ~ U(1, ``memory`` − 1), input-gate biases their negatives, the rest 0.

    A cell whose forget gate is f keeps a value for about 1 / (1 − f) steps. Bias 1 gives
    f = σ(1) ≈ 0.73, a memory of about 4 steps that training must first stretch; log(u) gives
    1 / (1 − σ(log u)) = 1 + u, so the cells start with memories spread over 2 … ``memory`` steps.
    """

    def __init__(self, memory: int, seed=None):
        self.memory = check_positive(memory, "memory (the longest lag, in time steps)", minimum=2)
        self.seed = seed

    def __call__(self, shape, dtype=None):
        units = shape[0] // 4  # Keras's LSTM bias: [input, forget, cell, output] gates
        forget = keras.ops.log(keras.random.uniform((units,), 1.0, self.memory - 1.0, seed=self.seed))
        zeros = keras.ops.zeros((2 * units,))
        return keras.ops.cast(keras.ops.concatenate([-forget, forget, zeros]), dtype or "float32")

    def get_config(self):
        return {"memory": self.memory, "seed": self.seed}


def recurrent_layer(cell: str, units: int, return_sequences: bool, dropout: float = 0.0, name=None,
                    memory: int | None = None):
    """A ``SimpleRNN`` / ``LSTM`` (forget-gate bias 1, or :class:`ChronoBias` for lags of up to
    ``memory`` steps; LSTM only) / ``GRU`` layer."""
    check_choice(cell, "cell", CELLS)
    check_fraction(dropout, "dropout (a drop probability)")
    if memory is not None and cell != "lstm":
        raise ValueError(f"memory={memory!r} sets an LSTM's forget-gate biases; a {cell!r} layer has none. "
                         "Leave memory=None for 'rnn' and 'gru'.")
    options = dict(return_sequences=return_sequences, dropout=dropout, name=name)
    if cell == "lstm" and memory is not None:
        return keras.layers.LSTM(units, unit_forget_bias=False, bias_initializer=ChronoBias(memory), **options)
    if cell == "lstm":
        return keras.layers.LSTM(units, unit_forget_bias=True, **options)
    if cell == "gru":
        return keras.layers.GRU(units, **options)
    return keras.layers.SimpleRNN(units, **options)


def _stack(x, cell, units, bidirectional=False, dropout=0.0, last_sequences=True):
    """Stacked (deep) recurrent layers; every layer but possibly the last returns sequences."""
    for i, width in enumerate(units, start=1):
        sequences = last_sequences or i < len(units)
        layer = recurrent_layer(cell, width, sequences, dropout, name=f"{cell}{i}")
        if bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"bi_{cell}{i}")
        x = layer(x)
    return x


def _token_input(vocab_size, embed_dim, input_length, mask_zero):
    check_positive(vocab_size, "vocab_size")
    check_positive(embed_dim, "embed_dim")
    inputs = keras.Input(shape=(input_length,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocab_size, embed_dim, mask_zero=mask_zero, name=EMBEDDING)(inputs)
    return inputs, x


@register(example=dict(vocab_size=30, embed_dim=8, units=(16, 16), cell="gru"))
def char_rnn(
    vocab_size: int = 128,
    embed_dim: int = 64,
    units=(256,),
    cell: str = "lstm",
    dropout: float = 0.0,
    input_length: int | None = None,
    classifier_activation: str | None = "softmax",
    name: str = "char_rnn",
):
    """Character-level language model (语言模型): ``Embedding → [RNN]×len(units) → Dense(vocab)``.

    Each step predicts the next character: a synced (N vs N) sequence model, trained with
    cross-entropy on ``(x, y)`` pairs from ``datasets.text.next_char_windows``; generate
    text with ``dl_course.generate.sample_text``. The embedding equals a one-hot input times
    a weight matrix (课件, 语言模型), but stores only ``vocab_size × embed_dim`` numbers.
    Graves (2013), *Generating sequences with recurrent neural networks*; 课件: 字符生成.

    Default configuration (vocab 128, embedding 64, one LSTM of 256): 369,792 parameters.
    """
    units = check_widths(units, "units", single=True)
    inputs, x = _token_input(vocab_size, embed_dim, input_length, mask_zero=False)
    x = _stack(x, cell, units, dropout=dropout)
    outputs = keras.layers.Dense(vocab_size, activation=classifier_activation, name=NEXT_CHAR)(x)
    return keras.Model(inputs, outputs, name=name)


@register(example=dict(vocab_size=30, embed_dim=8, units=8, bidirectional=True, classes=3))
def rnn_classifier(
    include_top: bool = True,
    vocab_size: int = 10000,
    classes: int = 2,
    embed_dim: int = 32,
    units=(32,),
    cell: str = "lstm",
    bidirectional: bool = False,
    dropout: float = 0.0,
    input_length: int | None = None,
    classifier_activation: str | None = "softmax",
    name: str = "rnn_classifier",
):
    """Sequence-to-vector classifier (seq2vec, N vs 1): the last hidden state feeds a Dense layer.

    Padding (id 0) is masked, so the "last" state is that of the last real token.
    ``bidirectional=True`` runs each layer forwards and backwards and concatenates them
    (Schuster & Paliwal 1997), doubling the features; several ``units`` stack layers
    (deep RNN). ``include_top=False`` returns the sequence's feature vector.

    Default configuration (vocab 10,000, embedding 32, one LSTM of 32, 2 classes): 328,386 parameters.
    """
    check_top(include_top, classes, None)
    units = check_widths(units, "units", single=True)
    inputs, x = _token_input(vocab_size, embed_dim, input_length, mask_zero=True)
    x = _stack(x, cell, units, bidirectional, dropout, last_sequences=False)
    if include_top:
        x = keras.layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return keras.Model(inputs, x, name=name)


@register(example=dict(vocab_size=30, tags=4, embed_dim=8, units=8))
def rnn_tagger(
    vocab_size: int = 10000,
    tags: int = 10,
    embed_dim: int = 32,
    units=(32,),
    cell: str = "lstm",
    bidirectional: bool = True,
    dropout: float = 0.0,
    input_length: int | None = None,
    classifier_activation: str | None = "softmax",
    name: str = "rnn_tagger",
):
    """Synced sequence-to-sequence tagger (N vs N): one tag per input token (e.g. POS tags).

    A unidirectional tagger sees only the past when it tags step t; the default
    bidirectional one (Schuster & Paliwal 1997) sees the whole sequence. Padding is masked.

    Default configuration (vocab 10,000, embedding 32, one bidirectional LSTM of 32, 10 tags):
    337,290 parameters.
    """
    check_positive(tags, "tags")
    units = check_widths(units, "units", single=True)
    inputs, x = _token_input(vocab_size, embed_dim, input_length, mask_zero=True)
    x = _stack(x, cell, units, bidirectional, dropout)
    outputs = keras.layers.Dense(tags, activation=classifier_activation, name="tags")(x)
    return keras.Model(inputs, outputs, name=name)


@register(example=dict(input_dim=3, length=5, outputs=2, units=8))
def rnn_vec2seq(
    input_dim: int = 32,
    length: int = 10,
    outputs: int = 10,
    units=(64,),
    cell: str = "lstm",
    output_activation: str | None = "softmax",
    name: str = "rnn_vec2seq",
):
    """Vector-to-sequence (vec2seq, 1 vs N): a fixed vector generates a sequence of ``length``.

    As on the slide (课件, vec2seq), the vector is an extra input to the hidden layer at every
    time step (``RepeatVector``); each step's state is mapped to an output, e.g. a word
    (image captioning) or, with ``outputs=1, output_activation=None``, a real value.

    Default configuration (32-d vector, one LSTM of 64, 10 outputs): 25,482 parameters.
    """
    for label, value in (("input_dim", input_dim), ("length", length), ("outputs", outputs)):
        check_positive(value, label)
    units = check_widths(units, "units", single=True)
    inputs = keras.Input(shape=(input_dim,), name="vector")
    x = keras.layers.RepeatVector(length, name="repeat")(inputs)
    x = _stack(x, cell, units)
    y = keras.layers.Dense(outputs, activation=output_activation, name="outputs")(x)
    return keras.Model(inputs, y, name=name)
