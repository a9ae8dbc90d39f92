"""LeNet-5: the paper's per-layer parameters and connections, custom layers, shapes, saving."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from dl_course.costs import layer_table
from dl_course.models import build
from dl_course.models.lenet import PartialConv2D, Subsampling, c3_table, scaled_tanh

# LeCun et al. 1998, section II.B: (trainable parameters, connections) per layer.
PAPER = {
    "C1": (156, 122_304),
    "S2": (12, 5_880),
    "C3": (1_516, 151_600),
    "S4": (32, 2_000),
    "C5": (48_120, 48_120),
    "F6": (10_164, 10_164),
}
SHAPES = {
    "C1": (28, 28, 6),
    "S2": (14, 14, 6),
    "C3": (10, 10, 16),
    "S4": (5, 5, 16),
    "C5": (1, 1, 120),
}

# Table I of the paper, one row per S2 map: an X under each C3 map it feeds.
TABLE_I = [
    "X   XXX  XXXX XX",
    "XX   XXX  XXXX X",
    "XXX   XXX  X XXX",
    " XXX  XXXX  X XX",
    "  XXX  XXXX XX X",
    "   XXX  XXXX XXX",
]


def test_paper_layers_match_the_paper():
    t = layer_table(build("lenet5")).set_index("layer")
    for name, (params, connections) in PAPER.items():
        assert (t.loc[name, "trainable"], t.loc[name, "connections"]) == (params, connections), name
    for name, shape in SHAPES.items():
        assert t.loc[name, "output_shape"] == shape, name
    assert t.loc["total", "params"] == 60_850


def test_modern_variant():
    model = build("lenet5", variant="modern")
    t = layer_table(model).set_index("layer")
    assert model.count_params() == 61_706
    assert t.loc["C3", "params"] == 16 * (5 * 5 * 6 + 1)
    assert t.loc["S2", "type"] == "MaxPooling2D" and t.loc["S2", "params"] == 0


def test_c3_table_is_table_one():
    drawn = [[f for f, mark in enumerate(row) if mark == "X"] for row in TABLE_I]
    from_table = [[f for f, inputs in enumerate(c3_table()) if c in inputs] for c in range(6)]
    assert from_table == drawn


def test_partial_conv_equals_masked_full_convolution():
    layer = PartialConv2D(c3_table(), 5)
    x = np.random.default_rng(0).normal(size=(2, 14, 14, 6)).astype("float32")
    y = keras.ops.convert_to_numpy(layer(x))
    kernel = keras.ops.convert_to_numpy(layer.full_kernel())
    mask = np.zeros((6, 16), bool)
    for f, inputs in enumerate(c3_table()):
        mask[inputs, f] = True
    assert np.all((np.abs(kernel).sum(axis=(0, 1)) > 0) == mask)
    reference = keras.layers.Conv2D(16, 5)
    reference.build(x.shape)
    reference.set_weights([kernel, keras.ops.convert_to_numpy(layer.bias)])
    np.testing.assert_allclose(y, keras.ops.convert_to_numpy(reference(x)), atol=1e-5)


def test_subsampling_is_scaled_window_sum():
    layer = Subsampling(2, activation=scaled_tanh)
    x = np.arange(32, dtype="float32").reshape(1, 4, 4, 2) / 32
    layer.build(x.shape)
    layer.set_weights([np.array([0.5, -1.0], "float32"), np.array([0.1, 0.2], "float32")])
    sums = x.reshape(1, 2, 2, 2, 2, 2).sum(axis=(2, 4))
    expected = 1.7159 * np.tanh(2 / 3 * (sums * [0.5, -1.0] + [0.1, 0.2]))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, atol=1e-5)


def test_scaled_tanh_maps_one_to_one():
    assert float(scaled_tanh(keras.ops.convert_to_tensor(1.0))) == pytest.approx(1.0, abs=2e-4)


@pytest.mark.parametrize("variant", ["paper", "modern"])
def test_shapes_small_and_large_inputs(variant):
    x = np.zeros((2, 32, 32, 1), "float32")
    assert build("lenet5", variant=variant)(x).shape == (2, 10)
    big = build("lenet5", variant=variant, input_shape=(48, 40, 3), classes=5)
    assert big.output_shape == (None, 5)
    assert build("lenet5", variant=variant, include_top=False).output_shape == (None, 1, 1, 120)
    pooled = build(
        "lenet5", variant=variant, include_top=False, input_shape=(44, 44, 1), pooling="avg"
    )
    assert pooled.output_shape == (None, 120)


def test_clear_errors():
    with pytest.raises(ValueError, match="at least 32×32"):
        build("lenet5", input_shape=(28, 28, 1))
    with pytest.raises(ValueError, match="variant"):
        build("lenet5", variant="1989")
    with pytest.raises(ValueError, match="classes"):
        build("lenet5", classes=0)
    with pytest.raises(ValueError, match="input maps beyond"):
        PartialConv2D([[0, 7]])(np.zeros((1, 8, 8, 6), "float32"))
    with pytest.raises(ValueError, match="distinct input maps"):
        PartialConv2D([[0, 0]])


def test_save_load_round_trip(tmp_path):
    model = build("lenet5")
    x = np.random.default_rng(1).normal(size=(3, 32, 32, 1)).astype("float32")
    path = tmp_path / "lenet5.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.get_layer("C3"), PartialConv2D)
    assert loaded.get_layer("C3").table == c3_table()
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert layer_table(loaded)["connections"].equals(layer_table(model)["connections"])


def test_custom_layers_and_layer_table_under_jax():
    # One subprocess for both (importing JAX and Keras is the slow part): the paper model's
    # layer_table, and a gradient through C3's gathered kernel. Building every registered
    # model under JAX is the registry-wide test's job.
    code = (
        "import jax, numpy as np, keras\n"
        "from dl_course.costs import layer_table\n"
        "from dl_course.models.lenet import PartialConv2D, c3_table, lenet5\n"
        "assert keras.backend.backend() == 'jax'\n"
        "t = layer_table(lenet5()).set_index('layer')\n"
        "assert list(t.loc[['S2', 'C3'], 'connections']) == [5880, 151600], t\n"
        "layer = PartialConv2D(c3_table())\n"
        "x = np.random.default_rng(0).normal(size=(1, 14, 14, 6)).astype('float32')\n"
        "layer.build(x.shape)\n"
        "loss = lambda w: (layer.stateless_call(w, [], x)[0] ** 2).sum()\n"
        "grads = jax.grad(loss)([v.value for v in layer.trainable_variables])\n"
        "print([g.shape for g in grads] == [(5, 5, 60), (16,)] and all(abs(g).max() > 0 for g in grads))\n"
    )
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "True"
