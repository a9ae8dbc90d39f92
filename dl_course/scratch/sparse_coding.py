"""Sparse coding (Olshausen & Field 1996): each input as a few atoms of a learned dictionary.

课件 (稀疏编码): find codes a with few non-zero entries such that x ≈ a D (row vectors; D holds one
atom per row, k × d), by minimising

    ½‖x − a D‖² + λ‖a‖₁.

ISTA (iterative shrinkage-thresholding; Daubechies, Defrise & De Mol 2004) takes a gradient step on
the squared error and then shrinks every coefficient toward 0 by λ/L (soft thresholding), L being
the largest eigenvalue of D Dᵀ. Learning D alternates ISTA codes with a gradient step on D.
"""

from __future__ import annotations

import numpy as np


def soft_threshold(z, threshold: float) -> np.ndarray:
    """sign(z) · max(|z| − threshold, 0): the proximal step of the L1 penalty."""
    z = np.asarray(z, dtype=float)
    return np.sign(z) * np.maximum(np.abs(z) - threshold, 0.0)


def objective(X, D, A, lam: float) -> float:
    """Mean over rows of ½‖x − a D‖² + λ‖a‖₁."""
    return float(np.mean(0.5 * ((X - A @ D) ** 2).sum(1) + lam * np.abs(A).sum(1)))


def ista(X, D, lam: float, steps: int = 100, A=None) -> np.ndarray:
    """Sparse codes A (n, k) of the rows of X (n, d) in dictionary D (k, d), by ``steps`` ISTA steps."""
    X, D = np.asarray(X, dtype=float), np.asarray(D, dtype=float)
    if X.ndim != 2 or D.ndim != 2 or X.shape[1] != D.shape[1]:
        raise ValueError(f"X must be (n, d) and D (atoms, d) with the same d, got {X.shape} and {D.shape}.")
    if lam < 0:
        raise ValueError(f"lam must be ≥ 0, got {lam}.")
    L = np.linalg.eigvalsh(D @ D.T).max()  # Lipschitz constant of the gradient
    A = np.zeros((len(X), len(D))) if A is None else np.array(A, dtype=float)
    for _ in range(steps):
        A = soft_threshold(A - (A @ D - X) @ D.T / L, lam / L)  # gradient step, then shrink
    return A


def learn_dictionary(X, atoms: int, lam: float, iterations: int = 30, ista_steps: int = 30, seed=None):
    """Alternate ISTA codes and a gradient step on D (atoms kept at unit norm); return (D, A)."""
    X = np.asarray(X, dtype=float)
    rng = np.random.default_rng(seed)
    D = X[rng.choice(len(X), atoms, replace=False)] + 1e-3 * rng.normal(size=(atoms, X.shape[1]))
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    A = None
    for _ in range(iterations):
        A = ista(X, D, lam, ista_steps, A)
        step = 1.0 / max(np.linalg.eigvalsh(A.T @ A).max(), 1e-12)
        D -= step * A.T @ (A @ D - X)  # gradient step on ½‖X − A D‖²
        D /= np.maximum(np.linalg.norm(D, axis=1, keepdims=True), 1e-12)
    return D, ista(X, D, lam, ista_steps, A)
