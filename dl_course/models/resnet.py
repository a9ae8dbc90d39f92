"""ResNets (He, Zhang, Ren & Sun 2015): ImageNet ResNet-18…152 and the CIFAR-10 ResNet-20…110."""

from __future__ import annotations

from keras import layers

from dl_course.models import register
from dl_course.models.blocks import basic_block, bottleneck_block, classifier, conv_bn
from dl_course.models.common import check_top, image_input, make_model

# Residual blocks per stage (conv2_x … conv5_x), Table 1 of the paper.
IMAGENET = {
    "resnet18": ("basic", (2, 2, 2, 2), "11,689,512"),
    "resnet34": ("basic", (3, 4, 6, 3), "21,797,672"),
    "resnet50": ("bottleneck", (3, 4, 6, 3), "25,557,032"),
    "resnet101": ("bottleneck", (3, 4, 23, 3), "44,549,160"),
    "resnet152": ("bottleneck", (3, 8, 36, 3), "60,192,808"),
}
# CIFAR-10 ResNets (§4.2): depth 6n + 2, three stages of n basic blocks with 16, 32, 64 filters.
CIFAR = {
    "resnet20": "269,722",
    "resnet32": "464,154",
    "resnet44": "658,586",
    "resnet56": "853,018",
    "resnet110": "1,727,962",
}

_SIGNATURE_DOC = """
    Keras-applications arguments; ``pooling`` ("avg"/"max") applies with ``include_top=False``.
    Convolutions have no biases and are followed by batch normalisation, as in the paper; the
    count is of trainable weights (BN's γ and β, not its moving statistics), the convention of
    the torchvision reference models.
"""


def _imagenet_resnet(kind, depths, include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, name):  # fmt: skip
    classes = check_top(include_top, classes, pooling, weights, name)
    inputs = image_input(input_shape, (224, 224, 3), 32, name, input_tensor)
    x = conv_bn(inputs, 64, 7, 2, name="conv1")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    for stage, depth in enumerate(depths):
        filters = 64 * 2**stage
        for i in range(depth):
            strides = 2 if stage > 0 and i == 0 else 1
            block_name = f"conv{stage + 2}_block{i + 1}"
            if kind == "basic":
                x = basic_block(x, filters, strides, name=block_name)
            else:
                x = bottleneck_block(x, filters, strides, name=block_name)
    x = classifier(x, include_top, classes, pooling, classifier_activation)
    return make_model(inputs, x, name)


def _cifar_resnet(n, include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name, shortcut):  # fmt: skip
    classes = check_top(include_top, classes, pooling, weights, name)
    if shortcut not in ("A", "B"):
        raise ValueError(
            f"shortcut must be 'A' (zero padding) or 'B' (1×1 projection), got {shortcut!r}."
        )
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


def _imagenet_builder(key):
    kind, depths, count = IMAGENET[key]

    @register(key, example=dict(input_shape=(32, 32, 3), classes=10))
    def build(
        include_top: bool = True,
        weights=None,
        input_tensor=None,
        input_shape=None,
        pooling: str | None = None,
        classes: int = 1000,
        classifier_activation: str | None = "softmax",
        name: str = key,
    ):
        return _imagenet_resnet(kind, depths, include_top, weights, input_tensor, input_shape,
                                pooling, classes, classifier_activation, name)  # fmt: skip

    build.__name__ = build.__qualname__ = key
    build.__doc__ = f"""ResNet-{key[6:]} for ImageNet: 7×7/2 stem, 3×3/2 max-pool, {kind} blocks {depths}, average pool, FC.

    He et al., "Deep Residual Learning for Image Recognition", CVPR 2016, Table 1 (option B:
    identity shortcuts, 1×1 projections where the shape changes). Slides 001 (residual unit,
    identity shortcut, "a matrix W_s when dimensions differ"), 002 (152 layers), 003.

    Default configuration (224×224×3, 1000 classes): **{count}** parameters. Minimum input
    32×32, the total stride.
    {_SIGNATURE_DOC}"""
    return build


def _cifar_builder(key):
    n = (int(key[6:]) - 2) // 6

    @register(key, example=dict(input_shape=(32, 32, 3), classes=10))
    def build(
        include_top: bool = True,
        weights=None,
        input_tensor=None,
        input_shape=None,
        pooling: str | None = None,
        classes: int = 10,
        classifier_activation: str | None = "softmax",
        name: str = key,
        shortcut: str = "A",
    ):
        return _cifar_resnet(n, include_top, weights, input_tensor, input_shape, pooling, classes,
                             classifier_activation, name, shortcut)  # fmt: skip

    build.__name__ = build.__qualname__ = key
    build.__doc__ = f"""ResNet-{key[6:]} for CIFAR-10: 3×3 conv (16), 3 × {n} basic blocks (16/32/64 filters), average pool, FC.

    He et al. 2016, §4.2 (6n + 2 layers, n = {n}; option A: parameter-free shortcuts that
    subsample and zero-pad channels). Slides 001 (residual unit), 003 (ResNet).

    Default configuration (32×32×3, 10 classes, option A): **{CIFAR[key]}** parameters
    (the paper: 0.27 M for ResNet-20, 1.7 M for ResNet-110). ``shortcut="B"`` uses 1×1
    projections instead. Minimum input 4×4, the total stride.
    {_SIGNATURE_DOC}"""
    return build


resnet18, resnet34, resnet50, resnet101, resnet152 = (_imagenet_builder(k) for k in IMAGENET)
resnet20, resnet32, resnet44, resnet56, resnet110 = (_cifar_builder(k) for k in CIFAR)
