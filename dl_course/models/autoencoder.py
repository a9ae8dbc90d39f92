"""Autoencoders of chapter 08: dense, convolutional, sparse, denoising and stacked.

An autoencoder maps ``x`` to a code ``h = σ(Wx + b)`` (the layer named ``code``) and back to a
reconstruction of ``x``; it is trained on the reconstruction error alone. ``encoder(model)``
cuts the code model out of a trained autoencoder. ``dl_course.train.greedy_pretrain`` trains
the hidden layers of a classifier one at a time as these autoencoders (greedy layer-wise
pre-training) before the whole network is fine-tuned with labels.
"""

from __future__ import annotations

import keras
import numpy as np

from dl_course.checks import (
    check_choice,
    check_fraction,
    check_number,
    check_positive,
    check_widths,
)
from dl_course.models import register
from dl_course.models.common import check_activation, image_input
from dl_course.models.mlp import mlp

SPARSITY = (None, "l1", "kl")


@keras.saving.register_keras_serializable(package="dl_course")
class MaskingNoise(keras.layers.Layer):
    """Denoising corruption: during training, set a random share ``rate`` of inputs to 0.

    Vincent et al. 2008 ("masking noise"). Unlike ``Dropout`` it does not rescale the
    inputs that survive, and it does nothing at inference.
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_fraction(rate, "rate (the share of inputs set to 0)")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training or self.rate == 0.0:
            return inputs
        keep = keras.random.uniform(keras.ops.shape(inputs), seed=self.seed_generator) >= self.rate
        return inputs * keras.ops.cast(keep, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


def kl_sparsity(code, target: float):
    """``Σ_j KL(ρ ‖ ρ̂_j)``: ρ̂_j is unit j's mean activation over the batch, ρ the target."""
    eps = keras.backend.epsilon()
    rho_hat = keras.ops.clip(keras.ops.mean(code, axis=0), eps, 1.0 - eps)
    rho = keras.ops.cast(target, code.dtype)
    kl = rho * keras.ops.log(rho / rho_hat) + (1 - rho) * keras.ops.log((1 - rho) / (1 - rho_hat))
    return keras.ops.sum(kl)


class SparsityPenalty(keras.layers.Layer):
    """Identity layer adding ``weight · penalty(code)`` to the model's loss."""

    def __init__(self, weight: float, **kwargs):
        super().__init__(**kwargs)
        self.weight = check_number(weight, "weight")

    def penalty(self, code):
        raise NotImplementedError

    def call(self, inputs):
        self.add_loss(self.weight * self.penalty(inputs))
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "weight": self.weight}


@keras.saving.register_keras_serializable(package="dl_course")
class L1Sparsity(SparsityPenalty):
    """``weight · Σ|h|`` per sample, averaged over the batch (an L1 activity penalty).

    Computed here rather than by ``activity_regularizer=L1(weight)``, whose value changed
    between Keras releases (summed over the batch before Keras 3.14, averaged since).
    """

    def penalty(self, code):
        batch = keras.ops.cast(keras.ops.shape(code)[0], code.dtype)
        return keras.ops.sum(keras.ops.abs(code)) / batch


@keras.saving.register_keras_serializable(package="dl_course")
class KLSparsity(SparsityPenalty):
    """Identity layer adding ``weight · Σ_j KL(ρ ‖ ρ̂_j)`` to the loss (sparse autoencoder).

    Ng, "Sparse autoencoder" (CS294A notes, 2011). The code must lie in (0, 1) (sigmoid),
    so that ρ̂_j is a firing rate; ``target`` ρ is the rate each unit is pushed towards.
    """

    def __init__(self, target: float = 0.05, weight: float = 0.1, **kwargs):
        super().__init__(weight, **kwargs)
        self.target = check_fraction(target, "target (a mean activation)", zero=False)

    def penalty(self, code):
        return kl_sparsity(code, self.target)

    def get_config(self):
        return {**super().get_config(), "target": self.target}


def _check_options(sparsity, sparsity_weight, code_activation, denoising):
    check_choice(sparsity, "sparsity", SPARSITY)
    check_number(sparsity_weight, "sparsity_weight")
    if sparsity == "kl" and code_activation != "sigmoid":
        raise ValueError(
            f"KL sparsity treats code activations as firing rates in (0, 1): it needs "
            f"code_activation='sigmoid', got {code_activation!r}."
        )
    check_fraction(denoising, "denoising (the share of inputs masked)")


def _corrupt(inputs, denoising: float, seed: int | None):
    return MaskingNoise(denoising, seed=seed, name="corrupt")(inputs) if denoising else inputs


def _sparse(code, sparsity, weight: float, target: float):
    if sparsity == "kl":
        return KLSparsity(target, weight, name="kl_sparsity")(code)
    return L1Sparsity(weight, name="l1_sparsity")(code) if sparsity == "l1" else code


