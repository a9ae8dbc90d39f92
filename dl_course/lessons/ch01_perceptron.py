"""Chapter 01, the perceptron: the exercise checks."""

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


#: The notebook's full-profile settings (its settings cell's ``full=`` dict must equal this).
FULL_SETTINGS = dict(xor_points=2000, mlp_epochs=300)


def full_workload(values=FULL_SETTINGS) -> list:
    """The full profile's training loops, for ``dl_course.estimate``: the Keras XOR MLP (batch 32,
    400 test points); the perceptrons on four points cost nothing."""
    from dl_course import models
    from dl_course.estimate import Loop, settings

    cfg = settings(values)
    return [Loop("XOR MLP 2-8-2", cfg.xor_points, cfg.mlp_epochs, 32, final=400,
                 build=lambda: models.build("mlp", input_shape=(2,), hidden=(8,), activation="tanh", classes=2))]


def or_least_squares() -> np.ndarray:
    """(w1, w2, b) minimising the squared error of the linear output on OR with ±1 targets."""
    targets = 2 * np.array([0, 1, 1, 1]) - 1
    return np.linalg.lstsq(np.c_[AND_X, np.ones(4)], targets, rcond=None)[0]


@exercise("01.4", "(w1, w2, b): the least-squares weights of the Delta rule on OR with ±1 targets")
def delta_rule_or(answer):
    got = np.array(numbers_tuple(answer, ("w1", "w2", "b")))
    if np.allclose(got, or_least_squares(), atol=0.02):
        return
    zero_one = np.linalg.lstsq(np.c_[AND_X, np.ones(4)], np.array([0, 1, 1, 1.0]), rcond=None)[0]
    if np.allclose(got, zero_one, atol=0.02):
        raise Wrong("这是 0/1 目标的最小二乘解 these are the weights for 0/1 targets.",
                     "本章的 Delta 规则用 ±1 目标：t = 2·y − 1。The chapter's Delta rule uses ±1 targets.")
    if np.isclose(got[2], 0) and np.allclose(got[:2], got[0]):
        raise Wrong(f"偏置为 0 不对 a zero bias is not the least-squares solution: {got.tolist()}.",
                     "给输入加一列 1，让偏置 b 也参与最小二乘。Append a column of ones so that b is fitted too.")
    raise Wrong(f"{got.tolist()} 不是 OR 的最小二乘解 is not the least-squares solution for OR.",
                 "用 np.linalg.lstsq 解 [x1, x2, 1]·(w1, w2, b) ≈ t，或者用很小的 η 训练 DeltaRule 很多轮。"
                 "Solve [x1, x2, 1]·(w1, w2, b) ≈ t by least squares, or run DeltaRule with a small η for long.")
