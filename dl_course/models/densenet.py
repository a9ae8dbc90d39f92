"""DenseNet-121/169/201 (Huang, Liu, van der Maaten & Weinberger 2017)."""

from __future__ import annotations

from keras import layers

from dl_course.checks import check_positive
from dl_course.models import register
from dl_course.models.blocks import BN, classifier, conv_bn, dense_block, transition
from dl_course.models.common import append_doc, check_top, image_input, make_model

_EXAMPLE = dict(input_shape=(32, 32, 3), classes=10)
_DOC = """
    Huang et al., "Densely Connected Convolutional Networks", CVPR 2017, Table 1 (DenseNet-BC):
    7×7/2 stem and 3×3/2 max-pool, four dense blocks joined by transitions, BN-ReLU, average
    pool, FC. Growth rate k = 32, bottleneck 1×1 convolutions with 4k filters, compression
    0.5. 课件: DenseNet.

    Convolutions have no biases (BN follows). The count is of the default configuration
    (224×224×3, 1000 classes): trainable parameters (BN's moving statistics excluded), the
    torchvision and keras.applications count. Minimum input 32×32, the total stride.
"""


def _densenet(blocks, *, include_top, weights, input_tensor, input_shape, pooling, classes,
              classifier_activation, name, growth_rate):  # fmt: skip
    """DenseNet with ``blocks[i]`` layers in dense block i, ``growth_rate`` new maps per layer."""
    classes = check_top(include_top, classes, pooling, weights, name)
    growth_rate = check_positive(growth_rate, "growth_rate")
    inputs = image_input(input_shape, (224, 224, 3), 32, name, input_tensor)
    x = conv_bn(inputs, 2 * growth_rate, 7, 2, name="conv1")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    for i, num_layers in enumerate(blocks, start=1):
        x = dense_block(x, num_layers, growth_rate, name=f"dense{i}")
        if i < len(blocks):
            x = transition(x, 0.5, name=f"transition{i}")
    x = layers.BatchNormalization(**BN, name="final_bn")(x)
    x = layers.ReLU(name="final_relu")(x)
    x = classifier(x, include_top, classes, pooling, classifier_activation)
    return make_model(inputs, x, name)


@register(example=_EXAMPLE)
def densenet121(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "densenet121",
    growth_rate: int = 32,
):
    """DenseNet-121, dense blocks of (6, 12, 24, 16) layers: **7,978,856** parameters."""
    return _densenet((6, 12, 24, 16), include_top=include_top, weights=weights,
                     input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                     classes=classes, classifier_activation=classifier_activation, name=name,
                     growth_rate=growth_rate)  # fmt: skip


@register(example=_EXAMPLE)
def densenet169(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "densenet169",
    growth_rate: int = 32,
):
    """DenseNet-169, dense blocks of (6, 12, 32, 32) layers: **14,149,480** parameters."""
    return _densenet((6, 12, 32, 32), include_top=include_top, weights=weights,
                     input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                     classes=classes, classifier_activation=classifier_activation, name=name,
                     growth_rate=growth_rate)  # fmt: skip


@register(example=_EXAMPLE)
def densenet201(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "densenet201",
    growth_rate: int = 32,
):
    """DenseNet-201, dense blocks of (6, 12, 48, 32) layers: **20,013,928** parameters."""
    return _densenet((6, 12, 48, 32), include_top=include_top, weights=weights,
                     input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                     classes=classes, classifier_activation=classifier_activation, name=name,
                     growth_rate=growth_rate)  # fmt: skip


append_doc(_DOC, densenet121, densenet169, densenet201)
