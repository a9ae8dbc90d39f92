"""The GAN trainer (``dl_course.train.GAN``) and its ``SampleGrid`` callback.

The trainer's updates are checked against the two algorithms written out by hand with
``tf.GradientTape`` and plain SGD, on every Keras backend that is installed.
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from dl_course import models
from dl_course.models.gan import TileToMap
from dl_course.train import GAN, SampleGrid


def small_cgan(seed=0, **kwargs):
    keras.utils.set_random_seed(seed)
    g = models.build("cdcgan_generator", latent_dim=8, filters=(16, 8))
    d = models.build("cdcgan_discriminator", filters=(8, 16))
    return GAN(g, d, seed=seed, **kwargs)


def digits(n=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (n, 28, 28, 1)).astype("float32"), rng.integers(0, 10, n)


def test_clear_errors():
    g, d = models.build("gan_generator", hidden=(4,)), models.build("gan_discriminator", hidden=(4,))
    with pytest.raises(ValueError, match="must both take a label, or neither"):
        GAN(g, models.build("cdcgan_discriminator", filters=(8, 16)))
    with pytest.raises(ValueError, match="updates must be one of"):
        GAN(g, d, updates="sequential")
    with pytest.raises(ValueError, match="only updates='alternating' takes more than 1"):
        GAN(g, d, d_steps=5)
    with pytest.raises(ValueError, match="d_steps .* must be a positive integer"):
        GAN(g, d, updates="alternating", d_steps=0)


@pytest.mark.parametrize("conditional", [True, False])
def test_labels_as_fit_arguments_or_tuple_and_clear_errors(conditional):
    x, y = digits(n=8)
    if conditional:
        gan = small_cgan(updates="alternating", d_steps=2)
    else:
        gan = GAN(models.build("gan_generator", hidden=(4,), output_dim=784),
                  models.build("gan_discriminator", input_dim=784, hidden=(4,)), seed=0)
        x = x.reshape(len(x), -1)
    gan.compile(jit_compile=False)
    if conditional:
        for data in ((x, y), ((x, y),)):  # fit(x, labels) and fit((x, labels))
            assert np.isfinite(gan.fit(*data, batch_size=4, epochs=1, verbose=0).history["d_loss"][-1])
        with pytest.raises(ValueError, match=r"take a class label: call fit\(images, labels\)"):
            gan.fit(x, batch_size=4, epochs=1, verbose=0)
    else:
        assert np.isfinite(gan.fit(x, batch_size=4, epochs=1, verbose=0).history["g_loss"][-1])
        with pytest.raises(ValueError, match=r"take no label: call fit\(images\)"):
            gan.fit(x, y, batch_size=4, epochs=1, verbose=0)


def test_labels_of_shape_n_1_train_as_labels_of_shape_n():
    x, y = digits(n=8)
    results = []
    for labels in (y, y[:, None]):  # (n, 1): what Keras's sparse losses and cifar10.load_data() give
        gan = small_cgan()
        gan.compile(jit_compile=False)
        history = gan.fit(x, labels, batch_size=4, epochs=1, shuffle=False, verbose=0)
        results.append((history.history["d_loss"][-1], gan.get_weights()))
    (d_loss, weights), (d_loss_n1, weights_n1) = results
    np.testing.assert_allclose(d_loss_n1, d_loss, rtol=1e-5)
    for a, b in zip(weights, weights_n1):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_labels_of_another_shape_are_refused():
    x, y = digits(n=8)
    gan = small_cgan()
    gan.compile(jit_compile=False)
    with pytest.raises(ValueError, match=r"labels must be class numbers of shape \(n,\) or \(n, 1\), got shape \(8, 2\)"):
        gan.fit(x, np.stack([y, y], axis=1), batch_size=4, epochs=1, verbose=0)


def test_backup_of_another_gan_is_refused_and_the_same_gan_resumes(tmp_path):
    from dl_course import train

    x, y = digits(n=8)
    backup = tmp_path / "run"
    gan = small_cgan()
    gan.compile(jit_compile=False)
    with pytest.raises(train.Interrupted):
        train.fit(gan, x, y, epochs=3, batch_size=8, verbose=0, backup_dir=backup, callbacks=[train.InterruptAt(1)])
    other = GAN(models.build("cdcgan_generator", latent_dim=8, filters=(32, 8)),
                models.build("cdcgan_discriminator", filters=(8, 16)), seed=0)
    other.compile(jit_compile=False)
    with pytest.raises(train.BackupError, match=rf"The backup in {backup} was written by a different model"):
        train.fit(other, x, y, epochs=3, batch_size=8, verbose=0, backup_dir=backup)
    same = small_cgan()
    same.compile(jit_compile=False)
    assert train.fit(same, x, y, epochs=3, batch_size=8, verbose=0, backup_dir=backup).epoch == [1, 2]


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
    assert sorted(logs) == ["d_loss", "g_loss"]


class RealOnly(GAN):
    """Minimizes a loss of D on real data over D's and G's variables: G's gradients are None (zero on JAX)."""

    def update(self, real, labels=None):
        variables = self.discriminator.trainable_variables + self.generator.trainable_variables
        loss = self.minimize(lambda: keras.ops.mean(self.discriminator(real)), variables)
        return loss, loss


