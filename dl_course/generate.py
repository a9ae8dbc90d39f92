"""Generation with trained sequence models: temperature sampling from a ``char_rnn`` language
model, and greedy decoding with a seq2seq translator.

Generation feeds each sampled character back in as the next input (课件: 字符生成, 语言模型).
:func:`char_rnn_stepper` runs the model one character at a time with the NumPy forward
passes of ``dl_course.scratch.rnn``, carrying every layer's state, so each new character
costs the same however long the text already is; it reads the weights with
``get_weights()``, so it works under every Keras backend.
"""

from __future__ import annotations

import keras
import numpy as np

from dl_course.checks import check_number, check_positive
from dl_course.models.recurrent import EMBEDDING, NEXT_CHAR
from dl_course.scratch import rnn as scratch
from dl_course.scratch.activations import softmax


def sample_next(probs, temperature: float = 1.0, rng=None, banned=()) -> int:
    """Draw an index from ``probs`` reshaped by ``temperature`` (温度).

    The distribution becomes ``p_i^(1/T) / Σ_j p_j^(1/T)``: T < 1 sharpens it (safer, more
    repetitive text), T > 1 flattens it (more varied, more mistakes); ``temperature=0``
    takes the most probable index. ``banned`` ids (e.g. padding) are never drawn.
    """
    temperature = check_number(temperature, "temperature")
    logp = np.log(np.maximum(np.asarray(probs, dtype=np.float64), 1e-30))
    logp[list(banned)] = -np.inf
    if temperature == 0:
        return int(np.argmax(logp))
    rng = rng if rng is not None else np.random.default_rng()
    return int(rng.choice(len(logp), p=softmax(logp / temperature)))


def _forward(layer):
    """The NumPy forward pass of ``layer`` as ``f(x, weights, h0, c0) -> (hs, cs or None)``."""
    if isinstance(layer, keras.layers.LSTM):
        return lambda x, w, h0, c0: scratch.lstm_forward(x, *w, h0=h0, c0=c0, return_cells=True)
    if isinstance(layer, keras.layers.GRU):
        return lambda x, w, h0, c0: (scratch.gru_forward(x, *w, h0=h0), None)
    if isinstance(layer, keras.layers.SimpleRNN):
        return lambda x, w, h0, c0: (scratch.rnn_forward(x, *w, h0=h0), None)
    raise ValueError(f"char_rnn_stepper runs SimpleRNN, LSTM and GRU layers, not {layer.name!r}.")


def char_rnn_stepper(model):
    """A function ``step(token_id) -> probabilities`` that runs a ``char_rnn`` one character
    at a time in NumPy, carrying each recurrent layer's hidden (and LSTM cell) state.

    Calling the Keras model on the whole text for every new character costs time that
    grows with the text; stepping with the stored states costs the same for each character.
    """
    table = model.get_layer(EMBEDDING).get_weights()[0]
    recurrent = [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]
    forwards = [_forward(layer) for layer in recurrent]
    weights = [[w.astype(np.float64) for w in layer.get_weights()] for layer in recurrent]
    head = model.get_layer(NEXT_CHAR)
    if head.get_config()["activation"] not in ("softmax", "linear"):
        raise ValueError("char_rnn_stepper needs a softmax or linear (logits) output layer.")
    kernel, bias = head.get_weights()
    states = [(None, None)] * len(recurrent)

    def step(token: int) -> np.ndarray:
        x = table[[token]][:, None, :]  # (batch 1, time 1, embed_dim)
        for i, (forward, w) in enumerate(zip(forwards, weights, strict=True)):
            x, cells = forward(x, w, *states[i])
            states[i] = (x[:, -1], None if cells is None else cells[:, -1])
        return softmax(x[0, -1] @ kernel + bias)

    return step


def sample_text(
    model,
    vocab,
    prompt: str,
    length: int = 100,
    temperature: float = 1.0,
    seed: int | None = None,
    stop: str | None = None,
) -> str:
    """Generate ``length`` characters after ``prompt`` with a ``char_rnn`` model.

    ``vocab`` encodes and decodes text (``CharVocab``). The prompt is read one character at
    a time (:func:`char_rnn_stepper`), then each next character is drawn with
    :func:`sample_next` (padding and ``<unk>`` are never drawn) and fed back in.
    Generation ends early after the character ``stop`` when given.
    """
    if not prompt:
        raise ValueError("prompt must hold at least one character to start from.")
    step = char_rnn_stepper(model)
    for token in vocab.encode(prompt):
        probs = step(token)
    rng = np.random.default_rng(seed)
    generated = []
    for _ in range(length):
        token = sample_next(probs, temperature, rng, banned=(vocab.pad_id, vocab.unk_id))
        generated.append(token)
        if stop is not None and vocab.decode([token]) == stop:
            break
        probs = step(token)
    return vocab.decode(generated)


def greedy_decode(
    model: keras.Model, source_ids, length: int, start_id: int, batch_size: int = 512
):
    """Greedy decoding: start from ``start_id`` and feed back the most probable symbol.

    Calls ``model`` (inputs ``[source_ids, decoder_in]``) ``length`` times; step t fills
    position t + 1 of ``decoder_in`` with the argmax at position t, which only depends on
    earlier positions because the decoder is causal. Returns int ids (batch, length).
    """
    check_positive(length, "length")
    source_ids = np.asarray(source_ids)
    if source_ids.ndim != 2:
        raise ValueError(f"source_ids must be (batch, source steps), got shape {source_ids.shape}.")
    decoder_in = np.full((len(source_ids), length), start_id, dtype="int32")
    out = np.zeros_like(decoder_in)
    for t in range(length):
        for i in range(0, len(source_ids), batch_size):
            rows = slice(i, i + batch_size)
            probs = model([source_ids[rows], decoder_in[rows]], training=False)
            out[rows, t] = keras.ops.convert_to_numpy(probs)[:, t].argmax(axis=-1)
        if t + 1 < length:
            decoder_in[:, t + 1] = out[:, t]
    return out
