"""Generative adversarial networks: MLP GAN, DCGAN and conditional DCGAN builders.

Goodfellow et al. 2014, "Generative Adversarial Nets"; Radford, Metz & Chintala 2015,
"Unsupervised Representation Learning with Deep Convolutional GANs" (DCGAN, section 3);
Mirza & Osindero 2014, "Conditional Generative Adversarial Nets". 课件: GAN (generator G,
discriminator D, the forger and the police, a cDCGAN on MNIST).

Discriminators return one logit (no sigmoid): the sigmoid of the papers is folded into the
loss, ``binary_crossentropy(from_logits=True)``, which is the same function, computed stably.
The two networks are trained against each other by ``dl_course.train.GAN``; ``preprocess_input``
brings images to the generator's tanh range, as ``keras.applications`` modules keep theirs
beside their builders.
"""

from __future__ import annotations

import keras
from keras import ops

from dl_course.checks import check_positive, check_widths
from dl_course.models import register
from dl_course.models.common import FLATTEN, check_top, image_input, make_model, pool_features

#: DCGAN section 3: "All weights were initialized from a zero-centered Normal distribution
#: with standard deviation 0.02."
INIT_STDDEV = 0.02
LEAK = 0.2
#: Batch-norm moving averages use momentum 0.9 (0.1 in Torch's convention, the default of the
#: Torch code that accompanied the paper) rather than Keras's 0.99, so that the inference
#: statistics are usable after a few hundred steps.
BN_MOMENTUM = 0.9
#: Name of the discriminator trunk's last activation: the feature map a scorer reads.
FEATURES = "features"


def _init():
    return keras.initializers.RandomNormal(0.0, INIT_STDDEV)


@keras.saving.register_keras_serializable(package="dl_course")
class TileToMap(keras.layers.Layer):
    """Repeat a per-sample vector ``(batch, d)`` over every pixel: ``(batch, height, width, d)``.

    Used to concatenate a label embedding to an image, channel-wise.
    """

    def __init__(self, height: int, width: int, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = int(height), int(width)

    def call(self, inputs):
        x = ops.expand_dims(ops.expand_dims(inputs, 1), 1)
        return ops.tile(x, (1, self.height, self.width, 1))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.height, self.width, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


# --------------------------------------------------------------------------- MLP GAN (2-D toy)


@register(example=dict(hidden=(16,)))
def gan_generator(
    latent_dim: int = 2,
    output_dim: int = 2,
    hidden=(128, 128),
    batch_norm: bool = False,
    name: str = "gan_generator",
):
    """MLP generator G(z) for low-dimensional data (Goodfellow et al. 2014): ``z → [Dense → ReLU] × n → Dense``.

    The output is linear (the toy data is unbounded). ``batch_norm=True`` puts batch
    normalisation before each ReLU, as DCGAN's guidelines do in G.

    Default configuration (2 → 128 → 128 → 2): 17,154 parameters.
    """
    hidden = check_widths(hidden, "hidden")
    z = keras.Input(shape=(check_positive(latent_dim, "latent_dim"),), name="noise")
    x = z
    for i, width in enumerate(hidden, start=1):
        x = keras.layers.Dense(width, use_bias=not batch_norm, name=f"dense{i}")(x)
        if batch_norm:
            x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"bn{i}")(x)
        x = keras.layers.ReLU(name=f"relu{i}")(x)
    x = keras.layers.Dense(check_positive(output_dim, "output_dim"), name="samples")(x)
    return keras.Model(z, x, name=name)


@register(example=dict(hidden=(16,)))
def gan_discriminator(input_dim: int = 2, hidden=(128, 128), name: str = "gan_discriminator"):
    """MLP discriminator D(x) → one logit: ``x → [Dense → LeakyReLU(0.2)] × n → Dense(1)``.

    Default configuration (2 → 128 → 128 → 1): 17,025 parameters.
    """
    hidden = check_widths(hidden, "hidden")
    inputs = keras.Input(shape=(check_positive(input_dim, "input_dim"),), name="samples")
    x = inputs
    for i, width in enumerate(hidden, start=1):
        x = keras.layers.Dense(width, name=f"dense{i}")(x)
        x = keras.layers.LeakyReLU(LEAK, name=f"lrelu{i}")(x)
    x = keras.layers.Dense(1, name="logit")(x)
    return keras.Model(inputs, x, name=name)


# --------------------------------------------------------------------------- DCGAN


