"""Bernoulli restricted Boltzmann machine and deep belief network, in NumPy.

Energy of a joint state (v visible, h hidden, both binary):
``E(v, h) = −bᵀv − cᵀh − vᵀWh`` and ``p(v, h) = exp(−E) / Z``. With no connections inside a
layer, ``p(h_j = 1 | v) = σ(c_j + vᵀW_j)`` and ``p(v_i = 1 | h) = σ(b_i + W_i h)``; summing h out
gives the free energy ``F(v) = −bᵀv − Σ_j log(1 + exp(c_j + vᵀW_j))`` with ``p(v) = exp(−F)/Z``.
Training follows contrastive divergence CD-k (Hinton 2002; "A practical guide to training
RBMs", Hinton 2010). A DBN stacks RBMs trained greedily, each on the hidden activations of
the one below (Hinton, Osindero & Teh 2006). 课件: Boltzmann 机, RBM, DBN.
"""

from __future__ import annotations

import itertools

import numpy as np

from dl_course.scratch.activations import sigmoid


def _batch(v, n_visible: int) -> np.ndarray:
    """Check that ``v`` is a (samples, n_visible) array of values in [0, 1]."""
    v = np.asarray(v, dtype=float)
    if v.ndim != 2 or v.shape[1] != n_visible:
        raise ValueError(f"expected an array of shape (samples, {n_visible}), got {v.shape}.")
    if not np.isfinite(v).all():
        raise ValueError("the data contains NaN or infinity; clean or impute it before training.")
    if v.size and (v.min() < 0 or v.max() > 1):
        raise ValueError("a Bernoulli RBM takes binary data or probabilities in [0, 1].")
    return v


