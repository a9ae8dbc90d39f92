"""MNIST handwritten digits (LeCun et al. 1998): 70,000 28×28 grey images, 10 classes."""

import io

import numpy as np

from dl_course.datasets import files, standin

NAME = "mnist"
DESCRIPTION = "MNIST, 60k+10k 28×28 grey handwritten digits, 10 classes"
PACKAGE = None
CLASS_NAMES = tuple(str(i) for i in range(10))
CLASS_NAMES_ZH = tuple(f"数字 {i}" for i in range(10))

FILES = [
    files.DataFile(
        name="mnist.npz",
        sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        urls=(
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
            "https://s3.amazonaws.com/img-datasets/mnist.npz",
        ),
        keras_cache=("mnist.npz",),
        size_hint="11 MB",
    )
]


@standin.when_absent((60000, 28, 28), (10000, 28, 28), classes=10, real=standin.digits)
def load_data():
    """``(x_train, y_train), (x_test, y_test)`` as ``keras.datasets.mnist.load_data()``."""
    with np.load(io.BytesIO(files.fetch_bytes(NAME, FILES[0])), allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
