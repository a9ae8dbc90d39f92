"""Training helpers shared by chapters: epoch timing, resumable fit, tf.data-free batching.

Backend-neutral (``keras`` only), so they also run under ``KERAS_BACKEND=jax``.
"""

from __future__ import annotations

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