class RBM:
    """Bernoulli–Bernoulli RBM: weights ``W`` (visible × hidden), biases ``b`` and ``c``."""

    def __init__(self, n_visible: int, n_hidden: int, seed: int = 0):
        if n_visible < 1 or n_hidden < 1:
            raise ValueError(f"layer sizes must be positive, got {n_visible} and {n_hidden}.")
        self.rng = np.random.default_rng(seed)
        self.W = self.rng.normal(0.0, 0.01, size=(n_visible, n_hidden))
        self.b = np.zeros(n_visible)
        self.c = np.zeros(n_hidden)
        self._velocity = [np.zeros_like(p) for p in (self.W, self.b, self.c)]

    @property
    def n_visible(self) -> int:
        return self.W.shape[0]

    @property
    def n_hidden(self) -> int:
        return self.W.shape[1]

    def hidden_probs(self, v):
        """``p(h = 1 | v)``, one row per sample; also the features passed up a DBN."""
        return sigmoid(_batch(v, self.n_visible) @ self.W + self.c)

    def visible_probs(self, h):
        """``p(v = 1 | h)``, one row per sample."""
        return sigmoid(np.asarray(h, dtype=float) @ self.W.T + self.b)

    def _sample(self, p):
        return (self.rng.random(p.shape) < p).astype(float)

    def energy(self, v, h):
        """``E(v, h)`` for rows of ``v`` and ``h``."""
        v, h = np.asarray(v, dtype=float), np.asarray(h, dtype=float)
        return -(v @ self.b) - (h @ self.c) - np.einsum("ni,ij,nj->n", v, self.W, h)

    def free_energy(self, v):
        """``F(v) = −log Σ_h exp(−E(v, h))`` in closed form (softplus via ``logaddexp``)."""
        v = _batch(v, self.n_visible)
        return -(v @ self.b) - np.logaddexp(0.0, v @ self.W + self.c).sum(axis=1)

    def log_partition(self) -> float:
        """``log Z`` by enumerating all 2^n_visible visible vectors (tiny RBMs only)."""
        if self.n_visible > 20:
            raise ValueError(
                f"enumerating 2^{self.n_visible} visible states is too costly (max 20)."
            )
        states = np.array(list(itertools.product((0.0, 1.0), repeat=self.n_visible)))
        minus_f = -self.free_energy(states)
        top = minus_f.max()
        return float(top + np.log(np.exp(minus_f - top).sum()))

    def log_prob(self, v):
        """Exact ``log p(v) = −F(v) − log Z`` (tiny RBMs only)."""
        return -self.free_energy(v) - self.log_partition()

    def gibbs(self, v, steps: int = 1):
        """Run ``steps`` rounds of block Gibbs sampling v → h → v; return (v sample, p(v | h))."""
        if steps < 1:
            raise ValueError(f"steps must be ≥ 1, got {steps!r}.")
        v = _batch(v, self.n_visible)
        for _ in range(steps):
            h = self._sample(self.hidden_probs(v))
            pv = self.visible_probs(h)
            v = self._sample(pv)
        return v, pv

    def reconstruction_error(self, v) -> float:
        """Mean squared difference between ``v`` and its mean-field reconstruction."""
        v = _batch(v, self.n_visible)
        return float(np.mean((v - self.visible_probs(self.hidden_probs(v))) ** 2))

    def cd_gradients(self, v0, k: int = 1):
        """CD-k estimates of ``∂ log p / ∂(W, b, c)`` averaged over the batch ``v0``.

        Positive phase on the data, negative phase after k Gibbs steps; probabilities stand
        in for the sampled states in the statistics, as the practical guide advises.
        """
        v0 = _batch(v0, self.n_visible)
        ph0 = self.hidden_probs(v0)
        _, pvk = self.gibbs(v0, k)
        phk = self.hidden_probs(pvk)
        n = len(v0)
        dW = (v0.T @ ph0 - pvk.T @ phk) / n
        return dW, (v0 - pvk).mean(axis=0), (ph0 - phk).mean(axis=0)

    def fit(
        self,
        x,
        epochs: int = 5,
        batch_size: int = 64,
        lr: float = 0.05,
        k: int = 1,
        momentum: float = 0.5,
        weight_decay: float = 0.0,
        verbose: bool = False,
    ) -> list[float]:
        """Train with CD-k and momentum; return the reconstruction error after each epoch."""
        x = _batch(x, self.n_visible)
        if epochs < 1 or batch_size < 1 or k < 1:
            raise ValueError("epochs, batch_size and k must be ≥ 1.")
        history = []
        for epoch in range(epochs):
            order = self.rng.permutation(len(x))
            for start in range(0, len(x), batch_size):
                grads = self.cd_gradients(x[order[start : start + batch_size]], k)
                grads = (grads[0] - weight_decay * self.W, grads[1], grads[2])
                for param, vel, grad in zip(
                    (self.W, self.b, self.c), self._velocity, grads, strict=True
                ):
                    vel *= momentum
                    vel += lr * grad
                    param += vel
            history.append(self.reconstruction_error(x))
            if verbose:
                print(f"epoch {epoch + 1}: reconstruction error {history[-1]:.4f}")
        return history


class DBN:
    """Deep belief network: a stack of RBMs, ``sizes = (visible, hidden1, hidden2, …)``.

    ``dl_course.models.dbn.dbn_classifier`` turns a trained DBN into a Keras classifier to fine-tune.
    """

    def __init__(self, sizes, seed: int = 0):
        if len(sizes) < 2:
            raise ValueError(
                f"sizes needs the visible size and at least one hidden size, got {sizes!r}."
            )
        self.rbms = [RBM(a, b, seed=seed + i) for i, (a, b) in enumerate(itertools.pairwise(sizes))]

    def fit(self, x, **fit_kwargs) -> list[list[float]]:
        """Greedy layer-wise pre-training: each RBM learns the hidden probabilities of the last."""
        histories = []
        for rbm in self.rbms:
            histories.append(rbm.fit(x, **fit_kwargs))
            x = rbm.hidden_probs(x)
        return histories

    def transform(self, x):
        """Top-layer hidden probabilities (deterministic up-pass)."""
        for rbm in self.rbms:
            x = rbm.hidden_probs(x)
        return x
