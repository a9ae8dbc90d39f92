"""VGG-11/13/16/19 (Simonyan & Zisserman 2015): stacks of 3×3 convolutions, configurations A, B, D, E."""

from __future__ import annotations

from keras import layers

from dl_course.checks import check_bool, check_fraction, check_positive
from dl_course.models import register
from dl_course.models.blocks import BN, fc_head
from dl_course.models.common import FLATTEN, append_doc, check_top, image_input, make_model

WIDTHS = (64, 128, 256, 512, 512)  # filters of the five stages, Table 1 of the paper
_EXAMPLE = dict(input_shape=(32, 32, 3), classes=10, fc_units=64)
_DOC = """
    Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
    Recognition", ICLR 2015, Table 1. 课件: VGG-16 (3×3 stacking: two 3×3
    layers see 5×5 with 18C² instead of 25C² weights, three see 7×7 with 27C² instead of 49C²).

    All convolutions are 3×3, stride 1, "same" padding; five 2×2 max-pools halve the size, so
    the input must be at least 32×32. The count is of the default configuration (224×224×3,
    1000 classes) with conv and dense biases, as in the paper. ``batch_norm=True`` inserts BN
    after each convolution (conv biases dropped); ``fc_units`` narrows the two hidden dense
    layers for small data.
"""


def _vgg(depths, *, include_top, weights, input_tensor, input_shape, pooling, classes,
         classifier_activation, name, batch_norm, fc_units, dropout):  # fmt: skip
    """VGG with ``depths[i]`` convolutions of ``WIDTHS[i]`` filters in stage i, then three dense layers."""
    classes = check_top(include_top, classes, pooling, weights, name)
    check_bool(batch_norm, "batch_norm")
    fc_units = check_positive(fc_units, "fc_units")
    check_fraction(dropout, "dropout (a drop probability)")
    inputs = image_input(
        input_shape, (224, 224, 3), 32, name, input_tensor, FLATTEN if include_top else ""
    )
    x = inputs
    for stage, (depth, width) in enumerate(zip(depths, WIDTHS, strict=True), start=1):
        for i in range(1, depth + 1):
            conv = f"block{stage}_conv{i}"
            x = layers.Conv2D(width, 3, padding="same", use_bias=not batch_norm, name=conv)(x)
            if batch_norm:
                x = layers.BatchNormalization(**BN, name=f"{conv}_bn")(x)
            x = layers.ReLU(name=f"{conv}_relu")(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{stage}_pool")(x)
    x = fc_head(
        x, include_top, classes, pooling, classifier_activation, units=fc_units, dropout=dropout
    )
    return make_model(inputs, x, name)


@register(example=_EXAMPLE)
def vgg11(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "vgg11",
    batch_norm: bool = False,
    fc_units: int = 4096,
    dropout: float = 0.5,
):
    """VGG-11, configuration A (8 conv + 3 dense layers): **132,863,336** parameters."""
    return _vgg((1, 1, 2, 2, 2), include_top=include_top, weights=weights,
                input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                classes=classes, classifier_activation=classifier_activation, name=name,
                batch_norm=batch_norm, fc_units=fc_units, dropout=dropout)  # fmt: skip


@register(example=_EXAMPLE)
def vgg13(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "vgg13",
    batch_norm: bool = False,
    fc_units: int = 4096,
    dropout: float = 0.5,
):
    """VGG-13, configuration B (10 conv + 3 dense layers): **133,047,848** parameters."""
    return _vgg((2, 2, 2, 2, 2), include_top=include_top, weights=weights,
                input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                classes=classes, classifier_activation=classifier_activation, name=name,
                batch_norm=batch_norm, fc_units=fc_units, dropout=dropout)  # fmt: skip


@register(example=_EXAMPLE)
def vgg16(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "vgg16",
    batch_norm: bool = False,
    fc_units: int = 4096,
    dropout: float = 0.5,
):
    """VGG-16, configuration D (13 conv + 3 dense layers): **138,357,544** parameters."""
    return _vgg((2, 2, 3, 3, 3), include_top=include_top, weights=weights,
                input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                classes=classes, classifier_activation=classifier_activation, name=name,
                batch_norm=batch_norm, fc_units=fc_units, dropout=dropout)  # fmt: skip


@register(example=_EXAMPLE)
def vgg19(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "vgg19",
    batch_norm: bool = False,
    fc_units: int = 4096,
    dropout: float = 0.5,
):
    """VGG-19, configuration E (16 conv + 3 dense layers): **143,667,240** parameters."""
    return _vgg((2, 2, 4, 4, 4), include_top=include_top, weights=weights,
                input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                classes=classes, classifier_activation=classifier_activation, name=name,
                batch_norm=batch_norm, fc_units=fc_units, dropout=dropout)  # fmt: skip


append_doc(_DOC, vgg11, vgg13, vgg16, vgg19)
