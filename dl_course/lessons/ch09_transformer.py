"""Chapter 09, self-attention and the Transformer: the chapter's task code.

* :func:`train_date_transformer`: a small Transformer on chapter 06's date translation, scored
  as ``train_translator`` scores the recurrent encoder–decoders;
* :func:`train_char_gpt`: a character-level GPT on poems, scored against the unigram baseline
  as chapter 05's ``train_char_model``, with :func:`sample_gpt` to write with it;
* :func:`attention_cost`: time and memory of one self-attention layer against one LSTM layer
  as the sequence grows (O(n²) against O(n));
* :func:`attention_maps`: a trained model's attention weights, head by head, for plotting;
* :func:`date_format` and :func:`date_errors`: where a date translator still fails, by the
  format of the source and by the field (year, month, day) it got wrong;
* the exercise checks (09.1 the causal mask, 09.2 a block's parameters, 09.3 attention).

Backend-neutral (``keras`` and NumPy only). Each trainer builds and trains inside
``runtime.scope()``, so several GPUs or a TPU are used when present.
"""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace

import keras
import numpy as np

from dl_course import models, runtime
from dl_course.checks import check_positive, check_widths
from dl_course.datasets import sequences
from dl_course.exercises.registry import array_result, exercise, first_difference, function, number
from dl_course.exercises.runner import Wrong, call
from dl_course.generate import sample_next
from dl_course.lessons.ch05_rnn import (  # chapter 05: data, scoring and its baseline
    char_windows,
    fit_language_model,
)
from dl_course.lessons.ch06_lstm import fit_translator  # chapter 06: training and scoring
from dl_course.models.transformer import attention_model
from dl_course.scratch.attention import causal_mask, scaled_dot_product_attention
from dl_course.train import warmup_cosine


def _optimizer(lr: float, steps: int, warmup: float):
    """Adam (β₂ = 0.98, as Vaswani et al. 2017 §5.3) with a linear warm-up over a ``warmup``
    share of the ``steps``, then a cosine decay to zero; global gradient clipping at norm 1."""
    return keras.optimizers.Adam(warmup_cosine(lr, steps, warmup, start=0.0), beta_2=0.98, global_clipnorm=1.0)


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
        print(f"--- transformer：{model.count_params():,} 个参数")
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


def sample_gpt_batch(model, vocab, prompts, length: int = 100, temperature: float = 1.0,
                     seed: int | None = None) -> list[str]:
    """``length`` characters after each of ``prompts`` (strings of one length), drawn side by side:
    what :func:`sample_gpt` draws, one batch per step instead of one call per prompt and step.

    Every step feeds a window of a fixed width (the model's ``max_length``, else the prompt plus
    ``length``): the text so far at the start, padding after it, the distribution read at the last
    real character. The causal mask keeps the padding out of that position's view, and the one
    window shape lets ``predict_on_batch`` compile once.
    """
    prompts = list(prompts)
    if not prompts or any(not p for p in prompts) or len({len(p) for p in prompts}) != 1:
        raise ValueError("prompts must be non-empty strings of one length, e.g. ['春', '月'].")
    check_positive(length, "length")
    window = model.get_layer("embedding").max_length or len(prompts[0]) + length
    ids = np.asarray([vocab.encode(p, unknown="unk") for p in prompts], dtype="int32")
    rng = np.random.default_rng(seed)
    for _ in range(length):
        context = ids[:, -window:]
        steps = context.shape[1]
        batch = np.zeros((len(prompts), window), dtype="int32")
        batch[:, :steps] = context
        probs = keras.ops.convert_to_numpy(model.predict_on_batch(batch))[:, steps - 1]
        drawn = [sample_next(p, temperature, rng, banned=(vocab.pad_id, vocab.unk_id)) for p in probs]
        ids = np.concatenate([ids, np.asarray(drawn, dtype="int32")[:, None]], axis=1)
    return [vocab.decode(row[len(prompts[0]):]) for row in ids]


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


# ------------------------------------------------------------------ where a translator fails

#: The fields of an ISO date "YYYY-MM-DD" by character position.
DATE_FIELDS = {"year": slice(0, 4), "month": slice(5, 7), "day": slice(8, 10)}


