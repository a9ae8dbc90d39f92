"""layer_table on hand-checked layers: parameters, MACs and LeCun connections."""

import keras
import pandas as pd
import pytest

from dl_course.costs import format_table, layer_table, print_table


def table_of(input_shape, *layers):
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for layer in layers:
        x = layer(x)
    return layer_table(keras.Model(inputs, x)).set_index("layer")


def test_dense_counts():
    t = table_of((20,), keras.layers.Dense(7, name="fc"))
    row = t.loc["fc"]
    assert row["output_shape"] == (7,)
    assert (row["params"], row["macs"], row["connections"]) == (147, 140, 147)


def test_dense_without_bias_on_sequence():
    t = table_of((5, 4), keras.layers.Dense(3, use_bias=False, name="fc"))
    assert (t.loc["fc", "params"], t.loc["fc", "macs"], t.loc["fc", "connections"]) == (12, 60, 60)


def test_inception_5x5_and_bottleneck_multiplications():
    # 课件 / GoogLeNet: 28×28×192 → 5×5 conv to 32 maps, with and without a 1×1 bottleneck.
    direct = table_of((28, 28, 192), keras.layers.Conv2D(32, 5, padding="same", name="c5"))
    assert direct.loc["c5", "macs"] == 120_422_400
    reduced = table_of(
        (28, 28, 192),
        keras.layers.Conv2D(16, 1, name="c1"),
        keras.layers.Conv2D(32, 5, padding="same", name="c5"),
    )
    assert reduced.loc["c1", "macs"] == 2_408_448
    assert reduced.loc["c5", "macs"] == 10_035_200
    assert reduced.loc["total", "macs"] == 12_443_648


def test_grouped_conv_divides_fan_in():
    t = table_of((10, 10, 8), keras.layers.Conv2D(12, 3, strides=2, groups=4, name="g"))
    # output 4×4×12; each unit sees 3·3·(8/4) = 18 inputs plus a bias
    assert t.loc["g", "output_shape"] == (4, 4, 12)
    assert t.loc["g", "params"] == 3 * 3 * 2 * 12 + 12
    assert t.loc["g", "macs"] == 192 * 18
    assert t.loc["g", "connections"] == 192 * 19


def test_depthwise_and_separable():
    t = table_of(
        (12, 12, 6),
        keras.layers.DepthwiseConv2D(3, depth_multiplier=2, name="dw"),
        keras.layers.SeparableConv2D(5, 3, use_bias=False, name="sep"),
    )
    # dw: 10×10×12 units, fan-in 9 (+ bias)
    assert t.loc["dw", "params"] == 9 * 12 + 12
    assert (t.loc["dw", "macs"], t.loc["dw", "connections"]) == (1200 * 9, 1200 * 10)
    # sep on 10×10×12: depthwise 8·8·12 units × 9, then 8·8·5 units × 12, no bias
    assert t.loc["sep", "params"] == 9 * 12 + 12 * 5
    macs = 8 * 8 * 12 * 9 + 8 * 8 * 5 * 12
    assert (t.loc["sep", "macs"], t.loc["sep", "connections"]) == (macs, macs)


def test_depthwise_separable_cost_ratio():
    # Cost ratio 1/N + 1/D_K² of MobileNet (课件) for D_K = 3, N = 64.
    sep = table_of((16, 16, 32), keras.layers.SeparableConv2D(64, 3, padding="same", name="s"))
    std = table_of((16, 16, 32), keras.layers.Conv2D(64, 3, padding="same", name="s"))
    ratio = sep.loc["s", "macs"] / std.loc["s", "macs"]
    assert ratio == pytest.approx(1 / 64 + 1 / 9)


def test_pooling_batchnorm_and_shape_layers():
    t = table_of(
        (8, 8, 3),
        keras.layers.BatchNormalization(name="bn"),
        keras.layers.MaxPooling2D(name="mp"),
        keras.layers.AveragePooling2D(pool_size=3, strides=1, padding="same", name="ap"),
        keras.layers.GlobalAveragePooling2D(name="gap"),
        keras.layers.Activation("relu", name="act"),
    )
    assert (t.loc["bn", "params"], t.loc["bn", "trainable"]) == (12, 6)
    assert (t.loc["bn", "macs"], t.loc["bn", "connections"]) == (0, 8 * 8 * 3 * 2)
    assert (t.loc["mp", "macs"], t.loc["mp", "connections"]) == (0, 48 * 4)
    assert t.loc["ap", "connections"] == 48 * 9
    assert t.loc["gap", "connections"] == 3 * 16
    assert (t.loc["act", "params"], t.loc["act", "connections"]) == (0, 0)


