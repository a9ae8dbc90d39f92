"""Checks for chapters 07 and 08: the generator's gradient, the KL sparsity penalty."""

from __future__ import annotations

import numpy as np

from dl_course.exercises.registry import exercise, function, number, numbers_tuple
from dl_course.exercises.runner import Wrong, call

D_FAKE = 0.01  # D(G(z)) early in training, when D easily rejects the samples


@exercise("07.2", "(d/da of log(1 − σ(a)), d/da of −log σ(a)) at σ(a) = D(G(z)) = 0.01")
def generator_gradients(answer):
    saturating, non_saturating = numbers_tuple(answer, ("saturating", "non-saturating"))
    want = (-D_FAKE, -(1 - D_FAKE))
    if np.allclose((non_saturating, saturating), want, atol=1e-3):
        raise Wrong("两个值对调了 the two values are swapped.",
                    "饱和损失 log(1 − D) 在 D → 0 时很平。The saturating loss is flat where D → 0.")
    if np.allclose((-saturating, -non_saturating), want, atol=1e-3):
        raise Wrong("符号反了 the signs are flipped.", "G 要最小化这两个损失；σ'(a) = σ(a)(1 − σ(a))。")
    if not np.isclose(saturating, want[0], atol=1e-3):
        raise Wrong(f"饱和损失的梯度 {saturating:.4g} 不对 the saturating loss's gradient is wrong.",
                    "d/da log(1 − σ(a)) = −σ'(a)/(1 − σ(a))，用 σ' = σ(1 − σ) 化简。Simplify with σ' = σ(1 − σ).")
    if not np.isclose(non_saturating, want[1], atol=1e-3):
        raise Wrong(f"非饱和损失的梯度 {non_saturating:.4g} 不对 the non-saturating loss's gradient is wrong.",
                    "d/da [−log σ(a)] = −σ'(a)/σ(a)。")


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


