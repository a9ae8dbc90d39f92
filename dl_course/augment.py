"""Data augmentation as a Keras layer that compiles with XLA (``keras.ops`` only).

Keras' own preprocessing layers (``RandomFlip``, ``RandomTranslation``…) run through
``tf.data``-style code and switch a model's ``jit_compile`` off (under JAX the whole train
step then runs eagerly). ``RandomCropFlip`` does the augmentation of He et al. (2016, §4.2)
with gathers, so a model that starts with it still compiles.
"""

from __future__ import annotations

import keras
from keras import ops

from dl_course.checks import check_positive


@keras.saving.register_keras_serializable(package="dl_course")
class RandomCropFlip(keras.layers.Layer):
    """Pad ``padding`` zeros on each side, crop back at a random offset, flip left-right at random.

    The CIFAR-10 augmentation of the ResNet paper (He et al. 2016, §4.2: 4 pixels, 32×32
    crops, horizontal flips). Active only with ``training=True``; identity otherwise.
    """

    def __init__(self, padding: int = 4, flip: bool = True, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        padding = check_positive(padding, "padding (zeros on each side)", minimum=0)
        self.padding, self.flip, self.seed = padding, flip, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        if not training:
            return images
        n, h, w, p = ops.shape(images)[0], images.shape[1], images.shape[2], self.padding
        padded = ops.pad(images, [[0, 0], [p, p], [p, p], [0, 0]])
        dy, dx = (
            keras.random.randint((n, 1), 0, 2 * p + 1, seed=self.seed_generator) for _ in range(2)
        )
        rows, cols = dy + ops.arange(h)[None, :], dx + ops.arange(w)[None, :]
        if self.flip:
            mirror = keras.random.uniform((n, 1), seed=self.seed_generator) < 0.5
            cols = ops.where(mirror, dx + ops.arange(w - 1, -1, -1)[None, :], cols)
        out = ops.take_along_axis(padded, rows[:, :, None, None], axis=1)
        return ops.take_along_axis(out, cols[:, None, :, None], axis=2)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return super().get_config() | dict(padding=self.padding, flip=self.flip, seed=self.seed)
