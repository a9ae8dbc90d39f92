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
