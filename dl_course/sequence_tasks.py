"""Train and score the recurrent models of chapters 05–06 on their tasks.

* :func:`train_char_model`: a ``char_rnn`` language model on poems, scored against the
  unigram baseline (:func:`unigram_loss`);
* :func:`adding_run`: SimpleRNN, LSTM and GRU side by side on the adding problem;
* :func:`train_translator`: an encoder–decoder on the date-translation task.

Backend-neutral (``keras`` and NumPy only), so they also run under ``KERAS_BACKEND=jax``. Each
builds and trains inside ``runtime.scope()``, so several GPUs or a TPU are used when present.
"""

from __future__ import annotations

from types import SimpleNamespace

import keras
import numpy as np

from dl_course import models, runtime, train
from dl_course.datasets import sequences, text
from dl_course.generate import greedy_decode
from dl_course.models.recurrent import recurrent_layer

#: Labels of the recurrent cells compared on the adding problem.
CELL_LABELS = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def unigram_loss(train_ids, target_ids, vocab_size: int) -> float:
    """Cross-entropy (nats per symbol) of ``target_ids`` under the add-one-smoothed symbol
    frequencies of ``train_ids``: the baseline a language model must beat."""
    train_ids, target_ids = np.asarray(train_ids).ravel(), np.asarray(target_ids).ravel()
    if train_ids.size == 0 or target_ids.size == 0:
        raise ValueError("unigram_loss needs non-empty train_ids and target_ids.")
    if max(train_ids.max(), target_ids.max()) >= vocab_size or min(train_ids.min(), target_ids.min()) < 0:
        raise ValueError(f"ids must lie in [0, vocab_size={vocab_size}).")
    counts = np.bincount(train_ids, minlength=vocab_size) + 1.0
    return float(-np.log(counts / counts.sum())[target_ids].mean())


@runtime.scope()  # build and train on every visible GPU/TPU
def train_char_model(
    train_texts,
    val_texts,
    *,
    length: int,
    step: int,
    epochs: int,
    lr: float,
    batch_size: int = 64,
    min_count: int = 1,
    callbacks=(),
    verbose: int = 2,
    **builder_options,
) -> SimpleNamespace:
    """Fit a ``char_rnn`` (``builder_options``: cell, embed_dim, units, dropout) on texts.

    Texts are joined with blank lines; the vocabulary holds the training characters seen
    ``min_count`` times or more (rarer ones become ``<unk>``). Training windows of ``length``
    start every ``step`` characters; Adam with global gradient clipping at norm 1;
    ``callbacks`` (e.g. early stopping) go to ``fit``.
    Returns ``model``, ``vocab``, ``history``, ``windows`` (train, validation shapes) and the
    validation ``val_loss`` and ``unigram`` baseline in nats per character.
    """
    vocab = text.CharVocab.fit(train_texts, min_count=min_count, unknown="unk")
    train_ids = vocab.encode("".join(t + "\n\n" for t in train_texts))
    x, y = text.next_char_windows(train_ids, length, step=step)
    x_val, y_val = text.next_char_windows(vocab.encode("".join(t + "\n\n" for t in val_texts)), length)
    model = models.build("char_rnn", vocab_size=len(vocab), **builder_options)
    model.compile(keras.optimizers.Adam(lr, global_clipnorm=1.0), "sparse_categorical_crossentropy")
    history = train.fit(model, x, y, validation_data=(x_val, y_val), epochs=epochs,
                        batch_size=batch_size, callbacks=callbacks, verbose=verbose)
    return SimpleNamespace(
        model=model,
        vocab=vocab,
        history=history,
        windows=(x.shape, x_val.shape),
        val_loss=float(model.evaluate(x_val, y_val, verbose=0, batch_size=256)),
        unigram=unigram_loss(train_ids, y_val, len(vocab)),
    )