@register(example=dict(input_shape=(64,), code_size=8, hidden=(16,)))
def dense_autoencoder(
    input_shape=(784,),
    code_size: int = 32,
    hidden=(),
    activation: str = "relu",
    code_activation: str = "sigmoid",
    output_activation: str = "sigmoid",
    sparsity: str | None = None,
    sparsity_weight: float = 1e-3,
    sparsity_target: float = 0.05,
    denoising: float = 0.0,
    seed: int | None = None,
    name: str = "dense_autoencoder",
):
    """Fully connected autoencoder ``x → hidden… → code → …hidden → x̂`` (mirrored decoder).

    课件: 自编码器 (h = σ(Wx + b); 正则/稀疏/去噪自编码器); Hinton & Salakhutdinov 2006.
    ``sparsity="l1"`` adds ``sparsity_weight · Σ|h|`` per sample, averaged over the batch;
    ``sparsity="kl"`` adds ``sparsity_weight · Σ_j KL(ρ ‖ ρ̂_j)`` with ρ = ``sparsity_target``.
    ``denoising`` > 0 masks that share of the inputs while training (Vincent et al. 2008).

    Default configuration (784 → 32 → 784): 50,992 parameters.
    """
    _check_options(sparsity, sparsity_weight, code_activation, denoising)
    check_activation(activation)
    check_activation(code_activation, "code_activation")
    check_activation(output_activation, "output_activation")
    code_size = check_positive(code_size, "code_size")
    hidden = check_widths(hidden, "hidden", empty=True)
    input_shape = check_widths(input_shape, "input_shape (the shape of one example, e.g. (784,) or (28, 28))")
    inputs = keras.Input(shape=input_shape)
    size = int(np.prod(input_shape))
    x = _corrupt(inputs, denoising, seed)
    x = keras.layers.Flatten(name="flatten")(x) if len(input_shape) > 1 else x
    for i, width in enumerate(hidden, start=1):
        x = keras.layers.Dense(width, activation=activation, name=f"encode{i}")(x)
    x = keras.layers.Dense(code_size, activation=code_activation, name="code")(x)
    x = _sparse(x, sparsity, sparsity_weight, sparsity_target)
    for i, width in reversed(list(enumerate(hidden, start=1))):
        x = keras.layers.Dense(width, activation=activation, name=f"decode{i}")(x)
    x = keras.layers.Dense(size, activation=output_activation, name="reconstruction")(x)
    if len(input_shape) > 1:
        x = keras.layers.Reshape(tuple(input_shape), name="unflatten")(x)
    return keras.Model(inputs, x, name=name)


@register(example=dict(input_shape=(32, 32, 1), filters=(8, 16)))
def conv_autoencoder(
    input_shape=None,
    filters=(16, 32),
    kernel_size: int = 3,
    activation: str = "relu",
    sparsity: str | None = None,
    sparsity_weight: float = 1e-3,
    sparsity_target: float = 0.05,
    denoising: float = 0.0,
    seed: int | None = None,
    name: str = "conv_autoencoder",
):
    """Convolutional autoencoder: stride-2 convolutions down, transposed convolutions up.

    Masci et al. 2011 (convolutional autoencoders); 课件: 自编码器. Each encoder
    convolution halves height and width, so both must be divisible by ``2 ** len(filters)``;
    the last encoder layer (``code``) is the code map. The decoder mirrors the encoder and
    ends in a sigmoid with the input's channels. ``sparsity="kl"`` needs a sigmoid code:
    pass ``activation="sigmoid"``.

    Default configuration (28×28×1, filters 16, 32): 9,569 parameters.
    """
    _check_options(sparsity, sparsity_weight, activation, denoising)
    check_activation(activation)
    filters = check_widths(filters, "filters")
    step = 2 ** len(filters)
    inputs = image_input(input_shape, (28, 28, 1), step, name)
    height, width, channels = inputs.shape[1:]
    if height % step or width % step:
        raise ValueError(
            f"{name}: input {height}×{width} must be divisible by {step} "
            f"(one halving per encoder layer, {len(filters)} layers)."
        )
    conv = dict(kernel_size=kernel_size, strides=2, padding="same", activation=activation)
    x = _corrupt(inputs, denoising, seed)
    for i, f in enumerate(filters, start=1):
        x = keras.layers.Conv2D(f, **conv, name="code" if i == len(filters) else f"encode{i}")(x)
    x = _sparse(x, sparsity, sparsity_weight, sparsity_target)
    for i, f in reversed(list(enumerate(filters[:-1], start=1))):
        x = keras.layers.Conv2DTranspose(f, **conv, name=f"decode{i}")(x)
    conv["activation"] = "sigmoid"
    x = keras.layers.Conv2DTranspose(channels, **conv, name="reconstruction")(x)
    return keras.Model(inputs, x, name=name)


def encoder(autoencoder: keras.Model) -> keras.Model:
    """The part of a trained autoencoder from its input to its ``code`` layer."""
    return keras.Model(autoencoder.input, autoencoder.get_layer("code").output, name="encoder")


@register(example=dict(input_shape=(64,), hidden=(32, 16), classes=3))
def stacked_autoencoder(
    include_top: bool = True,
    input_shape=(784,),
    classes: int = 10,
    classifier_activation: str | None = "softmax",
    hidden=(500, 500, 2000),
    activation: str = "sigmoid",
    name: str = "stacked_autoencoder",
):
    """The deep classifier of the pre-training story: ``mlp`` with sigmoid hidden layers.

    Its hidden layers are meant to be initialised by ``dl_course.train.greedy_pretrain`` (stacked
    autoencoders, Bengio et al. 2007; stacked denoising autoencoders, Vincent et al. 2010)
    or from a DBN's RBMs (``dl_course.models.dbn.dbn_classifier``), then fine-tuned with labels.
    课件: 无监督逐层训练 (预训练+微调), 堆叠自编码器, 逐层贪婪预训练.

    Default configuration (784-500-500-2000-10, Hinton et al. 2006): 1,665,010 parameters.
    """
    return mlp(
        include_top=include_top,
        input_shape=input_shape,
        classes=classes,
        classifier_activation=classifier_activation,
        hidden=hidden,
        activation=activation,
        name=name,
    )


def hidden_layers(model: keras.Model) -> list:
    """The hidden ``Dense`` layers of an ``mlp``-shaped classifier, input side first."""
    return [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.Dense) and layer.name != "predictions"
    ]
