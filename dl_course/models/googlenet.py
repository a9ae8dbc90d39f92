"""GoogLeNet / Inception v1 (Szegedy et al. 2014): nine Inception modules with 1×1 bottlenecks."""

from __future__ import annotations

from keras import layers

from dl_course.models import register
from dl_course.models.blocks import LocalResponseNorm, classifier, inception_module
from dl_course.models.common import check_top, image_input, make_model

# Table 1: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj; "pool" = 3×3/2 max-pool.
TABLE1 = (
    ("3a", (64, 96, 128, 16, 32, 32)),
    ("3b", (128, 128, 192, 32, 96, 64)),
    "pool",
    ("4a", (192, 96, 208, 16, 48, 64)),
    ("4b", (160, 112, 224, 24, 64, 64)),
    ("4c", (128, 128, 256, 24, 64, 64)),
    ("4d", (112, 144, 288, 32, 64, 64)),
    ("4e", (256, 160, 320, 32, 128, 128)),
    "pool",
    ("5a", (256, 160, 320, 32, 128, 128)),
    ("5b", (384, 192, 384, 48, 128, 128)),
)


def _aux_head(x, classes, classifier_activation, name):
    """Auxiliary classifier on 4a / 4d: 5×5/3 avg-pool → 1×1 conv (128) → FC 1024 → dropout 0.7 → FC."""
    x = layers.AveragePooling2D(5, strides=3, name=f"{name}_pool")(x)
    x = layers.Conv2D(128, 1, activation="relu", name=f"{name}_conv")(x)
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return layers.Dense(classes, activation=classifier_activation, name=f"{name}_predictions")(x)


@register(example=dict(input_shape=(32, 32, 3), classes=10))
def googlenet(
    include_top: bool = True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    name: str = "googlenet",
    aux_logits: bool = False,
    lrn: bool = True,
    dropout: float = 0.4,
):
    """GoogLeNet: stem (7×7/2, 3×3/2 pool, 1×1 and 3×3 convs), Inception 3a–5b, average pool, FC.

    Szegedy et al., "Going Deeper with Convolutions", CVPR 2015, Table 1 and Fig. 3.
    课件: GoogLeNet (1×1 bottleneck, Inception module, 28×28×192 → 120,422,400 vs
    12,443,648 multiplications; Inception(3a) outputs 256 channels; side branches).

    All convolutions have biases and ReLU, no batch normalisation (that came with Inception
    v2). Default configuration (224×224×3, 1000 classes, no auxiliary heads):
    **6,998,552** parameters; the paper says about 6.8 M. ``aux_logits=True`` adds the two
    training-time auxiliary classifiers on 4a and 4d and returns ``[main, aux1, aux2]``
    (needs at least 65×65). Minimum input 32×32, the total stride.
    """
    classes = check_top(include_top, classes, pooling, weights, name)
    if aux_logits and not include_top:
        raise ValueError("aux_logits=True needs include_top=True.")
    aux_fixed = "the auxiliary heads flatten their 4×4 feature maps" if aux_logits else ""
    inputs = image_input(
        input_shape, (224, 224, 3), 65 if aux_logits else 32, name, input_tensor, aux_fixed
    )
    x = layers.Conv2D(64, 7, strides=2, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    if lrn:
        x = LocalResponseNorm(name="pool1_lrn")(x)
    x = layers.Conv2D(64, 1, activation="relu", name="conv2_reduce")(x)
    x = layers.Conv2D(192, 3, padding="same", activation="relu", name="conv2")(x)
    if lrn:
        x = LocalResponseNorm(name="conv2_lrn")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    aux, pools = [], 3
    for entry in TABLE1:
        if entry == "pool":
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{pools}")(x)
            pools += 1
            continue
        key, channels = entry
        x = inception_module(x, *channels, name=f"inception{key}")
        if aux_logits and key in ("4a", "4d"):
            aux.append(_aux_head(x, classes, classifier_activation, f"aux{len(aux) + 1}"))
    x = classifier(x, include_top, classes, pooling, classifier_activation, dropout=dropout)
    return make_model(inputs, [x, *aux] if aux else x, name)
