import numpy as np
import pytest

from dl_course.datasets import synthetic
from dl_course.scratch.perceptron import DeltaRule, Perceptron, hebb, step


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "NOT"])
def test_perceptron_learns_linearly_separable_gates(gate):
    X, y = synthetic.logic_gate(gate)
    p = Perceptron(lr=0.1, epochs=50).fit(X, y)
    assert p.converged_ and p.score(X, y) == 1.0
    assert p.errors_[-1] == 0 and len(p.errors_) < 50


def test_perceptron_cannot_learn_xor():
    X, y = synthetic.logic_gate("XOR")
    p = Perceptron(lr=0.1, epochs=100).fit(X, y)
    assert not p.converged_ and len(p.errors_) == 100
    assert p.score(X, y) <= 0.75


def test_perceptron_rule_single_update():
    p = Perceptron(lr=0.5, epochs=1).fit(np.array([[1.0, 2.0]]), np.array([0]))
    # o = step(0) = 1, t = 0: w ← 0 + 0.5·(0 − 1)·x, b ← −0.5
    np.testing.assert_allclose(p.w, [-0.5, -1.0])
    assert p.b == -0.5


def test_delta_rule_separates_and_loss_falls():
    X, y = synthetic.logic_gate("AND")
    d = DeltaRule(lr=0.005, epochs=2000).fit(X, y)
    assert d.score(X, y) == 1.0
    assert d.losses_[-1] < d.losses_[0]
    # LMS converges to the least-squares solution for ±1 targets
    A = np.c_[X, np.ones(4)]
    w = np.linalg.lstsq(A, 2.0 * y - 1, rcond=None)[0]
    np.testing.assert_allclose(np.r_[d.w, d.b], w, atol=0.01)


def test_hebb_rule_for_and():
    w, b = hebb(*synthetic.logic_gate("AND"))
    np.testing.assert_allclose(w, [2.0, 2.0])
    assert b == -2.0
    X, y = synthetic.logic_gate("AND")
    assert np.array_equal(step((2 * X - 1) @ w + b - 1e-9), y)


def test_bad_input_gives_clear_errors():
    p = Perceptron()
    with pytest.raises(ValueError, match=r"X must be 2-D .*got shape \(4,\)"):
        p.fit(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="X has 4 rows, y has shape \\(3,\\)"):
        p.fit(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match=r"labels must be 0 or 1, got \[-1, 1\]"):
        p.fit(np.zeros((2, 2)), np.array([-1, 1]))
    with pytest.raises(RuntimeError, match="call fit"):
        Perceptron().predict(np.zeros((1, 2)))
    p.fit(np.zeros((2, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        p.predict(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="lr must be positive"):
        Perceptron(lr=0)
