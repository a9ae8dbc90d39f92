"""Autoencoder builders, sparsity and corruption layers, greedy layer-wise pre-training (``train``)."""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from dl_course import train
from dl_course.models import autoencoder as ae
from dl_course.models import build


def _dense_params(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


@pytest.mark.parametrize(
    "name, params",
    [
        ("dense_autoencoder", _dense_params([784, 32, 784])),  # 50,992
        (
            "conv_autoencoder",
            (9 * 1 * 16 + 16) + (9 * 16 * 32 + 32) + (9 * 32 * 16 + 16) + (9 * 16 + 1),
        ),
        ("stacked_autoencoder", _dense_params([784, 500, 500, 2000, 10])),  # 1,665,010
    ],
)
def test_default_parameter_counts(name, params):
    assert build(name).count_params() == params
    assert f"{params:,} parameters" in ae.__dict__[name].__doc__


def test_dense_autoencoder_shapes_and_mirrored_decoder():
    model = ae.dense_autoencoder(input_shape=(28, 28), hidden=(64, 16), code_size=2)
    assert model.output_shape == (None, 28, 28)
    assert ae.encoder(model).output_shape == (None, 2)
    assert model.count_params() == _dense_params([784, 64, 16, 2, 16, 64, 784])


def test_conv_autoencoder_shapes():
    model = ae.conv_autoencoder(input_shape=(32, 32, 3), filters=(8, 16, 4))
    assert model.output_shape == (None, 32, 32, 3)
    assert ae.encoder(model).output_shape == (None, 4, 4, 4)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(input_shape=(30, 30, 1)), "divisible by 4"),
        (dict(input_shape=(2, 2, 1)), "too small"),
        (dict(filters=()), "filters must be a non-empty tuple"),
        (dict(sparsity="kl"), "code_activation='sigmoid'"),
        (dict(sparsity="l2"), "sparsity must be one of"),
        (dict(denoising=1.0), r"denoising \(the share of inputs masked\) must be a number in \[0, 1\)"),
        (dict(activation="rleu"), "activation must be a Keras activation"),
    ],
)
def test_conv_autoencoder_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ae.conv_autoencoder(**kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(code_size=0), "code_size"),
        (dict(hidden=(16, -1)), "hidden must be a tuple of positive integers"),
        (dict(sparsity="kl", code_activation="relu"), "code_activation='sigmoid'"),
        (dict(sparsity_weight=-1.0), "sparsity_weight"),
        (dict(output_activation="softmax2"), "output_activation must be a Keras activation.*got 'softmax2'"),
    ],
)
def test_dense_autoencoder_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ae.dense_autoencoder(**kwargs)


def test_kl_sparsity_matches_numpy():
    rng = np.random.default_rng(0)
    code = rng.uniform(0.01, 0.99, size=(16, 5)).astype("float32")
    rho, rho_hat = 0.05, code.mean(axis=0)
    expected = np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))
    got = keras.ops.convert_to_numpy(ae.kl_sparsity(keras.ops.convert_to_tensor(code), rho))
    assert got == pytest.approx(expected, rel=1e-5)
    assert float(
        keras.ops.convert_to_numpy(ae.kl_sparsity(np.full((4, 3), rho, "float32"), rho))
    ) == (pytest.approx(0.0, abs=1e-6))


def test_sparsity_penalties_enter_the_loss():
    x = np.random.default_rng(0).random((8, 64)).astype("float32")
    for sparsity, weight in [("kl", 0.5), ("l1", 0.01)]:
        model = ae.dense_autoencoder(
            input_shape=(64,), code_size=8, sparsity=sparsity, sparsity_weight=weight
        )
        model(x)
        assert len(model.losses) == 1 and float(keras.ops.convert_to_numpy(model.losses[0])) > 0
    code = ae.encoder(model)(x)
    l1 = 0.01 * keras.ops.convert_to_numpy(keras.ops.sum(keras.ops.abs(code))) / len(x)
    assert float(keras.ops.convert_to_numpy(model.losses[0])) == pytest.approx(l1, rel=1e-5)
    assert not ae.dense_autoencoder(input_shape=(64,), code_size=8).losses



@pytest.mark.parametrize(
    "name, shape",
    [("dense_autoencoder", dict(input_shape=(64,), code_size=8)),
     ("conv_autoencoder", dict(input_shape=(8, 8, 1), filters=(4,)))],
)
def test_l1_penalty_is_per_sample_in_the_training_loss(name, shape):
    """The L1 term is weight · Σ|h| / batch on every supported Keras (its own activity
    regulariser summed over the batch before 3.14), so a batch of 8 must not count it 8 times."""
    keras.utils.set_random_seed(0)
    model = build(name, sparsity="l1", sparsity_weight=0.01, **shape)
    x = np.random.default_rng(1).random((8, *model.input_shape[1:])).astype("float32")
    model.compile(loss="mse")
    code = keras.ops.convert_to_numpy(ae.encoder(model)(x))
    mse = np.mean((keras.ops.convert_to_numpy(model(x)) - x) ** 2)
    penalty = 0.01 * np.abs(code).sum() / len(x)
    assert penalty > 0.1 * mse  # large enough for an 8× error to show
    assert model.evaluate(x, x, batch_size=8, verbose=0) == pytest.approx(mse + penalty, rel=1e-4)


