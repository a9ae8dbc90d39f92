"""A network with one hidden layer fitting a function of one variable: the universal approximation
statement (Cybenko 1989 for sigmoid units; Hornik 1991 for any bounded, non-constant activation).

课件 (多层网络的表达能力): one hidden layer of enough units approximates any continuous function on
a closed interval as closely as wanted. The statement says such weights exist; it says nothing about
how many units are needed or whether training finds them. ``OneHiddenLayer`` is
``y = tanh(x w₁ + b₁) w₂ + b₂``, trained on the mean squared error with full-batch Adam.
"""

from __future__ import annotations

import numpy as np


class OneHiddenLayer:
    """``width`` tanh units between one input and one output, fitted by full-batch Adam on the MSE."""

    def __init__(self, width: int, seed: int = 0):
        if int(width) != width or width < 1:
            raise ValueError(f"width must be a positive integer (the number of hidden units), got {width!r}.")
        rng = np.random.default_rng(seed)
        self.width = int(width)
        # Input weights spread the units' turning points over the usual input range [-3, 3].
        self.params = [rng.normal(0.0, 2.0, (1, self.width)), rng.uniform(-3.0, 3.0, self.width),
                       rng.normal(0.0, 1.0 / np.sqrt(self.width), (self.width, 1)), np.zeros(1)]

    def hidden(self, x: np.ndarray) -> np.ndarray:
        """The hidden units' outputs, shape (n, width)."""
        w1, b1, _, _ = self.params
        return np.tanh(np.reshape(x, (-1, 1)) @ w1 + b1)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The network's output for inputs ``x`` of shape (n,), shape (n,)."""
        _, _, w2, b2 = self.params
        return (self.hidden(x) @ w2 + b2)[:, 0]

    def mse(self, x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean((self.predict(x) - np.ravel(y)) ** 2))

    def gradients(self, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
        """∂ mean((ŷ − y)²) / ∂ each of ``params``, by backpropagation."""
        x, y = np.reshape(np.asarray(x, float), (-1, 1)), np.reshape(np.asarray(y, float), (-1, 1))
        w1, b1, w2, b2 = self.params
        h = np.tanh(x @ w1 + b1)
        d_out = 2 * (h @ w2 + b2 - y) / len(x)  # ∂L/∂ŷ
        d_pre = (d_out @ w2.T) * (1 - h**2)  # back through tanh
        return [x.T @ d_pre, d_pre.sum(0), h.T @ d_out, d_out.sum(0)]

    def fit(self, x: np.ndarray, y: np.ndarray, steps: int = 2000, lr: float = 0.02) -> list[float]:
        """Full-batch Adam (β₁ 0.9, β₂ 0.999) on ``mean((ŷ − y)²)``; returns the loss before each step."""
        if len(np.ravel(x)) != len(np.ravel(y)):
            raise ValueError(f"x and y must hold as many points, got {len(np.ravel(x))} and {len(np.ravel(y))}.")
        m = [np.zeros_like(p) for p in self.params]
        v = [np.zeros_like(p) for p in self.params]
        losses = []
        for t in range(1, steps + 1):
            losses.append(self.mse(x, y))
            for i, g in enumerate(self.gradients(x, y)):
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g**2
                self.params[i] = self.params[i] - lr * (m[i] / (1 - 0.9**t)) / (np.sqrt(v[i] / (1 - 0.999**t)) + 1e-8)
        return losses
