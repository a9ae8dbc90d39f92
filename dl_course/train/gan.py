"""Adversarial training: the ``GAN`` trainer and the ``SampleGrid`` callback.

Goodfellow et al. 2014, "Generative Adversarial Nets" (Algorithm 1; the non-saturating
generator loss of section 3); Radford, Metz & Chintala 2015 (DCGAN, section 4: Adam with
learning rate 2e-4 and β1 = 0.5). 课件: 生成对抗网络 (GAN).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import keras
from keras import ops

from dl_course import runtime
from dl_course.checks import check_choice, check_positive
from dl_course.train.inputs import check_gan_data

UPDATES = {
    "simultaneous": "both gradients at one point, applied together",
    "alternating": "Goodfellow et al. Algorithm 1: d_steps D updates, then one G update",
}


@keras.saving.register_keras_serializable(package="dl_course")
class GAN(keras.Model):
    """A generator G and a discriminator D trained against each other by ``fit()``.

    Each step computes D(x) on the real batch and D(G(z)) on noise z. D minimises
    −log D(x) − log(1 − D(G(z))), G the non-saturating −log D(G(z)); each loss is
    differentiated with respect to its own network's weights only. ``updates="simultaneous"``
    takes both gradients at the same point and applies them together; ``"alternating"`` is
    Algorithm 1: ``d_steps`` D updates on the batch (fresh noise each), then one G update on
    fresh noise. ``fit(x)``, or ``fit(x, labels)`` / ``fit((x, labels))`` when both networks take a label; logs
    ``d_loss`` and ``g_loss``. Works on the TensorFlow, JAX and PyTorch backends.
    """

    def __init__(self, generator, discriminator, updates: str = "simultaneous", d_steps: int = 1,
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        check_choice(updates, "updates", UPDATES)
        check_positive(d_steps, "d_steps (D updates per G update)")
        if updates == "simultaneous" and d_steps != 1:
            raise ValueError(f"d_steps must be 1 with updates='simultaneous' (only updates='alternating' "
                             f"takes more than 1), got d_steps={d_steps!r}.")
        self.generator, self.discriminator = generator, discriminator
        self.conditional = len(generator.inputs) == 2
        if self.conditional != (len(discriminator.inputs) == 2):
            raise ValueError("generator and discriminator must both take a label, or neither.")
        self.updates, self.d_steps, self.seed = updates, d_steps, seed
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.build()

    def build(self, input_shape=None):
        """Nothing to create: G and D come built, and the GAN has no weights of its own."""

    def compile(self, optimizer=None, **kwargs):
        """Compile with Adam(learning_rate=2e-4, beta_1=0.5) unless ``optimizer`` is given.

        The one optimizer keeps per-weight state (Adam's moments) for both networks; its step
        counter, and so a learning-rate schedule, advances once per update: once per batch for
        simultaneous updates, ``d_steps + 1`` times for alternating ones.
        """
        if optimizer is None:
            optimizer = keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)
        super().compile(optimizer=optimizer, **kwargs)
        self.optimizer.build(self.trainable_variables)

    def fit(self, x=None, y=None, *args, **kwargs):
        """``keras.Model.fit`` after checking array inputs: image shape, and labels in [0, classes)
        of shape (n,) or (n, 1)."""
        if y is None and self.conditional and isinstance(x, tuple) and len(x) == 2:
            check_gan_data(self, *x)
        else:
            check_gan_data(self, x, y)
        return super().fit(x, y, *args, **kwargs)

    def compile_from_config(self, config):
        self.compile(**keras.saving.deserialize_keras_object(config))

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def call(self, inputs, training=False):
        """D's logits for real inputs (images, or ``[images, labels]``)."""
        return self.discriminator(inputs, training=training)

    def noise(self, n: int):
        """``n`` latent vectors z ~ N(0, I)."""
        return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

    def generate(self, noise, labels=None, training=False):
        """G(z) or, for a conditional GAN, G(z, y)."""
        return self.generator([noise, labels] if self.conditional else noise, training=training)

    def discriminate(self, images, labels=None):
        """D's logits in training mode: D(x) or D(x, y)."""
        return self.discriminator([images, labels] if self.conditional else images, training=True)

    def d_loss(self, real, fake, labels=None):
        """−log D(x) − log(1 − D(G(z))): real images are labelled 1, G's samples 0."""
        fake = ops.stop_gradient(fake)  # G's samples are data for D
        return _bce(self.discriminate(real, labels), 1.0) + _bce(self.discriminate(fake, labels), 0.0)

    def g_loss(self, noise, labels=None):
        """−log D(G(z)) (non-saturating) and the samples G(z)."""
        fake = self.generate(noise, labels, training=True)
        return _bce(self.discriminate(fake, labels), 1.0), fake

    def train_step(self, *args):
        """One batch. JAX's trainer passes ``(state, data)`` and expects ``(logs, state)`` back."""
        if runtime.backend() == "jax":
            return _stateless_step(self, *args)
        return self.gan_step(args[0])

    def gan_step(self, data):
        """Update D and G on one batch of real data (``update``); returns the logs."""
        real, labels, _ = keras.utils.unpack_x_y_sample_weight(data)  # fit(images, labels)
        if isinstance(real, (tuple, list)) and labels is None:
            real, labels = real  # fit((images, labels))
        if (labels is not None) != self.conditional:
            raise ValueError(
                "This GAN's networks take a class label: call fit(images, labels) or fit((images, labels))."
                if self.conditional
                else "This GAN's networks take no label: call fit(images), without labels."
            )
        real = ops.convert_to_tensor(real)  # JAX's trainer may pass NumPy batches
        labels = None if labels is None else ops.convert_to_tensor(labels)
        if labels is not None and len(labels.shape) == 2 and labels.shape[-1] == 1:
            labels = ops.squeeze(labels, axis=-1)  # (n, 1) class numbers, as Keras's sparse losses take them
        d_loss, g_loss = self.update(real, labels)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}

    def update(self, real, labels=None):
        """The updates of one batch, as ``updates`` and ``d_steps`` say; returns ``(d_loss, g_loss)``.

        A subclass may override it to write its own algorithm with ``minimize``; ``fit()``
        compiles it on every backend.
        """
        n = ops.shape(real)[0]
        d_vars, g_vars = self.discriminator.trainable_variables, self.generator.trainable_variables
        if self.updates == "simultaneous":
            z = self.noise(n)
            g_loss, fake, g_grads = self._gradients(lambda: self.g_loss(z, labels), g_vars)
            d_loss, d_grads = self._d_gradients(real, fake, labels)
            self._apply(d_grads + g_grads, d_vars + g_vars)  # both gradients taken at the same point
            return d_loss, g_loss
        for _ in range(self.d_steps):
            fake = self.generate(self.noise(n), labels, training=True)
            d_loss = self.minimize(lambda fake=fake: self.d_loss(real, fake, labels), d_vars)
        z = self.noise(n)
        g_loss = self.minimize(lambda: self.g_loss(z, labels)[0], g_vars)  # against the updated D
        return d_loss, g_loss

    def minimize(self, loss_fn, variables):
        """One optimizer step on ``loss_fn()`` with respect to ``variables`` only; returns the loss.

        ``loss_fn`` takes no argument and computes a scalar with Keras layers and ``keras.ops``;
        its gradient is taken the backend's way (TensorFlow's ``GradientTape``,
        ``jax.value_and_grad``, PyTorch's autograd). Call it inside ``update``.
        """
        loss, _, grads = self._gradients(lambda: (loss_fn(), None), variables)
        self._apply(grads, variables)
        return loss

    def _d_gradients(self, real, fake, labels):
        loss, _, grads = self._gradients(
            lambda: (self.d_loss(real, fake, labels), None), self.discriminator.trainable_variables
        )
        return loss, grads

    def _gradients(self, loss_fn, variables):
        """``loss, aux = loss_fn()`` and the gradients of the loss with respect to ``variables``.

        The loss is scaled as the optimizer asks (mixed precision) and, under ``tf.distribute``,
        divided by the number of replicas, whose gradients the optimizer sums.
        """
        return _GRADIENTS[runtime.backend()](self, loss_fn, variables)

    def _apply(self, grads, variables):
        with _update_scope(grads):
            self.optimizer.apply(grads, variables)

    def get_config(self):
        return {
            **super().get_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "updates": self.updates,
            "d_steps": self.d_steps,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


def _bce(logits, target: float):
    """Mean binary cross-entropy of logits against a constant target (0 = fake, 1 = real)."""
    labels = ops.full_like(logits, target)
    return ops.mean(keras.losses.binary_crossentropy(labels, logits, from_logits=True))


# --------------------------------------------------------------------------- backends


def _tensorflow_gradients(model, loss_fn, variables):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        scaled = model.optimizer.scale_loss(loss) / replicas
    return loss, aux, tape.gradient(scaled, variables)


def _torch_gradients(model, loss_fn, variables):
    import torch

    loss, aux = loss_fn()
    values = [v.value for v in variables]
    grads = torch.autograd.grad(model.optimizer.scale_loss(loss), values, allow_unused=True)  # None: unused
    return loss, aux, list(grads)


def _state(model):
    """The variables of JAX's training state, in the trainer's order."""
    return (model.trainable_variables, model.non_trainable_variables, model.optimizer.variables,
            model.metrics_variables)


def _jax_gradients(model, loss_fn, variables):
    import jax

    state = [v for group in _state(model) for v in group]
    differentiated = {id(v) for v in variables}

    def pure(values):  # loss_fn with ``variables`` read from ``values``; the rest as they are now
        fixed = [(v, v.value) for v in state if id(v) not in differentiated]
        with keras.StatelessScope(state_mapping=fixed + list(zip(variables, values))) as scope:
            loss, aux = loss_fn()
            scaled = model.optimizer.scale_loss(loss)
        return scaled, (loss, aux, [scope.get_current_value(v) for v in state])

    (_, (loss, aux, updated)), grads = jax.value_and_grad(pure, has_aux=True)([v.value for v in variables])
    for v, value in zip(state, updated):  # batch-norm statistics, seeds: into the enclosing scope
        v.assign(value)
    return loss, aux, grads


def _stateless_step(model, state, data):
    """``gan_step`` as JAX's trainer wants it: a pure function of the state."""
    groups = _state(model)
    mapping = [(v, value) for group, values in zip(groups, state) for v, value in zip(group, values)]
    with keras.StatelessScope(state_mapping=mapping) as scope:
        logs = model.gan_step(data)
    return logs, tuple([scope.get_current_value(v) for v in group] for group in groups)


_GRADIENTS = {"tensorflow": _tensorflow_gradients, "torch": _torch_gradients, "jax": _jax_gradients}


def _update_scope(grads):
    """The context an optimizer update runs in.

    TensorFlow: after every gradient of ``grads``. In a graph an assignment waits only for its
    own gradient, so D's weights could change while G's gradient, which reads them, was still
    being computed (simultaneous updates differed from run to run). PyTorch: outside autograd,
    as Keras's own PyTorch trainer does. JAX's updates are pure.
    """
    if runtime.backend() == "tensorflow":
        import tensorflow as tf

        return tf.control_dependencies([g for g in grads if g is not None])
    if runtime.backend() == "torch":
        import torch

        return torch.no_grad()
    return contextlib.nullcontext()


# --------------------------------------------------------------------------- samples


class SampleGrid(keras.callbacks.Callback):
    """A GAN's samples from fixed noise, before training and every ``every`` epochs.

    The model needs ``generate(noise, labels)`` (``GAN``). Samples are
    kept in ``.samples`` (NumPy) with their epoch numbers in ``.epochs``; with ``directory``,
    image samples are also saved as ``epoch_NNN.png`` grids of ``ncols`` columns.
    """

    def __init__(
        self,
        noise,
        labels=None,
        every: int = 1,
        directory: str | Path | None = None,
        ncols: int = 8,
    ):
        super().__init__()
        self.noise, self.labels, self.every, self.ncols = noise, labels, every, ncols
        self.directory = None if directory is None else Path(directory)
        self.samples, self.epochs = [], []

    def _record(self, epoch: int) -> None:
        x = keras.ops.convert_to_numpy(self.model.generate(self.noise, self.labels))
        self.samples.append(x)
        self.epochs.append(epoch)
        if self.directory is not None and x.ndim == 4:
            self.directory.mkdir(parents=True, exist_ok=True)
            keras.utils.save_img(self.directory / f"epoch_{epoch:03d}.png", _tile(x, self.ncols))

    def on_train_begin(self, logs=None):
        if not self.epochs:
            self._record(0)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self._record(epoch + 1)


def _tile(images, ncols: int):
    """``(n, h, w, c)`` images in [-1, 1] → one ``(rows·h, ncols·w, c)`` uint8 grid."""
    import numpy as np

    n, h, w, c = images.shape
    rows = -(-n // ncols)
    grid = np.full((rows * ncols, h, w, c), -1.0, dtype="float32")
    grid[:n] = images
    grid = grid.reshape(rows, ncols, h, w, c).transpose(0, 2, 1, 3, 4)
    grid = grid.reshape(rows * h, ncols * w, c)
    return np.clip((grid + 1.0) * 127.5, 0, 255).astype("uint8")
