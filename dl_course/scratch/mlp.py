"""A multilayer perceptron with forward and backward passes written out in NumPy.

课件 (结点计算, 链式法则, BP 网络, 反向传播, softmax 与交叉熵, 权重衰减):
each layer computes ``z = a W + b``, ``a = f(z)``; the output layer is a softmax with
cross-entropy loss, whose gradient with respect to its logits is ``(p − onehot(y)) / n``.
Backpropagation walks the chain rule from the loss back to every weight.
"""

from __future__ import annotations

import numpy as np

from dl_course.scratch.activations import sigmoid, softmax

#: Hidden-layer activations: name → (f(z), f'(z) written with z and a = f(z)).
ACTIVATIONS = {
    "sigmoid": (sigmoid, lambda z, a: a * (1.0 - a)),
    "tanh": (np.tanh, lambda z, a: 1.0 - a**2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(z.dtype)),
}


def cross_entropy(p: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-probability of the true classes ``y`` (integers)."""
    return float(-np.mean(np.log(p[np.arange(len(y)), y] + 1e-12)))


class MLP:
    """Fully connected network ``sizes[0] → … → sizes[-1]`` with softmax cross-entropy and L2.

    ``params`` is a list of ``(W, b)``; weights start Xavier/Glorot-uniform (Glorot & Bengio
    2010), biases at zero. ``loss`` adds ``l2/2 · Σ‖W‖²`` (weight decay, biases excluded).
    """

    def __init__(self, sizes, activation: str = "sigmoid", l2: float = 0.0, seed: int = 0):
        sizes = list(sizes)
        if len(sizes) < 2 or any(not isinstance(s, int) or s < 1 for s in sizes):
            raise ValueError(f"sizes must list at least an input and an output width (positive ints), got {sizes}.")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}.")
        if l2 < 0:
            raise ValueError(f"l2 must be ≥ 0, got {l2}.")
        rng = np.random.default_rng(seed)
        self.sizes, self.activation, self.l2 = sizes, activation, l2
        self.params = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            self.params.append((rng.uniform(-limit, limit, (fan_in, fan_out)), np.zeros(fan_out)))

    def _check(self, X, y=None):
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (n, {self.sizes[0]}), got {X.shape}.")
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinity; clean or impute the data before training.")
        if y is None:
            return X
        y = np.asarray(y)
        if y.shape != (len(X),) or not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"y must be {len(X)} integer class labels, got shape {y.shape} dtype {y.dtype}.")
        if y.min() < 0 or y.max() >= self.sizes[-1]:
            raise ValueError(f"labels must lie in [0, {self.sizes[-1] - 1}], got range [{y.min()}, {y.max()}].")
        return X, y

    def forward(self, X):
        """Class probabilities and the cache ``[(z, a_in), …]``: each layer's pre-activation and input."""
        f, _ = ACTIVATIONS[self.activation]
        a, cache = self._check(X), []
        for i, (W, b) in enumerate(self.params):
            z = a @ W + b
            cache.append((z, a))
            a = softmax(z) if i == len(self.params) - 1 else f(z)
        return a, cache

    def loss(self, X, y) -> float:
        X, y = self._check(X, y)
        p, _ = self.forward(X)
        return cross_entropy(p, y) + 0.5 * self.l2 * sum(float(np.sum(W**2)) for W, _ in self.params)

    def gradients(self, X, y):
        """``[(dL/dW, dL/db), …]`` by backpropagation, layer by layer from the output."""
        X, y = self._check(X, y)
        _, df = ACTIVATIONS[self.activation]
        p, cache = self.forward(X)
        delta = p.copy()
        delta[np.arange(len(y)), y] -= 1.0
        delta /= len(y)  # dL/dz of the softmax layer
        grads = []
        for i in reversed(range(len(self.params))):
            W, _ = self.params[i]
            _, a_in = cache[i]
            grads.append((a_in.T @ delta + self.l2 * W, delta.sum(axis=0)))
            if i:
                z_prev, _ = cache[i - 1]
                delta = (delta @ W.T) * df(z_prev, a_in)
        return grads[::-1]

    def sgd_step(self, X, y, lr: float) -> None:
        """One gradient-descent update of every weight and bias on the batch ``(X, y)``."""
        for k, (dW, db) in enumerate(self.gradients(X, y)):
            W, b = self.params[k]
            self.params[k] = (W - lr * dW, b - lr * db)

    def fit(self, X, y, epochs: int = 10, lr: float = 0.5, batch_size: int = 32, seed: int = 0) -> list[float]:
        """Mini-batch SGD; returns the training loss after each epoch."""
        X, y = self._check(X, y)
        rng = np.random.default_rng(seed)
        losses = []
        for _ in range(epochs):
            order = rng.permutation(len(X))
            for start in range(0, len(X), batch_size):
                batch = order[start : start + batch_size]
                self.sgd_step(X[batch], y[batch], lr)
            losses.append(self.loss(X, y))
        return losses

    def predict(self, X) -> np.ndarray:
        return self.forward(X)[0].argmax(axis=1)


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central finite differences of the scalar function ``f`` at ``x`` (changed in place, restored)."""
    grad = np.zeros_like(x, dtype=float)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = f()
        x[idx] = old - eps
        down = f()
        x[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad
