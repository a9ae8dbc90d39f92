"""Reusable building blocks of the chapter-04 architectures (functional Keras, ``keras.ops`` only).

Each block takes a tensor and returns a tensor; ``name`` prefixes its layer names. 课件:
conv / depthwise / separable / group convolution, 1×1 convolution, NiN, Inception,
ResNet unit, DenseNet, MobileNet V1/V2/V3, SE.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from dl_course.models.common import pool_features

BN = dict(momentum=0.9, epsilon=1e-5)  # the papers' BN settings (Torch/Caffe defaults)


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a channel count to a multiple of ``divisor``, never more than 10 % below ``value``.

    The rounding rule of the MobileNet V2/V3 reference code (width multiplier ``alpha``).
    """
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def conv_bn(x, filters, kernel=3, strides=1, *, groups=1, activation="relu", name):
    """``Conv2D`` without bias → batch normalisation → activation (``None``: linear)."""
    x = layers.Conv2D(
        filters,
        kernel,
        strides=strides,
        padding="same",
        groups=groups,
        use_bias=False,
        name=f"{name}_conv",
    )(x)
    x = layers.BatchNormalization(**BN, name=f"{name}_bn")(x)
    return layers.Activation(activation, name=f"{name}_{activation}")(x) if activation else x


def grouped_conv(x, filters, kernel, groups, *, strides=1, padding="same", activation="relu", name):
    """Grouped convolution (AlexNet's two-GPU split, ResNeXt): ``groups`` independent convolutions.

    Input and output channels are split into ``groups`` parts and part *g* of the output sees
    only part *g* of the input, so weights and multiplications drop by a factor ``groups``.
    """
    channels = x.shape[-1]
    if channels % groups or filters % groups:
        raise ValueError(
            f"{name}: groups={groups} must divide both the input channels ({channels}) and filters ({filters})."
        )
    return layers.Conv2D(
        filters,
        kernel,
        strides=strides,
        padding=padding,
        groups=groups,
        activation=activation,
        name=name,
    )(x)


def classifier(x, include_top, classes, pooling, classifier_activation, *, dropout=0.0):
    """Global average pooling → [dropout] → ``Dense(classes)``; or the pooled/unpooled features."""
    if not include_top:
        return pool_features(x, pooling)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout:
        x = layers.Dropout(dropout, name="top_dropout")(x)
    return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)


def fc_head(
    x, include_top, classes, pooling, classifier_activation, *, units=4096, dropout=0.5, first=1
):
    """AlexNet/VGG classifier: flatten → two ``Dense(units)`` + ReLU + dropout → ``Dense(classes)``.

    The hidden layers are named ``fc{first}`` and ``fc{first + 1}`` (AlexNet: fc6, fc7).
    """
    if not include_top:
        return pool_features(x, pooling)
    x = layers.Flatten(name="flatten")(x)
    for i in (first, first + 1):
        x = layers.Dense(units, activation="relu", name=f"fc{i}")(x)
        x = layers.Dropout(dropout, name=f"fc{i}_dropout")(x)
    return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)


@keras.saving.register_keras_serializable(package="dl_course")
class LocalResponseNorm(layers.Layer):
    """Local response normalisation across channels (Krizhevsky et al. 2012, §3.3).

    ``b = a / (k + alpha · Σ a²) ** beta`` with the sum over ``depth`` neighbouring channels
    (the paper's n). No weights; the paper uses k=2, n=5, alpha=1e-4, beta=0.75.
    """

    def __init__(self, depth=5, k=2.0, alpha=1e-4, beta=0.75, **kwargs):
        super().__init__(**kwargs)
        self.depth, self.k, self.alpha, self.beta = depth, k, alpha, beta

    def call(self, x):
        half = self.depth // 2
        squares = ops.pad(ops.square(x), [[0, 0], [0, 0], [0, 0], [half, half]])
        channels = x.shape[-1]
        window = sum(squares[..., i : i + channels] for i in range(self.depth))
        return x / ops.power(self.k + self.alpha * window, self.beta)

    def get_config(self):
        return super().get_config() | dict(
            depth=self.depth, k=self.k, alpha=self.alpha, beta=self.beta
        )


