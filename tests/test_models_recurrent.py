"""Recurrent builders: output shapes, parameter counts against the formulas, sampling."""

import keras
import numpy as np
import pytest

from dl_course import models
from dl_course.datasets.text import CharVocab
from dl_course.models import rnn


def _lstm(d, u):
    return 4 * u * (d + u + 1)


def _gru(d, u):
    return 3 * u * (d + u + 2)  # Keras default reset_after=True: two bias vectors


def _simple(d, u):
    return u * (d + u + 1)


def test_default_parameter_counts_stated_in_docstrings():
    assert (
        models.build("char_rnn").count_params()
        == 128 * 64 + _lstm(64, 256) + 256 * 128 + 128
        == 369_792
    )
    assert (
        models.build("rnn_classifier").count_params()
        == 10000 * 32 + _lstm(32, 32) + 32 * 2 + 2
        == 328_386
    )
    assert (
        models.build("rnn_tagger").count_params()
        == 10000 * 32 + 2 * _lstm(32, 32) + 64 * 10 + 10
        == 337_290
    )
    assert models.build("rnn_vec2seq").count_params() == _lstm(32, 64) + 64 * 10 + 10 == 25_482


@pytest.mark.parametrize("cell, formula", [("rnn", _simple), ("lstm", _lstm), ("gru", _gru)])
def test_stacked_char_rnn_shapes_and_counts(cell, formula):
    model = rnn.char_rnn(vocab_size=30, embed_dim=8, units=(16, 12), cell=cell)
    out = model(np.zeros((2, 7), "int32"))
    assert out.shape == (2, 7, 30)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out).sum(-1), 1.0, rtol=1e-5)
    expected = 30 * 8 + formula(8, 16) + formula(16, 12) + 12 * 30 + 30
    assert model.count_params() == expected
    assert rnn.recurrent_params(cell, 8, 16) == formula(8, 16)


def test_recurrent_params_gru_reset_before():
    layer = keras.layers.GRU(5, reset_after=False)
    layer.build((None, None, 3))
    assert layer.count_params() == rnn.recurrent_params("gru", 3, 5, reset_after=False) == 3 * 5 * 9


def test_lstm_forget_gate_bias_starts_at_one():
    model = rnn.char_rnn(vocab_size=10, embed_dim=4, units=6, cell="lstm")
    bias = model.get_layer("lstm1").get_weights()[2]
    np.testing.assert_array_equal(bias[6:12], 1.0)  # gate order i, f, c, o
    np.testing.assert_array_equal(np.delete(bias, np.s_[6:12]), 0.0)


def test_bidirectional_classifier_shapes_and_counts():
    model = rnn.rnn_classifier(
        vocab_size=50, classes=3, embed_dim=8, units=(6, 4), cell="gru", bidirectional=True
    )
    assert model(np.ones((5, 9), "int32")).shape == (5, 3)
    expected = 50 * 8 + 2 * _gru(8, 6) + 2 * _gru(12, 4) + 8 * 3 + 3
    assert model.count_params() == expected
    features = rnn.rnn_classifier(include_top=False, vocab_size=50, units=4, bidirectional=True)
    assert features.output.shape == (None, 8)


def test_classifier_ignores_padding():
    keras.utils.set_random_seed(0)
    model = rnn.rnn_classifier(vocab_size=20, classes=2, embed_dim=4, units=5, cell="lstm")
    short = np.array([[3, 7, 2]], "int32")
    padded = np.array([[3, 7, 2, 0, 0, 0]], "int32")
    np.testing.assert_allclose(model(short), model(padded), atol=1e-6)


def test_tagger_and_vec2seq_shapes():
    tagger = rnn.rnn_tagger(vocab_size=20, tags=4, embed_dim=4, units=(5, 5), bidirectional=False)
    assert tagger(np.ones((3, 11), "int32")).shape == (3, 11, 4)
    assert tagger.count_params() == 20 * 4 + _lstm(4, 5) + _lstm(5, 5) + 5 * 4 + 4
    v2s = rnn.rnn_vec2seq(
        input_dim=3, length=6, outputs=1, units=7, cell="rnn", output_activation=None
    )
    assert v2s(np.zeros((2, 3), "float32")).shape == (2, 6, 1)
    assert v2s.count_params() == _simple(3, 7) + 7 + 1


def test_builder_errors():
    with pytest.raises(ValueError, match="cell must be one of rnn, lstm, gru"):
        rnn.char_rnn(vocab_size=10, cell="transformer")
    with pytest.raises(ValueError, match="units must be a positive integer"):
        rnn.char_rnn(vocab_size=10, units=())
    with pytest.raises(ValueError, match="vocab_size must be a positive integer"):
        rnn.rnn_tagger(vocab_size=0)
    with pytest.raises(ValueError, match="dropout"):
        rnn.rnn_classifier(vocab_size=10, dropout=1.0)
    with pytest.raises(ValueError, match="classes must be a positive integer"):
        rnn.rnn_classifier(vocab_size=10, classes=0)


def test_sample_next_temperature():
    probs = np.array([0.0, 0.1, 0.6, 0.3])
    assert rnn.sample_next(probs, temperature=0) == 2
    assert rnn.sample_next(probs, temperature=0, banned=[2]) == 3
    rng = np.random.default_rng(0)
    draws = [rnn.sample_next(probs, 1.0, rng, banned=[1]) for _ in range(2000)]
    assert 1 not in draws and 0 not in draws
    np.testing.assert_allclose(np.mean(np.array(draws) == 2), 0.6 / 0.9, atol=0.04)
    cold = [rnn.sample_next(probs, 0.2, rng) for _ in range(500)]
    hot = [rnn.sample_next(probs, 5.0, rng) for _ in range(500)]
    assert np.mean(np.array(cold) == 2) > 0.95 > np.mean(np.array(hot) == 2)
    with pytest.raises(ValueError, match="temperature must be ≥ 0"):
        rnn.sample_next(probs, temperature=-1)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_numpy_stepper_equals_the_keras_model(cell):
    keras.utils.set_random_seed(1)
    model = rnn.char_rnn(vocab_size=12, embed_dim=4, units=(6, 5), cell=cell)
    ids = np.array([[3, 5, 2, 11, 7, 4]], "int32")
    expected = keras.ops.convert_to_numpy(model(ids))[0]
    step = rnn.char_rnn_stepper(model)
    got = np.stack([step(i) for i in ids[0]])
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_sample_text_is_seeded_and_uses_the_vocabulary():
    keras.utils.set_random_seed(0)
    vocab = CharVocab("床前明月光，。\n")
    model = rnn.char_rnn(vocab_size=len(vocab), embed_dim=4, units=8, cell="gru")
    first = rnn.sample_text(model, vocab, "床前", length=12, temperature=1.0, seed=3)
    again = rnn.sample_text(model, vocab, "床前", length=12, temperature=1.0, seed=3)
    assert first == again and len(first) == 12
    assert set(first) <= set("床前明月光，。\n")
    stopped = rnn.sample_text(model, vocab, "床", length=40, temperature=5.0, seed=1, stop="。")
    assert stopped.endswith("。") or len(stopped) == 40
    assert "。" not in stopped[:-1]
    with pytest.raises(ValueError, match="prompt"):
        rnn.sample_text(model, vocab, "", length=3)
