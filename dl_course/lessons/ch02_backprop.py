"""Chapter 02, backpropagation and training: the exercise checks."""

from __future__ import annotations

from dl_course.exercises.registry import exercise, numbers_tuple
from dl_course.exercises.runner import Wrong


def decay_epoch(decay: float, base: float = 0.2, w0: float = 5.0, tol: float = 1e-6) -> int:
    """First epoch (counted from 0, as the chapter prints) whose update changes w by less than tol."""
    w = w0
    for epoch in range(10_000):
        step = base * decay**epoch * 2 * (w + 1)
        if abs(step) < tol:
            return epoch
        w -= step
    raise RuntimeError("no convergence")


@exercise("02.2", "the epoch (numbered as the chapter prints it) after which w changes by < 1e-6")
def decay_stop(answer):
    (got,) = numbers_tuple((answer,), ("epoch",))
    want = decay_epoch(0.9)
    if got == want + 1:
        raise Wrong(f"{got:g} 差了一轮 is off by one.",
                     "章节打印的轮数从 0 开始（After 0 epoch 是第一次更新）。The chapter numbers epochs from 0.")
    if got != want:
        raise Wrong(f"第 {got:g} 轮不对 epoch {got:g} is not where the change first drops below 1e-6.",
                     "在循环里打印 |w_new − w_old|，而不是 loss；衰减 0.9 时学习率之和有限，w 会停在哪里？"
                     "Print |w_new − w_old|, not the loss; with decay 0.9 the learning rates have a finite sum.")


#: The notebook's full-profile settings (its settings cell's ``full=`` dict must equal this).
FULL_SETTINGS = dict(train_size=60000, softmax_epochs=20, epochs=30, batch_size=128, scratch_size=20000, scratch_epochs=15,
                     small_size=500, small_epochs=200)


def full_workload(values=FULL_SETTINGS) -> list:
    """The full profile's training loops, for ``dl_course.estimate``: a tenth of the training
    images is the validation set; the regularisers train on ``small_size`` images, batch 64,
    validating on 1,000; the NumPy MLP 784-64-10 runs on the CPU (batch 32; per epoch 3 MACs a
    weight for the step and 1 for the epoch's loss)."""
    from dl_course import models
    from dl_course.estimate import Loop, settings

    cfg = settings(values)
    train, val = cfg.train_size - cfg.train_size // 10, cfg.train_size // 10
    return [
        Loop("linear regression", 1000, 3, 10,
             build=lambda: models.build("mlp", input_shape=(2,), hidden=(), classes=1, classifier_activation=None)),
        Loop("softmax regression", train, cfg.softmax_epochs, cfg.batch_size, evaluate=val, final=10000,
             build=lambda: models.build("mlp", input_shape=(28, 28), hidden=(), classes=10)),
        Loop("NumPy MLP 784-64-10", cfg.scratch_size, cfg.scratch_epochs, 32, weights=784 * 64 + 64 * 10, macs_per_weight=4),
        Loop("4 regularisers, MLP 256-256", cfg.small_size, cfg.small_epochs, 64, evaluate=1000, final=cfg.small_size + 10000,
             runs=4, build=lambda: models.build("mlp", input_shape=(28, 28), hidden=(256, 256))),
        Loop("MLP 256-128, interrupted and resumed", train, cfg.epochs, cfg.batch_size, evaluate=val, final=10000,
             build=lambda: models.build("mlp", input_shape=(28, 28), hidden=(256, 128), dropout=0.2)),
    ]