def _start_size(output_shape, steps: int, model: str) -> tuple[int, int]:
    shape = check_widths(output_shape, f"{model}: output_shape")
    if len(shape) != 3:
        raise ValueError(
            f"{model}: output_shape must be (height, width, channels), got {output_shape!r}."
        )
    scale = 2**steps
    if shape[0] % scale or shape[1] % scale:
        raise ValueError(
            f"{model}: output {shape[0]}×{shape[1]} must be divisible by {scale} "
            f"(2 to the power of len(filters) = {steps} stride-2 upsamplings)."
        )
    return shape[0] // scale, shape[1] // scale


def _generator_trunk(z, output_shape, filters, kernel_size, model):
    """Project and reshape ``z``, then stride-2 transposed convolutions up to ``output_shape``.

    BN + ReLU after every layer except the output, which is a tanh (DCGAN guidelines).
    """
    filters = check_widths(filters, "filters")
    height, width = _start_size(output_shape, len(filters), model)
    x = keras.layers.Dense(
        height * width * filters[0], use_bias=False, kernel_initializer=_init(), name="project"
    )(z)
    x = keras.layers.Reshape((height, width, filters[0]), name="reshape")(x)
    x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name="project_bn")(x)
    x = keras.layers.ReLU(name="project_relu")(x)
    for i, f in enumerate(filters[1:], start=1):
        x = keras.layers.Conv2DTranspose(
            f,
            kernel_size,
            strides=2,
            padding="same",
            use_bias=False,
            kernel_initializer=_init(),
            name=f"up{i}",
        )(x)
        x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"up{i}_bn")(x)
        x = keras.layers.ReLU(name=f"up{i}_relu")(x)
    return keras.layers.Conv2DTranspose(
        output_shape[-1],
        kernel_size,
        strides=2,
        padding="same",
        activation="tanh",
        kernel_initializer=_init(),
        name="image",
    )(x)


def _discriminator_trunk(x, filters, kernel_size):
    """Stride-2 convolutions with LeakyReLU(0.2); BN on every layer but the first (D's input)."""
    for i, f in enumerate(filters, start=1):
        x = keras.layers.Conv2D(
            f,
            kernel_size,
            strides=2,
            padding="same",
            use_bias=i == 1,
            kernel_initializer=_init(),
            name=f"conv{i}",
        )(x)
        if i > 1:
            x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"conv{i}_bn")(x)
        x = keras.layers.LeakyReLU(LEAK, name=FEATURES if i == len(filters) else f"conv{i}_lrelu")(x)
    return x


@register(example=dict(output_shape=(28, 28, 1), filters=(16, 8)))
def dcgan_generator(
    latent_dim: int = 100,
    output_shape=(64, 64, 3),
    filters=(1024, 512, 256, 128),
    kernel_size: int = 5,
    name: str = "dcgan_generator",
):
    """DCGAN generator (Radford et al. 2015, section 3 and Figure 1).

    ``z`` (uniform or normal noise) is projected and reshaped to ``filters[0]`` maps of
    size output/2^len(filters), then upsampled by stride-2 (fractionally-strided)
    convolutions, no pooling and no hidden fully connected layers, batch norm and ReLU
    everywhere except the tanh output, N(0, 0.02) weights. Layers followed by batch norm
    have no bias (BN's β replaces it). ``output_shape=(28, 28, 1), filters=(256, 128)``
    gives the 7×7 → 14×14 → 28×28 generator used for MNIST-sized images.

    Default configuration (Figure 1, 100 → 4×4×1024 → … → 64×64×3): 18,858,883 parameters.
    """
    z = keras.Input(shape=(check_positive(latent_dim, "latent_dim"),), name="noise")
    x = _generator_trunk(z, output_shape, filters, kernel_size, name)
    return keras.Model(z, x, name=name)


@register(example=dict(input_shape=(28, 28, 1), filters=(8, 16)))
def dcgan_discriminator(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1,
    classifier_activation: str | None = None,
    filters=(128, 256, 512, 1024),
    kernel_size: int = 5,
    name: str = "dcgan_discriminator",
):
    """DCGAN discriminator (Radford et al. 2015, section 3): the generator mirrored.

    Stride-2 convolutions instead of pooling, LeakyReLU(0.2), batch norm on every layer
    except the input layer, N(0, 0.02) weights; the last feature map is flattened into one
    output. The default returns a logit (the paper's sigmoid lives in the loss). With
    ``include_top=False, pooling="avg"`` it is a feature extractor, and with
    ``classes=10, classifier_activation="softmax"`` a small image classifier.

    Default configuration (64×64×3 → 4×4×1024 → 1 logit): 17,236,481 parameters.
    """
    classes = check_top(include_top, classes, pooling, weights, name)
    filters = check_widths(filters, "filters")
    fixed = FLATTEN if include_top else ""
    inputs = image_input(input_shape, (64, 64, 3), 2 ** len(filters), name, input_tensor, fixed)
    x = _discriminator_trunk(inputs, filters, kernel_size)
    if include_top:
        x = keras.layers.Flatten(name="flatten")(x)
        x = keras.layers.Dense(
            classes, activation=classifier_activation, kernel_initializer=_init(), name="logit"
        )(x)
    else:
        x = pool_features(x, pooling)
    return make_model(inputs, x, name)


