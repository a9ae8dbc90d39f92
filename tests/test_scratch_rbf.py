"""The from-scratch RBF network: its hidden layer, k-means, and a fit that beats a linear model."""

import numpy as np
import pytest

from dl_course.scratch.rbf import RBFNetwork, kmeans, rbf_features

pytestmark = pytest.mark.backend_neutral


def test_features_are_gaussians_of_the_distance():
    x, centres = np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 0.0], [0.0, 1.0]])
    phi = rbf_features(x, centres, sigma=2.0)
    assert phi.shape == (2, 2)
    assert phi[0, 0] == 1.0
    np.testing.assert_allclose(phi[1], np.exp(-np.array([25.0, 18.0]) / 8.0))


def test_kmeans_finds_separated_clusters():
    rng = np.random.default_rng(0)
    true = np.array([[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]])
    x = np.concatenate([c + 0.1 * rng.normal(size=(50, 2)) for c in true])
    found = kmeans(x, 3, seed=0)
    assert np.abs(np.sort(found, axis=0) - np.sort(true, axis=0)).max() < 0.1


def test_fits_a_nonlinear_function_far_better_than_a_line():
    rng = np.random.default_rng(1)
    x = rng.uniform(-3, 3, size=(200, 1))
    y = np.sin(2 * x[:, 0])
    net = RBFNetwork(12, seed=0).fit(x, y)
    x_test = np.linspace(-3, 3, 101)[:, None]
    mse = np.mean((net.predict(x_test) - np.sin(2 * x_test[:, 0])) ** 2)
    line = np.polyfit(x[:, 0], y, 1)
    line_mse = np.mean((np.polyval(line, x_test[:, 0]) - np.sin(2 * x_test[:, 0])) ** 2)
    assert mse < 0.01 < 0.3 < line_mse


@pytest.mark.parametrize("call, match", [
    (lambda: rbf_features(np.zeros((2, 3)), np.zeros((4, 2)), 1.0), "3 features"),
    (lambda: rbf_features(np.zeros((2, 2)), np.zeros((4, 2)), 0.0), "sigma must be positive"),
    (lambda: kmeans(np.zeros((3, 2)), 5), "k must lie in"),
    (lambda: RBFNetwork(3).predict(np.zeros((1, 1))), "call fit"),
])
def test_clear_errors(call, match):
    with pytest.raises((ValueError, RuntimeError), match=match):
        call()
