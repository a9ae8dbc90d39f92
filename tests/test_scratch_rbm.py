"""Bernoulli RBM (CD-k, free energy, Gibbs sampling), DBN and Hopfield network in NumPy;
the DBN's weights in a Keras classifier (``models.dbn``)."""

import itertools

import keras
import numpy as np
import pytest

from dl_course.models import build
from dl_course.models.dbn import copy_rbm_weights, dbn_classifier
from dl_course.scratch.hopfield import Hopfield, bipolar
from dl_course.scratch.rbm import DBN, RBM


def _tiny_rbm(n_visible=5, n_hidden=3, seed=1):
    """An RBM with weights large enough that its distribution is far from uniform."""
    rbm = RBM(n_visible, n_hidden, seed=seed)
    rng = np.random.default_rng(seed)
    rbm.W = rng.normal(0.0, 1.0, size=(n_visible, n_hidden))
    rbm.b = rng.normal(0.0, 1.0, size=n_visible)
    rbm.c = rng.normal(0.0, 1.0, size=n_hidden)
    return rbm


def _all_states(n):
    return np.array(list(itertools.product((0.0, 1.0), repeat=n)))


def _brute_force(rbm):
    """Unnormalised weights exp(−E(v, h)) for every (v, h), from the energy written out."""
    V, H = _all_states(rbm.n_visible), _all_states(rbm.n_hidden)
    energy = -(V @ rbm.b)[:, None] - (H @ rbm.c)[None, :] - V @ rbm.W @ H.T
    return V, np.exp(-energy)


def _bars(n=400, size=4, flip=0.05, seed=0):
    """Bars-and-stripes images (one random set of rows or columns on), with a few bits flipped."""
    rng = np.random.default_rng(seed)
    lines = rng.random((n, size)) < 0.5
    images = np.where(rng.random(n)[:, None, None] < 0.5, lines[:, :, None], lines[:, None, :])
    images = np.broadcast_to(images, (n, size, size)).reshape(n, -1).astype(float)
    return np.abs(images - (rng.random(images.shape) < flip))


def test_free_energy_matches_brute_force():
    rbm = _tiny_rbm()
    V, weights = _brute_force(rbm)
    np.testing.assert_allclose(rbm.free_energy(V), -np.log(weights.sum(axis=1)), atol=1e-10)


def test_energy_matches_formula():
    rbm = _tiny_rbm()
    v, h = np.array([[1.0, 0, 1, 1, 0]]), np.array([[0.0, 1, 1]])
    expected = -(v @ rbm.b) - (h @ rbm.c) - (v @ rbm.W @ h.T)[:, 0]
    np.testing.assert_allclose(rbm.energy(v, h), expected)


def test_probability_from_free_energy_matches_brute_force():
    rbm = _tiny_rbm()
    V, weights = _brute_force(rbm)
    p = weights.sum(axis=1) / weights.sum()
    np.testing.assert_allclose(np.exp(rbm.log_prob(V)), p, atol=1e-12)
    assert np.exp(rbm.log_prob(V)).sum() == pytest.approx(1.0)
    assert p.max() / p.min() > 10  # the test RBM is far from uniform


def test_conditionals_match_brute_force():
    rbm = _tiny_rbm()
    V, weights = _brute_force(rbm)
    H = _all_states(rbm.n_hidden)
    p_h_given_v = weights / weights.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(rbm.hidden_probs(V), p_h_given_v @ H, atol=1e-12)


def test_gibbs_sampling_reaches_the_model_distribution():
    rbm = _tiny_rbm(n_visible=4, n_hidden=3)
    V, weights = _brute_force(rbm)
    p = weights.sum(axis=1) / weights.sum()
    samples, _ = rbm.gibbs(np.zeros((20000, rbm.n_visible)), steps=50)
    index = (samples @ 2 ** np.arange(rbm.n_visible - 1, -1, -1)).astype(int)
    empirical = np.bincount(index, minlength=len(V)) / len(samples)
    assert 0.5 * np.abs(empirical - p).sum() < 0.03


