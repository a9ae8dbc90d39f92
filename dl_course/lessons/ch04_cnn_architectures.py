"""Chapter 04, modern CNN architectures: the classifier recipe, the compared models, the batch
normalisation experiment and the exercise checks."""

from __future__ import annotations

import keras
import numpy as np

from dl_course import models, runtime
from dl_course.checks import check_choice, check_number, check_positive
from dl_course.exercises.registry import (
    array_result,
    exercise,
    first_difference,
    function,
    numbers_tuple,
)
from dl_course.exercises.runner import Wrong
from dl_course.train import fit, warmup_cosine

#: The models the chapter compares, per profile (the full profile's ResNet is ResNet-20: with ResNet-56
#: for 80 epochs at batch 128 the chapter took about 36 minutes on a T4, see
#: ``benchmarks/results/full-profile-gpu-estimate.md``).
COMPARED = {"fast": ("lenet5", "resnet20"),
            "full": ("lenet5", "vgg11", "googlenet", "resnet20", "densenet121", "mobilenet_v1")}
#: The full profile's recipe (the notebook's ``full=`` settings): the same six families with
#: ResNet-20 in place of ResNet-56, 40 epochs of a 5 % warm-up then cosine decay at batch 512 in
#: mixed precision (the learning rate scaled with the batch from 0.1 at 128 to 0.4, Goyal et al.
#: 2017). He et al. (2016, Table 6) report 91.25 % for ResNet-20 on CIFAR-10 after 164 epochs of
#: a step schedule at batch 128; a 40-epoch cosine schedule is expected within about a point of
#: it (to be measured on a GPU), so the ResNet bound is 0.90. VGG-11 with batch normalisation
#: usually leads the comparison (above 0.91).
FULL_SETTINGS = dict(dataset="cifar10", train_size=50000, test_size=10000,
                     compare=COMPARED["full"], resnet="resnet20", epochs=40, batch_size=512, optimizer="sgd", lr=0.4,
                     warmup=0.05, padding=4, bn_train=10000, bn_epochs=5, bn_depth=8)
#: Each data set's image shape, for models built without the data.
IMAGE_SHAPES = {"cifar10": (32, 32, 3), "fashion_mnist": (28, 28, 1), "mnist": (28, 28, 1)}
#: Options of the compared models that differ from their builders' defaults ((fast, full) for one
#: that differs per profile): VGG-11 with batch normalisation and 512-unit dense layers, as
#: CIFAR-10 recipes use it; MobileNet's width multiplier.
COMPARED_OPTIONS = {"vgg11": dict(batch_norm=True, fc_units=512), "mobilenet_v1": dict(alpha=(0.25, 1.0))}


