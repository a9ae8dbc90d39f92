"""ResNets (He, Zhang, Ren & Sun 2015): ImageNet ResNet-18…152 and the CIFAR-10 ResNet-20…110."""

from __future__ import annotations

from keras import layers

from dl_course.checks import check_choice
from dl_course.models import register
from dl_course.models.blocks import basic_block, bottleneck_block, classifier, conv_bn
from dl_course.models.common import append_doc, check_top, image_input, make_model

SHORTCUTS = {"A": "zero padding", "B": "1×1 projection"}
_EXAMPLE = dict(input_shape=(32, 32, 3), classes=10)
_SIGNATURE_DOC = """
    Keras-applications arguments; ``pooling`` ("avg"/"max") applies with ``include_top=False``.
    Convolutions have no biases and are followed by batch normalisation, as in the paper; the
    count is of trainable weights (BN's γ and β, not its moving statistics), the convention of
    the torchvision reference models.
"""
_IMAGENET_DOC = """
    He et al., "Deep Residual Learning for Image Recognition", CVPR 2016, Table 1: 7×7/2 stem,
    3×3/2 max-pool, four stages of residual blocks (conv2_x … conv5_x; 64, 128, 256, 512
    filters), average pool, FC. Option B: identity shortcuts, 1×1 projections where the shape
    changes. 课件: ResNet (residual unit, identity shortcut, "a matrix W_s when
    dimensions differ", 152 layers).

    The count is of the default configuration (224×224×3, 1000 classes). Minimum input 32×32,
    the total stride.
""" + _SIGNATURE_DOC
_CIFAR_DOC = """
    He et al. 2016, §4.2: 3×3 conv (16 filters), three stages of n basic blocks (16, 32, 64
    filters), average pool, FC: 6n + 2 layers. Option A: parameter-free shortcuts that
    subsample and zero-pad channels. 课件: ResNet (residual unit).

    The count is of the default configuration (32×32×3, 10 classes, option A); the paper
    gives 0.27 M for ResNet-20 and 1.7 M for ResNet-110. ``shortcut="B"`` uses 1×1
    projections instead. Minimum input 4×4, the total stride.
""" + _SIGNATURE_DOC


def _resnet(block, depths, *, include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name):  # fmt: skip
    """ImageNet ResNet: ``depths[i]`` blocks (``basic_block`` or ``bottleneck_block``) in stage i."""
    classes = check_top(include_top, classes, pooling, weights, name)
    inputs = image_input(input_shape, (224, 224, 3), 32, name, input_tensor)
    x = conv_bn(inputs, 64, 7, 2, name="conv1")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    for stage, depth in enumerate(depths):
        for i in range(depth):
            strides = 2 if stage > 0 and i == 0 else 1
            x = block(x, 64 * 2**stage, strides, name=f"conv{stage + 2}_block{i + 1}")
    x = classifier(x, include_top, classes, pooling, classifier_activation)
    return make_model(inputs, x, name)


def _cifar_resnet(n, *, include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name, shortcut):  # fmt: skip
    """CIFAR-10 ResNet of 6n + 2 layers: three stages of ``n`` basic blocks."""
    classes = check_top(include_top, classes, pooling, weights, name)
    check_choice(shortcut, "shortcut", SHORTCUTS)
    inputs = image_input(input_shape, (32, 32, 3), 4, name, input_tensor)
    x = conv_bn(inputs, 16, 3, name="conv1")
    for stage, filters in enumerate((16, 32, 64)):
        for i in range(n):
            strides = 2 if stage > 0 and i == 0 else 1
            x = basic_block(
                x, filters, strides, shortcut=shortcut, name=f"stage{stage + 1}_block{i + 1}"
            )
    x = classifier(x, include_top, classes, pooling, classifier_activation)
    return make_model(inputs, x, name)


@register(example=_EXAMPLE)
def resnet18(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "resnet18",
):
    """ResNet-18 for ImageNet, basic blocks (2, 2, 2, 2): **11,689,512** parameters."""
    return _resnet(basic_block, (2, 2, 2, 2), include_top=include_top, weights=weights,
                   input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                   classes=classes, classifier_activation=classifier_activation, name=name)  # fmt: skip


@register(example=_EXAMPLE)
def resnet34(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "resnet34",
):
    """ResNet-34 for ImageNet, basic blocks (3, 4, 6, 3): **21,797,672** parameters."""
    return _resnet(basic_block, (3, 4, 6, 3), include_top=include_top, weights=weights,
                   input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                   classes=classes, classifier_activation=classifier_activation, name=name)  # fmt: skip


