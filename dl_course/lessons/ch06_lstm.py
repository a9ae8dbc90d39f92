"""Chapter 06, LSTM, GRU and sequence-to-sequence: the adding problem, the date translator and the
exercise checks. Backend-neutral (``keras`` and NumPy only); training runs inside
``runtime.scope()``, so several GPUs or a TPU are used when present."""

from __future__ import annotations

import keras
import numpy as np

from dl_course import models, runtime
from dl_course.datasets import sequences
from dl_course.exercises.registry import exercise, function, number
from dl_course.exercises.runner import Wrong, call
from dl_course.generate import greedy_decode
from dl_course.models.recurrent import recurrent_layer

#: Labels of the recurrent cells compared on the adding problem.
CELL_LABELS = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def adding_model(T: int, units: int, cells=tuple(CELL_LABELS), chrono: bool = True) -> keras.Model:
    """``adding_run``'s model: one recurrent layer + ``Dense(1)`` per cell, side by side, outputs by label."""
    inputs = keras.Input((T, 2))
    memory = {"lstm": T} if chrono else {}  # ChronoBias is for LSTMs only
    outputs = {
        CELL_LABELS[cell]: keras.layers.Dense(1, name=CELL_LABELS[cell])(
            recurrent_layer(cell, units, False, name=cell, memory=memory.get(cell))(inputs)
        )
        for cell in cells
    }
    return keras.Model(inputs, outputs, name=f"adding_T{T}")


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
    model = adding_model(T, units, cells=cells, chrono=chrono)
    outputs = [CELL_LABELS[cell] for cell in cells]  # the model's output names
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
        print(f"--- {builder}：{model.count_params():,} 个参数")
    return fit_translator(model, train_set, test_set, batch_size=batch_size, epochs=epochs, verbose=verbose)


def fit_translator(model, train_set: dict, test_set: dict, *, batch_size: int, epochs: int, verbose: int = 2):
    """Fit a compiled encoder–decoder with teacher forcing, decode the test set greedily; return
    ``(model, predicted ids, scores)`` with ``exact_match`` (whole date right) and ``char_accuracy``."""
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


#: The notebook's full-profile settings (its settings cell's ``full=`` dict must equal this).
FULL_SETTINGS = dict(adding_T=(10, 25, 50, 100, 150), adding_train=20000, adding_epochs=20, adding_units=64, adding_lr=0.003,
                     date_train=20000, date_batch_size=64, date_test=2000, date_epochs=10, date_units=128, date_lr=0.005)


def translator_cost(attention: bool, units: int, embed_dim: int = 32):
    """``dl_course.estimate.Cost`` of one date pair through ``seq2seq(_attention)``: its inputs have no
    fixed length, so the count is written out (encoder LSTM over 20 source ids, decoder LSTM over 10
    target ids, the output layer; attention: scores and context over the 20 encoder states)."""
    from dl_course.estimate import Cost

    source, target = 20, sequences.TARGET_LENGTH
    lstm = 4 * (embed_dim * units + units * units)
    macs = (source + target) * lstm + target * units * len(sequences.TARGET_VOCAB)
    if attention:
        macs += target * (2 * source * units + 2 * units * units)
    units_out = (source + target) * 6 * units  # four gates, the cell and the output of every step
    return Cost(macs=macs, units=units_out, layers=8, time_steps=source + target)


def full_workload(values=FULL_SETTINGS) -> list:
    """The full profile's training loops, for ``dl_course.estimate``: one three-cell adding model per
    length T (batch 64, 1,000 test sequences), then both translators (greedy decoding of the test
    set runs the model once per output character)."""
    from dl_course.estimate import Loop, settings

    cfg = settings(values)
    loops = [Loop(f"adding problem T={T}", cfg.adding_train, cfg.adding_epochs, 64, final=1000,
                  build=lambda T=T: adding_model(T, cfg.adding_units)) for T in cfg.adding_T]
    loops += [Loop(builder, cfg.date_train, cfg.date_epochs, cfg.date_batch_size,
                   final=cfg.date_test * sequences.TARGET_LENGTH,
                   cost=translator_cost(builder.endswith("attention"), cfg.date_units))
              for builder in ("seq2seq", "seq2seq_attention")]
    return loops
