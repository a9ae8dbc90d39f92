"""Chapter 05, recurrent networks: the character language model, its unigram baseline, the
seq2vec and vec2seq toy tasks, RTRL's cost against BPTT's, the verse-shape measure of generated
poems and the exercise checks. Backend-neutral (``keras`` and NumPy only); training runs inside
``runtime.scope()``, so several GPUs or a TPU are used when present."""

from __future__ import annotations

import re
from types import SimpleNamespace

import keras
import numpy as np

from dl_course import models, runtime, train
from dl_course.datasets import text
from dl_course.exercises.registry import exercise, first_difference, function, number
from dl_course.exercises.runner import Wrong, call
from dl_course.scratch.activations import softmax
from dl_course.scratch.rnn import rnn_bptt, rnn_forward, rnn_rtrl


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
    data = char_windows(train_texts, val_texts, length=length, step=step, min_count=min_count)
    model = models.build("char_rnn", vocab_size=len(data.vocab), **builder_options)
    model.compile(keras.optimizers.Adam(lr, global_clipnorm=1.0), "sparse_categorical_crossentropy")
    return fit_language_model(model, data, epochs=epochs, batch_size=batch_size, callbacks=callbacks, verbose=verbose)


def char_windows(train_texts, val_texts, *, length: int, step: int, min_count: int = 1) -> SimpleNamespace:
    """The character data a language model of this course trains on: ``vocab`` (training
    characters seen ``min_count`` times or more; rarer ones ``<unk>``), the training ids, and
    next-character windows ``x, y`` (every ``step`` characters) and ``x_val, y_val`` (texts
    joined with blank lines)."""
    vocab = text.CharVocab.fit(train_texts, min_count=min_count, unknown="unk")
    train_ids = vocab.encode("".join(t + "\n\n" for t in train_texts))
    x, y = text.next_char_windows(train_ids, length, step=step)
    x_val, y_val = text.next_char_windows(vocab.encode("".join(t + "\n\n" for t in val_texts)), length)
    return SimpleNamespace(vocab=vocab, train_ids=train_ids, x=x, y=y, x_val=x_val, y_val=y_val)


def fit_language_model(model, data: SimpleNamespace, *, epochs: int, batch_size: int, callbacks=(),
                       verbose: int = 2) -> SimpleNamespace:
    """Fit a compiled language ``model`` on ``char_windows`` data; score it on the validation
    windows against the unigram baseline (nats per character)."""
    history = train.fit(model, data.x, data.y, validation_data=(data.x_val, data.y_val), epochs=epochs,
                        batch_size=batch_size, callbacks=callbacks, verbose=verbose)
    return SimpleNamespace(
        model=model,
        vocab=data.vocab,
        history=history,
        windows=(data.x.shape, data.x_val.shape),
        val_loss=float(model.evaluate(data.x_val, data.y_val, verbose=0, batch_size=256)),
        unigram=unigram_loss(data.train_ids, data.y_val, len(data.vocab)),
    )


