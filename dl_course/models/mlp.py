"""Multilayer perceptrons: the fully connected networks of chapters 01 and 02."""

from __future__ import annotations

import keras

from dl_course.checks import check_fraction, check_number, check_widths
from dl_course.models import register
from dl_course.models.common import check_activation, check_top


@register(example=dict(input_shape=(28, 28), hidden=(32,)))
def mlp(
    include_top: bool = True,
    input_shape=(784,),
    classes: int = 10,
    classifier_activation: str | None = "softmax",
    hidden=(256, 128),
    activation: str = "relu",
    dropout: float = 0.0,
    l2: float = 0.0,
    kernel_initializer: str = "glorot_uniform",
    batch_norm: bool = False,
    bn_momentum: float = 0.99,
    name: str = "mlp",
):
    """Fully connected network: ``Flatten → [Dense(h) → activation → Dropout] × len(hidden) → Dense(classes)``.

    课件: M-P neuron, multilayer perceptron, softmax regression, L2
    weight decay, dropout, Xavier init. ``hidden=()`` gives softmax regression, and with
    ``classes=1, classifier_activation=None`` linear regression. ``kernel_initializer``
    defaults to Glorot/Xavier uniform (Glorot & Bengio 2010). ``batch_norm=True`` puts batch
    normalisation between each hidden layer's weighted sum and its activation, as Ioffe & Szegedy
    (2015) do (the Dense layer then has no bias: BN's β takes its place); ``bn_momentum`` is the
    decay of its moving mean and variance (the statistics used at inference).

    Default configuration (784 → 256 → 128 → 10): 235,146 parameters.
    """
    classes = check_top(include_top, classes, None, model="mlp")
    input_shape = check_widths(input_shape, "input_shape")
    hidden = check_widths(hidden, "hidden", empty=True)
    check_activation(activation)
    check_fraction(dropout, "dropout (a drop probability)")
    check_number(l2, "l2 (a penalty coefficient)")
    check_fraction(bn_momentum, "bn_momentum (the moving statistics' decay)")
    regularizer = keras.regularizers.L2(l2) if l2 else None
    dense = dict(kernel_initializer=kernel_initializer, kernel_regularizer=regularizer)

    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
    for i, width in enumerate(hidden, start=1):
        if batch_norm:
            x = keras.layers.Dense(width, use_bias=False, name=f"dense{i}", **dense)(x)
            x = keras.layers.BatchNormalization(momentum=bn_momentum, name=f"bn{i}")(x)
            x = keras.layers.Activation(activation, name=f"{activation}{i}")(x)
        else:
            x = keras.layers.Dense(width, activation=activation, name=f"dense{i}", **dense)(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout{i}")(x)
    if include_top:
        x = keras.layers.Dense(classes, activation=classifier_activation, name="predictions", **dense)(x)
    return keras.Model(inputs, x, name=name)