def date_format(source: str, target: str) -> str:
    """The format of ``sequences.DATE_FORMATS`` that writes ``target`` (an ISO date) as ``source``
    (the first that does: "3 May 2021" is both "{d} {month} {y}" and "{d} {mon} {y}")."""
    day = dt.date.fromisoformat(target)
    for fmt in sequences.DATE_FORMATS:
        if sequences.format_date(day, fmt) == source:
            return fmt
    raise ValueError(f"{source!r} is not {target} in any of sequences.DATE_FORMATS.")


def date_errors(sources, targets, predicted: dict):
    """Wrong translations per source format and per field, for each model in ``predicted``
    (name → predicted strings, in the order of ``sources``). Returns a ``pandas.DataFrame``
    indexed by format (and a last row ``"all"``) with the column ``examples`` and, per model,
    ``{name}`` (dates not exactly right) and ``{name} year`` / ``month`` / ``day`` (dates with
    that field wrong; a date can have several)."""
    import pandas as pd

    formats = [date_format(s, t) for s, t in zip(sources, targets, strict=True)]
    table = pd.DataFrame({"format": formats, "examples": 1})
    for name, guesses in predicted.items():
        if len(guesses) != len(targets):
            raise ValueError(f"predicted[{name!r}] holds {len(guesses)} dates for {len(targets)} targets.")
        table[name] = [g != t for g, t in zip(guesses, targets, strict=True)]
        for field, where in DATE_FIELDS.items():
            table[f"{name} {field}"] = [g[where] != t[where] for g, t in zip(guesses, targets, strict=True)]
    counts = table.groupby("format", sort=False).sum()
    counts = counts.reindex([f for f in sequences.DATE_FORMATS if f in counts.index])
    counts.loc["all"] = counts.sum()
    return counts.astype(int)


# ------------------------------------------------------------------------- exercise checks


def _mask_array(fn, n):
    got = call(fn, n)
    try:
        got = np.asarray(got)
    except (TypeError, ValueError) as error:
        raise Wrong(f"n={n}: 返回值不是数组 the result is not an array ({error}).") from None
    if got.shape != (n, n):
        raise Wrong(f"n={n}: 形状不对 wrong shape: 应为 expected {(n, n)}, 得到 got {got.shape}.",
                    "每个查询一行、每个键一列。One row per query, one column per key.")
    if got.dtype != bool and not np.isin(got, (0, 1)).all():
        raise Wrong(f"n={n}: 掩码只能是 True/False（或 1/0）the mask holds only True/False (or 1/0).")
    return got.astype(bool)


@exercise("09.1", "a function causal_mask(n) -> (n, n) booleans, True where query i may look at key j")
def causal_mask_check(answer):
    fn = function(answer, "causal_mask(n)")
    for n in (4, 7, 1):
        got, want = _mask_array(fn, n), causal_mask(n)
        if np.array_equal(got, want):
            continue
        if np.array_equal(got, ~want):
            raise Wrong(f"n={n}: True 和 False 正好反了 True and False are swapped.",
                        "这里 True 表示“可以看”，与 Keras 的 attention_mask 相同。True means 'may attend', as in Keras.")
        if np.array_equal(got, want.T):
            raise Wrong(f"n={n}: 掩码转置了 the mask is transposed.",
                        "行是查询、列是键：第 i 行能看哪些列？Rows are queries, columns keys: which columns may row i see?")
        if np.array_equal(got, np.tril(want, -1)):
            raise Wrong(f"n={n}: 对角线是 False the diagonal is False.",
                        "位置 i 能看见它自己吗？Can position i see itself?")
        raise Wrong(f"n={n}: {int((got != want).sum())} 个元素不对 entries are wrong.",
                    "位置 i 只能看它自己和它之前的位置。Position i sees itself and the positions before it.")


def block_parameters(d_model: int, d_ff: int) -> int:
    """Parameters of one encoder ``TransformerBlock``: Q, K, V and output projections with biases,
    the feed-forward network's two Dense layers, two layer norms (γ and β)."""
    return 4 * (d_model * d_model + d_model) + (2 * d_model * d_ff + d_ff + d_model) + 4 * d_model


