"""Seeds: one call makes a run repeat on one machine, on every backend."""

from __future__ import annotations

import sys

from dl_course.runtime import backends

DEFAULT_SEED = 42


def set_seed(seed: int = DEFAULT_SEED) -> int:
    """Seed Python, NumPy and the Keras backend so a run repeats on one machine."""
    import keras
    from keras.src.backend.common import global_state

    from dl_course.checks import check_positive

    seed = check_positive(seed, "seed", minimum=0)
    if backends.name() == "tensorflow" or "tensorflow" in sys.modules:
        keras.utils.set_random_seed(seed)  # also seeds tf.random (tf.data's shuffling)
    else:  # what it does, without importing TensorFlow (when installed) only to seed it
        import random

        import numpy as np

        global_state.set_global_attribute("global_random_seed", seed)  # keras.config.random_seed()
        random.seed(seed)
        np.random.seed(seed)
        if backends.name() == "torch":
            import torch

            torch.manual_seed(seed)
    # Keras < 3.15 keeps the global SeedGenerator that unseeded keras.random draws use: start anew.
    global_state.set_global_attribute("global_seed_generator", None)
    return seed
