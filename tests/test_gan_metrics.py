"""Numbers for generative models: mode coverage, Fréchet distance, the image scorer."""

import keras
import numpy as np
import pytest

from dl_course.datasets import synthetic
from dl_course.gan_metrics import ImageScorer, frechet_distance, mode_coverage
from dl_course.models.gan import preprocess_input


def test_gaussian_ring_data():
    x, y = synthetic.gaussian_ring(800, std=0.02, seed=3)
    assert x.shape == (800, 2) and set(y) == set(range(8))
    np.testing.assert_allclose(np.linalg.norm(synthetic.ring_centers(), axis=1), 2.0)
    assert np.abs(x - synthetic.ring_centers()[y]).max() < 0.02 * 6
    np.testing.assert_array_equal(x, synthetic.gaussian_ring(800, std=0.02, seed=3)[0])
    with pytest.raises(ValueError, match="std > 0"):
        synthetic.gaussian_ring(10, std=0.0)


def test_mode_coverage_on_known_inputs():
    centers, std = synthetic.ring_centers(), 0.02
    perfect, _ = synthetic.gaussian_ring(2000, std=std, seed=1)
    score = mode_coverage(perfect, centers, std)
    assert score["modes"] == 8 and score["high_quality"] > 0.97  # P(r < 3σ) = 1 − e^−4.5 ≈ 0.989
    noise = np.random.default_rng(0).uniform(-3, 3, (2000, 2))
    score = mode_coverage(noise, centers, std)
    assert score["modes"] <= 1 and score["high_quality"] < 0.02
    collapsed = perfect[synthetic.gaussian_ring(2000, std=std, seed=1)[1] == 3]
    assert mode_coverage(collapsed, centers, std) == {
        "modes": 1,
        "high_quality": pytest.approx(0.989, abs=0.02),
    }
    with pytest.raises(ValueError, match=r"samples must have shape \(n, 2\)"):
        mode_coverage(np.zeros((5, 3)), centers, std)


def test_frechet_distance_of_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 4))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    shift = np.array([1.0, 2.0, 0.0, 0.0])
    assert frechet_distance(a, a + shift) == pytest.approx(5.0, abs=1e-6)  # only the means differ
    # N(0, I) vs N(0, 4I) in 4-D: Tr(I + 4I − 2·2I) = 4.
    assert frechet_distance(a, 2 * rng.normal(size=(20000, 4))) == pytest.approx(4.0, abs=0.15)
    with pytest.raises(ValueError, match="equal d"):
        frechet_distance(a, a[:, :3])


def test_image_scorer_on_separable_images():
    keras.utils.set_random_seed(0)
    y = np.arange(400) % 2
    x = np.zeros((400, 28, 28), "uint8")
    x[y == 0, :, :14] = 255  # class 0: left half bright, class 1: right half bright
    x[y == 1, :, 14:] = 255
    x = preprocess_input(x)
    assert x.shape == (400, 28, 28, 1) and x.min() == -1.0 and x.max() == 1.0
    scorer = ImageScorer(classes=2, filters=(8, 16))
    scorer.fit(x, y, epochs=3, batch_size=32, verbose=0)
    assert scorer.accuracy(x, y) == 1.0 and scorer.accuracy(x, 1 - y) == 0.0
    assert scorer.features(x[:5]).shape == (5, 16)
    noise = np.random.default_rng(0).uniform(-1, 1, x.shape).astype("float32")
    assert scorer.frechet(x[:200], x[200:]) < 0.1 * scorer.frechet(x[:200], noise[:200])
