"""Chapter 03, convolutional networks: LeNet-5's training recipe and the exercise checks."""

from __future__ import annotations

import keras
import numpy as np

from dl_course import models, runtime, train
from dl_course.augment import RandomCropFlip
from dl_course.exercises.registry import (
    array_result,
    exercise,
    first_difference,
    function,
    numbers_tuple,
    numeric_array,
)
from dl_course.exercises.runner import Wrong
from dl_course.scratch import conv


def train_lenet(x, y, *, epochs: int, batch_size: int = 64, shift: int = 2, lr: float = 3e-3, seed: int = 0, **fit_args):
    """The paper's LeNet-5 behind a random shift of up to ``shift`` pixels, trained with Adam whose
    learning rate ``lr`` decays to 0 on a cosine; returns ``(net, history)``, ``net`` without the shift.

    Seeds everything with ``seed`` first; builds and trains inside ``runtime.scope()``;
    ``fit_args`` (callbacks, validation data, verbose) go to ``train.fit``.
    """
    runtime.set_seed(seed)
    with runtime.scope():  # train on every visible GPU/TPU
        net = models.build("lenet5")
        shifted = keras.Sequential([keras.Input(x.shape[1:]), RandomCropFlip(shift, flip=False, seed=seed), net])
        schedule = keras.optimizers.schedules.CosineDecay(lr, decay_steps=-(-len(x) // batch_size) * epochs)
        shifted.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy",
                        metrics=["accuracy"], jit_compile=runtime.jit_compile(),
                        steps_per_execution=runtime.steps_per_execution(16))
        history = train.fit(shifted, x, y, epochs=epochs, batch_size=batch_size, **fit_args)
    net.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # to evaluate the network alone
    return net, history

@exercise("03.1", "a 3×3 Gaussian blur kernel as an array of shape (3, 3) or (3, 3, 1, 1)")
def gaussian_kernel(answer):
    k = numeric_array(answer, "kernel", "an array of shape (3, 3) or (3, 3, 1, 1)")
    if k.shape == (3, 3, 1, 1):
        k = k[:, :, 0, 0]
    if k.shape != (3, 3):
        raise Wrong(f"形状应为 (3, 3) 或 HWIO (3, 3, 1, 1)，得到 got {k.shape} (shape should be 3×3).")
    if not np.isclose(k.sum(), 1.0, atol=1e-6):
        raise Wrong(f"核的元素之和为 {k.sum():.4g}，模糊后图像会变亮或变暗 the weights sum to {k.sum():.4g}.",
                    "模糊核是加权平均：权重之和应为 1。A blur is a weighted average: the weights sum to 1.")
    if np.any(k < 0):
        raise Wrong("核里有负数 the kernel has negative weights: 那是边缘检测（如 Sobel），不是模糊。",
                    "高斯函数处处为正。A Gaussian is positive everywhere.")
    symmetric = np.allclose(k, k[::-1]) and np.allclose(k, k[:, ::-1]) and np.allclose(k, k.T)
    if not symmetric:
        raise Wrong("核不对称 the kernel is not symmetric: 高斯模糊在各个方向上一样。",
                    "上下、左右、转置后应不变。It should not change when flipped or transposed.")
    if not (k[1, 1] > k[0, 1] > k[0, 0] > 0):
        raise Wrong("权重应从中心向边、再向角递减 weights should fall from centre to edge to corner "
                    f"(centre {k[1, 1]:.3g}, edge {k[0, 1]:.3g}, corner {k[0, 0]:.3g}).",
                    "离中心越远，exp(−d²/2σ²) 越小；均值核（全 1/9）不是高斯。A box filter is not Gaussian.")
    if np.linalg.matrix_rank(k, tol=1e-8) != 1:
        raise Wrong("核不可分离 the kernel is not separable: 二维高斯等于两个一维高斯的外积。",
                    "试试 np.outer(g, g)，g 是一维高斯权重。Try the outer product of a 1-D Gaussian with itself.")


def _input_error(delta, kernel, n):
    x = np.zeros((1, n, n, 1))
    dx, _, _ = conv.conv2d_backward(delta[None, :, :, None], x, kernel[:, :, None, None], stride=2)
    return dx[0, :, :, 0]


STRIDE2_CASES = ((7, 3), (8, 3), (9, 5), (10, 2))
SHAPE_HINT = ("插零、补 k−1 个零后 full 卷积的输出是 2(m−1)+k 行；当 (n − k) 为奇数时，输入的最后一行/列没有被任何窗口覆盖，"
              "它的误差为 0，结果要补到 n×n。When (n − k) is odd the last input row is never seen: its error is 0.")


@exercise("03.2", "a function input_error(delta, kernel, n) -> (n, n) array, stride 2, no padding")
def stride2_input_error(answer):
    fn = function(answer, "input_error(delta, kernel, n)")
    rng = np.random.default_rng(32)
    for n, k in STRIDE2_CASES:
        m = conv.output_size(n, k, stride=2)
        delta, kernel = rng.normal(size=(m, m)), rng.normal(size=(k, k))
        case = f"输入 input {n}×{n}, 核 kernel {k}×{k}, δ {m}×{m}"
        got = array_result(fn, (delta.copy(), kernel.copy(), n), (n, n), case, SHAPE_HINT)
        want = _input_error(delta, kernel, n)
        where = first_difference(got, want, 1e-6)
        if where is None:
            continue
        if np.allclose(got, _input_error(delta, kernel[::-1, ::-1], n), atol=1e-6):
            raise Wrong(f"{case}: {where}.", "full 卷积要用旋转 180° 的核（或者不旋转而做相关）——你旋转了两次或一次也没有。"
                        "The full convolution needs the kernel rotated by 180°: check the flip.")
        if np.allclose(got[1:, 1:], want[:-1, :-1], atol=1e-6) or np.allclose(got[:-1, :-1], want[1:, 1:], atol=1e-6):
            raise Wrong(f"{case}: {where}; 整体错了一位 the result is shifted by one.",
                        "补零差了一：插零后的 δ 两边各补 k−1 个零。Padding is off by one: pad k−1 zeros on each side.")
        inner = first_difference(got[:-1, :-1], want[:-1, :-1], 1e-6)
        if inner is None:
            raise Wrong(f"{case}: {where}.", "当 (n − k) 为奇数时，输入的最后一行/列没有被任何窗口覆盖，它的误差为 0："
                        "插零、补零后的长度要等于 n。When (n − k) is odd the last row is never seen: its error is 0.")
        raise Wrong(f"{case}: {where}.", "在 δ 的相邻元素之间插一个 0（不要在末尾多插），再做 full 卷积。"
                    "Insert one zero between neighbouring elements of δ (none after the last), then full-convolve.")


def _lenet_c3_counts():
    full_params = 16 * (6 * 25 + 1)
    return full_params - 1516, (full_params - 1516) * 10 * 10


@exercise("03.3", "(extra parameters, extra connections) when C3 connects to all six S2 maps")
def lenet_full_c3(answer):
    params, connections = numbers_tuple(answer, ("extra parameters", "extra connections"))
    want_params, want_conn = _lenet_c3_counts()
    if params in (want_params + 1516, 2400):
        raise Wrong(f"参数 {params:g} 是全连接 C3 的总数 is the total of a fully connected C3, 不是增量 not the increase.",
                    "减去论文 C3 的 1,516 个参数。Subtract the paper's 1,516.")
    if params != want_params:
        raise Wrong(f"增加的参数 {params:g} 不对 extra parameters are wrong.",
                    "全连接 C3：16 个特征图，每个看 6 个 S2 图的 5×5 窗口，加一个偏置。Each of 16 maps sees 6 S2 maps, plus one bias.")
    if connections != want_conn:
        raise Wrong(f"增加的连接 {connections:g} 不对 extra connections are wrong.",
                    "每个参数在 C3 的 10×10 个输出位置上各用一次。Each weight is used at all 10×10 output positions.")


@exercise("03.5", "the smallest input side (an int) on which LeNet-5 runs without padding")
def lenet_smallest_input(answer):
    (got,) = numbers_tuple((answer,), ("input side",))
    if got == 28:
        raise Wrong("28×28 不行 does not fit: 28→24→12→8→4，C5 的 5×5 核放不下。",
                    "从 C5 往回推：C5 至少要 5×5 的输入。Work back from C5, which needs at least 5×5.")
    if got != 32:
        raise Wrong(f"{got:g} 不对 is not the smallest side.",
                    "从 C5 往回推每一层：卷积 n → n−4，池化 n → ⌊n/2⌋。Work back layer by layer: conv n → n−4, pool n → ⌊n/2⌋.")


#: The notebook's full-profile settings (its settings cell's ``full=`` dict must equal this).
FULL_SETTINGS = dict(dataset="mnist", compare="fashion_mnist", train_size=60000, test_size=10000, epochs=20, batch_size=64,
                     shift=2)


def full_workload(values=FULL_SETTINGS) -> list:
    """The full profile's training loops, for ``dl_course.estimate``: ``train_lenet`` on
    ``dataset`` and again on ``compare``, each evaluated on the test images."""
    from dl_course.estimate import Loop, settings

    cfg = settings(values)
    return [Loop(f"LeNet-5 on {name}", cfg.train_size, cfg.epochs, cfg.batch_size, final=cfg.test_size,
                 build=lambda: models.build("lenet5")) for name in (cfg.dataset, cfg.compare)]
