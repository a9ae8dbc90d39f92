"""Simulated annealing, the self-organising map and sparse coding (scratch)."""

import numpy as np
import pytest

from dl_course.scratch.annealing import simulated_annealing
from dl_course.scratch.som import SOM
from dl_course.scratch.sparse_coding import ista, learn_dictionary, objective, soft_threshold


def double_well(w):
    """Local minimum near w = 1.0 (loss ≈ 0.3), global minimum near w = −1.0 (loss ≈ −0.3)."""
    return float((w[0] ** 2 - 1) ** 2 + 0.3 * w[0])


def test_annealing_leaves_the_local_minimum_that_a_cold_search_keeps():
    hot = [simulated_annealing(double_well, [1.0], steps=1500, t0=1.0, cooling=0.995, step_size=0.3, seed=s)[-1, 0]
           for s in range(10)]
    cold = [simulated_annealing(double_well, [1.0], steps=1500, t0=1e-9, cooling=1.0, step_size=0.05, seed=s)[-1, 0]
            for s in range(10)]
    assert np.mean(np.array(hot) < 0) >= 0.7
    assert np.all(np.array(cold) > 0)  # only downhill moves: it stays in the basin it started in


def test_annealing_never_accepts_uphill_at_zero_temperature():
    path = simulated_annealing(double_well, [1.5], steps=300, t0=1e-12, cooling=1.0, step_size=0.2, seed=0)
    losses = [double_well(w) for w in path]
    assert np.all(np.diff(losses) <= 1e-12)


@pytest.mark.parametrize("kw", [dict(cooling=1.5), dict(cooling=0.0), dict(t0=0.0), dict(steps=0)])
def test_annealing_rejects_bad_settings(kw):
    with pytest.raises(ValueError):
        simulated_annealing(double_well, [0.0], **kw)


def test_som_orders_a_grid_of_colours():
    colours = np.random.default_rng(0).random((300, 3))
    som = SOM(8, 8, 3, seed=0)
    before = som.topographic_error(colours), som.neighbour_distance()
    som.fit(colours, steps=1500)
    assert som.topographic_error(colours) < 0.2 < before[0]
    assert som.neighbour_distance() < 0.5 * before[1]
    assert som.winners(colours).shape == (300, 2)


def test_som_rejects_inputs_of_the_wrong_width():
    with pytest.raises(ValueError, match=r"X must be \(n, 3\)"):
        SOM(4, 4, 3).fit(np.zeros((10, 2)))


def test_soft_threshold():
    np.testing.assert_allclose(soft_threshold([-3.0, -0.5, 0.0, 0.5, 3.0], 1.0), [-2.0, 0.0, 0.0, 0.0, 2.0])


def test_ista_with_an_orthonormal_dictionary_is_one_soft_threshold():
    rng = np.random.default_rng(1)
    D = np.linalg.qr(rng.normal(size=(16, 16)))[0]
    X = rng.normal(size=(5, 16))
    np.testing.assert_allclose(ista(X, D, 0.3, steps=50), soft_threshold(X @ D.T, 0.3), atol=1e-10)


def test_ista_recovers_a_sparse_code_and_lowers_the_objective():
    rng = np.random.default_rng(2)
    D = rng.normal(size=(30, 20))
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    A_true = np.zeros((4, 30))
    for row in A_true:
        row[rng.choice(30, 3, replace=False)] = rng.choice([-2.0, 2.0], 3)
    X = A_true @ D
    A = ista(X, D, 0.01, steps=2000)
    assert objective(X, D, A, 0.01) < objective(X, D, ista(X, D, 0.01, steps=5), 0.01)
    assert set(np.flatnonzero(np.abs(A[0]) > 0.5)) == set(np.flatnonzero(A_true[0]))


def test_learned_dictionary_beats_a_random_one():
    rng = np.random.default_rng(3)
    atoms = rng.normal(size=(8, 12))
    codes = rng.normal(size=(400, 8)) * (rng.random((400, 8)) < 0.25)
    X = codes @ atoms
    D, A = learn_dictionary(X, 8, lam=0.05, iterations=40, seed=0)
    R = rng.normal(size=(8, 12))
    R /= np.linalg.norm(R, axis=1, keepdims=True)
    assert np.allclose(np.linalg.norm(D, axis=1), 1.0)
    assert objective(X, D, A, 0.05) < 0.7 * objective(X, R, ista(X, R, 0.05, 30), 0.05)


def test_ista_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same d"):
        ista(np.zeros((3, 5)), np.zeros((4, 6)), 0.1)
