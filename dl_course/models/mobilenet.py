"""MobileNet V1, V2 and V3 (Howard et al. 2017, Sandler et al. 2018, Howard et al. 2019)."""

from __future__ import annotations

from keras import layers

from dl_course.checks import check_fraction, check_number
from dl_course.models import register
from dl_course.models.blocks import (
    classifier,
    conv_bn,
    depthwise_separable,
    inverted_residual,
    make_divisible,
)
from dl_course.models.common import append_doc, check_top, image_input, make_model

# V1 (Table 1): (filters, stride) of the 13 depthwise-separable blocks.
V1 = (
    (64, 1),
    (128, 2),
    (128, 1),
    (256, 2),
    (256, 1),
    (512, 2),
    *[(512, 1)] * 5,
    (1024, 2),
    (1024, 1),
)
# V2 (Table 2): expansion t, channels c, repeats n, first stride s.
V2 = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
# V3 (Tables 1 and 2): kernel, expanded size, out channels, SE, activation, stride.
V3_LARGE = (
    (3, 16, 16, False, "relu", 1),
    (3, 64, 24, False, "relu", 2),
    (3, 72, 24, False, "relu", 1),
    (5, 72, 40, True, "relu", 2),
    (5, 120, 40, True, "relu", 1),
    (5, 120, 40, True, "relu", 1),
    (3, 240, 80, False, "hard_swish", 2),
    (3, 200, 80, False, "hard_swish", 1),
    (3, 184, 80, False, "hard_swish", 1),
    (3, 184, 80, False, "hard_swish", 1),
    (3, 480, 112, True, "hard_swish", 1),
    (3, 672, 112, True, "hard_swish", 1),
    (5, 672, 160, True, "hard_swish", 2),
    (5, 960, 160, True, "hard_swish", 1),
    (5, 960, 160, True, "hard_swish", 1),
)
V3_SMALL = (
    (3, 16, 16, True, "relu", 2),
    (3, 72, 24, False, "relu", 2),
    (3, 88, 24, False, "relu", 1),
    (5, 96, 40, True, "hard_swish", 2),
    (5, 240, 40, True, "hard_swish", 1),
    (5, 240, 40, True, "hard_swish", 1),
    (5, 120, 48, True, "hard_swish", 1),
    (5, 144, 48, True, "hard_swish", 1),
    (5, 288, 96, True, "hard_swish", 2),
    (5, 576, 96, True, "hard_swish", 1),
    (5, 576, 96, True, "hard_swish", 1),
)


def _check(include_top, classes, pooling, weights, name, alpha, dropout) -> int:
    """The arguments every MobileNet takes; returns ``classes`` as an int."""
    classes = check_top(include_top, classes, pooling, weights, name)
    check_number(alpha, "alpha (the width multiplier)", 0, inclusive=False)
    check_fraction(dropout, "dropout (a drop probability)")
    return classes


@register(example=dict(input_shape=(32, 32, 3), classes=10, alpha=0.25))
def mobilenet_v1(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "mobilenet_v1",
    alpha: float = 1.0,
    dropout: float = 0.0,
):
    """MobileNet V1: 3×3/2 conv, 13 depthwise-separable blocks, average pool, FC.

    Howard et al., "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision
    Applications", 2017, Table 1; ``alpha`` is the width multiplier (§3.3). 课件:
    depthwise, pointwise and separable convolution; MobileNet V1.

    Convolutions have no biases (BN follows). Default configuration (224×224×3, 1000
    classes, alpha = 1): **4,231,976** trainable parameters, the paper's 4.2 M and the
    keras.applications count. Minimum input 32×32, the total stride.
    """
    classes = _check(include_top, classes, pooling, weights, name, alpha, dropout)
    inputs = image_input(input_shape, (224, 224, 3), 32, name, input_tensor)
    x = conv_bn(inputs, int(32 * alpha), 3, 2, name="conv1")
    for i, (filters, strides) in enumerate(V1, start=1):
        x = depthwise_separable(x, int(filters * alpha), strides, name=f"block{i}")
    x = classifier(x, include_top, classes, pooling, classifier_activation, dropout=dropout)
    return make_model(inputs, x, name)


