"""Self-organising map (Kohonen 1982): a grid of prototypes that keeps neighbours alike.

课件 (Boltzmann 机旁列出的经典网络): each unit of a 2-D grid holds a weight vector w_j. For an input
x the best-matching unit b = argmin_j ‖x − w_j‖ wins, and it and its grid neighbours move toward x:

    w_j ← w_j + η(t) · exp(−‖r_j − r_b‖² / 2σ(t)²) · (x − w_j),

r_j being unit j's grid position. The learning rate η and the neighbourhood width σ shrink over
training, so the map first orders itself globally, then fine-tunes: nearby units end up with
similar weights (a topographic map), learned without labels.
"""

from __future__ import annotations

import numpy as np


class SOM:
    """A ``rows × cols`` Kohonen map on ``dim``-dimensional inputs; ``weights`` is (rows, cols, dim)."""

    def __init__(self, rows: int, cols: int, dim: int, seed=None):
        if min(rows, cols, dim) < 1:
            raise ValueError(f"rows, cols and dim must be at least 1, got {rows}, {cols}, {dim}.")
        self.rng = np.random.default_rng(seed)
        self.weights = self.rng.random((rows, cols, dim))
        self.grid = np.stack(np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij"), axis=-1).astype(float)

    def _check(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.weights.shape[-1]:
            raise ValueError(f"X must be (n, {self.weights.shape[-1]}), got shape {X.shape}.")
        return X

    def distances(self, X) -> np.ndarray:
        """Distance of each input to each unit, shape (n, rows, cols)."""
        return np.linalg.norm(self._check(X)[:, None, None, :] - self.weights, axis=-1)

    def winners(self, X) -> np.ndarray:
        """Grid position (row, col) of each input's best-matching unit, shape (n, 2)."""
        d = self.distances(X)
        return np.stack(np.unravel_index(d.reshape(len(d), -1).argmin(1), d.shape[1:]), axis=1)

    def fit(self, X, steps: int = 2000, lr: tuple = (0.5, 0.02), sigma: tuple | None = None) -> SOM:
        """Online training on ``steps`` random inputs; ``lr`` and ``sigma`` decay geometrically from start to end."""
        X = self._check(X)
        sigma = sigma or (max(self.weights.shape[:2]) / 2, 0.5)
        for t in range(steps):
            frac = t / max(steps - 1, 1)
            eta, width = lr[0] * (lr[1] / lr[0]) ** frac, sigma[0] * (sigma[1] / sigma[0]) ** frac
            x = X[self.rng.integers(len(X))]
            b = np.unravel_index(np.linalg.norm(self.weights - x, axis=-1).argmin(), self.weights.shape[:2])
            h = np.exp(-((self.grid - self.grid[b]) ** 2).sum(-1) / (2 * width**2))  # neighbourhood
            self.weights += eta * h[..., None] * (x - self.weights)
        return self

    def quantization_error(self, X) -> float:
        """Mean distance from each input to its best-matching unit."""
        return float(self.distances(X).reshape(len(X), -1).min(1).mean())

    def topographic_error(self, X) -> float:
        """Share of inputs whose best and second-best units are not grid neighbours (0 = perfectly ordered)."""
        d = self.distances(X).reshape(len(X), -1)
        first, second = np.argsort(d, axis=1)[:, :2].T
        pos = self.grid.reshape(-1, 2)
        return float(np.mean(np.abs(pos[first] - pos[second]).max(1) > 1))

    def neighbour_distance(self) -> float:
        """Mean weight distance between grid neighbours (right and down): small on an ordered map."""
        w = self.weights
        return float(np.mean(np.r_[np.linalg.norm(w[1:] - w[:-1], axis=-1).ravel(),
                                   np.linalg.norm(w[:, 1:] - w[:, :-1], axis=-1).ravel()]))