@pytest.mark.filterwarnings("ignore:Gradients do not exist")  # Keras says so for a None gradient (TensorFlow, PyTorch)
def test_minimize_leaves_the_variables_its_loss_does_not_use():
    gan = RealOnly(models.build("gan_generator", hidden=(8,)), models.build("gan_discriminator", hidden=(8,)), seed=0)
    gan.compile(keras.optimizers.SGD(0.1))
    g0 = [v.numpy().copy() for v in gan.generator.trainable_variables]
    d0 = gan.discriminator.trainable_variables[0].numpy().copy()
    gan.fit(np.random.default_rng(0).normal(size=(16, 2)).astype("float32"), batch_size=8, epochs=1, verbose=0)
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(g0, gan.generator.trainable_variables))
    assert not np.allclose(d0, gan.discriminator.trainable_variables[0].numpy())


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


# --------------------------------------------------------------------------- the algorithms by hand

# A toy GAN whose G ignores its noise (first kernel 0 and frozen), so every backend and every
# device count sees the same samples; SGD, so that a wrongly scaled gradient shows.
LR, BATCH = 0.05, 16
TRAINER_SCRIPT = """
import json, sys
import numpy as np
{setup}
import keras
from dl_course import models, runtime, train

def toy_gan(updates, d_steps):
    g, d = models.build("gan_generator", hidden=(8,)), models.build("gan_discriminator", hidden=(8,))
    g.get_layer("dense1").trainable = False
    return train.GAN(g, d, updates=updates, d_steps=d_steps, seed=0)

data = np.load(sys.argv[1])
weights = [data[f"w{{i}}"] for i in range(len(data.files) - 1)]
out = {{"backend": keras.backend.backend()}}
for updates in sys.argv[2:]:
    d_steps = 2 if updates == "alternating" else 1
    with runtime.scope({devices}):
        gan = toy_gan(updates, d_steps)
        gan.set_weights(weights)
        gan.compile(keras.optimizers.SGD({lr}))
        gan.fit(data["x"], batch_size={batch}, epochs=1, shuffle=False, verbose=0)
    out[updates] = [w.tolist() for w in gan.get_weights()]
print(json.dumps(out))
"""


def toy_start(path, n=48):
    """Initial weights (G's first kernel 0, random biases) and real data, saved for the script."""
    keras.utils.set_random_seed(0)
    g, d = models.build("gan_generator", hidden=(8,)), models.build("gan_discriminator", hidden=(8,))
    rng = np.random.default_rng(0)
    g.get_layer("dense1").kernel.assign(np.zeros((2, 8), "float32"))
    for layer in g.layers[1:] + d.layers[1:]:  # no unit at a ReLU's kink, where backends differ
        if hasattr(layer, "bias"):
            layer.bias.assign(rng.normal(scale=0.5, size=layer.bias.shape).astype("float32"))
    weights = [v.numpy() for v in g.weights + d.weights]
    x = rng.normal(size=(n, 2)).astype("float32")
    np.savez(path, x=x, **{f"w{i}": w for i, w in enumerate(weights)})
    return weights, x


def by_hand(weights, x, updates, d_steps):
    """Goodfellow et al. (2014) with the non-saturating G loss, one SGD step per gradient."""
    g, d = models.build("gan_generator", hidden=(8,)), models.build("gan_discriminator", hidden=(8,))
    for v, w in zip(g.weights + d.weights, weights, strict=True):
        v.assign(w)
    g_vars = g.trainable_variables[2:]  # dense1 stays fixed
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    z = np.zeros((BATCH, 2), "float32")  # any noise: G ignores it

    def d_gradients(real):
        with tf.GradientTape() as tape:
            real_logits, fake_logits = d(real), d(g(z))
            loss = bce(tf.ones_like(real_logits), real_logits) + bce(tf.zeros_like(fake_logits), fake_logits)
        return tape.gradient(loss, d.trainable_variables)

    def g_gradients():
        with tf.GradientTape() as tape:
            logits = d(g(z))
            loss = bce(tf.ones_like(logits), logits)
        return tape.gradient(loss, g_vars)

    def sgd(grads, variables):
        for grad, v in zip(grads, variables, strict=True):
            v.assign_sub(LR * grad)

    for start in range(0, len(x), BATCH):
        real = x[start : start + BATCH]
        if updates == "simultaneous":
            d_grads, g_grads = d_gradients(real), g_gradients()  # both at the same point
            sgd(d_grads, d.trainable_variables)
            sgd(g_grads, g_vars)
        else:
            for _ in range(d_steps):
                sgd(d_gradients(real), d.trainable_variables)
            sgd(g_gradients(), g_vars)  # against the updated D
    return [v.numpy() for v in g.weights + d.weights]


