"""keras.datasets-style loaders, offline sources first, plus generated data sets.

``fashion_mnist.load_data()`` returns what ``keras.datasets.fashion_mnist.load_data()`` does.
``CATALOG`` lists the file-backed datasets that ``dl-course data`` reports on.
"""

from __future__ import annotations

import numpy as np

from dl_course.datasets import cifar10, fashion_mnist, files, mnist, sequences, synthetic, text
from dl_course.datasets.files import DatasetError, data_dir

#: File-backed datasets by name; each module has NAME, DESCRIPTION, PACKAGE, FILES, load_data().
CATALOG = {m.NAME: m for m in (mnist, fashion_mnist, cifar10, text.tang_poems, text.english_poems)}

__all__ = ["CATALOG", "DatasetError", "cifar10", "data_dir", "fashion_mnist", "files", "mnist", "sequences", "status", "subset", "synthetic", "text"]


def subset(x, y, n: int, seed: int = 0):
    """A seeded random subset of ``n`` examples of ``(x, y)`` (all of them when ``n`` ≥ len)."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive integer (the number of examples to keep), got {n!r}.")
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length: {len(x)} vs {len(y)}.")
    if n >= len(x):
        return x, y
    idx = np.sort(np.random.default_rng(seed).permutation(len(x))[:n])
    return x[idx], y[idx]


def status(name: str) -> list[dict]:
    """For each file of dataset ``name``: where it was found (checked), or why it is unusable."""
    if name not in CATALOG:
        raise ValueError(f"Unknown dataset {name!r}; known: {', '.join(CATALOG)}.")
    module = CATALOG[name]
    rows = []
    for spec in module.FILES:
        found, rejected = files.survey(name, spec)
        state = f"ok ({found[1]}: {found[0]})" if found else "missing"
        if rejected:  # a good copy further down is used; the corrupt ones are named
            corrupt = "; ".join(str(err).split(". It was not used")[0] for err in rejected)
            state = f"{state}; skipped CORRUPT copy: {corrupt}" if found else f"CORRUPT: {corrupt}"
        rows.append({"dataset": name, "file": spec.name, "state": state})
    return rows
