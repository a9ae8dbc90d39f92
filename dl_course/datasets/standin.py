"""Stand-ins for absent image data sets, in smoke mode only.

Smoke mode (``DL_COURSE_SMOKE=1``) proves that a chapter's full settings run on a machine that
lacks MNIST or CIFAR-10: a loader decorated with ``when_absent`` then returns stand-in images
with the real shapes, dtype, value range and class count, and says so. MNIST's stand-in is
real: the 5,000 digits of ``mnist5k`` repeated to MNIST's size (``digits``); the others are
random (``images``), as is MNIST's when ``mnist5k`` is absent too. Outside smoke mode, or
when a file is present (corrupt files still raise), the real loader runs. Nothing is written.
"""

from __future__ import annotations

import functools
import sys

import numpy as np

from dl_course import runtime
from dl_course.datasets import files


def images(train_shape, test_shape, classes: int, label_shape=(), seed: int = 0):
    """``(x_train, y_train), (x_test, y_test)``: uint8 images in [0, 255], uint8 labels."""
    rng = np.random.default_rng(seed)

    def split(shape):
        x = rng.integers(0, 256, size=shape, dtype=np.uint8)
        return x, rng.integers(0, classes, size=(shape[0], *label_shape), dtype=np.uint8)

    return split(tuple(train_shape)), split(tuple(test_shape))


def digits(train_shape, test_shape):
    """``mnist5k``'s training and test digits repeated to ``train_shape`` and ``test_shape``."""
    from dl_course.datasets import mnist5k

    def repeat(x, y, shape):
        idx = np.arange(shape[0]) % len(x)
        return x[idx], y[idx]

    (x, y), (x_test, y_test) = mnist5k.load_data()
    return repeat(x, y, train_shape), repeat(x_test, y_test, test_shape)


def when_absent(train_shape, test_shape, classes: int, label_shape=(), real=None):
    """Decorate a data set module's ``load_data``: in smoke mode, when a file of the module's
    ``FILES`` is not on this machine, return ``real(train_shape, test_shape)`` instead (when it
    is given and its own files are there), else ``images(...)``, and announce it."""

    def wrap(load_data):
        module = sys.modules[load_data.__module__]

        @functools.wraps(load_data)
        def load_or_stand_in():
            name = module.NAME
            if not runtime.smoke() or all(files.find(name, spec) for spec in module.FILES):
                return load_data()
            size = "×".join(map(str, train_shape))
            if real is not None:
                try:
                    data = real(train_shape, test_shape)
                except files.DatasetError as err:
                    print(f"smoke: no real stand-in for {name}: {str(err).splitlines()[0]}")
                else:
                    what = real.__doc__.split(" repeated")[0].replace("``", "")
                    print(f"smoke: {name} not found — stand-in: {what} repeated to {size}")
                    return data
            print(f"smoke: {name} not found — random stand-in, {size} uint8, {classes} classes")
            return images(train_shape, test_shape, classes, label_shape)

        return load_or_stand_in

    return wrap