def test_recurrent_embedding_and_variable_length():
    t = table_of(
        (5, 3),
        keras.layers.LSTM(4, return_sequences=True, name="lstm"),
        keras.layers.Bidirectional(keras.layers.GRU(2), name="bi"),
    )
    # LSTM per step: x·W (3×16) + h·U (4×16); 16 biases; 5 steps, as if unrolled
    assert (t.loc["lstm", "params"], t.loc["lstm", "macs"]) == (128, 5 * (48 + 64))
    assert t.loc["lstm", "connections"] == 5 * 128
    # GRU (reset_after: two bias rows) per direction: 4×6 + 2×6 weights, 12 biases
    assert (t.loc["bi", "macs"], t.loc["bi", "connections"]) == (2 * 5 * 36, 2 * 5 * 48)
    tokens = table_of(
        (None,), keras.layers.Embedding(50, 8, name="emb"), keras.layers.LSTM(4, name="l")
    )
    assert t.loc["total", "macs"] == 5 * 112 + 360
    assert (tokens.loc["emb", "params"], tokens.loc["l", "params"]) == (400, 208)
    assert pd.isna(tokens.loc["emb", "units"]) and pd.isna(tokens.loc["emb", "macs"])
    assert tokens.loc["l", "output_shape"] == (4,) and pd.isna(tokens.loc["l", "macs"])
    fixed = table_of((7,), keras.layers.Embedding(50, 8, name="emb"))
    assert (
        fixed.loc["emb", "units"],
        fixed.loc["emb", "macs"],
        fixed.loc["emb", "connections"],
    ) == (56, 0, 0)


@keras.saving.register_keras_serializable(package="dl_course_tests")
class Doubling(keras.layers.Layer):
    """A toy custom layer reporting its own counts."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(1,), initializer="ones")

    def call(self, x):
        return 2 * self.w * x

    def macs(self, input_shape, output_shape):
        return 7 * input_shape[-1]

    def connections(self, input_shape, output_shape):
        return 11 * output_shape[-1]


class Opaque(Doubling):
    macs = connections = None


def test_custom_layer_methods_and_unknown_layers():
    t = table_of((4,), Doubling(name="d"), Opaque(name="o"))
    assert (t.loc["d", "macs"], t.loc["d", "connections"]) == (28, 44)
    assert pd.isna(t.loc["o", "macs"]) and pd.isna(t.loc["o", "connections"])
    assert pd.isna(t.loc["total", "macs"])  # an unknown layer makes the total unknown
    assert t.loc["total", "params"] == 2


def test_nested_model_rows_and_total():
    inner = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4, name="a")], name="inner")
    inputs = keras.Input((6,))
    model = keras.Model(inputs, keras.layers.Dense(2, name="b")(inner(inputs)))
    t = layer_table(model)
    assert list(t["layer"]) == ["inner/a", "b", "total"]
    assert t.iloc[-1]["params"] == 28 + 10 == model.count_params()


def test_format_table_is_stable_text(capsys):
    inputs = keras.Input((32, 32, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(6, 5, name="C1")(inputs))
    text = format_table(layer_table(model), ["layer", "output_shape", "params", "connections"])
    assert text.splitlines() == [
        "layer  output_shape  params  connections",
        "C1     28×28×6          156      122,304",
        "total                   156      122,304",
    ]
    print_table(model, ["layer", "params"])
    assert capsys.readouterr().out.splitlines()[1] == "C1        156"
    with pytest.raises(ValueError, match="unknown columns"):
        format_table(layer_table(model), ["flops"])


def test_rejects_non_models_and_unbuilt_models():
    with pytest.raises(TypeError, match="keras.Model"):
        layer_table(keras.layers.Dense(3))
    with pytest.raises(ValueError, match="built"):
        layer_table(keras.Sequential([keras.layers.Dense(3)]))


# layer_table under KERAS_BACKEND=jax is checked in tests/test_lenet.py (one JAX subprocess).
