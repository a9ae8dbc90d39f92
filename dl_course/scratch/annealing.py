"""Simulated annealing (Kirkpatrick, Gelatt & Vecchi 1983), the slides' way out of a local minimum.

课件 (BP 网络, 局部最小): gradient descent stops in the first minimum it reaches. Simulated
annealing proposes a random move and accepts a worse point with the Metropolis probability
``exp(−ΔL / T)``; the temperature ``T`` falls step by step, so early on the search can climb out
of a shallow basin, and at the end it only goes downhill.
"""

from __future__ import annotations

import numpy as np


def simulated_annealing(loss, w0, *, steps: int = 2000, t0: float = 1.0, cooling: float = 0.995,
                        step_size: float = 0.5, seed=None) -> np.ndarray:
    """Minimise ``loss(w)`` from ``w0``; return the path of accepted points, shape (steps + 1, *w0.shape).

    Each step proposes ``w' = w + N(0, step_size²)``; it is accepted when ``loss(w') ≤ loss(w)``,
    else with probability ``exp(−(loss(w') − loss(w)) / T)``. Then ``T ← cooling · T``.
    """
    if steps < 1 or t0 <= 0 or step_size <= 0:
        raise ValueError(f"steps, t0 and step_size must be positive, got {steps}, {t0}, {step_size}.")
    if not 0 < cooling <= 1:
        raise ValueError(f"cooling must be in (0, 1] (T is multiplied by it each step), got {cooling}.")
    rng = np.random.default_rng(seed)
    w = np.asarray(w0, dtype=float)
    current, temperature, path = float(loss(w)), t0, [w]
    for _ in range(steps):
        proposal = w + rng.normal(0.0, step_size, size=w.shape)
        new = float(loss(proposal))
        if new <= current or rng.random() < np.exp(-(new - current) / temperature):
            w, current = proposal, new  # Metropolis: downhill always, uphill sometimes
        path.append(w)
        temperature *= cooling
    return np.array(path)