def run_trainer(tmp_path, updates=("simultaneous", "alternating"), env=None, setup="", devices="None"):
    """Train from ``toy_start`` in a new process: one epoch per kind of ``updates`` (d_steps 2 when alternating)."""
    path = tmp_path / "start.npz"
    weights, x = toy_start(path)
    script = TRAINER_SCRIPT.format(setup=setup, devices=devices, lr=LR, batch=BATCH)
    out = subprocess.run([sys.executable, "-c", script, str(path), *updates], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return weights, x, json.loads(out.stdout.strip().splitlines()[-1])


def max_difference(a, b):
    return max(float(np.abs(np.asarray(u) - np.asarray(v)).max()) for u, v in zip(a, b, strict=True))


BACKENDS = {
    "tensorflow": {},
    "jax": {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"},
    "torch": {"KERAS_BACKEND": "torch", "CUDA_VISIBLE_DEVICES": ""},
}


@pytest.mark.tensorflow_backend
@pytest.mark.parametrize("backend", BACKENDS)
def test_updates_match_the_algorithms_by_hand(tmp_path, backend):
    pytest.importorskip(backend)
    weights, x, result = run_trainer(tmp_path, env=BACKENDS[backend])
    assert result["backend"] == backend
    for updates, d_steps in (("simultaneous", 1), ("alternating", 2)):
        expected = by_hand(weights, x, updates, d_steps)
        assert max_difference(result[updates], expected) < 1e-5, updates
        assert max_difference(result[updates], weights) > 1e-3  # it trained
    assert max_difference(result["simultaneous"], result["alternating"]) > 1e-3


@pytest.mark.tensorflow_backend
def test_two_replicas_give_the_single_device_updates(tmp_path):
    # Each replica differentiates its half of the batch and the optimizer sums the two gradients:
    # without dividing each replica's loss by 2, every step would be twice too long.
    setup = ("import tensorflow as tf\ntf.config.set_logical_device_configuration(tf.config.list_physical_devices('CPU')[0], "
             "[tf.config.LogicalDeviceConfiguration()] * 2)")
    for updates, d_steps in (("simultaneous", 1), ("alternating", 2)):
        # one process each: TensorFlow keys a new strategy's collectives as it keyed the last one's
        weights, x, result = run_trainer(tmp_path, [updates], setup=setup, devices='["/cpu:0", "/cpu:1"]')
        assert max_difference(result[updates], by_hand(weights, x, updates, d_steps)) < 1e-5, updates


@pytest.fixture(scope="module")
def cgan():
    gan = GAN(models.build("cdcgan_generator", filters=(16, 8), latent_dim=8),
                    models.build("cdcgan_discriminator", filters=(8, 16)), seed=0)
    gan.compile()
    return gan


IMAGES = np.zeros((8, 28, 28, 1), "float32")
LABELS = np.arange(8) % 10


@pytest.mark.parametrize(
    "x, labels, message",
    [(IMAGES, LABELS - 1, r"labels must be class labels in \[0, 10\) for a model with 10 classes, got labels from -1"),
     (IMAGES, LABELS + 5, r"labels must be class labels in \[0, 10\).*to 12"),
     (IMAGES, np.eye(10)[LABELS], r"labels must be integer class labels, got one-hot rows of 10: pass labels.argmax\(axis=1\)"),
     (IMAGES, LABELS[:5], r"labels must have one label per image of x, got 5 labels for 8 images"),
     (IMAGES, LABELS + 0.5, r"labels must be integer class labels, got fractional values"),
     (np.zeros((8, 32, 32, 1), "float32"), LABELS,
      r"x must have shape \(n, 28, 28, 1\) for this model, got shape \(8, 32, 32, 1\): dimension 1 is 32"),
     (IMAGES.reshape(8, -1), LABELS, r"x must have shape \(n, 28, 28, 1\) for this model, got shape \(8, 784\): reshape")],
)
def test_conditional_gan_refuses_bad_labels_and_images(cgan, x, labels, message):
    with pytest.raises(ValueError, match=message):
        cgan.fit(x, labels, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=message):
        cgan.fit((x, labels), epochs=1, verbose=0)


def test_conditional_gan_still_trains_on_good_labels(cgan):
    history = cgan.fit(IMAGES, LABELS, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
