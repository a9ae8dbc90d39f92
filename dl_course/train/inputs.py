"""Checks ``fit`` runs before training, so careless input is a clear error, not ``loss: nan``.

Each check raises a ``ValueError`` worded as ``dl_course.checks`` words it (the argument, what
was wrong, what to pass instead). Only NumPy-like arrays are inspected; a ``tf.data`` input or a
generator goes to Keras unchecked.
"""

from __future__ import annotations

import json
import numbers
from collections import Counter
from pathlib import Path

import numpy as np

from dl_course.checks import check_positive

#: The files Keras's ``BackupAndRestore`` writes; a backup folder holding anything else is not ours.
BACKUP_FILES = {"latest.weights.h5", "training_metadata.json", "latest.weights.h5.bkp", "training_metadata.json.bkp"}


class BackupError(ValueError):
    """A backup folder that cannot be resumed from, or that holds files the package did not write."""


def as_arrays(x, y, kwargs: dict):
    """``x``, ``y`` and ``validation_data`` with nested lists of numbers as NumPy arrays (Keras
    takes arrays, not lists); a list of arrays (a model with several inputs) is left as it is."""
    validation = kwargs.get("validation_data")
    if isinstance(validation, (tuple, list)):
        kwargs["validation_data"] = type(validation)(
            list_to_array(v, f"validation_data[{i}]") for i, v in enumerate(validation))
    return list_to_array(x, "x"), list_to_array(y, "y")


def list_to_array(value, name: str):
    """``value`` as a NumPy array when it is a (nested) list of numbers; a clear error, without the
    data, when its rows differ in length or its entries are not numbers."""
    if not isinstance(value, list) or not value or hasattr(value[0], "shape"):
        return value
    try:
        array = np.asarray(value)
    except ValueError:  # rows of different lengths
        lengths = sorted({len(row) for row in value if hasattr(row, "__len__")})[:3]
        raise ValueError(
            f"{name} must be an array whose rows all have the same length, got a list of {len(value)} rows "
            f"of lengths {', '.join(map(str, lengths))}…: pad or cut them to one length "
            "(keras.utils.pad_sequences), then pass np.asarray(...)."
        ) from None
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        kind = "strings" if array.dtype.kind in "US" else f"values of type {type(array.flat[0]).__name__}"
        raise ValueError(f"{name} must hold numbers, got a list of {kind}: convert them to numbers first "
                         "(e.g. a vocabulary's encode, or float(...)).")
    return array


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
    check_input_shape(_input_shape(model), x, "x")
    validation = kwargs.get("validation_data")
    if isinstance(validation, (tuple, list)) and validation and _is_array(validation[0]):
        check_input_shape(_input_shape(model), validation[0], "validation_data[0]")
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


def check_sparse_labels(y: np.ndarray, classes: int, name: str = "y", *,
                        use: str = " for loss 'sparse_categorical_crossentropy'",
                        one_hot_fix: str = "or compile with 'categorical_crossentropy'",
                        what: str = "outputs") -> None:
    """Integer class labels in [0, classes) for the sparse loss (not one-hot, not fractional)."""
    if y.ndim == 2 and y.shape[-1] == classes and classes > 1:
        raise ValueError(
            f"{name} must be integer class labels{use}, got one-hot rows of {classes}: "
            f"pass {name}.argmax(axis=1), {one_hot_fix}."
        )
    if not np.issubdtype(y.dtype, np.number) or np.issubdtype(y.dtype, np.complexfloating):
        raise ValueError(f"{name} must be integer class labels, got an array of {y.dtype}.")
    if np.issubdtype(y.dtype, np.floating) and not np.array_equal(y, np.round(y)):
        raise ValueError(f"{name} must be integer class labels, got fractional values such as {float(y[y != np.round(y)].flat[0]):g}.")
    if y.size and (y.min() < 0 or y.max() >= classes):
        raise ValueError(
            f"{name} must be class labels in [0, {classes}) for a model with {classes} {what}, "
            f"got labels from {y.min():g} to {y.max():g}."
        )


def check_input_shape(expected, x, name: str = "x") -> None:
    """``x``'s shape must match a model's input shape ``(None, ...)`` in every fixed dimension."""
    if not isinstance(expected, tuple) or not expected or not all(d is None or isinstance(d, int) for d in expected):
        return  # several inputs, or no known shape: left to Keras
    shape = np.shape(x)
    if len(shape) == len(expected) - 1 and expected[-1] == 1:
        shape = (*shape, 1)  # Keras adds a missing trailing axis of 1 itself
    elif len(shape) == len(expected) + 1 and shape[-1] == 1:
        shape = shape[:-1]  # and drops a surplus one
    want = "(n, " + ", ".join("any" if d is None else str(d) for d in expected[1:]) + ")"
    if len(shape) != len(expected):
        fix = "reshape it to the model's input shape"
        if len(shape) == len(expected) - 1 and len(expected) == 4:
            fix = "add the channel axis: datasets.prepare(..., channels=True)"
            if expected[-1] == 3:
                fix = f"give grey images 3 channels: np.repeat({name}[..., None], 3, axis=-1)"
        elif len(expected) == 2 and len(shape) > 2:
            fix = "flatten each example: datasets.prepare(..., flatten=True) or build the model for images"
        raise ValueError(f"{name} must have shape {want} for this model, got shape {shape}: {fix}.")
    for axis, (got, need) in enumerate(zip(shape[1:], expected[1:]), start=1):
        if need is not None and got != need:
            fix = "resize the data, or build the model with input_shape matching the data"
            if axis == len(shape) - 1 and len(shape) == 4 and (got, need) == (1, 3):
                fix = f"repeat the grey channel: np.repeat({name}, 3, axis=-1)"
            elif axis == len(shape) - 1 and len(shape) == 4 and need == 1:
                fix = "use grey-scale images, or build the model with input_shape=(height, width, channels)"
            raise ValueError(
                f"{name} must have shape {want} for this model, got shape {shape}: dimension {axis} is {got}, "
                f"the model takes {need}; {fix}."
            )


