"""Hopfield network: a symmetric network without hidden units that stores binary patterns.

Hopfield 1982. States are ±1; the Hebb rule stores P patterns as
``W = (1/N) Σ_p ξ_p ξ_pᵀ`` with a zero diagonal. Asynchronous updates
``s_i ← sign(Σ_j W_ij s_j)`` never raise the energy ``E(s) = −½ sᵀWs``, so a corrupted pattern
rolls downhill to the nearest stored one while P stays below about 0.138 N.
课件 (对称连接网络: 没有隐藏单元的对称连接网络被称为 Hopfield 网络).
"""

from __future__ import annotations

import numpy as np


def bipolar(x) -> np.ndarray:
    """Map binary {0, 1} or bipolar {−1, +1} states to ±1 (2-D: one state per row)."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    values = set(np.unique(x))
    if values <= {0.0, 1.0}:
        return 2 * x - 1
    if values <= {-1.0, 1.0}:
        return x
    raise ValueError(
        f"states must be binary {{0, 1}} or bipolar {{-1, +1}}, got values {sorted(values)[:5]}."
    )


class Hopfield:
    """Hopfield network of ``n_units`` ±1 units with Hebbian storage."""

    def __init__(self, n_units: int):
        if n_units < 2:
            raise ValueError(f"a Hopfield network needs at least 2 units, got {n_units!r}.")
        self.W = np.zeros((n_units, n_units))

    @property
    def n_units(self) -> int:
        return len(self.W)

    def _states(self, s) -> np.ndarray:
        s = bipolar(s)
        if s.shape[1] != self.n_units:
            raise ValueError(f"expected states of {self.n_units} units, got {s.shape[1]}.")
        return s

    def store(self, patterns) -> Hopfield:
        """Add ``patterns`` (one per row) to the weights by the Hebb rule."""
        xi = self._states(patterns)
        self.W += xi.T @ xi / self.n_units
        np.fill_diagonal(self.W, 0.0)
        return self

    def energy(self, s) -> np.ndarray:
        """``E(s) = −½ sᵀWs`` for each row of ``s``."""
        s = self._states(s)
        return -0.5 * np.einsum("ni,ij,nj->n", s, self.W, s)

    def recall(self, s, max_sweeps: int = 20, seed: int = 0) -> np.ndarray:
        """Asynchronous updates in random order until no unit changes; returns ±1 states.

        A unit whose input is exactly 0 keeps its state.
        """
        s = self._states(s).copy()
        rng = np.random.default_rng(seed)
        for _ in range(max_sweeps):
            changed = False
            for i in rng.permutation(self.n_units):
                field = s @ self.W[:, i]
                new = np.where(field > 0, 1.0, np.where(field < 0, -1.0, s[:, i]))
                changed |= bool(np.any(new != s[:, i]))
                s[:, i] = new
            if not changed:
                break
        return s
