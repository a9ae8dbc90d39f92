"""Training helpers shared by chapters: epoch timing, resumable fit, tf.data-free batching.

Backend-neutral (``keras`` only), so they also run under ``KERAS_BACKEND=jax``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import keras


class EpochTimer(keras.callbacks.Callback):
    """Records wall-clock seconds per epoch in ``.times`` (the first epoch includes compilation)."""

    def __init__(self):
        super().__init__()
        self.times: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def fit(model, x=None, y=None, *, backup_dir: str | Path | None = None, callbacks=(), verbose: int = 2, **kwargs):
    """``model.fit`` with an ``EpochTimer`` and, given ``backup_dir``, resumption after interruption.

    With ``backup_dir`` a ``keras.callbacks.BackupAndRestore`` saves state each epoch, so
    re-running the same call after a crash or a Colab disconnect continues where it stopped.
    Returns the ``History``; its ``epoch_times`` attribute holds seconds per epoch.
    """
    timer = EpochTimer()
    extra = [timer, *callbacks]
    if backup_dir is not None:
        extra.append(keras.callbacks.BackupAndRestore(str(backup_dir)))
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
    """The stable folder ``runs/<chapter>/<experiment>`` for a chapter's backups and samples.

    Unlike a temporary folder it is the same after a kernel restart, so
    ``fit(..., backup_dir=run_dir(...))`` resumes there. Relative to the working directory
    (``runs/`` is git-ignored); ``DL_COURSE_RUNS`` names another root. Not created here.
    """
    for part in (chapter, experiment):
        if not isinstance(part, str) or not part.strip() or Path(part).name != part or part in (".", ".."):
            raise ValueError(f"chapter and experiment must be plain folder names such as '02_backprop', got {part!r}.")
    return Path(os.environ.get("DL_COURSE_RUNS", "runs")) / chapter / experiment
