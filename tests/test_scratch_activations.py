"""The NumPy sigmoid and softmax: no overflow at extreme inputs, equal to Keras's."""

import warnings

import keras
import numpy as np
import pytest

from dl_course.scratch import mlp, rbm, rnn
from dl_course.scratch.activations import sigmoid, softmax

EXTREMES = np.array([-1000.0, -745.0, -40.0, -1.0, 0.0, 1.0, 40.0, 745.0, 1000.0])


def test_sigmoid_is_finite_without_warnings_at_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp would raise here
        s = sigmoid(EXTREMES)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[4] == 0.5
    np.testing.assert_allclose(s + sigmoid(-EXTREMES), 1.0, atol=1e-15)
    assert sigmoid(-40.0) == pytest.approx(np.exp(-40.0) / (1 + np.exp(-40.0)), rel=1e-12)


def test_softmax_is_finite_without_warnings_at_extremes():
    z = np.array([[1000.0, 1000.0, -1000.0], [-1000.0, -999.0, -1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(z)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)
    np.testing.assert_allclose(p[0], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(softmax(z.T, axis=0), p.T)


def test_equal_to_keras_ops():
    rng = np.random.default_rng(0)
    z = np.concatenate([EXTREMES, rng.normal(scale=5.0, size=200)]).astype("float32")
    expected = keras.ops.convert_to_numpy(keras.ops.sigmoid(z))
    np.testing.assert_allclose(sigmoid(z.astype(np.float64)), expected, atol=1e-6)
    logits = np.concatenate([rng.normal(scale=3.0, size=(20, 7)), [[1000.0, -1000.0, 0, 0, 0, 0, 0]]]).astype("float32")
    for axis in (-1, 0):
        expected = keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=axis))
        np.testing.assert_allclose(softmax(logits.astype(np.float64), axis=axis), expected, atol=1e-6)


def test_one_definition_shared_by_the_networks():
    assert rnn.sigmoid is rbm.sigmoid is mlp.ACTIVATIONS["sigmoid"][0] is sigmoid
    assert rnn.softmax is mlp.softmax is softmax
