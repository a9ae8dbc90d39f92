"""The image-classifier recipe of chapter 04: a warm-up/cosine schedule and ``train_classifier``."""

from __future__ import annotations

import keras

from dl_course import runtime
from dl_course.checks import check_choice, check_fraction, check_number, check_positive
from dl_course.train.fitting import fit


def warmup_cosine(peak: float, steps: int, warmup: float = 0.0):
    """Learning rate rising linearly from ``peak / 10`` over the first ``warmup`` share of
    ``steps``, then following a cosine down to 0 (one-cycle style; ``warmup=0``: plain cosine)."""
    rise = int(check_fraction(warmup, "warmup (a share of the steps)") * steps)
    if not rise:
        return keras.optimizers.schedules.CosineDecay(peak, steps)
    return keras.optimizers.schedules.CosineDecay(peak / 10, steps - rise, warmup_target=peak, warmup_steps=rise)


def train_classifier(net, x, y, *, epochs: int, batch_size: int, lr: float, optimizer: str = "sgd",
                     warmup: float = 0.0, augment=None, **kwargs):
    """Fit ``augment → net`` on integer labels with a warm-up/cosine schedule; returns ``fit``'s History.

    ``optimizer="sgd"``: SGD with Nesterov momentum 0.9 and weight decay 5e-4, a common modern
    recipe for short runs (He et al. 2016, §4.2, used plain momentum 0.9, weight decay 1e-4 and
    the learning rate divided by 10 at 32k and 48k steps); ``"adam"``: Adam. Each call runs 16 batches; ``jit_compile="auto"`` compiles the step
    with XLA on a GPU or TPU only (on a CPU, compiling ResNet-20 costs more than it saves).
    ``kwargs`` go to ``fit`` (``validation_data``, ``verbose``…).
    """
    check_choice(optimizer, "optimizer", ("sgd", "adam"))
    epochs, batch_size = check_positive(epochs, "epochs"), check_positive(batch_size, "batch_size")
    lr = check_number(lr, "lr (the peak learning rate)", inclusive=False)
    if lr == float("inf"):
        raise ValueError(f"lr (the peak learning rate) must be a finite number > 0, got {lr!r}.")
    if len(x) == 0:
        raise ValueError("x must hold at least one example, got an empty array: check how the data was loaded or subset.")
    inputs = keras.Input(net.input_shape[1:])
    model = keras.Model(inputs, net(augment(inputs) if augment is not None else inputs), name=f"train_{net.name}")
    schedule = warmup_cosine(lr, epochs * -(-len(x) // batch_size), warmup)
    if optimizer == "sgd":
        opt = keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True, weight_decay=5e-4)
    else:
        opt = keras.optimizers.Adam(schedule)
    model.compile(opt, "sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile="auto", steps_per_execution=runtime.steps_per_execution(16))
    return fit(model, x, y, epochs=epochs, batch_size=batch_size, **kwargs)
