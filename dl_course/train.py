"""Training helpers shared by chapters: epoch timing, resumable fit, smoke-mode step cap,
GAN samples, run folders, the classifier recipe of chapter 04.

Backend-neutral (``keras`` only), so they also run under ``KERAS_BACKEND=jax``.
"""

from __future__ import annotations

import time
from pathlib import Path

import keras

from dl_course import runtime


class EpochTimer(keras.callbacks.Callback):
    """Records wall-clock seconds per epoch in ``.times`` (the first epoch includes compilation)."""

    def __init__(self):
        super().__init__()
        self.times: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


class StopAfter(keras.callbacks.Callback):
    """Ends training after ``steps`` training batches (smoke mode's cap on every fit)."""

    def __init__(self, steps: int):
        super().__init__()
        self.steps, self.seen = steps, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen >= self.steps:
            self.model.stop_training = True


def fit(model, x=None, y=None, *, backup_dir: str | Path | None = None, callbacks=(), verbose: int = 2, **kwargs):
    """``model.fit`` with an ``EpochTimer`` and, given ``backup_dir``, resumption after interruption.

    With ``backup_dir`` a ``keras.callbacks.BackupAndRestore`` saves state each epoch, so
    re-running the same call after a crash or a Colab disconnect continues where it stopped.
    On an accelerator in the full profile (``runtime.acceleration()``) a single-device model is
    compiled with XLA and a ``tf.data`` input is prefetched; in smoke mode training stops after
    ``runtime.SMOKE_STEPS`` batches. Returns the ``History``; its ``epoch_times`` attribute
    holds seconds per epoch.
    """
    timer = EpochTimer()
    extra = [timer, *callbacks]
    if backup_dir is not None:
        extra.append(keras.callbacks.BackupAndRestore(str(backup_dir)))
    if runtime.smoke():
        extra.append(StopAfter(runtime.SMOKE_STEPS))
    choice = runtime.acceleration()
    strategy = getattr(model, "distribute_strategy", None)  # TensorFlow only
    if choice.jit_compile and model.jit_compile is not True and getattr(strategy, "num_replicas_in_sync", 1) == 1:
        model.jit_compile = True  # one device; Keras keeps XLA off under tf.distribute, TPUs compile anyway
    if choice.prefetch and hasattr(x, "prefetch"):
        x = x.prefetch(-1)  # tf.data.AUTOTUNE; arrays are prefetched by Keras itself
    history = model.fit(x, y, callbacks=extra, verbose=verbose, **kwargs)
    history.epoch_times = timer.times
    return history


class SampleGrid(keras.callbacks.Callback):
    """A GAN's samples from fixed noise, before training and every ``every`` epochs.

    The model needs ``generate(noise, labels)`` (``dl_course.models.gan.GAN``). Samples are
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


def run_dir(chapter: str, experiment: str) -> Path:
    """The folder ``runs/<chapter>/<experiment>`` for one experiment's checkpoints, created if missing.

    ``runs/`` lies at the root of the repository when the working directory is inside one
    (notebooks run in ``notebooks/``), else in the working directory (e.g. Colab's
    ``/content``). The same arguments give the same folder in every session, so
    ``fit(backup_dir=run_dir(...))`` resumes after a disconnect.
    """
    for part in (chapter, experiment):
        if not isinstance(part, str) or not part or part in (".", "..") or "/" in part or "\\" in part:
            raise ValueError(f"chapter and experiment must be plain folder names, got {part!r}.")
    here = Path.cwd().resolve()
    root = next((p for p in (here, *here.parents) if (p / "pyproject.toml").is_file()), here)
    folder = root / "runs" / chapter / experiment
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Interrupted(RuntimeError):
    """Raised by ``InterruptAt``: training stopped as a crash or a lost connection would stop it."""


class InterruptAt(keras.callbacks.Callback):
    """Raise ``Interrupted`` when epoch ``epoch`` (counted from 0, as Keras does) begins.

    Simulates a disconnect, to show ``fit(backup_dir=...)`` continuing where it stopped.
    """

    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise Interrupted(f"training interrupted at the start of epoch {epoch + 1}")


def warmup_cosine(peak: float, steps: int, warmup: float = 0.0):
    """Learning rate rising linearly from ``peak / 10`` over the first ``warmup`` share of
    ``steps``, then following a cosine down to 0 (one-cycle style; ``warmup=0``: plain cosine)."""
    if not 0 <= warmup < 1:
        raise ValueError(f"warmup is a share of the steps in [0, 1), got {warmup!r}.")
    rise = int(warmup * steps)
    if not rise:
        return keras.optimizers.schedules.CosineDecay(peak, steps)
    return keras.optimizers.schedules.CosineDecay(peak / 10, steps - rise, warmup_target=peak, warmup_steps=rise)


def train_classifier(net, x, y, *, epochs: int, batch_size: int, lr: float, optimizer: str = "sgd",
                     warmup: float = 0.0, augment=None, **kwargs):
    """Fit ``augment → net`` on integer labels with a warm-up/cosine schedule; returns ``fit``'s History.

    ``optimizer="sgd"``: SGD with Nesterov momentum 0.9 and weight decay 5e-4 (He et al. 2016,
    §4.2); ``"adam"``: Adam. The step is XLA-compiled and runs 16 batches per call.
    ``kwargs`` go to ``fit`` (``validation_data``, ``verbose``…).
    """
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}.")
    inputs = keras.Input(net.input_shape[1:])
    model = keras.Model(inputs, net(augment(inputs) if augment is not None else inputs), name=f"train_{net.name}")
    schedule = warmup_cosine(lr, epochs * -(-len(x) // batch_size), warmup)
    if optimizer == "sgd":
        opt = keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True, weight_decay=5e-4)
    else:
        opt = keras.optimizers.Adam(schedule)
    model.compile(opt, "sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=True, steps_per_execution=16)
    return fit(model, x, y, epochs=epochs, batch_size=batch_size, **kwargs)
