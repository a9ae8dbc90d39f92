"""Single neurons and their learning rules: perceptron, Hebb, Delta (LMS).

课件 (感知机): the M-P neuron computes ``o = step(w·x + b)``; the perceptron rule
``w_i ← w_i + η(t − o)x_i`` converges on linearly separable data (AND, OR, NOT) and never
on XOR. The Delta/LMS rule is the same update with the linear output ``w·x + b`` in place of
``o``: gradient descent on the squared error. Labels are 0/1 throughout.
"""

from __future__ import annotations

import numpy as np


def check_xy(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Validate a data set of shape (n, d) with n labels in {0, 1}; return float X, int y."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}; reshape a single feature with X.reshape(-1, 1).")
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must be 1-D with one label per row of X: X has {len(X)} rows, y has shape {y.shape}.")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinity; clean or impute the data before training.")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"labels must be 0 or 1, got {sorted(set(np.unique(y).tolist()))}.")
    return X, y.astype(int)


def step(z) -> np.ndarray:
    """Threshold activation of the M-P neuron: 1 where z ≥ 0, else 0."""
    return (np.asarray(z) >= 0).astype(int)


class _LinearUnit:
    """Weights ``w``, bias ``b`` and the shared fit/predict plumbing of the single-neuron rules."""

    def __init__(self, lr: float = 0.1, epochs: int = 50):
        if lr <= 0:
            raise ValueError(f"lr must be positive, got {lr}.")
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}.")
        self.lr, self.epochs = lr, epochs
        self.w: np.ndarray | None = None
        self.b = 0.0

    def net_input(self, X) -> np.ndarray:
        """The weighted sum ``w·x + b`` for each row of ``X``."""
        if self.w is None:
            raise RuntimeError("call fit(X, y) before predicting.")
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != len(self.w):
            raise ValueError(f"X must have shape (n, {len(self.w)}) like the training data, got {X.shape}.")
        return X @ self.w + self.b

    def predict(self, X) -> np.ndarray:
        """Class labels 0/1."""
        return step(self.net_input(X))

    def score(self, X, y) -> float:
        """Share of correctly classified rows."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


class Perceptron(_LinearUnit):
    """Rosenblatt's perceptron trained with ``w ← w + η(t − o)x`` one example at a time.

    ``errors_`` holds the number of misclassified examples in each epoch; training stops
    early once an epoch makes no mistake (``converged_``).
    """

    def fit(self, X, y) -> Perceptron:
        X, y = check_xy(X, y)
        self.w, self.b = np.zeros(X.shape[1]), 0.0
        self.errors_: list[int] = []
        for _ in range(self.epochs):
            mistakes = 0
            for xi, ti in zip(X, y):
                delta = self.lr * (ti - step(xi @ self.w + self.b))
                self.w += delta * xi
                self.b += delta
                mistakes += int(delta != 0)
            self.errors_.append(mistakes)
            if mistakes == 0:
                break
        self.converged_ = self.errors_[-1] == 0
        return self


class DeltaRule(_LinearUnit):
    """Widrow–Hoff Delta / LMS rule: ``w ← w + η(t − w·x − b)x`` on the linear output.

    Targets are coded ±1 so the threshold at 0 separates the classes; ``losses_`` holds
    the mean squared error of the linear output after each epoch.
    """

    def fit(self, X, y) -> DeltaRule:
        X, y = check_xy(X, y)
        t = 2.0 * y - 1.0
        self.w, self.b = np.zeros(X.shape[1]), 0.0
        self.losses_: list[float] = []
        for _ in range(self.epochs):
            for xi, ti in zip(X, t):
                error = ti - (xi @ self.w + self.b)
                self.w += self.lr * error * xi
                self.b += self.lr * error
            self.losses_.append(float(np.mean((t - self.net_input(X)) ** 2)))
        return self


def hebb(X, y, lr: float = 1.0) -> tuple[np.ndarray, float]:
    """Hebb's rule in one pass, ``Δw = η t x`` with bipolar (±1) inputs and targets.

    "Cells that fire together wire together": a weight grows when input and output agree.
    Returns ``(w, b)`` for a bipolar neuron; the bias is a weight on a constant input 1.
    """
    X, y = check_xy(X, y)
    xb, t = 2.0 * X - 1.0, 2.0 * y - 1.0
    return lr * (t @ xb), lr * float(t.sum())
