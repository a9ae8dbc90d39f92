"""Chapter 08, autoencoders, RBM and DBN: the exercise checks."""

from __future__ import annotations

import numpy as np

from dl_course.exercises.registry import array_result, exercise, first_difference, function, number
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


#: The full profile's settings (the notebook's ``full=`` dict). The NumPy RBM and DBN run on the
#: CPU whatever the GPU: with 10 epochs of pre-training and 15 of the RBM (the settings before) they
#: took about 27 of the chapter's 35 minutes (``benchmarks/results/full-profile-gpu-estimate.md``).
#: CD-1 lowers the reconstruction error most in its first sweeps through MNIST (the chapter prints it
#: per epoch), so 3 pre-training epochs per layer and 10 RBM epochs are expected to keep the bounds
#: (pre-trained ≥ 0.88 with 1,000 labels; RBM reconstruction error ≤ 0.07): an expectation, to be
#: measured with the full profile.
FULL_SETTINGS = dict(dataset="mnist", n_train=60000, n_test=10000, ae_epochs=20, rbm_hidden=256, rbm_epochs=10,
                     n_labelled=1000, hidden=(500, 500, 2000), pretrain_epochs=3, finetune_epochs=50,
                     rbf_train=2000, rbf_centres=(4, 20))
#: MACs per weight and example in an epoch of the NumPy RBM: CD-1 (v→h, h→v, v→h and the two outer
#: products) and the epoch's reconstruction error (v→h→v).
RBM_MACS_PER_WEIGHT = 7


def full_workload(values=FULL_SETTINGS) -> list:
    """The full profile's training loops, for ``dl_course.estimate``: the autoencoders (batch 64;
    the 2-D one for twice the epochs at batch 128; four regularised variants), the NumPy RBM and
    the NumPy DBN's greedy pre-training on the CPU, the stacked denoising autoencoder's greedy
    pre-training (each layer an autoencoder, batch 128) and four fine-tunings on the labelled
    subset (batch 32)."""
    from dl_course import models
    from dl_course.estimate import Loop, settings

    cfg = settings(values)
    sizes = (784, *cfg.hidden)
    dbn_weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    return [
        Loop("dense autoencoder", cfg.n_train, cfg.ae_epochs, 64, final=cfg.n_test,
             build=lambda: models.build("dense_autoencoder", code_size=64)),
        Loop("conv autoencoder", cfg.n_train, cfg.ae_epochs, 64, final=cfg.n_test,
             build=lambda: models.build("conv_autoencoder", input_shape=(28, 28, 1), filters=(16, 4))),
        Loop("2-D autoencoder", cfg.n_train, 2 * cfg.ae_epochs, 128, final=cfg.n_test,
             build=lambda: models.build("dense_autoencoder", hidden=(256, 64), code_size=2, code_activation="linear")),
        Loop("sparse and denoising autoencoders", cfg.n_train, cfg.ae_epochs, 64, final=2 * cfg.n_test, runs=4,
             build=lambda: models.build("dense_autoencoder", code_size=64)),
        Loop("NumPy RBM, CD-1", cfg.n_train, cfg.rbm_epochs, 64, weights=784 * cfg.rbm_hidden,
             macs_per_weight=RBM_MACS_PER_WEIGHT),
        Loop("NumPy DBN pre-training", cfg.n_train, cfg.pretrain_epochs, 64, weights=dbn_weights,
             macs_per_weight=RBM_MACS_PER_WEIGHT),
        Loop("stacked denoising AE pre-training", cfg.n_train, cfg.pretrain_epochs, 128, passes=6.0,
             build=lambda: models.build("stacked_autoencoder", hidden=cfg.hidden)),
        Loop("fine-tuning (4 initialisations)", cfg.n_labelled, cfg.finetune_epochs, 32, final=cfg.n_test, runs=4,
             build=lambda: models.build("stacked_autoencoder", hidden=cfg.hidden)),
    ]


def _rbf_reference(x, centres, sigma):
    return np.exp(-((x[:, None, :] - centres[None]) ** 2).sum(-1) / (2.0 * sigma**2))


@exercise("08.6", "a function rbf_features(x, centres, sigma) -> (n, k) array of exp(−‖x_n − c_j‖² / 2σ²)")
def rbf_features(answer):
    fn = function(answer, "rbf_features(x, centres, sigma)")
    rng = np.random.default_rng(86)
    for n, k, d, sigma in ((3, 2, 1, 1.0), (5, 4, 2, 0.7), (6, 3, 5, 2.5)):
        x, centres = rng.normal(size=(n, d)), rng.normal(size=(k, d))
        case = f"{n} 个输入 inputs, {k} 个中心 centres, σ={sigma}"
        got = array_result(fn, (x.copy(), centres.copy(), sigma), (n, k), case,
                           "每行一个输入、每列一个中心。One row per input, one column per centre.")
        want = _rbf_reference(x, centres, sigma)
        where = first_difference(got, want, 1e-8)
        if where is None:
            continue
        distance = np.sqrt(((x[:, None, :] - centres[None]) ** 2).sum(-1))
        if np.allclose(got, np.exp(-distance / (2 * sigma**2)), atol=1e-8):
            raise Wrong(f"{case}: {where}.", "指数里是距离的平方。The exponent holds the squared distance.")
        if np.allclose(got, np.exp(-(distance**2) / sigma**2), atol=1e-8):
            raise Wrong(f"{case}: {where}.", "分母是 2σ²，不是 σ²。The denominator is 2σ², not σ².")
        if np.allclose(got, np.exp(-(distance**2) / (2 * sigma)), atol=1e-8):
            raise Wrong(f"{case}: {where}.", "σ 是宽度，分母里要用它的平方。σ is a width: square it.")
        if np.allclose(got, np.exp(-(distance**2) / (2 * sigma**2)).T, atol=1e-8) or np.allclose(
                got, np.exp(distance**2 / (2 * sigma**2)), atol=1e-8):
            raise Wrong(f"{case}: {where}.", "离中心越远，响应应越小，最大为 1。The response falls from 1 with distance.")
        raise Wrong(f"{case}: {where}.",
                    "先算每个输入到每个中心的距离，再套高斯函数。Distances first, then the Gaussian.")