@exercise("09.2", "a function block_params(d_model, heads, d_ff) -> int, one encoder block's parameters")
def block_params_check(answer):
    fn = function(answer, "block_params(d_model, heads, d_ff)")
    for d, h, f in ((16, 2, 32), (64, 4, 256), (512, 8, 2048), (512, 16, 2048)):
        got = number(call(fn, d, h, f), f"block_params({d}, {h}, {f})")
        want = block_parameters(d, f)
        if got == want:
            continue
        case = f"d_model={d}, heads={h}, d_ff={f}: {got:g}"
        if got != number(call(fn, d, 1, f), f"block_params({d}, 1, {f})"):
            raise Wrong(f"{case}，随头数变化 it changes with the number of heads.",
                        "每个头只在 d_model / heads 维里计算。Each head works in d_model / heads dimensions.")
        if got == 4 * d * d + 2 * d * f + 4 * d:
            raise Wrong(f"{case} 不对 is wrong.", "四个投影和两个 Dense 层都有偏置。The projections and Dense layers have biases.")
        if got == want - 4 * d:
            raise Wrong(f"{case} 不对 is wrong.", "层归一化 (layer norm) 也有参数。Layer normalisation has weights too.")
        if got == want - 2 * d:
            raise Wrong(f"{case} 不对 is wrong.", "一个块里有几个层归一化？How many layer norms does a block hold?")
        if got == want - (d * d + d):
            raise Wrong(f"{case} 不对 is wrong.", "各头拼接之后还有一个投影。The heads are concatenated, then projected once more.")
        raise Wrong(f"{case} 不对 is wrong.",
                    "逐个子层数：注意力的投影、前馈网络、层归一化。Count sub-layer by sub-layer.")


def _attention_output(fn, q, k, v, mask, case):
    out = call(fn, q, k, v, mask)
    if isinstance(out, tuple) and len(out) == 2:
        out = out[0]  # (output, weights) like scratch.scaled_dot_product_attention
    return array_result(lambda: out, (), v.shape[:-2] + (q.shape[-2], v.shape[-1]), case)


@exercise("09.3", "a function attention(q, k, v, mask=None) -> output (or (output, weights))")
def attention_check(answer):
    fn = function(answer, "attention(q, k, v, mask=None)")
    rng = np.random.default_rng(93)
    cases = [((5, 8), (6, 8), (6, 3), None), ((2, 3, 4, 16), (2, 3, 4, 16), (2, 3, 4, 5), causal_mask(4))]
    for q_shape, k_shape, v_shape, mask in cases:
        q, k, v = (rng.normal(size=s) for s in (q_shape, k_shape, v_shape))
        case = f"q {q_shape}, k {k_shape}, v {v_shape}" + (", causal mask" if mask is not None else "")
        got = _attention_output(fn, q.copy(), k.copy(), v.copy(), mask, case)
        want = scaled_dot_product_attention(q, k, v, mask)[0]
        where = first_difference(got, want, 1e-6)
        if where is None:
            continue
        d = q.shape[-1]
        if np.allclose(got, scaled_dot_product_attention(q, k, v, mask, scale=1.0)[0], atol=1e-6):
            raise Wrong(f"{case}: {where}.", "点积还要缩放。The dot products need scaling.")
        if np.allclose(got, scaled_dot_product_attention(q, k, v, mask, scale=1.0 / d)[0], atol=1e-6):
            raise Wrong(f"{case}: {where}.", "缩放因子是 1/√d_k。Scale by the square root.")
        if mask is not None and np.allclose(got, scaled_dot_product_attention(q, k, v)[0], atol=1e-6):
            raise Wrong(f"{case}: {where}.", "mask 为 False 的键应该得不到权重。Keys where the mask is False get no weight.")
        scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
        if mask is not None:
            scores = np.where(mask, scores, -1e9)
        columns = np.exp(scores - scores.max(-2, keepdims=True))
        if np.allclose(got, columns / columns.sum(-2, keepdims=True) @ v, atol=1e-6):
            raise Wrong(f"{case}: {where}.", "每个查询的权重（一行）加起来应为 1。Each query's weights (a row) sum to 1.")
        raise Wrong(f"{case}: {where}.", "按 softmax(Q Kᵀ / √d_k) V 一步一步算。Follow softmax(Q Kᵀ / √d_k) V step by step.")


# ------------------------------------------------------------------------- the full profile