@register(example=_EXAMPLE)
def resnet50(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "resnet50",
):
    """ResNet-50 for ImageNet, bottleneck blocks (3, 4, 6, 3): **25,557,032** parameters."""
    return _resnet(bottleneck_block, (3, 4, 6, 3), include_top=include_top, weights=weights,
                   input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                   classes=classes, classifier_activation=classifier_activation, name=name)  # fmt: skip


@register(example=_EXAMPLE)
def resnet101(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "resnet101",
):
    """ResNet-101 for ImageNet, bottleneck blocks (3, 4, 23, 3): **44,549,160** parameters."""
    return _resnet(bottleneck_block, (3, 4, 23, 3), include_top=include_top, weights=weights,
                   input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                   classes=classes, classifier_activation=classifier_activation, name=name)  # fmt: skip


@register(example=_EXAMPLE)
def resnet152(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "resnet152",
):
    """ResNet-152 for ImageNet, bottleneck blocks (3, 8, 36, 3): **60,192,808** parameters."""
    return _resnet(bottleneck_block, (3, 8, 36, 3), include_top=include_top, weights=weights,
                   input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                   classes=classes, classifier_activation=classifier_activation, name=name)  # fmt: skip


@register(example=_EXAMPLE)
def resnet20(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 10,
    classifier_activation: str | None = "softmax",
    name: str = "resnet20",
    shortcut: str = "A",
):
    """ResNet-20 for CIFAR-10, n = 3 basic blocks per stage: **269,722** parameters."""
    return _cifar_resnet(3, include_top=include_top, weights=weights, input_tensor=input_tensor,
                         input_shape=input_shape, pooling=pooling, classes=classes,
                         classifier_activation=classifier_activation, name=name,
                         shortcut=shortcut)  # fmt: skip


@register(example=_EXAMPLE)
def resnet32(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 10,
    classifier_activation: str | None = "softmax",
    name: str = "resnet32",
    shortcut: str = "A",
):
    """ResNet-32 for CIFAR-10, n = 5 basic blocks per stage: **464,154** parameters."""
    return _cifar_resnet(5, include_top=include_top, weights=weights, input_tensor=input_tensor,
                         input_shape=input_shape, pooling=pooling, classes=classes,
                         classifier_activation=classifier_activation, name=name,
                         shortcut=shortcut)  # fmt: skip


@register(example=_EXAMPLE)
def resnet44(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 10,
    classifier_activation: str | None = "softmax",
    name: str = "resnet44",
    shortcut: str = "A",
):
    """ResNet-44 for CIFAR-10, n = 7 basic blocks per stage: **658,586** parameters."""
    return _cifar_resnet(7, include_top=include_top, weights=weights, input_tensor=input_tensor,
                         input_shape=input_shape, pooling=pooling, classes=classes,
                         classifier_activation=classifier_activation, name=name,
                         shortcut=shortcut)  # fmt: skip


@register(example=_EXAMPLE)
def resnet56(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 10,
    classifier_activation: str | None = "softmax",
    name: str = "resnet56",
    shortcut: str = "A",
):
    """ResNet-56 for CIFAR-10, n = 9 basic blocks per stage: **853,018** parameters."""
    return _cifar_resnet(9, include_top=include_top, weights=weights, input_tensor=input_tensor,
                         input_shape=input_shape, pooling=pooling, classes=classes,
                         classifier_activation=classifier_activation, name=name,
                         shortcut=shortcut)  # fmt: skip


@register(example=_EXAMPLE)
def resnet110(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 10,
    classifier_activation: str | None = "softmax",
    name: str = "resnet110",
    shortcut: str = "A",
):
    """ResNet-110 for CIFAR-10, n = 18 basic blocks per stage: **1,727,962** parameters."""
    return _cifar_resnet(18, include_top=include_top, weights=weights, input_tensor=input_tensor,
                         input_shape=input_shape, pooling=pooling, classes=classes,
                         classifier_activation=classifier_activation, name=name,
                         shortcut=shortcut)  # fmt: skip


append_doc(_IMAGENET_DOC, resnet18, resnet34, resnet50, resnet101, resnet152)
append_doc(_CIFAR_DOC, resnet20, resnet32, resnet44, resnet56, resnet110)
