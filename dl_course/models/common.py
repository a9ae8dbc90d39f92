"""Argument checks and small pieces shared by the builders (keras.applications conventions)."""

from __future__ import annotations

import keras

POOLINGS = (None, "avg", "max")


def check_top(include_top: bool, classes: int, pooling: str | None) -> None:
    """Validate the classifier arguments every builder takes."""
    if not isinstance(classes, int) or classes < 1:
        raise ValueError(f"classes must be a positive integer, got {classes!r}.")
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of None, 'avg', 'max', got {pooling!r}.")
    if include_top and pooling is not None:
        raise ValueError("pooling applies only with include_top=False; drop one of them.")


def image_input(input_shape, default_shape: tuple[int, int, int], min_size: int, model: str):
    """A ``keras.Input`` for a channels-last image, checked against the model's minimum size.

    ``min_size`` is the smallest height/width the model's stride pattern allows; a smaller
    input raises a ``ValueError`` that names it.
    """
    shape = tuple(default_shape if input_shape is None else input_shape)
    if len(shape) != 3 or any(not isinstance(d, int) or d < 1 for d in shape):
        raise ValueError(
            f"{model}: input_shape must be (height, width, channels) with positive integers, got {input_shape!r}."
        )
    if min(shape[:2]) < min_size:
        raise ValueError(
            f"{model}: input {shape[0]}×{shape[1]} is too small; the stride pattern needs at least "
            f"{min_size}×{min_size} (default {default_shape[0]}×{default_shape[1]})."
        )
    return keras.Input(shape=shape)


def pool_features(x, pooling: str | None):
    """Global average or max pooling of a feature map (``include_top=False`` outputs)."""
    if pooling == "avg":
        return keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return keras.layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x