def test_masking_noise_masks_a_share_and_only_while_training():
    x = np.ones((200, 100), dtype="float32")
    layer = ae.MaskingNoise(0.3, seed=0)
    masked = keras.ops.convert_to_numpy(layer(x, training=True))
    assert set(np.unique(masked)) == {0.0, 1.0}  # survivors are not rescaled
    assert (masked == 0).mean() == pytest.approx(0.3, abs=0.02)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), x)
    with pytest.raises(ValueError, match="share of inputs"):
        ae.MaskingNoise(1.5)
    with pytest.raises(ValueError, match="target"):
        ae.KLSparsity(target=0.0)


def test_custom_layers_survive_save_and_load(tmp_path):
    model = ae.dense_autoencoder(
        input_shape=(64,), code_size=8, sparsity="kl", denoising=0.2, seed=1
    )
    x = np.random.default_rng(0).random((4, 64)).astype("float32")
    path = tmp_path / "ae.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert loaded.get_layer("kl_sparsity").get_config()["target"] == 0.05
    assert loaded.get_layer("corrupt").get_config()["rate"] == 0.2
    ae.dense_autoencoder(input_shape=(64,), code_size=8, sparsity="l1").save(tmp_path / "l1.keras")
    l1 = keras.models.load_model(tmp_path / "l1.keras").get_layer("l1_sparsity")
    assert l1.get_config()["weight"] == 1e-3


def _stripes(n=256, seed=0):
    rng = np.random.default_rng(seed)
    lines = (rng.random((n, 8)) < 0.5).astype("float32")
    return np.repeat(lines, 8, axis=1)  # 64 features in 8 correlated groups


def test_greedy_pretrain_sets_every_hidden_layer():
    keras.utils.set_random_seed(0)
    x = _stripes()
    model = ae.stacked_autoencoder(input_shape=(64,), hidden=(16, 8), classes=2)
    before = [layer.get_weights()[0].copy() for layer in ae.hidden_layers(model)]
    losses = train.greedy_pretrain(model, x, epochs=10, batch_size=32, learning_rate=0.02, seed=0)
    assert len(losses) == 2 and all(np.isfinite(losses))
    assert losses[0] < 0.1  # 8 on/off groups pass through 16 sigmoid units; guessing 0.5 gives 0.25
    for layer, old in zip(ae.hidden_layers(model), before, strict=True):
        assert not np.allclose(layer.get_weights()[0], old)
    head = model.get_layer("predictions").get_weights()[0]
    assert head.shape == (8, 2)


@pytest.mark.parametrize("activation", ["selu", "swish"])
def test_greedy_pretrain_takes_any_keras_activation(activation):
    keras.utils.set_random_seed(0)
    model = ae.stacked_autoencoder(input_shape=(64,), hidden=(8, 4), classes=2, activation=activation)
    losses = train.greedy_pretrain(model, _stripes(64), epochs=1, batch_size=32, seed=0)
    assert len(losses) == 2 and all(np.isfinite(losses))
    dense = ae.dense_autoencoder(input_shape=(64,), code_size=4, activation=activation, code_activation=activation)
    assert dense.get_layer("code").activation is keras.activations.get(activation)


def test_greedy_pretrain_rejects_bad_input():
    model = ae.stacked_autoencoder(input_shape=(64,), hidden=(8,), classes=2)
    with pytest.raises(ValueError, match="expects 64"):
        train.greedy_pretrain(model, np.zeros((4, 10)))
    flat = ae.stacked_autoencoder(input_shape=(64,), hidden=(), classes=2)
    with pytest.raises(ValueError, match="no hidden Dense"):
        train.greedy_pretrain(flat, np.zeros((4, 64)))


JAX_SCRIPT = textwrap.dedent(
    """
    import numpy as np, keras
    from dl_course.models import autoencoder as ae
    assert keras.backend.backend() == "jax"
    x = np.random.default_rng(0).random((32, 16, 16, 1)).astype("float32")
    model = ae.dense_autoencoder(input_shape=(16, 16, 1), code_size=4, sparsity="kl", denoising=0.3, seed=0)
    model.compile("adam", "mse")
    print("loss", model.fit(x, x, epochs=1, batch_size=16, verbose=0).history["loss"])
    conv = ae.conv_autoencoder(input_shape=(16, 16, 1), filters=(4, 8), sparsity="l1", denoising=0.2, seed=0)
    assert conv(x, training=True).shape == x.shape and len(conv.losses) == 1
    """
)


def test_autoencoders_train_under_jax():
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    run = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "loss [" in run.stdout
