"""Chapter 09, self-attention and the Transformer: the chapter's task code.

* :func:`train_date_transformer`: a small Transformer on chapter 06's date translation, scored
  as ``train_translator`` scores the recurrent encoder–decoders;
* :func:`train_char_gpt`: a character-level GPT on poems, scored against the unigram baseline
  as chapter 05's ``train_char_model``, with :func:`sample_gpt` to write with it;
* :func:`attention_cost`: time and memory of one self-attention layer against one LSTM layer
  as the sequence grows (O(n²) against O(n));
* :func:`attention_maps`: a trained model's attention weights, head by head, for plotting.

Backend-neutral (``keras`` and NumPy only). Each trainer builds and trains inside
``runtime.scope()``, so several GPUs or a TPU are used when present.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import keras
import numpy as np

from dl_course import models, runtime
from dl_course.checks import check_positive, check_widths
from dl_course.datasets import sequences
from dl_course.generate import sample_next
from dl_course.lessons.ch05_rnn import (  # chapter 05: data and scoring
    char_windows,
    fit_language_model,
)
from dl_course.lessons.ch06_lstm import fit_translator  # chapter 06: training and scoring
from dl_course.models.transformer import attention_model


def _optimizer(lr: float, steps: int, warmup: float):
    """Adam (β₂ = 0.98, as Vaswani et al. 2017 §5.3) with a linear warm-up over a ``warmup``
    share of the ``steps``, then a cosine decay to zero; global gradient clipping at norm 1."""
    warmup_steps = int(warmup * steps)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0 if warmup_steps else lr, max(steps - warmup_steps, 1), warmup_target=lr if warmup_steps else None,
        warmup_steps=warmup_steps,
    )
    return keras.optimizers.Adam(schedule, beta_2=0.98, global_clipnorm=1.0)


def _jit(jit_compile):
    """``compile(jit_compile=...)``: ``"auto"`` is Keras's choice (XLA under JAX, and under
    TensorFlow only on a GPU or TPU: on a CPU, XLA compiled the date Transformer's 16-step
    training loop for minutes), else ``runtime.jit_compile(jit_compile)``."""
    return "auto" if jit_compile == "auto" else runtime.jit_compile(jit_compile)


@runtime.scope()  # build and train on every visible GPU/TPU
def train_date_transformer(
    train_set: dict,
    test_set: dict,
    *,
    epochs: int,
    lr: float,
    batch_size: int = 64,
    d_model: int = 64,
    heads: int = 4,
    d_ff: int = 128,
    layers: int = 2,
    dropout: float = 0.0,
    norm_first: bool = True,
    warmup: float = 0.1,
    jit_compile="auto",
    verbose: int = 2,
):
    """Train a ``transformer`` on ``encode_dates`` arrays, as ``train_translator`` trains seq2seq.

    Source and target keep their own vocabularies; the target table is tied to the output.
    Adam with warm-up and cosine decay (see ``_optimizer``), teacher forcing in training; the
    test set is decoded greedily. Returns ``(model, predicted ids, scores)`` with scores
    ``exact_match`` (whole date right) and ``char_accuracy``.
    """
    model = models.build(
        "transformer",
        source_vocab=len(sequences.SOURCE_VOCAB),
        target_vocab=len(sequences.TARGET_VOCAB),
        d_model=d_model,
        heads=heads,
        d_ff=d_ff,
        layers=layers,
        dropout=dropout,
        norm_first=norm_first,
    )
    steps = epochs * -(-len(train_set["encoder"]) // batch_size)
    model.compile(
        _optimizer(lr, steps, warmup),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=_jit(jit_compile),
        steps_per_execution=runtime.steps_per_execution(16),
    )
    if verbose:
        print(f"--- transformer: {model.count_params():,} parameters")
    return fit_translator(model, train_set, test_set, batch_size=batch_size, epochs=epochs, verbose=verbose)


@runtime.scope()  # build and train on every visible GPU/TPU
def train_char_gpt(
    train_texts,
    val_texts,
    *,
    length: int,
    step: int,
    epochs: int,
    lr: float,
    batch_size: int = 64,
    min_count: int = 1,
    warmup: float = 0.1,
    callbacks=(),
    jit_compile="auto",
    verbose: int = 2,
    **builder_options,
) -> SimpleNamespace:
    """Fit a character-level ``gpt`` (``builder_options``: d_model, heads, d_ff, layers,
    dropout, positions, tie_embeddings) on texts, as ``train_char_model`` fits a ``char_rnn``.

    The same vocabulary (training characters seen ``min_count`` times or more, rarer ones
    ``<unk>``), the same windows of ``length`` every ``step`` characters and the same validation
    windows, so the losses compare with chapter 05's. Positions are learned up to ``length``.
    Returns ``model``, ``vocab``, ``history``, ``windows`` (train, validation shapes) and the
    validation ``val_loss`` and ``unigram`` baseline in nats per character.
    """
    data = char_windows(train_texts, val_texts, length=length, step=step, min_count=min_count)
    builder_options.setdefault("max_length", length)
    model = models.build("gpt", vocab_size=len(data.vocab), **builder_options)
    model.compile(
        _optimizer(lr, epochs * -(-len(data.x) // batch_size), warmup),
        "sparse_categorical_crossentropy",
        jit_compile=_jit(jit_compile),
        steps_per_execution=runtime.steps_per_execution(16),
    )
    return fit_language_model(model, data, epochs=epochs, batch_size=batch_size, callbacks=callbacks, verbose=verbose)


def sample_gpt(model, vocab, prompt: str, length: int = 100, temperature: float = 1.0,
               seed: int | None = None, stop: str | None = None) -> str:
    """Generate ``length`` characters after ``prompt`` with a character ``gpt``, as
    ``generate.sample_text`` does with a ``char_rnn``.

    A GPT keeps no state between steps: each new character runs the model on the text so far
    (its last ``max_length`` characters, the longest context it was trained on) and draws from
    the distribution at the last position (:func:`~dl_course.generate.sample_next`; padding
    and ``<unk>`` are never drawn). Ends early after the character ``stop`` when given.
    """
    if not prompt:
        raise ValueError("prompt must hold at least one character to start from.")
    check_positive(length, "length")
    window = model.get_layer("embedding").max_length or 1024
    ids = list(vocab.encode(prompt, unknown="unk"))
    rng = np.random.default_rng(seed)
    generated = []
    for _ in range(length):
        context = np.asarray([ids[-window:]], dtype="int32")
        probs = keras.ops.convert_to_numpy(model(context, training=False))[0, -1]
        token = sample_next(probs, temperature, rng, banned=(vocab.pad_id, vocab.unk_id))
        ids.append(token)
        generated.append(token)
        if stop is not None and vocab.decode([token]) == stop:
            break
    return vocab.decode(generated)


def _best_time(fn, x, repeats: int) -> float:
    """Seconds of the fastest of ``repeats`` calls of ``fn(x)`` after one warm-up (compiling) call."""
    fn(x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - start)
    return min(times)


def attention_cost(lengths=(32, 64, 128, 256, 512), *, d_model: int = 64, heads: int = 4,
                   units: int = 64, batch_size: int = 8, repeats: int = 3, seed: int = 0):
    """Time and memory of one self-attention layer against one LSTM layer per sequence length.

    For each n in ``lengths`` a batch of ``batch_size`` random sequences (n, d_model) goes once
    through ``MultiHeadAttention(heads, d_model / heads)`` (self-attention) and once through
    ``LSTM(units, return_sequences=True)``, each compiled by ``predict_on_batch``; the best of
    ``repeats`` runs is kept. Self-attention compares every pair of positions: its weights
    alone hold batch·heads·n² numbers, and its work grows as n²·d, all of it in parallel. The
    LSTM stores batch·n·units hidden states and does n·units·(d + units) work in n steps one
    after another. Returns a ``pandas.DataFrame`` indexed by ``length`` with columns
    ``attention_ms``, ``lstm_ms``, ``attention_weights_mib`` and ``lstm_states_mib`` (float32).
    """
    import pandas as pd

    lengths = check_widths(lengths, "lengths")
    for value, label in ((d_model, "d_model"), (heads, "heads"), (units, "units"),
                         (batch_size, "batch_size"), (repeats, "repeats")):
        check_positive(value, label)
    rng = np.random.default_rng(seed)
    rows = []
    for n in lengths:
        x = rng.normal(size=(batch_size, n, d_model)).astype("float32")
        inputs = keras.Input((n, d_model))
        attention = keras.layers.MultiHeadAttention(heads, max(d_model // heads, 1))
        self_attention = keras.Model(inputs, attention(inputs, inputs))
        lstm = keras.Model(inputs, keras.layers.LSTM(units, return_sequences=True)(inputs))
        rows.append(dict(
            length=n,
            attention_ms=1000 * _best_time(self_attention.predict_on_batch, x, repeats),
            lstm_ms=1000 * _best_time(lstm.predict_on_batch, x, repeats),
            attention_weights_mib=batch_size * heads * n * n * 4 / 2**20,
            lstm_states_mib=batch_size * n * units * 4 / 2**20,
        ))
        keras.backend.clear_session()
    return pd.DataFrame(rows).set_index("length")


def attention_maps(model, inputs) -> dict[str, np.ndarray]:
    """The attention weights of a trained ``transformer``, ``transformer_encoder``, ``gpt`` or
    ``bert`` for ``inputs`` (what the model takes, e.g. ``[source_ids, decoder_in]``): a dict
    from block name (``"encoder1"``, ``"decoder2"``, ``"decoder2/cross"`` …) to a NumPy array
    (batch, heads, queries, keys), each row summing to 1 (see ``models.transformer.attention_model``)."""
    weights = attention_model(model)(inputs, training=False)
    return {name: keras.ops.convert_to_numpy(w) for name, w in weights.items()}