def majority_range_data(n: int, length: int = 12, seed=0):
    """seq2vec toy task: digits 1–9; the class is the range (0: 1–3, 1: 4–6, 2: 7–9) that holds
    the most digits of the sequence (a tie goes to the lower range). Returns ``(x, y)``."""
    x = np.random.default_rng(seed).integers(1, 10, size=(n, length)).astype("int32")
    counts = np.stack([((x - 1) // 3 == r).sum(1) for r in range(3)], axis=1)
    return x, counts.argmax(1).astype("int32")


def counting_data(n: int, length: int = 12, modulus: int = 5, steps=(1, 2, 3, 4), seed=0):
    """vec2seq toy task: the vector is one-hot(start s) ⊕ one-hot(step k); the sequence to write
    is ``(s + k·t) mod modulus`` for t = 0 … length−1. Returns ``(vectors, sequences)``."""
    rng = np.random.default_rng(seed)
    start, step = rng.integers(0, modulus, n), rng.integers(0, len(steps), n)
    vectors = np.concatenate([np.eye(modulus)[start], np.eye(len(steps))[step]], axis=1).astype("float32")
    sequences = (start[:, None] + np.asarray(steps)[step][:, None] * np.arange(length)) % modulus
    return vectors, sequences.astype("int32")


@runtime.scope()  # build and train on every visible GPU/TPU
def train_patterns(n_train: int, epochs: int, units: int = 16, lr: float = 1e-2, seed: int = 0) -> dict:
    """Train the chapter's seq2vec (``rnn_classifier``) and vec2seq (``rnn_vec2seq``) GRUs on
    their toy tasks; return each one's accuracy on 500 new examples and its chance level (the
    most frequent class; for vec2seq per output step)."""
    scores = {}
    x, y = majority_range_data(n_train + 500, seed=seed)
    keras.utils.set_random_seed(seed)
    seq2vec = models.build("rnn_classifier", vocab_size=10, classes=3, embed_dim=8, units=units, cell="gru")
    seq2vec.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    seq2vec.fit(x[:n_train], y[:n_train], epochs=epochs, batch_size=64, verbose=0)
    scores["seq2vec"] = (float(seq2vec.evaluate(x[n_train:], y[n_train:], verbose=0)[1]),
                         float(np.bincount(y[n_train:]).max() / 500))
    v, s = counting_data(n_train + 500, seed=seed)
    vec2seq = models.build("rnn_vec2seq", input_dim=v.shape[1], length=s.shape[1], outputs=5, units=units, cell="gru")
    vec2seq.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    vec2seq.fit(v[:n_train], s[:n_train], epochs=epochs, batch_size=64, verbose=0)
    scores["vec2seq"] = (float(vec2seq.evaluate(v[n_train:], s[n_train:], verbose=0)[1]), 1 / 5)
    return scores


def rtrl_vs_bptt(units=(8, 16, 32), inputs: int = 8, steps: int = 20, batch: int = 8, classes: int = 8, seed: int = 0):
    """Seconds for one gradient of the scratch RNN by BPTT and by RTRL (``scratch.rnn.rnn_rtrl``)
    for each hidden size, the largest relative difference of their gradients, and the number
    of numbers each must keep: BPTT the T hidden states, RTRL the sensitivities ∂h/∂θ."""
    import time

    rng, rows = np.random.default_rng(seed), []
    for n in units:
        p = dict(U=rng.normal(scale=0.3, size=(inputs, n)), W=rng.normal(scale=n**-0.5, size=(n, n)),
                 V=rng.normal(size=(n, classes)), b=np.zeros(n), c=np.zeros(classes))
        x, y = rng.normal(size=(batch, steps, inputs)), rng.integers(0, classes, size=(batch, steps))
        start = time.perf_counter()
        bptt = rnn_bptt(x, y, **p)[1]
        middle = time.perf_counter()
        rtrl = rnn_rtrl(x, y, **p)[1]
        end = time.perf_counter()
        diff = max(np.linalg.norm(rtrl[k] - bptt[k]) / np.linalg.norm(bptt[k]) for k in bptt)
        rows.append({"n": n, "bptt_s": middle - start, "rtrl_s": end - middle, "relative_difference": float(diff),
                     "bptt_memory": steps * n, "rtrl_memory": n * n * (inputs + n + 1)})
    return rows


#: What ends a clause in the poems: the full-width punctuation and the line break.
CLAUSE_END = r"[，。！？；：\n]"
_REGULAR_LINE = re.compile(r"^(?:(?:[^，。！？；：]{5}，[^，。！？；：]{5}。)+|(?:[^，。！？；：]{7}，[^，。！？；：]{7}。)+)$")


def verse_shares(poem_text: str) -> tuple[float, float]:
    """The verse-shape measure of generated poems: the share of clauses (text cut at
    ``CLAUSE_END``) with 5 or 7 characters, and the share of lines of the form
    "xxxxx，xxxxx。" (5 or 7 characters each, one or more pairs). Empty text scores 0."""
    clauses = [c for c in re.split(CLAUSE_END, poem_text) if c]
    lines = [line for line in poem_text.split("\n") if line]
    return (float(np.mean([len(c) in (5, 7) for c in clauses])) if clauses else 0.0,
            float(np.mean([bool(_REGULAR_LINE.match(line)) for line in lines])) if lines else 0.0)


def truncated_grads(x, y, U, W, V, b, c, n: int) -> dict:
    """Gradients when the loss at step t flows back only to h_t, …, h_{t−n+1} (n steps)."""
    batch, steps = y.shape
    hs = rnn_forward(x, U, W, b, np.zeros((batch, U.shape[1])))
    p = softmax(hs @ V + c)
    rows, cols = np.meshgrid(np.arange(batch), np.arange(steps), indexing="ij")
    do = p.copy()
    do[rows, cols, y] -= 1.0
    do /= batch
    grads = {"U": np.zeros_like(U), "W": np.zeros_like(W), "b": np.zeros(U.shape[1]),
             "V": np.einsum("btu,btk->uk", hs, do), "c": do.sum(axis=(0, 1))}
    for t in range(steps):
        dh = do[:, t] @ V.T
        for s in range(t, max(t - n, -1), -1):
            da = dh * (1.0 - hs[:, s] ** 2)
            h_prev = hs[:, s - 1] if s > 0 else np.zeros_like(hs[:, 0])
            grads["U"] += x[:, s].T @ da
            grads["W"] += h_prev.T @ da
            grads["b"] += da.sum(axis=0)
            dh = da @ W.T
    return grads


def _rnn_case(rng, batch=3, steps=6, inputs=4, units=5, classes=3):
    return (rng.normal(size=(batch, steps, inputs)), rng.integers(0, classes, size=(batch, steps)),
            0.5 * rng.normal(size=(inputs, units)), 0.5 * rng.normal(size=(units, units)),
            0.5 * rng.normal(size=(units, classes)), 0.1 * rng.normal(size=units), 0.1 * rng.normal(size=classes))


def _student_grads(fn, case, n):
    out = call(fn, *[a.copy() for a in case], n)
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict):
        out = out[1]  # (loss, grads) like rnn_bptt
    if not isinstance(out, dict) or not {"U", "W", "b"} <= set(out):
        raise Wrong("返回值应是梯度字典 the result should be a dict of gradients with keys U, W, b (V, c optional), "
                    f"得到 got {type(out).__name__}.", "照 scratch.rnn_bptt 的返回格式。Return grads as rnn_bptt does.")
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


@exercise("05.2", "a function truncated_bptt(x, y, U, W, V, b, c, n) -> grads dict (or (loss, grads))")
def truncated_bptt(answer):
    fn = function(answer, "truncated_bptt(x, y, U, W, V, b, c, n)")
    rng = np.random.default_rng(52)
    case = _rnn_case(rng)
    steps = case[1].shape[1]
    full = rnn_bptt(*case)[1]
    for n in (steps, steps + 3, 1, 3):
        got = _student_grads(fn, case, n)
        want = full if n >= steps else truncated_grads(*case, n)
        for key in ("U", "W", "b"):
            if got[key].shape != want[key].shape:
                raise Wrong(f"n={n}: grads['{key}'] 形状 shape {got[key].shape}, 应为 expected {want[key].shape}.")
            where = first_difference(got[key], want[key], 1e-8)
            if where is None:
                continue
            if n >= steps:
                raise Wrong(f"n={n} ≥ T={steps} 时应与完整 BPTT 相同 should equal full BPTT: grads['{key}'] {where}.",
                            "n 不小于序列长度时截断不起作用。With n ≥ T nothing is cut.")
            for off in (n - 1, n + 1):
                if off >= 1 and np.allclose(got[key], truncated_grads(*case, off)[key], atol=1e-8):
                    raise Wrong(f"n={n}: grads['{key}'] {where}; 和回传 {off} 步的结果一样 it matches {off} steps.",
                                "差了一步：n=1 表示每步的损失只对当前的 h_t 求导。Off by one: n=1 means only h_t itself.")
            raise Wrong(f"n={n}: grads['{key}'] {where}.",
                        "每个时间步 t 的损失单独回传，最多经过 n 个隐藏状态 h_t … h_{t−n+1}；"
                        "不能像完整 BPTT 那样把 dh_next 一路带下去。Back-propagate each step's loss separately, n states deep.")


#: The notebook's full-profile settings (its settings cell's ``full=`` dict must equal this).
FULL_SETTINGS = dict(lm_cell="lstm", lm_embed=128, lm_units=(256, 256), lm_dropout=0.2, lm_min_count=2, lm_length=64,
                     lm_step=4, lm_epochs=40, lm_lr=3e-3, lm_batch=64, en_units=(256, 256), en_length=100, en_step=10,
                     en_epochs=30, en_lr=3e-3, tag_samples=20000, tag_epochs=10, pattern_train=10000, pattern_epochs=10)
#: The corpora as the chapter splits them (``fortunes-zh``'s 313 Tang poems less 31 for validation,
#: ``fortunes``' 720 English poems less a tenth): training and validation characters (poems joined
#: with blank lines) and the vocabulary (Tang: characters seen twice or more; English: all).
CORPORA = {"tang": dict(train=22077, val=1992, vocab=1577), "english": dict(train=196849, val=18553, vocab=92)}


def full_workload(values=FULL_SETTINGS) -> list:
    """The full profile's training loops, for ``dl_course.estimate``: the two character models
    (every epoch the early stopping allows, validation windows every epoch), the bidirectional
    tagger (80 % of the samples, batch 64) and the anomaly GRU (5 epochs of 1,976 windows)."""
    from dl_course.estimate import Loop, settings

    cfg = settings(values)

    def windows(chars, length, step):
        return len(range(0, chars - length, step))

    def char_model(corpus, units, length):
        return lambda: models.build("char_rnn", vocab_size=CORPORA[corpus]["vocab"], embed_dim=cfg.lm_embed, units=units,
                                    cell=cfg.lm_cell, dropout=cfg.lm_dropout, input_length=length)

    def anomaly_gru():
        return keras.Sequential([keras.Input((24, 1)), keras.layers.GRU(16), keras.layers.Dense(1)])

    tang, english = CORPORA["tang"], CORPORA["english"]
    n_tag = int(0.8 * cfg.tag_samples)
    return [
        Loop("Tang poems, char LSTM", windows(tang["train"], cfg.lm_length, cfg.lm_step), cfg.lm_epochs, cfg.lm_batch,
             evaluate=windows(tang["val"], cfg.lm_length, cfg.lm_length), build=char_model("tang", cfg.lm_units, cfg.lm_length)),
        Loop("English poems, char LSTM", windows(english["train"], cfg.en_length, cfg.en_step), cfg.en_epochs, 64,
             evaluate=windows(english["val"], cfg.en_length, cfg.en_length),
             build=char_model("english", cfg.en_units, cfg.en_length)),
        Loop("bidirectional GRU tagger", n_tag, cfg.tag_epochs, 64, final=cfg.tag_samples - n_tag,
             build=lambda: models.build("rnn_tagger", vocab_size=10, tags=2, embed_dim=8, units=16, cell="gru",
                                        bidirectional=True, input_length=12)),
        Loop("anomaly GRU", 1976, 5, 64, final=1176, build=anomaly_gru),
    ]


@exercise("05.6", "a function rtrl_sensitivities(n, m) -> the number of entries of ∂h_t/∂(U, W, b) per sequence")
def rtrl_sensitivities(answer):
    fn = function(answer, "rtrl_sensitivities(n, m)")
    for n, m in ((1, 1), (32, 8), (100, 50)):
        got = number(call(fn, n, m), f"rtrl_sensitivities({n}, {m})")
        params = n * (m + n + 1)
        if got == n * params:
            continue
        if got == params:
            raise Wrong(f"n={n}, m={m}: {got:g} 只是循环层的参数个数 is the number of parameters.",
                        "RTRL 要为每个隐藏单元 h_t[k] 各保存一份对全部参数的导数。"
                        "Every hidden unit keeps its own derivative with respect to every parameter.")
        if got == n * n * (m + n):
            raise Wrong(f"n={n}, m={m}: {got:g} 少了一部分参数 a set of parameters is missing.",
                        "偏置 b 也是参数。The bias b is a parameter too.")
        if got in (n * n * n * (m + n + 1), n * params * n):
            raise Wrong(f"n={n}, m={m}: {got:g} 多乘了一个 n one factor n too many.",
                        "导数 ∂h_t/∂θ 是一个矩阵：行数是隐藏单元个数，列数是参数个数。"
                        "∂h_t/∂θ is a matrix: one row per hidden unit, one column per parameter.")
        raise Wrong(f"n={n}, m={m}: {got:g} 不对 is wrong (the recurrent layer has {params} parameters).",
                    "先数 U、W、b 的参数个数，再想 ∂h_t/∂θ 是什么形状；RTRL 不保存过去的时间步。"
                    "Count U, W and b, then think of the shape of ∂h_t/∂θ; RTRL keeps no past steps.")