@keras.saving.register_keras_serializable(package="dl_course")
class ZeroPadShortcut(layers.Layer):
    """Parameter-free shortcut (He et al. 2015, option A): subsample by ``strides``, zero-pad channels."""

    def __init__(self, filters, strides=1, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.strides = filters, strides

    def call(self, x):
        x = x[:, :: self.strides, :: self.strides, :]
        extra = self.filters - x.shape[-1]
        return ops.pad(x, [[0, 0], [0, 0], [0, 0], [0, extra]]) if extra else x

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        s = self.strides
        return (
            n,
            None if h is None else -(-h // s),
            None if w is None else -(-w // s),
            self.filters,
        )

    def get_config(self):
        return super().get_config() | dict(filters=self.filters, strides=self.strides)


def _shortcut(x, filters, strides, kind, name):
    """Identity when shapes agree, else option A (zero padding) or B (1×1 projection + BN)."""
    if strides == 1 and x.shape[-1] == filters:
        return x
    if kind == "A":
        return ZeroPadShortcut(filters, strides, name=f"{name}_shortcut")(x)
    return conv_bn(x, filters, 1, strides, activation=None, name=f"{name}_shortcut")


def basic_block(x, filters, strides=1, *, shortcut="B", name):
    """Residual block of two 3×3 convolutions (ResNet-18/34, CIFAR ResNets): ``relu(F(x) + x)``."""
    skip = _shortcut(x, filters, strides, shortcut, name)
    y = conv_bn(x, filters, 3, strides, name=f"{name}_1")
    y = conv_bn(y, filters, 3, activation=None, name=f"{name}_2")
    y = layers.Add(name=f"{name}_add")([skip, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def bottleneck_block(x, filters, strides=1, *, expansion=4, name):
    """Bottleneck residual block 1×1 (reduce) → 3×3 → 1×1 (expand ×``expansion``), ResNet-50+.

    The stride sits on the first 1×1 convolution, as in the paper's released model.
    """
    skip = _shortcut(x, filters * expansion, strides, "B", name)
    y = conv_bn(x, filters, 1, strides, name=f"{name}_1")
    y = conv_bn(y, filters, 3, name=f"{name}_2")
    y = conv_bn(y, filters * expansion, 1, activation=None, name=f"{name}_3")
    y = layers.Add(name=f"{name}_add")([skip, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def inception_module(x, b1, b3_reduce, b3, b5_reduce, b5, pool_proj, *, name):
    """Inception module with 1×1 bottlenecks (Szegedy et al. 2014, Fig. 2b); channels as in Table 1.

    Four parallel branches — 1×1; 1×1 → 3×3; 1×1 → 5×5; 3×3 max-pool → 1×1 — concatenated:
    ``b1 + b3 + b5 + pool_proj`` output channels (Inception(3a): 64 + 128 + 32 + 32 = 256).
    """

    def conv(t, filters, kernel, suffix):
        return layers.Conv2D(
            filters, kernel, padding="same", activation="relu", name=f"{name}_{suffix}"
        )(t)

    branch1 = conv(x, b1, 1, "1x1")
    branch3 = conv(conv(x, b3_reduce, 1, "3x3_reduce"), b3, 3, "3x3")
    branch5 = conv(conv(x, b5_reduce, 1, "5x5_reduce"), b5, 5, "5x5")
    pool = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    branch_pool = conv(pool, pool_proj, 1, "pool_proj")
    return layers.Concatenate(name=f"{name}_concat")([branch1, branch3, branch5, branch_pool])


def dense_block(x, num_layers, growth_rate=32, *, bn_size=4, name):
    """Dense block (Huang et al. 2017): each layer BN-ReLU-1×1(4k)-BN-ReLU-3×3(k), concatenated.

    Layer *l* sees the concatenation of the block input and all earlier layers' outputs, so
    the block adds ``num_layers × growth_rate`` channels.
    """
    for i in range(1, num_layers + 1):
        prefix = f"{name}_layer{i}"
        y = layers.BatchNormalization(**BN, name=f"{prefix}_bn1")(x)
        y = layers.Activation("relu", name=f"{prefix}_relu1")(y)
        y = layers.Conv2D(bn_size * growth_rate, 1, use_bias=False, name=f"{prefix}_conv1")(y)
        y = layers.BatchNormalization(**BN, name=f"{prefix}_bn2")(y)
        y = layers.Activation("relu", name=f"{prefix}_relu2")(y)
        y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{prefix}_conv2")(y)
        x = layers.Concatenate(name=f"{prefix}_concat")([x, y])
    return x


def transition(x, compression=0.5, *, name):
    """DenseNet transition layer: BN-ReLU-1×1 conv (×``compression`` channels) → 2×2 average pool."""
    x = layers.BatchNormalization(**BN, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[-1] * compression), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, padding="same", name=f"{name}_pool")(x)


def depthwise_separable(x, filters, strides=1, *, name):
    """MobileNet V1 block: 3×3 depthwise conv-BN-ReLU → 1×1 pointwise conv-BN-ReLU.

    Costs ``1/N + 1/D_K²`` of a standard D_K×D_K convolution with N output channels
    (Howard et al. 2017, eq. 5).
    """
    x = layers.DepthwiseConv2D(
        3, strides=strides, padding="same", use_bias=False, name=f"{name}_dw"
    )(x)
    x = layers.BatchNormalization(**BN, name=f"{name}_dw_bn")(x)
    x = layers.ReLU(name=f"{name}_dw_relu")(x)
    return conv_bn(x, filters, 1, name=f"{name}_pw")


def squeeze_excite(x, squeeze_channels, *, gate="sigmoid", name):
    """Squeeze-and-excitation (Hu et al. 2018): channel weights from globally pooled features.

    Global average pool → 1×1 conv to ``squeeze_channels`` + ReLU → 1×1 conv back + ``gate``
    (sigmoid; MobileNet V3 uses hard sigmoid) → rescale the input's channels.
    """
    channels = x.shape[-1]
    s = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_squeeze")(x)
    s = layers.Conv2D(squeeze_channels, 1, activation="relu", name=f"{name}_reduce")(s)
    s = layers.Conv2D(channels, 1, activation=gate, name=f"{name}_expand")(s)
    return layers.Multiply(name=f"{name}_scale")([x, s])


def inverted_residual(
    x, expanded, filters, *, kernel=3, strides=1, se=False, activation="relu6", name
):
    """Inverted residual with linear bottleneck (MobileNet V2; with ``se`` and h-swish, V3).

    1×1 expansion to ``expanded`` channels → k×k depthwise → [SE] → 1×1 linear projection to
    ``filters``; a residual connection when stride is 1 and channels match.
    """
    inputs = x
    if expanded != x.shape[-1]:
        x = conv_bn(x, expanded, 1, activation=activation, name=f"{name}_expand")
    x = layers.DepthwiseConv2D(
        kernel, strides=strides, padding="same", use_bias=False, name=f"{name}_dw"
    )(x)
    x = layers.BatchNormalization(**BN, name=f"{name}_dw_bn")(x)
    x = layers.Activation(activation, name=f"{name}_dw_{activation}")(x)
    if se:
        x = squeeze_excite(x, make_divisible(expanded / 4), gate="hard_sigmoid", name=f"{name}_se")
    x = conv_bn(x, filters, 1, activation=None, name=f"{name}_project")
    if strides == 1 and inputs.shape[-1] == filters:
        x = layers.Add(name=f"{name}_add")([inputs, x])
    return x
