"""GAN builders, the GAN trainer, the sample callback and the evaluation numbers."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from dl_course import models
from dl_course.datasets import synthetic
from dl_course.evaluate import ImageScorer, frechet_distance, mode_coverage
from dl_course.models.gan import GAN, TileToMap, preprocess_input
from dl_course.train import SampleGrid


def small_cgan(seed=0):
    keras.utils.set_random_seed(seed)
    g = models.build("cdcgan_generator", latent_dim=8, filters=(16, 8))
    d = models.build("cdcgan_discriminator", filters=(8, 16))
    return GAN(g, d, seed=seed)


def digits(n=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (n, 28, 28, 1)).astype("float32"), rng.integers(0, 10, n)


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
        "cdcgan_discriminator": 229_349,
    }
    assert g == 18_858_883 and d == 17_236_481
    for name, count in expected.items():
        assert models.build(name).count_params() == count, name
        keras.backend.clear_session()
    assert models.available(family="gan") == sorted(expected)


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
    with pytest.raises(ValueError, match="must both take a label, or neither"):
        GAN(models.build("gan_generator"), models.build("cdcgan_discriminator", filters=(8, 16)))


# --------------------------------------------------------------------------- training


def test_one_train_step_changes_both_networks_and_starts_at_log2():
    gan = small_cgan()
    gan.compile(jit_compile=False)  # XLA compilation costs more than one CPU step
    assert isinstance(gan.optimizer, keras.optimizers.Adam)
    assert np.isclose(keras.ops.convert_to_numpy(gan.optimizer.learning_rate), 2e-4) and gan.optimizer.beta_1 == 0.5
    x, y = digits()
    g0 = [v.numpy().copy() for v in gan.generator.trainable_variables]
    d0 = [v.numpy().copy() for v in gan.discriminator.trainable_variables]
    logs = gan.train_on_batch((x, y), return_dict=True)
    for before, v in zip(
        g0 + d0, gan.generator.trainable_variables + gan.discriminator.trainable_variables
    ):
        assert not np.allclose(before, v.numpy()), v.path
    # N(0, 0.02) weights give D(x) ≈ 1/2 at the start: d_loss ≈ 2 ln 2, g_loss ≈ ln 2.
    assert abs(logs["d_loss"] - 2 * np.log(2)) < 0.15 and abs(logs["g_loss"] - np.log(2)) < 0.15
    assert np.isclose(logs["loss"], logs["d_loss"] + logs["g_loss"], atol=1e-4)


def test_sample_grid_saves_pngs(tmp_path):
    gan = small_cgan()
    gan.compile(jit_compile=False)
    noise, labels = np.random.randn(10, 8).astype("float32"), np.arange(10)
    first = keras.ops.convert_to_numpy(gan.generate(noise, labels))
    grid = SampleGrid(noise, labels, directory=tmp_path, ncols=5)
    gan.fit(digits(16), epochs=2, batch_size=8, verbose=0, callbacks=[grid])
    assert grid.epochs == [0, 1, 2] and grid.samples[0].shape == (10, 28, 28, 1)
    np.testing.assert_allclose(grid.samples[0], first, atol=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "epoch_000.png",
        "epoch_001.png",
        "epoch_002.png",
    ]
    assert keras.utils.img_to_array(
        keras.utils.load_img(tmp_path / "epoch_001.png", color_mode="grayscale")
    ).shape == (56, 140, 1)


def test_save_load_round_trip_and_sampling(tmp_path):
    gan = small_cgan()
    gan.compile(jit_compile=False)
    gan.train_on_batch(digits())
    noise, labels = np.random.randn(6, 8).astype("float32"), np.arange(6)
    expected = keras.ops.convert_to_numpy(gan.generate(noise, labels))
    gan.generator.save(tmp_path / "g.keras")
    gan.discriminator.save(tmp_path / "d.keras")
    g = keras.models.load_model(tmp_path / "g.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(g([noise, labels])), expected, atol=1e-5)
    d = keras.models.load_model(tmp_path / "d.keras")
    assert any(isinstance(layer, TileToMap) for layer in d.layers)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(d([expected, labels])),
        keras.ops.convert_to_numpy(gan.discriminator([expected, labels])),
        atol=1e-5,
    )
    gan.save(tmp_path / "gan.keras")
    whole = keras.models.load_model(tmp_path / "gan.keras")
    assert isinstance(whole, GAN) and whole.conditional and whole.latent_dim == 8
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(whole.generate(noise, labels)), expected, atol=1e-5
    )
    whole.train_on_batch(digits())  # still trainable after loading


JAX_SCRIPT = """
import json, keras, numpy as np
from dl_course import models
from dl_course.models.gan import GAN
assert keras.backend.backend() == "jax"
keras.utils.set_random_seed(0)
gan = GAN(models.build("gan_generator", hidden=(16,)), models.build("gan_discriminator", hidden=(16,)), seed=0)
gan.compile()
g0 = [np.array(v) for v in gan.generator.trainable_variables]
d0 = [np.array(v) for v in gan.discriminator.trainable_variables]
logs = gan.train_on_batch(np.random.normal(size=(16, 2)).astype("float32"), return_dict=True)
g_changed = all(not np.allclose(a, np.array(v)) for a, v in zip(g0, gan.generator.trainable_variables))
d_changed = all(not np.allclose(a, np.array(v)) for a, v in zip(d0, gan.discriminator.trainable_variables))
print(json.dumps({"g": g_changed, "d": d_changed, "d_loss": float(logs["d_loss"])}))
"""


def test_train_step_under_jax():
    pytest.importorskip("jax")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    out = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["g"] and result["d"] and np.isfinite(result["d_loss"]) and result["d_loss"] > 0


# --------------------------------------------------------------------------- evaluation


def test_gaussian_ring_data():
    x, y = synthetic.gaussian_ring(800, std=0.02, seed=3)
    assert x.shape == (800, 2) and set(y) == set(range(8))
    np.testing.assert_allclose(np.linalg.norm(synthetic.ring_centers(), axis=1), 2.0)
    assert np.abs(x - synthetic.ring_centers()[y]).max() < 0.02 * 6
    np.testing.assert_array_equal(x, synthetic.gaussian_ring(800, std=0.02, seed=3)[0])
    with pytest.raises(ValueError, match="std > 0"):
        synthetic.gaussian_ring(10, std=0.0)


def test_mode_coverage_on_known_inputs():
    centers, std = synthetic.ring_centers(), 0.02
    perfect, _ = synthetic.gaussian_ring(2000, std=std, seed=1)
    score = mode_coverage(perfect, centers, std)
    assert score["modes"] == 8 and score["high_quality"] > 0.97  # P(r < 3σ) = 1 − e^−4.5 ≈ 0.989
    noise = np.random.default_rng(0).uniform(-3, 3, (2000, 2))
    score = mode_coverage(noise, centers, std)
    assert score["modes"] <= 1 and score["high_quality"] < 0.02
    collapsed = perfect[synthetic.gaussian_ring(2000, std=std, seed=1)[1] == 3]
    assert mode_coverage(collapsed, centers, std) == {
        "modes": 1,
        "high_quality": pytest.approx(0.989, abs=0.02),
    }
    with pytest.raises(ValueError, match=r"samples must have shape \(n, 2\)"):
        mode_coverage(np.zeros((5, 3)), centers, std)


def test_frechet_distance_of_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 4))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    shift = np.array([1.0, 2.0, 0.0, 0.0])
    assert frechet_distance(a, a + shift) == pytest.approx(5.0, abs=1e-6)  # only the means differ
    # N(0, I) vs N(0, 4I) in 4-D: Tr(I + 4I − 2·2I) = 4.
    assert frechet_distance(a, 2 * rng.normal(size=(20000, 4))) == pytest.approx(4.0, abs=0.15)
    with pytest.raises(ValueError, match="equal d"):
        frechet_distance(a, a[:, :3])


def test_image_scorer_on_separable_images():
    keras.utils.set_random_seed(0)
    y = np.arange(400) % 2
    x = np.zeros((400, 28, 28), "uint8")
    x[y == 0, :, :14] = 255  # class 0: left half bright, class 1: right half bright
    x[y == 1, :, 14:] = 255
    x = preprocess_input(x)
    assert x.shape == (400, 28, 28, 1) and x.min() == -1.0 and x.max() == 1.0
    scorer = ImageScorer(classes=2, filters=(8, 16))
    scorer.fit(x, y, epochs=3, batch_size=32, verbose=0)
    assert scorer.accuracy(x, y) == 1.0 and scorer.accuracy(x, 1 - y) == 0.0
    assert scorer.features(x[:5]).shape == (5, 16)
    noise = np.random.default_rng(0).uniform(-1, 1, x.shape).astype("float32")
    assert scorer.frechet(x[:200], x[200:]) < 0.1 * scorer.frechet(x[:200], noise[:200])
