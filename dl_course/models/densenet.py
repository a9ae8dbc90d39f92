"""DenseNet-121/169/201 (Huang, Liu, van der Maaten & Weinberger 2017)."""

from __future__ import annotations

from keras import layers

from dl_course.models import register
from dl_course.models.blocks import BN, classifier, conv_bn, dense_block, transition
from dl_course.models.common import check_top, image_input, make_model

# Layers per dense block, Table 1 of the paper (growth rate k = 32).
CONFIGS = {
    "densenet121": ((6, 12, 24, 16), "7,978,856"),
    "densenet169": ((6, 12, 32, 32), "14,149,480"),
    "densenet201": ((6, 12, 48, 32), "20,013,928"),
}


def _densenet(blocks, include_top, weights, input_tensor, input_shape, pooling, classes,
              classifier_activation, name, growth_rate):  # fmt: skip
    classes = check_top(include_top, classes, pooling, weights, name)
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


def _builder(key):
    blocks, count = CONFIGS[key]

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
        growth_rate: int = 32,
    ):
        return _densenet(blocks, include_top, weights, input_tensor, input_shape, pooling, classes,
                         classifier_activation, name, growth_rate)  # fmt: skip

    build.__name__ = build.__qualname__ = key
    build.__doc__ = f"""DenseNet-{key[8:]} (DenseNet-BC): stem, dense blocks {blocks} joined by transitions, FC.

    Huang et al., "Densely Connected Convolutional Networks", CVPR 2017, Table 1: growth rate
    k = 32, bottleneck 1×1 convolutions with 4k filters, compression 0.5. Slide 003 (DenseNet).

    Convolutions have no biases (BN follows). Default configuration (224×224×3, 1000 classes):
    **{count}** trainable parameters (BN's moving statistics excluded), the torchvision and
    keras.applications count. Minimum input 32×32, the total stride.
    """
    return build


densenet121, densenet169, densenet201 = (_builder(k) for k in CONFIGS)
