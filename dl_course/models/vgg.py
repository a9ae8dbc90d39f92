"""VGG-11/13/16/19 (Simonyan & Zisserman 2015): stacks of 3×3 convolutions, configurations A, B, D, E."""

from __future__ import annotations

from keras import layers

from dl_course.models import register
from dl_course.models.blocks import BN, fc_head
from dl_course.models.common import FLATTEN, check_top, image_input, make_model

# Convolutions per stage (widths 64, 128, 256, 512, 512), Table 1 of the paper.
CONFIGS = {
    "vgg11": (1, 1, 2, 2, 2),
    "vgg13": (2, 2, 2, 2, 2),
    "vgg16": (2, 2, 3, 3, 3),
    "vgg19": (2, 2, 4, 4, 4),
}
WIDTHS = (64, 128, 256, 512, 512)


def _vgg(depths, include_top, weights, input_tensor, input_shape, pooling, classes,
         classifier_activation, name, batch_norm, fc_units, dropout):  # fmt: skip
    classes = check_top(include_top, classes, pooling, weights, name)
    if not isinstance(fc_units, int) or fc_units < 1:
        raise ValueError(f"fc_units must be a positive integer, got {fc_units!r}.")
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


def _builder(key: str, count: str, layers_: int):
    depths = CONFIGS[key]

    @register(key, example=dict(input_shape=(32, 32, 3), classes=10, fc_units=64))
    def build(
        include_top: bool = True,
        weights=None,
        input_tensor=None,
        input_shape=None,
        pooling: str | None = None,
        classes: int = 1000,
        classifier_activation: str | None = "softmax",
        name: str = key,
        batch_norm: bool = False,
        fc_units: int = 4096,
        dropout: float = 0.5,
    ):
        return _vgg(depths, include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name, batch_norm, fc_units, dropout)  # fmt: skip

    build.__name__ = build.__qualname__ = key
    build.__doc__ = f"""VGG-{layers_} ({sum(depths)} conv + 3 dense layers, configuration {"ABDE"[list(CONFIGS).index(key)]}).

    Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
    Recognition", ICLR 2015, Table 1. Slides 001 (VGG-16), 003, 004 (3×3 stacking: two 3×3
    layers see 5×5 with 18C² instead of 25C² weights, three see 7×7 with 27C² instead of 49C²).

    All convolutions are 3×3, stride 1, "same" padding; five 2×2 max-pools halve the size, so
    the input must be at least 32×32. With conv and dense biases, as in the paper, the default
    configuration (224×224×3, 1000 classes) has **{count}** parameters. ``batch_norm=True``
    inserts BN after each convolution (conv biases dropped); ``fc_units`` narrows the two
    hidden dense layers for small data.
    """
    return build


vgg11 = _builder("vgg11", "132,863,336", 11)
vgg13 = _builder("vgg13", "133,047,848", 13)
vgg16 = _builder("vgg16", "138,357,544", 16)
vgg19 = _builder("vgg19", "143,667,240", 19)