@runtime.scope()  # build and train on every visible GPU/TPU
def adding_run(
    T: int,
    *,
    n_train: int,
    units: int,
    lr: float,
    epochs: int,
    batch_size: int = 64,
    n_test: int = 1000,
    cells=tuple(CELL_LABELS),
    chrono: bool = True,
    jit_compile="auto",
    verbose: int = 2,
) -> dict[str, float]:
    """Train one recurrent layer + ``Dense(1)`` per cell on the adding problem of length ``T``;
    return each cell's test MSE by label (``"SimpleRNN"``, ``"LSTM"``, ``"GRU"``).

    The layers sit side by side in one model, each with its own output and MSE loss: they
    share no weights and Adam's ``clipnorm`` clips each weight on its own, so this equals
    training them apart on the same mini-batches, with one graph to build. With ``chrono``
    the LSTM's biases start as :class:`~dl_course.models.recurrent.ChronoBias` for lags up to
    ``T`` (else forget-gate bias 1). Training data uses seed 1, the test set seed 2.
    """
    x, y = sequences.adding_problem(n_train, T=T, seed=1)
    x_test, y_test = sequences.adding_problem(n_test, T=T, seed=2)
    inputs = keras.Input((T, 2))
    memory = {"lstm": T} if chrono else {}  # ChronoBias is for LSTMs only
    outputs = {
        CELL_LABELS[cell]: keras.layers.Dense(1, name=CELL_LABELS[cell])(
            recurrent_layer(cell, units, False, name=cell, memory=memory.get(cell))(inputs)
        )
        for cell in cells
    }
    model = keras.Model(inputs, outputs, name=f"adding_T{T}")
    model.compile(
        keras.optimizers.Adam(lr, clipnorm=1.0),
        loss={k: "mse" for k in outputs},
        jit_compile=jit_compile,
        steps_per_execution=runtime.steps_per_execution(16),
    )
    model.fit(x, {k: y for k in outputs}, batch_size=batch_size, epochs=epochs, verbose=verbose)
    pred = model.predict(x_test, batch_size=n_test, verbose=0)
    return {k: float(np.mean((np.asarray(pred[k]) - y_test) ** 2)) for k in outputs}


@runtime.scope()  # build and train on every visible GPU/TPU
def train_translator(
    builder: str,
    train_set: dict,
    test_set: dict,
    *,
    units: int,
    epochs: int,
    lr: float,
    batch_size: int = 64,
    embed_dim: int = 32,
    jit_compile="auto",
    verbose: int = 2,
):
    """Train ``builder`` (``"seq2seq"`` or ``"seq2seq_attention"``) on ``encode_dates`` arrays.

    Adam with a cosine decay of the learning rate to zero over the run, teacher forcing in
    training; the test set is decoded greedily. Returns ``(model, predicted ids, scores)``
    with scores ``exact_match`` (whole date right) and ``char_accuracy``.
    """
    model = models.build(
        builder,
        source_vocab=len(sequences.SOURCE_VOCAB),
        target_vocab=len(sequences.TARGET_VOCAB),
        embed_dim=embed_dim,
        units=units,
    )
    steps = epochs * -(-len(train_set["encoder"]) // batch_size)
    model.compile(
        keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(lr, steps)),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=jit_compile,
        steps_per_execution=runtime.steps_per_execution(16),
    )
    if verbose:
        print(f"--- {builder}: {model.count_params():,} parameters")
    model.fit(
        [train_set["encoder"], train_set["decoder_in"]],
        train_set["decoder_out"],
        batch_size=batch_size,
        epochs=epochs,
        verbose=verbose,
    )
    start_id = sequences.TARGET_VOCAB.index[sequences.START]
    pred = greedy_decode(model, test_set["encoder"], sequences.TARGET_LENGTH, start_id)
    right = pred == test_set["decoder_out"]
    return model, pred, dict(exact_match=float(right.all(axis=1).mean()), char_accuracy=float(right.mean()))
