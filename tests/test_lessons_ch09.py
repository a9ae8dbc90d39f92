"""Chapter 09's task code at tiny sizes: it runs end to end and returns what the chapter reads."""

import keras
import numpy as np
import pytest

from dl_course.datasets import sequences
from dl_course.lessons import ch09_transformer as ch09

TINY = dict(d_model=16, heads=2, d_ff=32, layers=1)


def test_train_date_transformer_returns_what_train_translator_returns():
    keras.utils.set_random_seed(0)
    train = sequences.encode_dates(*sequences.date_pairs(256, seed=1))
    test = sequences.encode_dates(*sequences.date_pairs(16, seed=2))
    model, pred, scores = ch09.train_date_transformer(train, test, epochs=1, lr=3e-3, batch_size=64,
                                                      jit_compile=False, verbose=0, **TINY)
    assert pred.shape == (16, sequences.TARGET_LENGTH)
    assert set(scores) == {"exact_match", "char_accuracy"} and 0 <= scores["exact_match"] <= scores["char_accuracy"] <= 1
    maps = ch09.attention_maps(model, [test["encoder"][:2], test["decoder_in"][:2]])
    assert sorted(maps) == ["decoder1", "decoder1/cross", "encoder1"]
    assert maps["decoder1/cross"].shape == (2, 2, sequences.TARGET_LENGTH, test["encoder"].shape[1])
    np.testing.assert_allclose(maps["encoder1"].sum(-1), 1.0, atol=1e-5)


def test_train_char_gpt_scores_like_the_char_rnn_and_samples():
    keras.utils.set_random_seed(0)
    texts = ["床前明月光，疑是地上霜。", "举头望明月，低头思故乡。"] * 20
    run = ch09.train_char_gpt(texts[2:], texts[:2], length=12, step=6, epochs=1, lr=3e-3, batch_size=16,
                              jit_compile=False, verbose=0, **TINY)
    assert {"model", "vocab", "history", "windows", "val_loss", "unigram"} <= set(vars(run))
    assert run.windows[0][1] == 12 and np.isfinite(run.val_loss) and run.unigram > 0
    assert run.model.get_layer("embedding").max_length == 12
    verse = ch09.sample_gpt(run.model, run.vocab, "明月" * 8, length=5, seed=0)  # a prompt longer than the window
    assert 1 <= len(verse) <= 5 and "<unk>" not in verse
    with pytest.raises(ValueError, match="prompt must hold at least one character"):
        ch09.sample_gpt(run.model, run.vocab, "")
    verses = ch09.sample_gpt_batch(run.model, run.vocab, ["明", "月"], length=15, seed=0)  # past the 12-step window
    assert len(verses) == 2 and all(len(v) == 15 and "<unk>" not in v for v in verses)
    with pytest.raises(ValueError, match="prompts must be non-empty strings of one length"):
        ch09.sample_gpt_batch(run.model, run.vocab, ["明", "月光"])


def test_date_errors_count_wrong_dates_by_format_and_field():
    sources, targets = sequences.date_pairs(40, seed=3)
    assert ch09.date_format("3 May 2021", "2021-05-03") == "{d} {month} {y}"
    wrong = [t[:5] + ("01" if t[5:7] != "01" else "02") + t[7:] if i % 4 == 0 else t for i, t in enumerate(targets)]
    table = ch09.date_errors(sources, targets, {"right": targets, "some": wrong})
    assert table.loc["all", "examples"] == 40 and table.loc["all", "right"] == 0
    assert table.loc["all", "some"] == table.loc["all", "some month"] == 10 and table.loc["all", "some day"] == 0
    assert list(table.index[:-1]) == [f for f in sequences.DATE_FORMATS if f in table.index]
    with pytest.raises(ValueError, match="is not 2021-05-03"):
        ch09.date_format("4 May 2021", "2021-05-03")


def test_attention_cost_table():
    table = ch09.attention_cost((8, 16), d_model=8, heads=2, units=8, batch_size=2, repeats=1)
    assert list(table.index) == [8, 16]
    assert list(table.columns) == ["attention_ms", "lstm_ms", "attention_weights_mib", "lstm_states_mib"]
    assert (table[["attention_ms", "lstm_ms"]] > 0).all().all()
    weights, states = table["attention_weights_mib"], table["lstm_states_mib"]
    assert weights[16] == pytest.approx(4 * weights[8]) and states[16] == pytest.approx(2 * states[8])  # n² vs n
    with pytest.raises(ValueError, match="lengths must be a non-empty tuple of positive integers"):
        ch09.attention_cost((0, 8))
