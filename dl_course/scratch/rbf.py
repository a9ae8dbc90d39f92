"""Radial basis function network (Broomhead & Lowe 1988), trained in two stages without backprop.

课件 (Boltzmann 机旁列出的经典网络): one hidden layer whose unit j answers to the distance of the
input from its centre c_j with a Gaussian bump, and a linear output layer:

    φ_j(x) = exp(−‖x − c_j‖² / 2σ²),      y(x) = Σ_j w_j φ_j(x) + w_0.

Training in two stages (Moody & Darken 1989): the centres come from the inputs alone (k-means,
no labels), then the output weights solve a linear least-squares problem in closed form. Each
hidden unit responds only near its centre: a local fit, unlike a sigmoid MLP's global units.
"""

from __future__ import annotations

import numpy as np


def rbf_features(x, centres, sigma: float) -> np.ndarray:
    """The hidden layer: ``φ[n, j] = exp(−‖x_n − c_j‖² / 2σ²)`` for inputs (n, d) and centres (k, d)."""
    x, centres = np.atleast_2d(np.asarray(x, dtype=float)), np.atleast_2d(np.asarray(centres, dtype=float))
    if x.shape[1] != centres.shape[1]:
        raise ValueError(f"inputs have {x.shape[1]} features but the centres {centres.shape[1]}.")
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}.")
    squared = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    return np.exp(-squared / (2.0 * sigma**2))


def kmeans(x, k: int, iterations: int = 50, seed=None) -> np.ndarray:
    """Lloyd's k-means: ``k`` centres, started from ``k`` distinct inputs drawn at random."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    if not 1 <= k <= len(x):
        raise ValueError(f"k must lie in [1, {len(x)}] (the number of inputs), got {k}.")
    rng = np.random.default_rng(seed)
    centres = x[rng.choice(len(x), k, replace=False)].copy()
    for _ in range(iterations):
        nearest = ((x[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
        for j in range(k):
            if np.any(nearest == j):  # an empty cluster keeps its centre
                centres[j] = x[nearest == j].mean(0)
    return centres


class RBFNetwork:
    """``k`` Gaussian units of width ``sigma`` (the mean distance between centres when None) and a
    linear output; ``fit`` places the centres by k-means, then solves the output weights by least
    squares (``ridge`` adds λ‖w‖² for stability)."""

    def __init__(self, k: int, sigma: float | None = None, ridge: float = 1e-6, seed=None):
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}.")
        self.k, self.sigma, self.ridge, self.seed = k, sigma, ridge, seed
        self.centres = self.weights = None

    def _design(self, x) -> np.ndarray:
        phi = rbf_features(x, self.centres, self.sigma)
        return np.hstack([phi, np.ones((len(phi), 1))])  # the last column is the bias w_0

    def fit(self, x, y) -> RBFNetwork:
        x, y = np.atleast_2d(np.asarray(x, dtype=float)), np.asarray(y, dtype=float)
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}.")
        self.centres = kmeans(x, self.k, seed=self.seed)
        if self.sigma is None:
            gaps = np.sqrt(((self.centres[:, None] - self.centres[None]) ** 2).sum(-1))
            self.sigma = float(gaps[np.triu_indices(self.k, 1)].mean()) if self.k > 1 else 1.0
        A = self._design(x)
        self.weights = np.linalg.solve(A.T @ A + self.ridge * np.eye(A.shape[1]), A.T @ y)
        return self

    def predict(self, x) -> np.ndarray:
        if self.weights is None:
            raise RuntimeError("call fit(x, y) before predict.")
        return self._design(np.atleast_2d(np.asarray(x, dtype=float))) @ self.weights
