"""Checks for chapters 01 and 02: the perceptron's learning rate, the decaying learning rate."""

from __future__ import annotations

import numpy as np

from dl_course.exercises.registry import exercise, numbers_tuple
from dl_course.exercises.runner import Wrong
from dl_course.scratch.perceptron import Perceptron

AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
AND_Y = np.array([0, 0, 0, 1])


def and_epochs(lr: float) -> int:
    """Epochs the perceptron takes on AND from zero weights (the last one makes no mistake)."""
    return len(Perceptron(lr=lr, epochs=100).fit(AND_X, AND_Y).errors_)


@exercise("01.1", "(epochs with lr=1.0, epochs with lr=0.001): len(p.errors_) on AND")
def perceptron_learning_rate(answer):
    fast, slow = numbers_tuple(answer, ("epochs at lr=1.0", "epochs at lr=0.001"))
    want = and_epochs(1.0)
    if fast != slow:
        raise Wrong(f"两个学习率给出了不同的轮数 {fast:g} 和 {slow:g} the two rates gave different epoch counts.",
                     "权重从 0 开始时，每次更新都是 η 乘以一个整数向量；把 η 提出来，分类结果 step(w·x+b) 变不变？"
                     "From zero weights every update is η times an integer vector: does step(w·x + b) depend on η?")
    if fast != want:
        raise Wrong(f"轮数 {fast:g} 不对 is not the number of epochs the perceptron runs on AND.",
                     "用 len(p.errors_)：最后一轮是没有错分的那一轮，它也算在内。"
                     "Use len(p.errors_): the last, mistake-free epoch counts too.")


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



