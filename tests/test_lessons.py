"""The chapters' own task code (``dl_course.lessons``): baselines, and each task trains on tiny data."""

import numpy as np
import pytest

from dl_course.datasets import sequences
from dl_course.lessons import ch05_rnn, ch06_lstm


def test_unigram_loss_is_the_smoothed_frequency_cross_entropy():
    # counts + 1 over a vocabulary of 3: id 0 → 1, id 1 → 3, id 2 → 2 (total 6)
    loss = ch05_rnn.unigram_loss([1, 1, 2], [1, 2, 0], vocab_size=3)
    assert loss == pytest.approx(-(np.log(3 / 6) + np.log(2 / 6) + np.log(1 / 6)) / 3)


def test_unigram_loss_rejects_ids_outside_the_vocabulary():
    with pytest.raises(ValueError, match="vocab_size=3"):
        ch05_rnn.unigram_loss([0, 3], [1], vocab_size=3)
    with pytest.raises(ValueError, match="non-empty"):
        ch05_rnn.unigram_loss([], [1], vocab_size=3)


def test_train_char_model_scores_model_and_baseline_on_validation_text():
    texts = ["abcabcabc\nabc", "cbacba\nbca"] * 4
    result = ch05_rnn.train_char_model(
        texts, ["abcab\ncab"], cell="gru", embed_dim=4, units=8, length=4, step=2,
        epochs=1, lr=1e-2, verbose=0,
    )
    assert len(result.vocab) == 2 + 4  # pad, unk, a, b, c, newline
    assert result.windows[1] == (2, 4)  # 11 characters with the closing blank line
    assert np.isfinite(result.val_loss) and 0 < result.unigram < np.log(len(result.vocab)) + 1


def test_adding_run_reports_test_mse_per_cell_label():
    mse = ch06_lstm.adding_run(6, n_train=64, n_test=32, units=4, lr=1e-2, epochs=1, verbose=0)
    assert set(mse) == {"SimpleRNN", "LSTM", "GRU"}
    assert all(np.isfinite(v) and v >= 0 for v in mse.values())


def test_train_translator_decodes_the_test_set():
    train_set = sequences.encode_dates(*sequences.date_pairs(64, seed=1))
    test_set = sequences.encode_dates(*sequences.date_pairs(8, seed=2))
    model, pred, scores = ch06_lstm.train_translator(
        "seq2seq_attention", train_set, test_set, units=8, embed_dim=4, epochs=1, lr=1e-2, verbose=0
    )
    assert pred.shape == test_set["decoder_out"].shape
    assert scores["exact_match"] <= scores["char_accuracy"] <= 1.0
    assert model.name == "seq2seq_attention"


def test_kfold_splits_validate_every_sample_once():
    from dl_course.lessons.ch02_backprop import kfold_splits

    splits = kfold_splits(23, 4, seed=1)
    assert len(splits) == 4
    validated = np.sort(np.concatenate([v for _, v in splits]))
    assert np.array_equal(validated, np.arange(23))
    assert all(len(np.intersect1d(t, v)) == 0 and len(t) + len(v) == 23 for t, v in splits)


def test_pca_softmax_capacity_overfits_with_many_components():
    from dl_course.lessons.ch02_backprop import cross_validate_capacity

    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 150))
    y = (x[:, 0] > 0).astype(int) + 2 * (x[:, 1] > 0)
    table = cross_validate_capacity(x, y, (2, 80), k=4, epochs=30)
    assert table.loc[80, "train_acc"] > table.loc[80, "val_acc"] + 0.2
    assert table.loc[2, "val_acc"] > table.loc[80, "val_acc"]
