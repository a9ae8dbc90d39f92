"""Chapter 07, generative adversarial networks: the conditional DCGAN recipe and the exercise checks."""

from __future__ import annotations

import keras
import numpy as np

from dl_course import models
from dl_course.exercises.registry import (
    array_result,
    exercise,
    first_difference,
    function,
    numbers_tuple,
)
from dl_course.exercises.runner import Wrong, call
from dl_course.train import GAN


def conditional_dcgan(*, latent_dim: int, g_filters, d_filters, lr: float, steps: int, projection: bool = True,
                      seed: int = 0) -> GAN:
    """The chapter's conditional DCGAN, compiled: generator and discriminator (with the projection
    term of Miyato & Koyama 2018 unless ``projection=False``) trained with Adam, β₁ = 0.5 (Radford
    et al. 2016), the learning rate ``lr`` decaying to 0 on a cosine over ``steps`` updates.
    Build it inside ``runtime.scope()`` to train on every visible GPU/TPU."""
    gan = GAN(
        models.build("cdcgan_generator", latent_dim=latent_dim, filters=g_filters),
        models.build("cdcgan_discriminator", filters=d_filters, projection=projection),
        seed=seed,
    )
    gan.compile(keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(lr, steps), beta_1=0.5))
    return gan


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


#: The notebook's full-profile settings (its settings cell's ``full=`` dict must equal this).
FULL_SETTINGS = dict(toy_n=16384, toy_epochs=30, toy_lr=2e-3, image_data="fashion_mnist", cgan_data="mnist",
                     train_size=60000, scorer_size=60000, cgan_size=60000, eval_size=5000, scorer_epochs=5, digit_scorer_epochs=5,
                     latent_dim=100, g_filters=(256, 128), d_filters=(64, 128), cgan_d_filters=(64, 128), lr=2e-4, batch_size=64,
                     cgan_batch_size=64, cgan_lr=2e-4, dcgan_epochs=10, cgan_epochs=15)
#: Forward passes of generator + discriminator per example in one GAN step: D on real and fake
#: images and G's loss through D, each forward and backward.
GAN_PASSES = 6.0


def full_workload(values=FULL_SETTINGS) -> list:
    """The full profile's training loops, for ``dl_course.estimate``: three toy GANs for
    ``toy_epochs`` and the bad-optimiser one for 5 (batch 128), the two image scorers (the digit
    scorer on MNIST's 10,000 test digits), the DCGAN and the conditional DCGAN (one compile more for
    the interrupted run)."""
    from dl_course.estimate import Loop, settings

    cfg = settings(values)

    def toy():
        return [models.build("gan_generator", hidden=(64, 64)), models.build("gan_discriminator", hidden=(64, 64))]

    def scorer():
        return models.build("dcgan_discriminator", input_shape=(28, 28, 1), classes=10, classifier_activation="softmax",
                            filters=(32, 64))

    return [
        Loop("toy GANs (3 runs)", cfg.toy_n, cfg.toy_epochs, 128, passes=GAN_PASSES, runs=3, build=toy),
        Loop("toy GAN, bad optimiser", cfg.toy_n, 5, 128, passes=GAN_PASSES, build=toy),
        Loop("image scorer", cfg.scorer_size, cfg.scorer_epochs, 64, final=2 * cfg.eval_size, build=scorer),
        Loop("digit scorer", 10000, cfg.digit_scorer_epochs, 64, final=2 * cfg.eval_size, build=scorer),
        Loop("DCGAN", cfg.train_size, cfg.dcgan_epochs, cfg.batch_size, passes=GAN_PASSES,
             build=lambda: [models.build("dcgan_generator", latent_dim=cfg.latent_dim, output_shape=(28, 28, 1),
                                         filters=cfg.g_filters),
                            models.build("dcgan_discriminator", input_shape=(28, 28, 1), filters=cfg.d_filters)]),
        Loop("conditional DCGAN", cfg.cgan_size, cfg.cgan_epochs, cfg.cgan_batch_size, passes=GAN_PASSES, runs=1,
             build=lambda: [models.build("cdcgan_generator", latent_dim=cfg.latent_dim, filters=cfg.g_filters),
                            models.build("cdcgan_discriminator", filters=cfg.cgan_d_filters)]),
    ]


@exercise("07.6", "a function optimal_discriminator(p_data, p_g) -> D*(x) for arrays of the two densities")
def optimal_discriminator(answer):
    fn = function(answer, "optimal_discriminator(p_data, p_g)")
    rng = np.random.default_rng(76)
    for n in (1, 5, 12):
        p_data, p_g = rng.uniform(0.01, 2.0, n), rng.uniform(0.01, 2.0, n)
        case = f"{n} 个点 points"
        got = array_result(fn, (p_data.copy(), p_g.copy()), (n,), case)
        want = p_data / (p_data + p_g)
        where = first_difference(got, want, 1e-8)
        if where is None:
            continue
        if np.allclose(got, p_g / (p_data + p_g), atol=1e-8) or np.allclose(got, 1 - want, atol=1e-8):
            raise Wrong(f"{case}: {where}; 这是 1 − D* it is 1 − D*.",
                        "D 输出的是“样本来自真实数据”的概率。D gives the probability that x is real.")
        if np.allclose(got, p_data / p_g, atol=1e-8):
            raise Wrong(f"{case}: {where}.",
                        "概率不能超过 1：分母里应是两种密度的和。A probability: the denominator is a sum.")
        raise Wrong(f"{case}: {where}.",
                    "固定 G，对每个 x 求 a·log D + b·log(1 − D) 的最大值点。For each x maximise a·log D + b·log(1 − D).")
    equal = call(fn, np.ones(3), np.ones(3))
    if not np.allclose(np.asarray(equal, dtype=float), 0.5):
        raise Wrong("p_g = p_data 时 D* 应处处为 1/2 where p_g = p_data, D* should be 1/2.")
