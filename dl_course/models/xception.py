"""Xception (Chollet 2017): Inception taken to the extreme, depthwise separable convolutions."""

from __future__ import annotations

import keras
from keras import layers

from dl_course.models import register
from dl_course.models.blocks import BN, classifier, conv_bn
from dl_course.models.common import check_top, image_input

ENTRY = (128, 256, 728)  # entry-flow residual modules (Fig. 5)
MIDDLE = 8  # middle-flow modules of three 728-channel separable convolutions


def _separable_bn(x, filters, *, relu_first, name):
    """[ReLU →] 3×3 depthwise separable convolution (no bias) → BN."""
    if relu_first:
        x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_sepconv")(x)
    return layers.BatchNormalization(**BN, name=f"{name}_bn")(x)


def _downsampling_module(x, filters, *, relu_first=True, name):
    """Two separable convolutions → 3×3/2 max-pool, plus a strided 1×1 projection shortcut."""
    first, second = filters if isinstance(filters, tuple) else (filters, filters)
    shortcut = conv_bn(x, second, 1, 2, activation=None, name=f"{name}_shortcut")
    x = _separable_bn(x, first, relu_first=relu_first, name=f"{name}_sep1")
    x = _separable_bn(x, second, relu_first=True, name=f"{name}_sep2")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"{name}_pool")(x)
    return layers.Add(name=f"{name}_add")([x, shortcut])


@register(example=dict(input_shape=(71, 71, 3), classes=10))
def xception(
    include_top: bool = True,
    input_shape=None,
    classes: int = 1000,
    pooling: str | None = None,
    classifier_activation: str | None = "softmax",
    name: str = "xception",
):
    """Xception: entry flow, 8 middle-flow residual modules, exit flow, average pool, FC.

    Chollet, "Xception: Deep Learning with Depthwise Separable Convolutions", CVPR 2017,
    Fig. 5: 36 convolutional layers in 14 modules, all with linear residual connections
    except the first and last; every 3×3 convolution after the stem is depthwise separable
    (the "extreme" Inception module: one spatial filter per channel after a 1×1 mapping).

    Convolutions have no biases (BN follows). Default configuration (299×299×3, 1000
    classes): **22,855,952** trainable parameters, Table 3's count; with batch
    normalisation's moving statistics 22,910,480, the keras.applications total. Minimum
    input 71×71 (two valid 3×3 convolutions, then a total stride of 32).
    """
    check_top(include_top, classes, pooling)
    inputs = image_input(input_shape, (299, 299, 3), 71, name)
    x = layers.Conv2D(32, 3, strides=2, use_bias=False, name="stem1_conv")(inputs)
    x = layers.Activation("relu", name="stem1_relu")(layers.BatchNormalization(**BN, name="stem1_bn")(x))
    x = layers.Conv2D(64, 3, use_bias=False, name="stem2_conv")(x)
    x = layers.Activation("relu", name="stem2_relu")(layers.BatchNormalization(**BN, name="stem2_bn")(x))
    for i, filters in enumerate(ENTRY, start=1):
        x = _downsampling_module(x, filters, relu_first=i > 1, name=f"entry{i}")
    for i in range(1, MIDDLE + 1):
        residual = x
        for j in range(1, 4):
            x = _separable_bn(x, 728, relu_first=True, name=f"middle{i}_sep{j}")
        x = layers.Add(name=f"middle{i}_add")([x, residual])
    x = _downsampling_module(x, (728, 1024), name="exit1")
    for j, filters in enumerate((1536, 2048), start=2):
        x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False, name=f"exit{j}_sepconv")(x)
        x = layers.BatchNormalization(**BN, name=f"exit{j}_bn")(x)
        x = layers.Activation("relu", name=f"exit{j}_relu")(x)
    x = classifier(x, include_top, classes, pooling, classifier_activation)
    return keras.Model(inputs, x, name=name)