def _input_shape(model):
    try:
        return tuple(model.input_shape)
    except (AttributeError, ValueError, TypeError):  # a subclassed model not built yet
        return None


def _is_array(value) -> bool:
    return isinstance(value, (np.ndarray, list)) or (hasattr(value, "shape") and hasattr(value, "__len__")
                                                     and not isinstance(value, numbers.Number))


def _loss_name(model) -> str | None:
    loss = getattr(model, "loss", None)
    if isinstance(loss, str):
        return loss
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None)
    return {"SparseCategoricalCrossentropy": "sparse_categorical_crossentropy"}.get(type(loss).__name__, name)


def check_backup_dir(backup_dir, model=None) -> Path:
    """The backup folder as a ``Path``, refused when Keras would delete someone's files or resume from junk.

    Keras removes the whole folder once training finishes, so it must be missing, empty, or hold
    only the backup files it wrote; and a backup to resume from must be whole and, given the
    ``model`` it would be loaded into, hold weights of that model's shapes.
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
    check_backup_whole(folder, model)
    return folder


def check_backup_whole(folder: Path, model=None) -> None:
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
            saved = _saved_shapes(f)
    except (OSError, ValueError) as error:
        raise BackupError(f"The backup in {folder} is damaged: latest.weights.h5 is missing or unreadable ({error}); {start_over}.") from None
    check_backup_fits(folder, saved, model, start_over)


def _saved_shapes(h5file) -> Counter:
    """The shapes of the model's weights in a Keras weights file (the optimizer's left out)."""
    shapes: Counter = Counter()
    def add(_, item):
        if hasattr(item, "shape"):  # a dataset: one variable
            shapes.update([tuple(item.shape)])

    for key in set(h5file) - {"optimizer"}:
        add(key, h5file[key])
        if hasattr(h5file[key], "visititems"):
            h5file[key].visititems(add)
    return shapes


def check_backup_fits(folder: Path, saved: Counter, model, start_over: str) -> None:
    """The weight shapes of a backup must be those of ``model`` (a built model), else it is a
    backup of another architecture and Keras could load only part of it."""
    weights = getattr(model, "weights", None) if getattr(model, "built", False) else None
    if not weights:
        return
    have = Counter(tuple(int(d) for d in w.shape) for w in weights)
    if have == saved:
        return
    extra, missing = sorted((saved - have).elements())[:3], sorted((have - saved).elements())[:3]
    raise BackupError(
        f"The backup in {folder} was written by a different model: it holds weights of shape {extra or 'none'} "
        f"that this model lacks, and lacks {missing or 'none'} that it has. Pass a new backup_dir for this "
        f"model (e.g. train.run_dir(chapter, 'another_experiment')), or {start_over}."
    )


def check_gan_data(gan, x, labels) -> None:
    """Images matching D's input and, for a conditional GAN, one integer label in [0, classes) per image."""
    if not _is_array(x):
        return
    if len(x) == 0:
        raise ValueError("x must hold at least one image, got an empty array: check how the data was loaded or subset.")
    check_input_shape(tuple(gan.discriminator.inputs[0].shape), x, "x")
    check_finite(x, "x")
    if labels is None or not gan.conditional or not _is_array(labels):
        return
    labels = np.asarray(labels)
    if len(labels) != len(x):
        raise ValueError(f"labels must have one label per image of x, got {len(labels)} labels for {len(x)} images.")
    classes = _label_classes(gan.discriminator)
    if classes is not None:
        check_sparse_labels(labels, classes, "labels", use="", one_hot_fix="one class number per image",
                            what="classes")
    if labels.ndim != 1 and labels.shape[1:] != (1,):  # (n, 1) as Keras's sparse losses and cifar10 take
        raise ValueError(f"labels must be class numbers of shape (n,) or (n, 1), got shape {labels.shape}: "
                         "pass one class number per image.")


def _label_classes(network) -> int | None:
    """The number of classes a network's label embedding takes."""
    import keras

    for layer in network.layers:
        if isinstance(layer, keras.layers.Embedding):
            return int(layer.input_dim)
    return None
