"""Checks ``fit`` runs before training, so careless input is a clear error, not ``loss: nan``.

Each check raises a ``ValueError`` worded as ``dl_course.checks`` words it (the argument, what
was wrong, what to pass instead). Only NumPy-like arrays are inspected; a ``tf.data`` input or a
generator goes to Keras unchecked.
"""

from __future__ import annotations

import json
import numbers
from pathlib import Path

import numpy as np

from dl_course.checks import check_positive

#: The files Keras's ``BackupAndRestore`` writes; a backup folder holding anything else is not ours.
BACKUP_FILES = {"latest.weights.h5", "training_metadata.json", "latest.weights.h5.bkp", "training_metadata.json.bkp"}


class BackupError(ValueError):
    """A backup folder that cannot be resumed from, or that holds files the package did not write."""


def check_fit_arguments(model, x, y, kwargs: dict) -> None:
    """Refuse what would train nothing, train on NaN, or fail deep inside Keras."""
    if getattr(model, "optimizer", None) is None:
        raise ValueError("model must be compiled before fit, got an uncompiled model: call model.compile(optimizer, loss) first.")
    check_learning_rate(model.optimizer)
    for name in ("epochs", "batch_size"):
        if kwargs.get(name) is not None:
            check_positive(kwargs[name], name)
    if not _is_array(x):
        return
    if len(x) == 0:
        raise ValueError("x must hold at least one example, got an empty array: check how the data was loaded or subset.")
    if _is_array(y) and len(y) != len(x):
        raise ValueError(f"y must have one label per example of x, got {len(y)} labels for {len(x)} examples.")
    check_finite(x, "x")
    if _is_array(y):
        check_finite(y, "y")
        if _loss_name(model) == "sparse_categorical_crossentropy":
            check_sparse_labels(np.asarray(y), model.output_shape[-1])


def check_learning_rate(optimizer) -> None:
    """A constant learning rate must be a finite number > 0 (a schedule is left to itself)."""
    lr = getattr(optimizer, "_learning_rate", None)
    if lr is None or callable(lr):
        return
    value = float(np.asarray(lr))
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"lr (the optimizer's learning rate) must be a finite number > 0, got {value!r}.")


def check_finite(values, name: str) -> None:
    """Every entry of a float array must be finite."""
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
        bad = int(array.size - np.isfinite(array).sum())
        raise ValueError(f"{name} must hold finite numbers, got {bad} NaN or infinite entries: clean or drop them first.")


def check_sparse_labels(y: np.ndarray, classes: int) -> None:
    """Integer class labels in [0, classes) for the sparse loss (not one-hot, not fractional)."""
    if y.ndim == 2 and y.shape[-1] == classes and classes > 1:
        raise ValueError(
            f"y must be integer class labels for loss 'sparse_categorical_crossentropy', got one-hot rows of {classes}: "
            "pass y.argmax(axis=1), or compile with 'categorical_crossentropy'."
        )
    if not np.issubdtype(y.dtype, np.number) or np.issubdtype(y.dtype, np.complexfloating):
        raise ValueError(f"y must be integer class labels, got an array of {y.dtype}.")
    if np.issubdtype(y.dtype, np.floating) and not np.array_equal(y, np.round(y)):
        raise ValueError(f"y must be integer class labels, got fractional values such as {float(y[y != np.round(y)].flat[0]):g}.")
    if y.size and (y.min() < 0 or y.max() >= classes):
        raise ValueError(
            f"y must be class labels in [0, {classes}) for a model with {classes} outputs, "
            f"got labels from {y.min():g} to {y.max():g}."
        )


def _is_array(value) -> bool:
    return isinstance(value, (np.ndarray, list)) or (hasattr(value, "shape") and hasattr(value, "__len__")
                                                     and not isinstance(value, numbers.Number))


def _loss_name(model) -> str | None:
    loss = getattr(model, "loss", None)
    if isinstance(loss, str):
        return loss
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None)
    return {"SparseCategoricalCrossentropy": "sparse_categorical_crossentropy"}.get(type(loss).__name__, name)


def check_backup_dir(backup_dir) -> Path:
    """The backup folder as a ``Path``, refused when Keras would delete someone's files or resume from junk.

    Keras removes the whole folder once training finishes, so it must be missing, empty, or hold
    only the backup files it wrote; and a backup to resume from must be whole.
    """
    if isinstance(backup_dir, (str, Path)) and str(backup_dir).strip():
        folder = Path(backup_dir).expanduser()
    else:
        raise ValueError(f"backup_dir must be a folder path such as train.run_dir('02', 'mlp'), got {backup_dir!r}.")
    if folder.exists() and not folder.is_dir():
        raise BackupError(f"backup_dir must be a folder, got the file {folder}: pass a folder path.")
    if not folder.is_dir():
        return folder
    foreign = sorted(p.name for p in folder.iterdir() if p.name not in BACKUP_FILES)
    if foreign:
        raise BackupError(
            f"backup_dir must be a folder for the backup alone (it is deleted when training ends), got {folder} "
            f"holding {foreign[:3]}: pass a new or empty folder, e.g. train.run_dir(chapter, experiment)."
        )
    check_backup_whole(folder)
    return folder


def check_backup_whole(folder: Path) -> None:
    """A backup with metadata must have readable metadata and weights, else resuming would start from random weights."""
    meta, weights = folder / "training_metadata.json", folder / "latest.weights.h5"
    if not meta.exists() and not weights.exists():
        return
    start_over = f"delete the folder to start over (shutil.rmtree({str(folder)!r}))"
    try:
        epoch = json.loads(meta.read_text())["epoch"]
        if not isinstance(epoch, int) or epoch < 0:
            raise ValueError(epoch)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupError(f"The backup in {folder} is damaged: training_metadata.json is missing or unreadable ({error!r}); {start_over}.") from None
    try:
        import h5py

        with h5py.File(weights, "r") as f:
            f.keys()
    except (OSError, ValueError) as error:
        raise BackupError(f"The backup in {folder} is damaged: latest.weights.h5 is missing or unreadable ({error}); {start_over}.") from None
