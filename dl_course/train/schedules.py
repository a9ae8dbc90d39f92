"""Learning-rate schedules the chapters share."""

from __future__ import annotations

import keras

from dl_course.checks import check_fraction


def warmup_cosine(peak: float, steps: int, warmup: float = 0.0, start: float = 0.1):
    """Learning rate rising linearly from ``start * peak`` over the first ``warmup`` share of
    ``steps``, then following a cosine down to 0 (one-cycle style; ``warmup=0``: plain cosine)."""
    rise = int(check_fraction(warmup, "warmup (a share of the steps)") * steps)
    if not rise:
        return keras.optimizers.schedules.CosineDecay(peak, steps)
    return keras.optimizers.schedules.CosineDecay(start * peak, steps - rise, warmup_target=peak, warmup_steps=rise)
