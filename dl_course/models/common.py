"""Argument checks and small pieces shared by the builders (keras.applications conventions).

Every image builder takes keras.applications' arguments: ``include_top`` (a bool),
``weights`` (only ``None``: no pretrained weights are shipped), ``input_tensor`` (a
``keras.Input`` or an intermediate Keras tensor), ``input_shape`` (``None`` for the default;
height and width may be ``None`` where the model ends in global pooling), ``pooling``,
``classes`` (any integer type but ``bool``) and ``classifier_activation``. The checks of
plain values (``check_positive``, ``check_fraction``…) live in ``dl_course.checks``; those
that need Keras live here.
"""

from __future__ import annotations

import keras

from dl_course.checks import check_bool, check_choice, check_positive, is_int

POOLINGS = (None, "avg", "max")
#: More classes than any data set has; a larger ``classes`` is a typo, not a model.
MAX_CLASSES = 1_000_000
#: Why ``include_top=True`` needs a fixed input size in the models whose classifier flattens.
FLATTEN = "include_top=True flattens the last feature maps into a dense layer (include_top=False takes any size)"


def check_activation(value, name: str = "activation"):
    """``value`` when Keras knows it (``keras.activations.get``): a name such as ``"swish"``,
    a callable or ``None`` (linear); else a ``ValueError`` naming it."""
    try:
        keras.activations.get(value)
    except (ValueError, TypeError):
        raise ValueError(
            f"{name} must be a Keras activation (a name such as 'relu', 'selu' or 'swish', "
            f"a callable, or None), got {value!r}."
        ) from None
    return value


def check_top(include_top, classes, pooling, weights=None, model: str = "this model") -> int:
    """Validate the classifier and weights arguments every builder takes; return ``classes`` as an int."""
    if weights is not None:
        raise ValueError(
            f"{model}: no pretrained weights are shipped with dl_course, got weights={weights!r}. "
            "Build the model with weights=None, then load weights you trained and saved yourself: "
            "model.load_weights(path) (a .weights.h5 file from model.save_weights)."
        )
    check_bool(include_top, "include_top")
    classes = check_positive(classes, "classes")
    if classes > MAX_CLASSES:
        raise ValueError(f"classes must be a positive integer ≤ {MAX_CLASSES:,}, got {classes!r}.")
    check_choice(pooling, "pooling", POOLINGS)
    if include_top and pooling is not None:
        raise ValueError("pooling applies only with include_top=False; drop one of them.")
    return classes


def image_input(
    input_shape, default_shape, min_size: int, model: str, input_tensor=None, fixed: str = ""
):
    """The tensor a builder starts from: ``keras.Input(input_shape)``, or ``input_tensor``.

    The shape (``input_shape``, else ``input_tensor``'s, else ``default_shape``) must be
    (height, width, channels); height and width may be ``None`` unless ``fixed`` says why
    they may not, and must be at least ``min_size``, the smallest the model's stride pattern
    allows. ``input_tensor`` is a ``keras.Input`` or a layer's output, as in
    keras.applications; build the model with ``make_model`` so its inputs are found.
    """
    if input_tensor is not None:
        if not keras.backend.is_keras_tensor(input_tensor):
            raise ValueError(
                f"{model}: input_tensor must be a Keras tensor (keras.Input(...) or a layer's output), "
                f"got {type(input_tensor).__name__}."
            )
        given = tuple(input_tensor.shape[1:])
        if input_shape is not None and tuple(input_shape) != given:
            raise ValueError(
                f"{model}: input_shape {tuple(input_shape)} does not match input_tensor's {given}; "
                "give one of them."
            )
        input_shape = given
    shape = tuple(default_shape if input_shape is None else input_shape)
    sides = shape[:2]
    if (
        len(shape) != 3
        or not is_int(shape[2])
        or shape[2] < 1
        or any(d is not None and (not is_int(d) or d < 1) for d in sides)
    ):
        raise ValueError(
            f"{model}: input_shape must be (height, width, channels) with positive integers "
            f"(height and width may be None), got {input_shape!r}."
        )
    if None in sides and fixed:
        raise ValueError(f"{model}: height and width must be integers here: {fixed}; got {shape}.")
    known = [d for d in sides if d is not None]
    if known and min(known) < min_size:
        raise ValueError(
            f"{model}: input {'×'.join(str(d) for d in sides)} is too small; the stride pattern needs at least "
            f"{min_size}×{min_size} (default {default_shape[0]}×{default_shape[1]})."
        )
    if input_tensor is not None:
        return input_tensor
    return keras.Input(shape=tuple(None if d is None else int(d) for d in shape))


def make_model(start, outputs, name: str) -> keras.Model:
    """The model from the source inputs of ``start`` (an input or ``input_tensor``) to ``outputs``."""
    sources = keras.utils.get_source_inputs(start)
    return keras.Model(sources[0] if len(sources) == 1 else sources, outputs, name=name)


def append_doc(text: str, *builders) -> None:
    """Append ``text``, the documentation a family's variants share, to each one's docstring
    (after a blank line), as keras.applications does."""
    for builder in builders:
        builder.__doc__ = f"{builder.__doc__ or ''}\n{text}"


def pool_features(x, pooling: str | None):
    """Global average or max pooling of a feature map (``include_top=False`` outputs)."""
    if pooling == "avg":
        return keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return keras.layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x
