"""Network in Network (Lin, Chen & Yan 2014): mlpconv layers and global average pooling."""

from __future__ import annotations

from keras import layers

from dl_course.models import register
from dl_course.models.common import check_top, image_input, make_model, pool_features


def mlpconv(x, filters, kernel, strides=1, padding="same", *, name):
    """One mlpconv layer: a k×k convolution followed by two 1×1 convolutions ("cccp"), all ReLU."""
    x = layers.Conv2D(
        filters, kernel, strides=strides, padding=padding, activation="relu", name=f"{name}_conv"
    )(x)
    x = layers.Conv2D(filters, 1, activation="relu", name=f"{name}_cccp1")(x)
    return layers.Conv2D(filters, 1, activation="relu", name=f"{name}_cccp2")(x)


@register(example=dict(input_shape=(67, 67, 3), classes=10))
def nin(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "nin",
    dropout: float = 0.5,
):
    """NiN for ImageNet: four mlpconv layers, the last one producing one map per class.

    Lin et al., "Network In Network", ICLR 2014, §3 (mlpconv = micro MLP as 1×1
    convolutions, global average pooling replaces the dense classifier). 课件: 1×1
    convolution, NiN. Layer sizes of the authors' ImageNet model: 11×11/4 (96),
    5×5 (256), 3×3 (384), each with two 1×1 "cccp" layers and a 3×3/2 max-pool, then 3×3
    (1024) → 1×1 (1024) → 1×1 (classes) → global average pooling → softmax.

    With biases, the default configuration has **7,595,176** parameters (the paper reports no
    count). ``include_top=False`` stops before the last mlpconv layer. Minimum input 67×67.
    """
    classes = check_top(include_top, classes, pooling, weights, name)
    inputs = image_input(input_shape, (224, 224, 3), 67, name, input_tensor)
    x = mlpconv(inputs, 96, 11, strides=4, padding="valid", name="mlpconv1")
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = mlpconv(x, 256, 5, name="mlpconv2")
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = mlpconv(x, 384, 3, name="mlpconv3")
    x = layers.MaxPooling2D(3, strides=2, name="pool3")(x)
    x = layers.Dropout(dropout, name="pool3_dropout")(x)
    if not include_top:
        return make_model(inputs, pool_features(x, pooling), name)
    x = layers.Conv2D(1024, 3, padding="same", activation="relu", name="mlpconv4_conv")(x)
    x = layers.Conv2D(1024, 1, activation="relu", name="mlpconv4_cccp1")(x)
    x = layers.Conv2D(classes, 1, name="mlpconv4_cccp2")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Activation(classifier_activation, name="predictions")(x)
    return make_model(inputs, x, name)
