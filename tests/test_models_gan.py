"""GAN builders (``dl_course.models.gan``)."""

import keras
import numpy as np
import pytest

from dl_course import models
from dl_course.models import gan

# --------------------------------------------------------------------------- builders


def test_default_parameter_counts():
    # DCGAN Figure 1: project 100 → 4·4·1024 (no bias, BN), then 5×5 transposed convs
    # 1024 → 512 → 256 → 128 (no bias, BN) and 128 → 3 (bias, tanh). BN: 4 numbers a channel.
    g = 100 * 4 * 4 * 1024 + 25 * (1024 * 512 + 512 * 256 + 256 * 128 + 128 * 3) + 3
    g += 4 * (1024 + 512 + 256 + 128)
    # Discriminator: 5×5 convs 3 → 128 (bias, no BN) → 256 → 512 → 1024 (BN), flatten 4·4·1024 → 1.
    d = (
        25 * (3 * 128 + 128 * 256 + 256 * 512 + 512 * 1024)
        + 128
        + 4 * (256 + 512 + 1024)
        + 4 * 4 * 1024
        + 1
    )
    expected = {
        "gan_generator": 2 * 128 + 128 + 128 * 128 + 128 + 128 * 2 + 2,
        "gan_discriminator": 2 * 128 + 128 + 128 * 128 + 128 + 128 + 1,
        "dcgan_generator": g,
        "dcgan_discriminator": d,
        "cdcgan_generator": 2_203_877,
        "cdcgan_discriminator": 229_349 + 10 * 7 * 7 * 128,  # + the projection, one vector per class
    }
    assert g == 18_858_883 and d == 17_236_481
    for name, count in expected.items():
        assert models.build(name).count_params() == count, name
        keras.backend.clear_session()
    assert models.available(family="gan") == sorted(expected)


def test_cdcgan_projection_adds_the_class_vector_times_the_features():
    d = models.build("cdcgan_discriminator", filters=(8, 16))
    assert models.build("cdcgan_discriminator", filters=(8, 16), projection=False).count_params() == (
        d.count_params() - 10 * 7 * 7 * 16
    )
    images = np.random.default_rng(0).uniform(-1, 1, (6, 28, 28, 1)).astype("float32")
    labels = np.array([0, 3, 3, 9, 1, 7])
    projection = d.get_layer("label_projection").embeddings
    assert not keras.ops.convert_to_numpy(projection).any()  # zero at first: D starts as the plain cDCGAN D
    v = np.random.default_rng(1).normal(scale=0.02, size=projection.shape).astype("float32")
    projection.assign(v)
    probe = keras.Model(d.inputs, [d.get_layer("flatten").output, d.get_layer("logit").output, d.output])
    features, plain, logit = (keras.ops.convert_to_numpy(t) for t in probe([images, labels]))
    np.testing.assert_allclose(logit[:, 0], plain[:, 0] + np.sum(v[labels] * features, axis=1), rtol=1e-5, atol=1e-6)
    assert np.abs(logit - plain).max() > 1e-4


def test_output_shapes_and_ranges():
    g = models.build(
        "dcgan_generator", latent_dim=16, output_shape=(32, 32, 3), filters=(32, 16, 8)
    )
    assert g.output_shape == (None, 32, 32, 3)
    x = keras.ops.convert_to_numpy(g(np.random.randn(4, 16).astype("float32")))
    assert np.abs(x).max() <= 1.0  # tanh output
    d = models.build("dcgan_discriminator", input_shape=(32, 32, 3), filters=(8, 16, 32))
    assert d.output_shape == (None, 1)
    f = models.build(
        "dcgan_discriminator",
        include_top=False,
        pooling="avg",
        input_shape=(28, 28, 1),
        filters=(8, 16),
    )
    assert f.output_shape == (None, 16)
    cg, cd = (
        models.build("cdcgan_generator", filters=(16, 8)),
        models.build("cdcgan_discriminator", filters=(8, 16)),
    )
    images = keras.ops.convert_to_numpy(
        cg([np.random.randn(5, 100).astype("float32"), np.arange(5)])
    )
    assert images.shape == (5, 28, 28, 1)
    assert tuple(cd([images, np.arange(5)]).shape) == (5, 1)


def test_dcgan_guidelines_in_the_layers():
    g = models.build("dcgan_generator", output_shape=(28, 28, 1), filters=(32, 16))
    d = models.build("dcgan_discriminator", input_shape=(28, 28, 1), filters=(16, 32))
    assert g.layers[-1].get_config()["activation"] == "tanh"
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in g.layers[-1:])
    assert [layer.name for layer in d.layers[1:3]] == [
        "conv1",
        "conv1_lrelu",
    ]  # no BN on D's input layer
    assert d.get_layer(gan.FEATURES).output.shape[1:] == (7, 7, 32)  # the scorer's feature map
    assert all(
        layer.get_config()["negative_slope"] == 0.2
        for layer in d.layers
        if isinstance(layer, keras.layers.LeakyReLU)
    )
    for layer in g.layers + d.layers:
        if isinstance(
            layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose, keras.layers.Dense)
        ):
            init = layer.get_config()["kernel_initializer"]["config"]
            assert init["stddev"] == 0.02 and init["mean"] == 0.0, layer.name
            assert layer.strides == (2, 2) if not isinstance(layer, keras.layers.Dense) else True


def test_clear_errors():
    with pytest.raises(ValueError, match=r"output 30×30 must be divisible by 4"):
        models.build("dcgan_generator", output_shape=(30, 30, 1), filters=(16, 8))
    with pytest.raises(ValueError, match=r"input 8×8 is too small.*16×16"):
        models.build("dcgan_discriminator", input_shape=(8, 8, 1), filters=(4, 4, 4, 4))
    with pytest.raises(ValueError, match="filters must be a non-empty tuple of positive integers"):
        models.build("dcgan_generator", filters=())
