"""Recurrent builders: output shapes and parameter counts against the formulas."""

import keras
import numpy as np
import pytest

from dl_course import models
from dl_course.models import recurrent


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
    model = recurrent.char_rnn(vocab_size=30, embed_dim=8, units=(16, 12), cell=cell)
    out = model(np.zeros((2, 7), "int32"))
    assert out.shape == (2, 7, 30)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out).sum(-1), 1.0, rtol=1e-5)
    expected = 30 * 8 + formula(8, 16) + formula(16, 12) + 12 * 30 + 30
    assert model.count_params() == expected
    assert recurrent.recurrent_params(cell, 8, 16) == formula(8, 16)


def test_recurrent_params_gru_reset_before():
    layer = keras.layers.GRU(5, reset_after=False)
    layer.build((None, None, 3))
    assert layer.count_params() == recurrent.recurrent_params("gru", 3, 5, reset_after=False) == 3 * 5 * 9


def test_lstm_forget_gate_bias_starts_at_one():
    model = recurrent.char_rnn(vocab_size=10, embed_dim=4, units=6, cell="lstm")
    bias = model.get_layer("lstm1").get_weights()[2]
    np.testing.assert_array_equal(bias[6:12], 1.0)  # gate order i, f, c, o
    np.testing.assert_array_equal(np.delete(bias, np.s_[6:12]), 0.0)


def test_bidirectional_classifier_shapes_and_counts():
    model = recurrent.rnn_classifier(
        vocab_size=50, classes=3, embed_dim=8, units=(6, 4), cell="gru", bidirectional=True
    )
    assert model(np.ones((5, 9), "int32")).shape == (5, 3)
    expected = 50 * 8 + 2 * _gru(8, 6) + 2 * _gru(12, 4) + 8 * 3 + 3
    assert model.count_params() == expected
    features = recurrent.rnn_classifier(include_top=False, vocab_size=50, units=4, bidirectional=True)
    assert features.output.shape == (None, 8)


def test_classifier_ignores_padding():
    keras.utils.set_random_seed(0)
    model = recurrent.rnn_classifier(vocab_size=20, classes=2, embed_dim=4, units=5, cell="lstm")
    short = np.array([[3, 7, 2]], "int32")
    padded = np.array([[3, 7, 2, 0, 0, 0]], "int32")
    numpy = keras.ops.convert_to_numpy  # a backend tensor (PyTorch's tracks gradients) as a NumPy array
    np.testing.assert_allclose(numpy(model(short)), numpy(model(padded)), atol=1e-6)


def test_tagger_and_vec2seq_shapes():
    tagger = recurrent.rnn_tagger(vocab_size=20, tags=4, embed_dim=4, units=(5, 5), bidirectional=False)
    assert tagger(np.ones((3, 11), "int32")).shape == (3, 11, 4)
    assert tagger.count_params() == 20 * 4 + _lstm(4, 5) + _lstm(5, 5) + 5 * 4 + 4
    v2s = recurrent.rnn_vec2seq(
        input_dim=3, length=6, outputs=1, units=7, cell="rnn", output_activation=None
    )
    assert v2s(np.zeros((2, 3), "float32")).shape == (2, 6, 1)
    assert v2s.count_params() == _simple(3, 7) + 7 + 1


def test_builder_errors():
    with pytest.raises(ValueError, match="cell must be one of 'rnn', 'lstm', 'gru', got 'transformer'"):
        recurrent.char_rnn(vocab_size=10, cell="transformer")
    with pytest.raises(ValueError, match=r"units must be a positive integer or a non-empty tuple .*, got \(\)"):
        recurrent.char_rnn(vocab_size=10, units=())
    with pytest.raises(ValueError, match="vocab_size must be a positive integer"):
        recurrent.rnn_tagger(vocab_size=0)
    with pytest.raises(ValueError, match=r"dropout \(a drop probability\) must be a number in \[0, 1\)"):
        recurrent.rnn_classifier(vocab_size=10, dropout=1.0)
    with pytest.raises(ValueError, match="classes must be a positive integer"):
        recurrent.rnn_classifier(vocab_size=10, classes=0)


def test_chrono_bias_spreads_the_lstm_memory_over_the_lag():
    layer = recurrent.recurrent_layer("lstm", 64, False, memory=50)
    layer.build((None, None, 2))
    i, f, c, o = np.split(keras.ops.convert_to_numpy(layer.cell.bias), 4)
    memory = 1 + np.exp(f)  # 1 / (1 - sigmoid(f)) steps
    assert memory.min() >= 2 and memory.max() <= 50 and memory.max() - memory.min() > 20
    np.testing.assert_allclose(i, -f)
    assert not c.any() and not o.any()
    plain = recurrent.recurrent_layer("lstm", 4, False)
    plain.build((None, None, 2))
    np.testing.assert_array_equal(np.split(keras.ops.convert_to_numpy(plain.cell.bias), 4)[1], 1.0)


def test_chrono_bias_round_trips_and_rejects_a_short_memory():
    layer = recurrent.recurrent_layer("lstm", 4, False, memory=30)
    clone = keras.layers.LSTM.from_config(layer.get_config())
    assert isinstance(clone.cell.bias_initializer, recurrent.ChronoBias)
    assert clone.cell.bias_initializer.memory == 30
    with pytest.raises(ValueError, match="memory"):
        recurrent.ChronoBias(1)
    with pytest.raises(ValueError, match="LSTM's forget-gate biases"):
        recurrent.recurrent_layer("gru", 4, False, memory=30)