@register(example=dict(input_shape=(32, 32, 3), classes=10, alpha=0.35))
def mobilenet_v2(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "mobilenet_v2",
    alpha: float = 1.0,
    dropout: float = 0.2,
):
    """MobileNet V2: 3×3/2 conv, 17 inverted residual blocks (linear bottlenecks), 1×1 conv, FC.

    Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks", CVPR 2018,
    Table 2; ``alpha`` is the width multiplier (channels rounded to multiples of 8). 课件:
    MobileNet V2 (linear bottleneck, inverted residual; V1 vs V2 vs ResNet).

    Convolutions have no biases (BN follows), ReLU6 activations. Default configuration
    (224×224×3, 1000 classes, alpha = 1): **3,504,872** trainable parameters, the paper's
    3.4 M and the torchvision/keras.applications count. Minimum input 32×32, the total stride.
    """
    classes = _check(include_top, classes, pooling, weights, name, alpha, dropout)
    inputs = image_input(input_shape, (224, 224, 3), 32, name, input_tensor)
    x = conv_bn(inputs, make_divisible(32 * alpha), 3, 2, activation="relu6", name="conv1")
    block = 0
    for t, c, n, s in V2:
        for i in range(n):
            block += 1
            expanded = x.shape[-1] * t
            x = inverted_residual(
                x,
                expanded,
                make_divisible(c * alpha),
                strides=s if i == 0 else 1,
                name=f"block{block}",
            )
    x = conv_bn(x, make_divisible(1280 * max(alpha, 1.0)), 1, activation="relu6", name="conv_last")
    x = classifier(x, include_top, classes, pooling, classifier_activation, dropout=dropout)
    return make_model(inputs, x, name)


def _mobilenet_v3(config, last, head, *, include_top, weights, input_tensor, input_shape,
                  pooling, classes, classifier_activation, name, alpha, dropout):  # fmt: skip
    """MobileNet V3 from a table of bneck blocks, ``last`` 1×1 filters and a ``head``-wide FC."""
    classes = _check(include_top, classes, pooling, weights, name, alpha, dropout)
    inputs = image_input(input_shape, (224, 224, 3), 32, name, input_tensor)
    x = conv_bn(inputs, make_divisible(16 * alpha), 3, 2, activation="hard_swish", name="conv1")
    for i, (kernel, expanded, filters, se, act, strides) in enumerate(config, start=1):
        x = inverted_residual(
            x,
            make_divisible(expanded * alpha),
            make_divisible(filters * alpha),
            kernel=kernel,
            strides=strides,
            se=se,
            activation=act,
            name=f"block{i}",
        )
    x = conv_bn(x, make_divisible(last * alpha), 1, activation="hard_swish", name="conv_last")
    if not include_top:
        return make_model(inputs, classifier(x, False, classes, pooling, None), name)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dense(head, activation="hard_swish", name="head")(x)
    x = layers.Dropout(dropout, name="head_dropout")(x)
    x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return make_model(inputs, x, name)


_V3_EXAMPLE = dict(input_shape=(32, 32, 3), classes=10, alpha=0.5)
_V3_DOC = """
    Howard et al., "Searching for MobileNetV3", ICCV 2019, Tables 1 (Large) and 2 (Small):
    h-swish stem, bneck blocks (inverted residual, optional squeeze-and-excitation with a
    hard-sigmoid gate squeezing to 1/4 of the expanded channels rounded to multiples of 8),
    1×1 conv, two FC layers; h-swish(x) = x·ReLU6(x + 3)/6. 课件: MobileNet V3 (swish /
    h-swish, bneck, SE).

    Convolutions other than SE's have no biases (BN follows); the last layers are dense with
    biases. The count is of the default configuration (224×224×3, 1000 classes, alpha = 1):
    trainable parameters, the torchvision count. Minimum input 32×32, the total stride.
"""


@register(example=_V3_EXAMPLE)
def mobilenet_v3_large(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "mobilenet_v3_large",
    alpha: float = 1.0,
    dropout: float = 0.2,
):
    """MobileNet V3-Large, 15 bneck blocks: **5,483,032** parameters."""
    return _mobilenet_v3(V3_LARGE, 960, 1280, include_top=include_top, weights=weights,
                         input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                         classes=classes, classifier_activation=classifier_activation,
                         name=name, alpha=alpha, dropout=dropout)  # fmt: skip


@register(example=_V3_EXAMPLE)
def mobilenet_v3_small(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "mobilenet_v3_small",
    alpha: float = 1.0,
    dropout: float = 0.2,
):
    """MobileNet V3-Small, 11 bneck blocks: **2,542,856** parameters."""
    return _mobilenet_v3(V3_SMALL, 576, 1024, include_top=include_top, weights=weights,
                         input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                         classes=classes, classifier_activation=classifier_activation,
                         name=name, alpha=alpha, dropout=dropout)  # fmt: skip


append_doc(_V3_DOC, mobilenet_v3_large, mobilenet_v3_small)