def test_cd1_lowers_reconstruction_error():
    x = _bars()
    rbm = RBM(16, 12, seed=0)
    before = rbm.reconstruction_error(x)
    history = rbm.fit(x, epochs=20, batch_size=20, lr=0.3, k=1)
    assert history[-1] < 0.4 * before
    assert history[-1] < history[0]


def test_cd_training_raises_the_likelihood_of_the_data():
    x = _bars(size=3)
    rbm = RBM(9, 6, seed=0)
    before = rbm.log_prob(x).mean()
    rbm.fit(x, epochs=20, batch_size=20, lr=0.1, k=3)
    assert rbm.log_prob(x).mean() > before + 0.5


def test_training_repeats_under_a_seed():
    x = _bars(n=100)
    runs = [RBM(16, 8, seed=3).fit(x, epochs=2) for _ in range(2)]
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.ones((3, 5)), r"shape \(samples, 4\)"),
        (np.ones(4), r"shape \(samples, 4\)"),
        (np.full((3, 4), 2.0), r"\[0, 1\]"),
    ],
)
def test_rbm_rejects_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        RBM(4, 2).free_energy(bad)


def test_rbm_rejects_bad_settings():
    with pytest.raises(ValueError, match="steps must be"):
        RBM(4, 2).gibbs(np.zeros((1, 4)), steps=0)
    with pytest.raises(ValueError, match="too costly"):
        RBM(21, 2).log_partition()
    with pytest.raises(ValueError, match="positive"):
        RBM(0, 2)


def test_dbn_pretrains_greedily_and_initialises_keras_classifier():
    x = _bars(n=200)
    dbn = DBN((16, 10, 6), seed=0)
    histories = dbn.fit(x, epochs=3, lr=0.1)
    assert [len(h) for h in histories] == [3, 3]
    assert dbn.transform(x).shape == (200, 6)
    model = dbn_classifier(dbn, classes=2)
    assert model.output_shape == (None, 2)
    features = keras.Model(model.input, model.get_layer("dense2").output)(x.astype("float32"))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(features), dbn.transform(x), atol=1e-5)


def test_copy_rbm_weights_rejects_a_mismatched_model():
    model = build("stacked_autoencoder", input_shape=(16,), hidden=(8,), classes=2)
    with pytest.raises(ValueError, match=r"do not match .*build it with hidden=\(10, 6\) and 16 input"):
        copy_rbm_weights(DBN((16, 10, 6)), model)


def _random_patterns(n_patterns, n_units, seed=0):
    return np.where(np.random.default_rng(seed).random((n_patterns, n_units)) < 0.5, 1.0, -1.0)


def test_hopfield_recalls_stored_patterns_from_noise():
    patterns = _random_patterns(5, 200)
    net = Hopfield(200).store(patterns)
    rng = np.random.default_rng(1)
    noisy = patterns * np.where(rng.random(patterns.shape) < 0.2, -1.0, 1.0)
    assert (noisy == patterns).mean() < 0.85
    np.testing.assert_array_equal(net.recall(noisy), patterns)


def test_hopfield_stored_patterns_are_fixed_points_and_energy_falls():
    patterns = _random_patterns(4, 100, seed=2)
    net = Hopfield(100).store(patterns)
    np.testing.assert_array_equal(net.recall(patterns, max_sweeps=1), patterns)
    noisy = patterns * np.where(np.random.default_rng(3).random(patterns.shape) < 0.3, -1.0, 1.0)
    assert np.all(net.energy(net.recall(noisy)) <= net.energy(noisy))


def test_hopfield_fails_beyond_capacity():
    patterns = _random_patterns(60, 100, seed=4)  # 0.6 N, far above 0.138 N
    net = Hopfield(100).store(patterns)
    assert (net.recall(patterns) == patterns).mean() < 0.95


def test_hopfield_accepts_binary_and_rejects_other_values():
    np.testing.assert_array_equal(bipolar([0, 1, 1]), [[-1.0, 1.0, 1.0]])
    with pytest.raises(ValueError, match="binary"):
        bipolar([0, 2, 1])
    with pytest.raises(ValueError, match="3 units"):
        Hopfield(3).store(np.ones((2, 4)))
    with pytest.raises(ValueError, match="at least 2"):
        Hopfield(1)