#: The notebook's full-profile settings (its settings cell's ``full=`` dict must equal this).
FULL_SETTINGS = dict(date_train=20000, date_test=2000, date_batch=64, date_epochs=10, s2s_units=128, s2s_lr=0.005,
                     tf_d_model=128, tf_heads=8, tf_d_ff=512, tf_layers=3, tf_dropout=0.1, tf_lr=1e-3,
                     lm_cell="lstm", lm_embed=128, lm_units=(256, 256), lm_dropout=0.2, lm_lr=3e-3, lm_batch=64,
                     lm_min_count=2, lm_length=64, lm_step=4, lm_epochs=40, gpt_d_model=256, gpt_heads=8,
                     gpt_d_ff=1024, gpt_layers=4, gpt_dropout=0.2, gpt_lr=1e-3, gpt_batch=64,
                     cost_lengths=(64, 128, 256, 512, 1024, 2048))


def transformer_cost(d_model: int, d_ff: int, layers: int, steps: int, vocab: int, heads: int,
                     source_steps: int = 0):
    """``dl_course.estimate.Cost`` of one sequence through a Transformer: ``layers`` self-attention
    blocks over ``steps`` tokens, and with ``source_steps`` as many encoder blocks over the source
    plus cross-attention in each decoder block; the output layer over ``vocab``. Per block and token:
    the four projections 4d², the feed-forward 2df, and the scores and weighted sum 2·keys·d."""
    from dl_course.estimate import Cost

    def stack(n, keys, cross_keys=0):
        macs = n * (4 * d_model**2 + 2 * d_model * d_ff + 2 * keys * d_model)
        units = n * (8 * d_model + d_ff + heads * keys)
        if cross_keys:
            macs += 2 * n * d_model**2 + 2 * cross_keys * d_model**2 + 2 * n * cross_keys * d_model
            units += n * (4 * d_model + heads * cross_keys)
        return layers * macs, layers * units

    macs, units = stack(steps, steps, source_steps)
    if source_steps:
        encoder = stack(source_steps, source_steps)
        macs, units = macs + encoder[0], units + encoder[1]
    macs += steps * d_model * vocab
    return Cost(macs=macs, units=units + steps * vocab, layers=12 * layers * (2 if source_steps else 1), time_steps=0)


def full_workload(values=FULL_SETTINGS) -> list:
    """The full profile's training loops, for ``dl_course.estimate``: chapter 06's seq2seq with
    attention and the date Transformer (greedy decoding of the test set runs the model once per
    output character), chapter 05's character LSTM and the character GPT (every epoch the early
    stopping allows, the validation windows every epoch)."""
    from dl_course.estimate import Loop, settings
    from dl_course.lessons import ch05_rnn, ch06_lstm

    cfg = settings(values)
    tang = ch05_rnn.CORPORA["tang"]

    def windows(chars, length, step):
        return len(range(0, chars - length, step))

    train_windows, val_windows = windows(tang["train"], cfg.lm_length, cfg.lm_step), windows(tang["val"], cfg.lm_length, cfg.lm_length)
    final = cfg.date_test * sequences.TARGET_LENGTH
    return [
        Loop("seq2seq_attention (chapter 06)", cfg.date_train, cfg.date_epochs, cfg.date_batch, final=final,
             cost=ch06_lstm.translator_cost(True, cfg.s2s_units)),
        Loop("date Transformer", cfg.date_train, cfg.date_epochs, cfg.date_batch, final=final,
             cost=transformer_cost(cfg.tf_d_model, cfg.tf_d_ff, cfg.tf_layers, sequences.TARGET_LENGTH,
                                   len(sequences.TARGET_VOCAB), cfg.tf_heads, source_steps=20)),
        Loop("Tang poems, char LSTM (chapter 05)", train_windows, cfg.lm_epochs, cfg.lm_batch, evaluate=val_windows,
             build=lambda: models.build("char_rnn", vocab_size=tang["vocab"], embed_dim=cfg.lm_embed, units=cfg.lm_units,
                                        cell=cfg.lm_cell, dropout=cfg.lm_dropout, input_length=cfg.lm_length)),
        Loop("Tang poems, char GPT", train_windows, cfg.lm_epochs, cfg.gpt_batch, evaluate=val_windows,
             cost=transformer_cost(cfg.gpt_d_model, cfg.gpt_d_ff, cfg.gpt_layers, cfg.lm_length, tang["vocab"],
                                   cfg.gpt_heads)),
    ]
