"""One hidden layer approximating a function of one variable (Cybenko 1989, Hornik 1991)."""

import numpy as np
import pytest

from dl_course.scratch.approximation import OneHiddenLayer

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it


def test_wider_hidden_layer_fits_closer():
    x = np.linspace(-3, 3, 80)
    y = np.sin(2 * x)
    errors = {}
    for width in (1, 20):
        net = OneHiddenLayer(width, seed=0)
        losses = net.fit(x, y, steps=800, lr=0.03)
        assert losses[-1] < losses[0]
        errors[width] = np.abs(net.predict(x) - y).max()
    assert errors[20] < 0.3 < 1.0 < errors[1]


def test_gradients_match_finite_differences():
    x, y = np.linspace(-1, 1, 7), np.cos(np.linspace(-1, 1, 7))
    net = OneHiddenLayer(3, seed=1)
    for param, grad in zip(net.params, net.gradients(x, y)):
        numeric = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            old = param[idx]
            param[idx] = old + 1e-6
            up = net.mse(x, y)
            param[idx] = old - 1e-6
            down = net.mse(x, y)
            param[idx] = old
            numeric[idx] = (up - down) / 2e-6
        assert np.allclose(grad, numeric, atol=1e-7)


def test_bad_width_is_a_clear_error():
    with pytest.raises(ValueError, match="positive integer"):
        OneHiddenLayer(0)
