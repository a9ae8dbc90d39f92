"""LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998, "Gradient-based learning applied to document
recognition", Proc. IEEE 86(11)), as in 课件 (LeNet-5 各层).

``variant="paper"`` keeps the paper's layers: trainable subsampling (S2, S4), the partial
C3 connection table (Table I) and the scaled tanh squashing function. ``variant="modern"``
is the usual re-implementation: ReLU, max pooling and a fully connected C3.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from dl_course.checks import check_choice
from dl_course.models import register
from dl_course.models.common import FLATTEN, check_top, image_input, make_model, pool_features

VARIANTS = ("paper", "modern")


@keras.saving.register_keras_serializable(package="dl_course")
def scaled_tanh(x):
    """LeCun's squashing function f(a) = A·tanh(S·a), A = 1.7159, S = 2/3 (1998, appendix A).

    f(±1) = ±1, and the second derivative is largest at ±1.
    """
    return 1.7159 * ops.tanh(x * (2.0 / 3.0))


def c3_table() -> list[list[int]]:
    """Table I of the paper: the S2 maps (0–5) each of the 16 C3 maps takes as input.

    Maps 0–5 see every three contiguous S2 maps, 6–11 every four contiguous ones, 12–14 three
    discontinuous sets of four, and map 15 sees all six.
    """
    contiguous = [
        sorted((start + i) % 6 for i in range(size)) for size in (3, 4) for start in range(6)
    ]
    return contiguous + [[0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5], list(range(6))]


@keras.saving.register_keras_serializable(package="dl_course")
class Subsampling(keras.layers.Layer):
    """LeNet-5's S layers: each map's 2×2 sums times a trainable coefficient plus a trainable bias.

    ``y = activation(coefficient[c] · Σ_window x + bias[c])``: 2 parameters per map. The
    coefficient starts at 1/area, i.e. as average pooling.
    """

    def __init__(self, pool_size: int = 2, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = int(pool_size)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        maps = input_shape[-1]
        area = self.pool_size**2
        self.coefficient = self.add_weight(
            name="coefficient", shape=(maps,), initializer=keras.initializers.Constant(1 / area)
        )
        self.bias = self.add_weight(name="bias", shape=(maps,), initializer="zeros")

    def call(self, x):
        size = (self.pool_size, self.pool_size)
        sums = ops.average_pool(x, size, strides=size, padding="valid") * self.pool_size**2
        return self.activation(sums * self.coefficient + self.bias)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        k = self.pool_size
        return (n, None if h is None else h // k, None if w is None else w // k, c)

    def macs(self, input_shape, output_shape):
        return math.prod(output_shape) * self.pool_size**2

    def connections(self, input_shape, output_shape):
        return math.prod(output_shape) * (self.pool_size**2 + 1)

    def get_config(self):
        return super().get_config() | {
            "pool_size": self.pool_size,
            "activation": keras.activations.serialize(self.activation),
        }


@keras.saving.register_keras_serializable(package="dl_course")
class PartialConv2D(keras.layers.Layer):
    """A valid, stride-1 convolution in which output map ``j`` sees only input maps ``table[j]``.

    Only the used kernel slices are weights (LeNet-5's C3: 60 of 96 slices, 1,516
    parameters); a fixed index builds the full HWIO kernel, with zeros elsewhere, each call.
    """

    def __init__(self, table, kernel_size: int = 5, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.table = [sorted(int(i) for i in inputs) for inputs in table]
        if not self.table or any(
            not inputs or len(set(inputs)) != len(inputs) for inputs in self.table
        ):
            raise ValueError(
                "table must list, for each output map, distinct input maps (at least one)."
            )
        self.kernel_size = int(kernel_size)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        maps = input_shape[-1]
        if max(max(inputs) for inputs in self.table) >= maps:
            raise ValueError(f"table names input maps beyond the {maps} the input has.")
        k, used = self.kernel_size, sum(len(inputs) for inputs in self.table)
        # index[c, f] = position of slice (c → f) among the weights, or `used` (a zero slice)
        index = [[used] * len(self.table) for _ in range(maps)]
        position = 0
        for f, inputs in enumerate(self.table):
            for c in inputs:
                index[c][f], position = position, position + 1
        self.index = index
        limit = math.sqrt(3 * len(self.table) / (k * k * used))  # LeCun uniform, mean fan-in
        self.kernel = self.add_weight(
            name="kernel",
            shape=(k, k, used),
            initializer=keras.initializers.RandomUniform(-limit, limit),
        )
        self.bias = self.add_weight(name="bias", shape=(len(self.table),), initializer="zeros")

    def full_kernel(self):
        """The HWIO kernel (k, k, in_maps, out_maps), zero where the table has no connection."""
        k = self.kernel_size
        padded = ops.concatenate(
            [self.kernel, ops.zeros((k, k, 1), dtype=self.kernel.dtype)], axis=-1
        )
        return ops.take(padded, ops.convert_to_tensor(self.index, dtype="int32"), axis=2)

    def call(self, x):
        y = ops.conv(x, self.full_kernel(), strides=1, padding="valid") + self.bias
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        k = self.kernel_size
        return (
            n,
            None if h is None else h - k + 1,
            None if w is None else w - k + 1,
            len(self.table),
        )

    def _fan_ins(self):
        return [self.kernel_size**2 * len(inputs) for inputs in self.table]

    def macs(self, input_shape, output_shape):
        return math.prod(output_shape[:-1]) * sum(self._fan_ins())

    def connections(self, input_shape, output_shape):
        return math.prod(output_shape[:-1]) * sum(f + 1 for f in self._fan_ins())

    def get_config(self):
        return super().get_config() | {
            "table": self.table,
            "kernel_size": self.kernel_size,
            "activation": keras.activations.serialize(self.activation),
        }


@register(example=dict(input_shape=(32, 32, 1)))
def lenet5(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 10,
    classifier_activation: str | None = "softmax",
    name: str = "lenet5",
    variant: str = "paper",
):
    """LeNet-5: C1 → S2 → C3 → S4 → C5 → F6 → output (LeCun et al. 1998; 课件: LeNet-5).

    ``variant="paper"``: 5×5 convolutions, trainable subsampling (``Subsampling``), C3 with
    the partial connection table (``PartialConv2D``, ``c3_table()``), and the squashing
    function 1.7159·tanh(2a/3) after every layer up to F6. Per layer (parameters /
    connections): C1 156 / 122,304; S2 12 / 5,880; C3 1,516 / 151,600; S4 32 / 2,000;
    C5 48,120 / 48,120; F6 10,164 / 10,164, as in the paper. The paper's output layer of
    Euclidean RBF units with fixed 7×12 bitmap codes is replaced by a dense softmax layer
    (850 parameters for 10 classes), as most re-implementations do. Default configuration
    (32×32×1, 10 classes): 60,850 parameters.

    ``variant="modern"``: ReLU, 2×2 max pooling, a fully connected C3 (2,416 parameters),
    softmax output: 61,706 parameters.

    The input must be at least 32×32 (the paper centres 28×28 MNIST digits in a 32×32
    field); larger inputs give C5 maps larger than 1×1, as the slide notes.
    ``include_top=False`` returns the C5 feature maps (optionally globally pooled).
    """
    classes = check_top(include_top, classes, pooling, weights, "lenet5")
    check_choice(variant, "variant", VARIANTS)
    inputs = image_input(
        input_shape, (32, 32, 1), 32, "lenet5", input_tensor, FLATTEN if include_top else ""
    )
    layers = keras.layers
    if variant == "paper":
        act = scaled_tanh
        s2 = Subsampling(2, activation=act, name="S2")
        c3 = PartialConv2D(c3_table(), 5, activation=act, name="C3")
        s4 = Subsampling(2, activation=act, name="S4")
    else:
        act = "relu"
        s2 = layers.MaxPooling2D(2, name="S2")
        c3 = layers.Conv2D(16, 5, activation=act, name="C3")
        s4 = layers.MaxPooling2D(2, name="S4")
    x = layers.Conv2D(6, 5, activation=act, name="C1")(inputs)
    x = s4(c3(s2(x)))
    x = layers.Conv2D(120, 5, activation=act, name="C5")(x)
    if not include_top:
        return make_model(inputs, pool_features(x, pooling), name)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(84, activation=act, name="F6")(x)
    x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return make_model(inputs, x, name)
