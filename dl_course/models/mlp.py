"""Multilayer perceptrons: the fully connected networks of chapters 01 and 02."""

from __future__ import annotations

import keras

from dl_course.models import register
from dl_course.models.common import check_positive, check_top

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear", "elu", "gelu")


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
    name: str = "mlp",
):
    """Fully connected network: ``Flatten → [Dense(h) → activation → Dropout] × len(hidden) → Dense(classes)``.

    Slides: 002 ⑹ (M-P neuron, multilayer perceptron), 004 (softmax regression, MLP, L2
    weight decay, dropout, Xavier init). ``hidden=()`` gives softmax regression, and with
    ``classes=1, classifier_activation=None`` linear regression. ``kernel_initializer``
    defaults to Glorot/Xavier uniform (Glorot & Bengio 2010).

    Default configuration (784 → 256 → 128 → 10): 235,146 parameters.
    """
    classes = check_top(include_top, classes, None, model="mlp")
    if isinstance(input_shape, (int, str)) or not input_shape:
        raise ValueError(f"input_shape must be a tuple of feature sizes such as (784,), got {input_shape!r}.")
    input_shape = tuple(check_positive(d, f"input_shape {tuple(input_shape)!r}: each size") for d in input_shape)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}.")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout is a drop probability in [0, 1), got {dropout!r}.")
    if l2 < 0:
        raise ValueError(f"l2 is a penalty coefficient ≥ 0, got {l2!r}.")
    if any(not isinstance(h, int) or h < 1 for h in hidden):
        raise ValueError(f"hidden must list positive layer widths, got {hidden!r}.")
    regularizer = keras.regularizers.L2(l2) if l2 else None
    dense = dict(kernel_initializer=kernel_initializer, kernel_regularizer=regularizer)

    inputs = keras.Input(shape=tuple(input_shape))
    x = keras.layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
    for i, width in enumerate(hidden, start=1):
        x = keras.layers.Dense(width, activation=activation, name=f"dense{i}", **dense)(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout{i}")(x)
    if include_top:
        x = keras.layers.Dense(classes, activation=classifier_activation, name="predictions", **dense)(x)
    return keras.Model(inputs, x, name=name)