# --------------------------------------------------------------------------- conditional DCGAN


def _label_input():
    return keras.Input(shape=(), dtype="int32", name="label")


def _label_embedding(classes: int, embedding_dim: int):
    """Label → vector; N(0, 1) entries make the label as loud as the noise and the pixels."""
    classes = check_positive(classes, "classes")
    init = keras.initializers.RandomNormal(0.0, 1.0)
    return keras.layers.Embedding(
        classes, embedding_dim, embeddings_initializer=init, name="label_embedding"
    )


@register(example=dict(filters=(16, 8), latent_dim=8))
def cdcgan_generator(
    latent_dim: int = 100,
    classes: int = 10,
    embedding_dim: int = 10,
    output_shape=(28, 28, 1),
    filters=(256, 128),
    kernel_size: int = 5,
    name: str = "cdcgan_generator",
):
    """Conditional DCGAN generator G(z, y) for 28×28 digits (Mirza & Osindero 2014; 课件: cDCGAN).

    The class label ``y`` is embedded (``Embedding(classes, embedding_dim)``) and
    concatenated to the noise ``z``; the rest is the DCGAN generator
    (7×7×256 → 14×14×128 → 28×28×1). Inputs: ``[noise (batch, latent_dim), label (batch,)]``.

    Default configuration: 2,203,877 parameters.
    """
    z = keras.Input(shape=(check_positive(latent_dim, "latent_dim"),), name="noise")
    label = _label_input()
    e = _label_embedding(classes, embedding_dim)(label)
    x = keras.layers.Concatenate(name="noise_and_label")([z, e])
    x = _generator_trunk(x, output_shape, filters, kernel_size, name)
    return keras.Model([z, label], x, name=name)


@register(example=dict(filters=(8, 16)))
def cdcgan_discriminator(
    input_shape=(28, 28, 1),
    classes: int = 10,
    embedding_dim: int = 10,
    filters=(64, 128),
    kernel_size: int = 5,
    projection: bool = True,
    name: str = "cdcgan_discriminator",
):
    """Conditional DCGAN discriminator D(x, y) → one logit (Mirza & Osindero 2014).

    The label embedding is repeated over every pixel (``TileToMap``) and concatenated to the
    image as extra channels; then the DCGAN discriminator (28×28 → 14×14×64 → 7×7×128 →
    1 logit). With ``projection`` (the default) the logit also gets the inner product of the
    flattened features φ(x, y) with a learned vector per class, v_y · φ (Miyato & Koyama
    2018, "cGANs with Projection Discriminator"): D then scores directly whether the image
    matches its label, so G cannot ignore the label. The vectors start at zero, so D starts
    as the plain cDCGAN discriminator (D ≈ 1/2 everywhere). Inputs: ``[image (batch, 28, 28, 1),
    label (batch,)]``.

    Default configuration: 292,069 parameters (229,349 without the projection).
    """
    filters = check_widths(filters, "filters")
    fixed = "the label map is tiled to the image size"
    image = image_input(input_shape, (28, 28, 1), 2 ** len(filters), name, fixed=fixed)
    label = _label_input()
    e = _label_embedding(classes, embedding_dim)(label)
    e = TileToMap(image.shape[1], image.shape[2], name="label_map")(e)
    x = keras.layers.Concatenate(name="image_and_label")([image, e])
    x = _discriminator_trunk(x, filters, kernel_size)
    features = keras.layers.Flatten(name="flatten")(x)
    logit = keras.layers.Dense(1, kernel_initializer=_init(), name="logit")(features)
    if projection:
        v = keras.layers.Embedding(
            classes, features.shape[-1], embeddings_initializer="zeros", name="label_projection"
        )(label)
        match = keras.layers.Dot(axes=1, name="label_match")([v, features])
        logit = keras.layers.Add(name="logit_and_match")([logit, match])
    return keras.Model([image, label], logit, name=name)


# --------------------------------------------------------------------------- data


def preprocess_input(images):
    """uint8 images ``(n, h, w)`` or ``(n, h, w, c)`` → float32 in [-1, 1] with a channel axis (tanh range)."""
    import numpy as np

    x = np.asarray(images, dtype="float32")
    if x.ndim == 3:
        x = x[..., None]
    return x / 127.5 - 1.0
