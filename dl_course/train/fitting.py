"""``fit`` with epoch timing, resumption after interruption and smoke mode's step cap; run folders.

Backend-neutral (``keras`` only), so they also run under ``KERAS_BACKEND=jax``.
"""

from __future__ import annotations

import time
from pathlib import Path

import keras

from dl_course import runtime
from dl_course.checks import check_positive
from dl_course.train.inputs import BackupError, as_arrays, check_backup_dir, check_fit_arguments


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

    Keras deletes ``backup_dir`` when training ends, so it must be a new or empty folder (or
    one holding only a backup); any other file in it is refused, never deleted. A damaged
    backup is an error naming the folder. Resuming restores the weights, the optimizer state
    and the epoch count, not the random state: with ``shuffle=True`` or dropout the resumed
    epochs see other batch orders and masks than an uninterrupted run would, so the result is
    equally good but not the same numbers (without shuffling and dropout it is identical).

    Nested lists of numbers are taken as NumPy arrays (``np.asarray``), as Keras users expect
    of array-likes. Array inputs are checked first (see ``dl_course.train.inputs``): NaN or infinite values,
    empty data, x and y of different lengths, labels the loss cannot use, ``epochs`` or
    ``batch_size`` that are not positive integers, a learning rate that is not > 0.
    """
    x, y = as_arrays(x, y, kwargs)
    check_fit_arguments(model, x, y, kwargs)
    timer = EpochTimer()
    extra = [timer, *callbacks]
    if backup_dir is not None:
        extra.append(keras.callbacks.BackupAndRestore(str(check_backup_dir(backup_dir, model))))
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


__all__ = ["BackupError", "EpochTimer", "InterruptAt", "Interrupted", "StopAfter", "fit", "run_dir"]


class Interrupted(RuntimeError):
    """Raised by ``InterruptAt``: training stopped as a crash or a lost connection would stop it."""


class InterruptAt(keras.callbacks.Callback):
    """Raise ``Interrupted`` when epoch ``epoch`` (counted from 0, as Keras does) begins.

    Simulates a disconnect, to show ``fit(backup_dir=...)`` continuing where it stopped.
    """

    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = check_positive(epoch, "epoch (counted from 0)", minimum=0)

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise Interrupted(f"training interrupted at the start of epoch {epoch + 1}")
