"""Image data sets as NumPy arrays ready for Keras: a seeded subset, scaled, padded, reshaped.

``prepare("mnist", train=5000, scale="unit", flatten=True)`` does in one call what a chapter
would otherwise write by hand: load, keep a subset, scale the pixels, pad, add a channel axis
or flatten.
"""

from __future__ import annotations

import numpy as np

from dl_course.checks import is_int
from dl_course.datasets import cifar10, fashion_mnist, mnist, mnist5k

#: The labelled image data sets ``prepare`` handles, by name.
IMAGES = {m.NAME: m for m in (mnist, mnist5k, fashion_mnist, cifar10)}


def _unit(x):
    return x.astype("float32") / 255.0


#: Pixel scalings of uint8 images to float32; "standard" is "unit", then ``prepare`` standardises.
SCALES = {
    "unit": _unit,  # [0, 1]
    "lecun": lambda x: _unit(x) * 1.275 - 0.1,  # [-0.1, 1.175], LeCun et al. 1998
    "tanh": lambda x: x.astype("float32") / 127.5 - 1.0,  # [-1, 1], a tanh generator's range
    "standard": _unit,
}


def subset(x, y, n: int, seed: int = 0):
    """A seeded random subset of ``n`` examples of ``(x, y)`` in their original order (all of
    them when ``n`` ≥ len). Lists are taken as arrays (``np.asarray``)."""
    if not is_int(n) or n < 1:
        raise ValueError(f"n must be a positive integer (the number of examples to keep), got {n!r}.")
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length: {len(x)} vs {len(y)}.")
    if n >= len(x):
        return x, y
    idx = np.sort(np.random.default_rng(seed).permutation(len(x))[:n])
    return x[idx], y[idx]


def _check(name, train, test, scale, pad, channels, flatten, seed) -> tuple[int, int]:
    """Raise a ``ValueError`` for any bad argument of ``prepare``; return the two seeds."""
    if name not in IMAGES:
        raise ValueError(f"Unknown image data set {name!r}; prepare knows: {', '.join(IMAGES)}.")
    for label, n in (("train", train), ("test", test)):
        if n is not None and (not is_int(n) or n < 1):
            raise ValueError(f"{label} must be a positive number of images, or None for all of them; got {n!r}.")
    if scale is not None and scale not in SCALES:
        raise ValueError(f"Unknown scale {scale!r}; choose one of {', '.join(SCALES)}, or None for uint8 pixels.")
    if not is_int(pad) or pad < 0:
        raise ValueError(f"pad must be a number of pixels ≥ 0 added on each side, got {pad!r}.")
    if channels and flatten:
        raise ValueError("channels=True (images with a channel axis) and flatten=True (one row per image) exclude each other; choose one.")
    seeds = (seed, seed) if is_int(seed) else seed
    if not (isinstance(seeds, (tuple, list)) and len(seeds) == 2 and all(is_int(s) for s in seeds)):
        raise ValueError(f"seed must be an integer, or a pair (train seed, test seed) of integers; got {seed!r}.")
    return tuple(seeds)


def prepare(name: str, train: int | None = None, test: int | None = None, *, scale: str | None = "unit",
            pad: int = 0, channels: bool = False, flatten: bool = False, seed=0):
    """``(x_train, y_train), (x_test, y_test)`` of the image data set ``name``, ready for Keras.

    - ``train``, ``test``: how many images to keep, a seeded random subset in the original
      order (``subset``); ``None`` keeps them all. They may be given by position:
      ``prepare("mnist", 5000, 1000)``; the other arguments are keyword-only.
    - ``scale``: ``"unit"`` [0, 1]; ``"lecun"`` background −0.1, foreground 1.175;
      ``"tanh"`` [−1, 1]; ``"standard"`` [0, 1] then zero mean and unit variance per channel
      with the statistics of the training images kept; ``None`` leaves uint8 pixels.
    - ``pad``: black pixels added on each side before scaling (``pad=2``: 28×28 → 32×32).
    - ``channels``: give grey images a channel axis, (n, h, w) → (n, h, w, 1).
    - ``flatten``: one row of h·w·c numbers per image, for dense networks.
    - ``seed``: the seed of both subsets, or a pair (train seed, test seed).

    Images are float32 (uint8 when ``scale=None``); labels are 1-D uint8 class indices.
    """
    seeds = _check(name, train, test, scale, pad, channels, flatten, seed)
    data = []
    for label, (x, y), n, s in zip(("train", "test"), IMAGES[name].load_data(), (train, test), seeds):
        if n is not None and n > len(x):
            raise ValueError(f"{label}={n}, but {name} has {len(x)} {label} images; use None to keep them all.")
        x, y = subset(x, y.ravel(), n or len(x), seed=s)
        x = np.pad(x, [(0, 0), (pad, pad), (pad, pad)] + [(0, 0)] * (x.ndim - 3)) if pad else x
        x = SCALES[scale](x) if scale else x
        data.append((x[..., None] if channels and x.ndim == 3 else x, y))
    if scale == "standard":
        data = _standardise(data)
    if flatten:
        data = [(x.reshape(len(x), -1), y) for x, y in data]
    return tuple(data)


def _standardise(data):
    """``[(x, y), ...]`` with every ``x`` shifted and scaled by the training images' mean and
    standard deviation per channel (grey images are one channel)."""
    x_train = data[0][0]
    per_channel = x_train if x_train.ndim == 4 else x_train[..., None]
    mean, std = per_channel.mean(axis=(0, 1, 2)), per_channel.std(axis=(0, 1, 2))
    if x_train.ndim == 3:
        mean, std = mean[0], std[0]
    return [((x - mean) / std, y) for x, y in data]