def compared_model(name: str, input_shape, classes: int = 10, profile: str | None = None) -> keras.Model:
    """A model of the chapter's comparison for images of ``input_shape`` (LeNet-5 centred in its
    32×32 input field, as LeCun et al. 1998 did for MNIST; the others built for the shape), with
    the options of ``profile`` (default: the active one)."""
    if name == "lenet5":
        inputs = keras.Input(input_shape)
        lenet = models.build("lenet5", variant="modern", input_shape=(32, 32, input_shape[-1]), classes=classes)
        return keras.Model(inputs, lenet(keras.layers.ZeroPadding2D((32 - input_shape[0]) // 2)(inputs)), name="lenet5")
    full = (profile or runtime.profile()) == "full"
    options = {k: v[full] if isinstance(v, tuple) else v for k, v in COMPARED_OPTIONS.get(name, {}).items()}
    return models.build(name, input_shape=input_shape, classes=classes, **options)


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


def full_workload(values=FULL_SETTINGS) -> list:
    """The full profile's training loops, for ``dl_course.estimate``: every compared model on the
    training images, the test set as validation data after every epoch."""
    from dl_course.estimate import Loop, settings

    cfg = settings(values)
    shape = IMAGE_SHAPES[cfg.dataset]
    return [Loop(name, cfg.train_size, cfg.epochs, cfg.batch_size, evaluate=cfg.test_size,
                 build=lambda name=name: compared_model(name, shape, profile="full")) for name in cfg.compare]


BOTTLENECK = 256 * 64 + 9 * 64 * 64 + 64 * 256
TWO_BASIC = 4 * 9 * 256 * 256


@exercise("04.1", "(parameters of one bottleneck block, parameters of two basic blocks) on 56×56×256")
def bottleneck_params(answer):
    bottleneck, basic = numbers_tuple(answer, ("bottleneck parameters", "two basic blocks' parameters"))
    if not np.isclose(bottleneck, BOTTLENECK, rtol=0.03):
        raise Wrong(f"瓶颈块参数 {bottleneck:,.0f} 不对 bottleneck parameters are wrong.",
                    "瓶颈块是 1×1 降到 64 → 3×3 (64→64) → 1×1 升回 256。1×1 down to 64, 3×3 at 64, 1×1 back to 256.")
    if np.isclose(basic, 4 * 9 * 64 * 64, rtol=0.03):
        raise Wrong(f"基本块参数 {basic:,.0f} 是 64 通道的 is for 64 channels.",
                    "题目的输入是 256 通道：基本块的 3×3 卷积是 256→256。The input has 256 channels.")
    if not np.isclose(basic, TWO_BASIC, rtol=0.03):
        raise Wrong(f"两个基本块的参数 {basic:,.0f} 不对 are wrong.",
                    "两个基本块共 4 个 3×3 卷积，每个 256→256。Two basic blocks hold four 3×3 convolutions.")


PROJECTION_WEIGHTS = 16 * 32 + 32 * 64  # the two 1×1 projections of ResNet-20, option B


@exercise("04.4", "how many more parameters resnet20 has with shortcut='B' (an int)")
def resnet_shortcut_b(answer):
    (got,) = numbers_tuple((answer,), ("extra parameters",))
    bn = 2 * (32 + 64)
    if got not in (PROJECTION_WEIGHTS, PROJECTION_WEIGHTS + bn, PROJECTION_WEIGHTS + 2 * bn):
        raise Wrong(f"{got:g} 不对 is not the increase.",
                    "只有通道数改变的两处（16→32、32→64）用 1×1 投影；比较两个模型的 count_params()。"
                    "Only the two places where the width changes get a 1×1 projection; compare count_params().")


def batch_norm_comparison(x, y, x_test, y_test, *, depth: int, width: int, epochs: int, batch_size: int = 64,
                          lr: float = 0.5, activation: str = "sigmoid", bn_momentum: float = 0.9,
                          seed: int = 0) -> dict:
    """Train a deep plain network with and without batch normalisation side by side (Ioffe & Szegedy 2015).

    Two ``mlp`` builders of ``depth`` hidden layers of ``width`` units, one with ``batch_norm=True``,
    sit in one model on the same input (no shared weights, one loss each), so both see the same
    batches, and are trained by plain SGD at learning rate ``lr``. ``bn_momentum`` 0.9 (Keras's
    default is 0.99) lets the moving statistics that inference uses forget their start (mean 0,
    variance 1) within a few dozen steps, which a run of about a hundred steps needs. Returns, per network ("plain",
    "batch_norm"), the training loss after each epoch and the test accuracy.
    """
    runtime.set_seed(seed)
    shape = x.shape[1:]
    inputs = keras.Input(shape)
    nets = {name: models.build("mlp", input_shape=shape, hidden=(width,) * depth, activation=activation,
                               batch_norm=name == "batch_norm", bn_momentum=bn_momentum, name=name)
            for name in ("plain", "batch_norm")}
    both = keras.Model(inputs, {name: net(inputs) for name, net in nets.items()})
    both.compile(keras.optimizers.SGD(lr), loss={name: "sparse_categorical_crossentropy" for name in nets},
                 jit_compile=False)
    history = both.fit(x, {name: y for name in nets}, epochs=epochs, batch_size=batch_size, verbose=0).history
    result = {}
    for name, net in nets.items():
        probs = keras.ops.convert_to_numpy(net.predict(x_test, verbose=0, batch_size=1000))
        result[name] = {"loss": [float(v) for v in history[f"{name}_loss"]],
                        "test_accuracy": float(np.mean(probs.argmax(1) == y_test))}
    return result


def _batch_norm(x, gamma, beta, eps, ddof=0, axis=0):
    mean, var = x.mean(axis=axis, keepdims=True), x.var(axis=axis, ddof=ddof, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


@exercise("04.6", "a function batch_norm(x, gamma, beta, eps) -> array of x's shape (N, C), training mode")
def batch_norm_forward(answer):
    fn = function(answer, "batch_norm(x, gamma, beta, eps)")
    rng = np.random.default_rng(46)
    for n, c in ((8, 3), (32, 5), (5, 1)):
        x = rng.normal(2.0, 3.0, size=(n, c))
        gamma, beta, eps = rng.uniform(0.5, 2.0, c), rng.normal(size=c), 1e-3
        case = f"x {n}×{c}"
        got = array_result(fn, (x.copy(), gamma.copy(), beta.copy(), eps), (n, c), case)
        want = _batch_norm(x, gamma, beta, eps)
        where = first_difference(got, want, 1e-6)
        if where is None:
            continue
        if n > 1 and c > 1 and np.allclose(got, _batch_norm(x, gamma, beta, eps, axis=1), atol=1e-6):
            raise Wrong(f"{case}: {where}.", "批归一化对每个特征（列）在小批量的样本上求均值和方差，而不是对每个样本。"
                        "Normalise each feature (column) over the batch, not each sample over its features.")
        if np.allclose(got, _batch_norm(x, gamma, beta, eps, ddof=1), atol=1e-6):
            raise Wrong(f"{case}: {where}.", "方差用除以 N 的有偏估计（np.var 的默认值），不是除以 N − 1。"
                        "Use the biased variance (divide by N), as np.var does by default.")
        if np.allclose(got, _batch_norm(x, gamma, beta, 0.0), atol=1e-6) or \
                np.allclose(got, gamma * (x - x.mean(0)) / (x.std(0) + eps) + beta, atol=1e-6):
            raise Wrong(f"{case}: {where}.", "ε 加在方差上、开方之前：√(σ² + ε)。Add ε to the variance, inside the square root.")
        if np.allclose(got, _batch_norm(x, 1.0, 0.0, eps), atol=1e-6):
            raise Wrong(f"{case}: {where}.", "标准化之后还要乘 γ、加 β。Scale by γ and shift by β after normalising.")
        raise Wrong(f"{case}: {where}.", "逐步写：均值 μ、方差 σ²（每列）、x̂ = (x − μ)/√(σ² + ε)、y = γ x̂ + β。"
                    "Step by step: μ, σ² per column, x̂ = (x − μ)/√(σ² + ε), y = γ x̂ + β.")
