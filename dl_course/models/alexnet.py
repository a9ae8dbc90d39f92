"""AlexNet (Krizhevsky, Sutskever & Hinton 2012), with the two-GPU grouping as grouped convolutions."""

from __future__ import annotations

from keras import layers

from dl_course.checks import check_choice, check_fraction
from dl_course.models import register
from dl_course.models.blocks import LocalResponseNorm, fc_head, grouped_conv
from dl_course.models.common import FLATTEN, check_top, image_input, make_model


@register(example=dict(input_shape=(64, 64, 3), classes=10))
def alexnet(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "alexnet",
    groups: int = 2,
    lrn: bool = True,
    dropout: float = 0.5,
):
    """AlexNet: 5 convolutions (ReLU, LRN, overlapping 3×3/2 max-pooling) and 3 dense layers.

    Krizhevsky et al., "ImageNet Classification with Deep Convolutional Neural Networks",
    NIPS 2012, Fig. 2. 课件: AlexNet (≈ 60 M parameters, group convolution; layer by
    layer, 48/128/192/192/128 kernels on each of the two GPUs).

    ``groups=2`` reproduces the two-GPU split: conv2, conv4 and conv5 see only the half of
    the previous layer on their own GPU (grouped convolution); conv3 and the dense layers
    see both. The 224×224 input is zero-padded by 2 so conv1 (11×11, stride 4) gives the
    paper's 55×55. With conv and dense biases the default configuration has **60,965,224**
    parameters (Caffe's reference count); ``groups=1`` gives 62,378,344. ``lrn=False``
    drops the parameter-free local response normalisation. Minimum input 63×63.
    """
    classes = check_top(include_top, classes, pooling, weights, name)
    check_choice(groups, "groups", {1: "one GPU", 2: "the paper's two GPUs"})
    dropout = check_fraction(dropout, "dropout (a drop probability)")
    inputs = image_input(
        input_shape, (224, 224, 3), 63, name, input_tensor, FLATTEN if include_top else ""
    )
    x = layers.ZeroPadding2D(2, name="conv1_pad")(inputs)
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")(x)
    if lrn:
        x = LocalResponseNorm(name="conv1_lrn")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = grouped_conv(x, 256, 5, groups, name="conv2")
    if lrn:
        x = LocalResponseNorm(name="conv2_lrn")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = grouped_conv(x, 384, 3, groups, name="conv4")
    x = grouped_conv(x, 256, 3, groups, name="conv5")
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    x = fc_head(x, include_top, classes, pooling, classifier_activation, dropout=dropout, first=6)
    return make_model(inputs, x, name)
