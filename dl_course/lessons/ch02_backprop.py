"""Chapter 02, backpropagation and training: model selection by k-fold cross-validation and the exercise checks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dl_course.exercises.registry import exercise, function, numbers_tuple
from dl_course.exercises.runner import Wrong, call
from dl_course.scratch.mlp import MLP


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
                     small_size=500, small_epochs=200, ua_steps=3000, cv_size=500, cv_epochs=60)


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


def kfold_splits(n: int, k: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` pairs (training indices, validation indices) over ``n`` shuffled samples: every sample
    is validated once, the folds' sizes differ by at most one."""
    folds = np.array_split(np.random.default_rng(seed).permutation(n), k)
    return [(np.concatenate([f for j, f in enumerate(folds) if j != i]), folds[i]) for i in range(k)]


class PCASoftmax:
    """Softmax regression on the first ``d`` whitened principal components of the input.

    ``d`` sets the capacity: the model has ``10 (d + 1)`` parameters. The components are computed
    on the training data only; the classifier is ``scratch.mlp.MLP([d, classes])`` trained by SGD.
    """

    def __init__(self, d: int, classes: int = 10, seed: int = 0):
        self.d, self.classes, self.seed = int(d), classes, seed

    def _project(self, x):
        return (x.reshape(len(x), -1) - self.mean) @ self.components

    def fit(self, x, y, epochs: int = 40, lr: float = 0.1, batch_size: int = 50):
        x = x.reshape(len(x), -1).astype("float64")
        if not 1 <= self.d <= min(x.shape):
            raise ValueError(f"d must be between 1 and {min(x.shape)} (samples and pixels), got {self.d}.")
        self.mean = x.mean(axis=0)
        _, s, vt = np.linalg.svd(x - self.mean, full_matrices=False)
        self.components = vt[: self.d].T / s[: self.d] * np.sqrt(len(x))  # unit variance per component
        self.net = MLP([self.d, self.classes], seed=self.seed)
        self.net.fit(self._project(x), np.asarray(y, "int64"), epochs=epochs, lr=lr, batch_size=batch_size, seed=self.seed)
        return self

    def score(self, x, y) -> float:
        return float(np.mean(self.net.predict(self._project(x.astype("float64"))) == y))


def cross_validate_capacity(x, y, dims, *, k: int = 5, epochs: int = 40, seed: int = 0) -> pd.DataFrame:
    """k-fold cross-validation of ``PCASoftmax(d)`` for each ``d`` in ``dims``: mean training and
    validation accuracy over the folds, and the validation accuracy's spread between folds."""
    rows = []
    for d in dims:
        train_acc, val_acc = [], []
        for tr, va in kfold_splits(len(x), k, seed):
            model = PCASoftmax(d, seed=seed).fit(x[tr], y[tr], epochs=epochs)
            train_acc.append(model.score(x[tr], y[tr]))
            val_acc.append(model.score(x[va], y[va]))
        rows.append({"d": d, "parameters": 10 * (d + 1), "train_acc": np.mean(train_acc),
                     "val_acc": np.mean(val_acc), "val_std": np.std(val_acc)})
    return pd.DataFrame(rows).set_index("d")


def _cover_problem(splits, n, k):
    if len(splits) != k:
        return f"应有 {k} 折，得到 {len(splits)} 折 expected {k} folds, got {len(splits)}.", "每一折给出一对 (训练下标, 验证下标)。One (train, validation) pair per fold."
    seen = np.zeros(n, int)
    for train, val in splits:
        train, val = np.asarray(train).ravel(), np.asarray(val).ravel()
        if np.intersect1d(train, val).size:
            return "某一折的训练集和验证集有相同的样本 a fold validates on samples it trains on.", \
                "训练下标应是除这一折之外的全部下标。The training indices are all indices outside the fold."
        if len(train) + len(val) != n or len(np.unique(np.r_[train, val])) != n:
            return "某一折的训练集加验证集不等于全部样本 a fold's training and validation sets do not cover all samples.", \
                "训练集 = 全部下标去掉这一折的验证下标。Train on every index that is not in the fold."
        seen[val] += 1
    if not np.all(seen == 1):
        missed = int(np.sum(seen == 0))
        return f"有 {missed} 个样本从未被验证 samples never validated (或者被验证了不止一次 or validated twice).", \
            "n 不能被 k 整除时，余下的样本也要分进某一折（np.array_split 会这样做）。When k does not divide n, the remainder must go into some fold."
    sizes = [len(np.ravel(v)) for _, v in splits]
    if max(sizes) - min(sizes) > 1:
        return f"各折大小 {sizes} 相差超过 1 fold sizes differ by more than one.", "把余下的样本平均分给前几折。Spread the remainder over the first folds."
    return None


@exercise("02.5", "a function kfold(n, k) -> list of k pairs (train indices, validation indices)")
def kfold_function(answer):
    fn = function(answer, "kfold(n, k)")
    for n, k in ((10, 5), (23, 4), (7, 7), (100, 3)):
        splits = call(fn, n, k)
        try:
            splits = [(np.asarray(t, dtype=int), np.asarray(v, dtype=int)) for t, v in splits]
        except (TypeError, ValueError):
            raise Wrong(f"n={n}, k={k}: 返回值应是 k 个 (训练下标, 验证下标) 对 the result should be k (train, validation) pairs.") from None
        problem = _cover_problem(splits, n, k)
        if problem:
            raise Wrong(f"n={n}, k={k}: {problem[0]}", problem[1])


@exercise("02.6", "the most linear pieces a one-hidden-layer ReLU network with 8 units gives on one input (an int)")
def relu_pieces(answer):
    (got,) = numbers_tuple((answer,), ("pieces",))
    if got == 8:
        raise Wrong("8 段少了一段 one piece short.",
                     "8 个拐点把一条直线切成几段？数一数最左边那段。How many pieces do 8 cut points make on a line?")
    if got in (16, 256, 2**8 + 1):
        raise Wrong(f"{got:g} 太多了 too many: 一维输入、只有一个隐藏层时，段数只随单元数线性增长。",
                     "每个 ReLU 单元 max(0, w x + b) 只在 x = −b/w 处拐一次弯。Each unit bends the function at one point only.")
    if got != 9:
        raise Wrong(f"{got:g} 段不对 is not the largest number of pieces.",
                     "每个单元 max(0, w x + b) 只在一个点 x = −b/w 改变斜率；各单元的拐点可以都不同。Each unit changes the slope at one point.")
