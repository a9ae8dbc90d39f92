"""Chapter 08, autoencoders, RBM and DBN: the exercise checks."""

from __future__ import annotations

import numpy as np

from dl_course.exercises.registry import exercise, function, number
from dl_course.exercises.runner import Wrong, call


def kl_reference(rho: float, rho_hat) -> float:
    rho_hat = np.asarray(rho_hat, dtype=np.float64)
    return float(np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))))


@exercise("08.2", "a function kl_penalty(rho, rho_hat) -> Σ_j KL(ρ ‖ ρ̂_j) (a float)")
def kl_penalty(answer):
    fn = function(answer, "kl_penalty(rho, rho_hat)")
    rng = np.random.default_rng(82)
    cases = [(0.05, np.full(4, 0.05)), (0.05, rng.uniform(0.01, 0.6, size=16)), (0.2, rng.uniform(0.05, 0.9, size=32))]
    for rho, rho_hat in cases:
        got = number(call(fn, rho, rho_hat.copy()), "kl_penalty(...)")
        want = kl_reference(rho, rho_hat)
        case = f"ρ={rho}, {rho_hat.size} 个单元 units"
        if np.isclose(got, want, rtol=1e-6, atol=1e-9):
            continue
        swapped = float(np.sum(rho_hat * np.log(rho_hat / rho) + (1 - rho_hat) * np.log((1 - rho_hat) / (1 - rho))))
        if np.isclose(got, swapped, rtol=1e-6):
            raise Wrong(f"{case}: 得到 got {got:.6g}, 你算的是 KL(ρ̂ ‖ ρ) you computed KL(ρ̂ ‖ ρ).",
                        "KL 不对称：这里 ρ 在前。KL is not symmetric: ρ comes first.")
        if np.isclose(got, want / rho_hat.size, rtol=1e-6):
            raise Wrong(f"{case}: 得到 got {got:.6g}: 取了平均而不是求和 averaged instead of summed.",
                        "对隐藏单元求和。Sum over the hidden units.")
        if np.isclose(got, float(np.sum(rho * np.log(rho / rho_hat))), rtol=1e-6):
            raise Wrong(f"{case}: 得到 got {got:.6g}: 少了 (1 − ρ) 那一项 the (1 − ρ) term is missing.",
                        "这是两个伯努利分布之间的 KL。It is the KL between two Bernoulli distributions.")
        raise Wrong(f"{case}: 得到 got {got:.6g}, 与正确值相差 differs by {got - want:+.3g}.",
                    "ρ̂_j 相同时（第一组）KL 应为 0。With ρ̂_j = ρ the penalty is 0.")
