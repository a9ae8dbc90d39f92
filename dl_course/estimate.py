"""A paper estimate of how long a chapter's full profile trains on a GPU, and the line a notebook
prints about it before a long training.

No GPU is needed: each chapter's module describes its full profile's training loops
(``full_workload()``: models, examples, epochs, batch size, evaluation; see :class:`Loop`), the
models are built with shapes only and ``dl_course.costs`` gives their multiply–accumulates (MACs)
and activation sizes, and the time of one loop on a device is

    steps × (per-step overhead) + examples × passes × (compute + memory traffic of one forward pass)

- **compute**: 2 FLOPs per MAC at ``COMPUTE_EFFICIENCY`` of the device's dense FP16 tensor-core
  peak with FP32 accumulation (the full profile trains in ``mixed_float16`` on a GPU,
  ``runtime.acceleration``);
- **memory traffic**: ``TOUCHES_PER_TRAINING_EXAMPLE`` reads or writes of every activation value
  (``layer_table``'s ``units``, 2 bytes in float16) per training example, at the device's memory
  bandwidth; a forward pass alone is a third of a training pass;
- **per-step overhead**: ``STEP_SECONDS`` per training step (the host's share: Python, Keras,
  launching the step), ``LAYER_SECONDS`` per layer (kernel launches) and, for recurrent layers,
  ``TIME_STEP_SECONDS`` per time step and layer (each time step is its own small kernels);
  ``EPOCH_SECONDS`` per epoch and ``COMPILE_SECONDS`` per trained model;
- NumPy loops (the from-scratch RBM, DBN and MLP) run on the CPU whatever the device:
  ``CPU_FLOPS`` and ``NUMPY_STEP_SECONDS`` per mini-batch.

The constants were fitted to the H100 measurements in ``benchmarks/results/gpu-h100.md``; the
assumptions, the devices' sources and the cross-checks are in
``benchmarks/results/full-profile-gpu-estimate.md`` (``python benchmarks/full_profile_estimate.py``
prints its table). Read every figure as ×0.5–×2.
"""

from __future__ import annotations

import ast
import collections
import contextlib
import copy
import json
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

# ---------------------------------------------------------------------------------- devices


@dataclass(frozen=True)
class Device:
    """A GPU's vendor figures: dense FP16 tensor-core TFLOPS with FP32 accumulation (what mixed
    precision uses), FP32 TFLOPS, memory bandwidth in GB/s; ``source`` names the data sheet."""

    name: str
    tensor_tflops: float
    fp32_tflops: float
    bandwidth_gbs: float
    source: str


#: The GPUs the estimate knows, matched by name (``device_for``). Dense figures, no sparsity.
DEVICES = {
    "T4": Device("T4", 65.0, 8.1, 320.0, "NVIDIA T4 Tensor Core GPU data sheet (70 W): 65 TFLOPS mixed FP16/FP32, "
                 "8.1 TFLOPS FP32, 320 GB/s GDDR6"),
    "RTX 3060": Device("RTX 3060", 25.6, 12.7, 360.0, "NVIDIA Ampere GA10x architecture white paper and RTX 3060 "
                       "specifications: 51 TFLOPS dense FP16 tensor with FP16 accumulation, half of it (25.6) with "
                       "FP32 accumulation on GeForce cards; 12.7 TFLOPS FP32; 360 GB/s GDDR6"),
    "L4": Device("L4", 121.0, 30.3, 300.0, "NVIDIA L4 data sheet: 242 TFLOPS FP16 tensor with sparsity (121 dense), "
                 "30.3 TFLOPS FP32, 300 GB/s"),
    "V100": Device("V100", 125.0, 15.7, 900.0, "NVIDIA V100 data sheet (SXM2): 125 TFLOPS tensor, 15.7 TFLOPS FP32, "
                   "900 GB/s HBM2"),
    "A100": Device("A100", 312.0, 19.5, 1555.0, "NVIDIA A100 data sheet (40 GB): 312 TFLOPS dense FP16 tensor, "
                   "19.5 TFLOPS FP32, 1,555 GB/s HBM2"),
    "H100": Device("H100", 989.0, 67.0, 3350.0, "NVIDIA H100 data sheet (SXM5): 1,979 TFLOPS FP16 tensor with "
                   "sparsity (989 dense), 67 TFLOPS FP32, 3.35 TB/s HBM3"),
}
#: The device assumed when the GPU's name matches none of ``DEVICES``.
FALLBACK = "T4"

# ------------------------------------------------------------------------------- the model
#: Share of the dense tensor peak a convolution or matrix product reaches.
COMPUTE_EFFICIENCY = 0.5
#: Reads and writes of each activation value per training example (forward, backward, optimiser's
#: share); fitted with COMPUTE_EFFICIENCY to the H100's ResNet-50 (bfloat16) and MobileNet V2
#: (float32) throughput.
TOUCHES_PER_TRAINING_EXAMPLE = 10.0
#: Host time per training or evaluation step: Chapter 03's LeNet-5 on the H100, 1.8 ms a step
#: with the GPU busy 15 % of the time.
STEP_SECONDS = 1.8e-3
#: Kernel launches per layer and step (forward and backward, a few launches of ~4 µs each).
LAYER_SECONDS = 10e-6
#: A recurrent layer runs each time step as its own small kernels, forward and backward.
TIME_STEP_SECONDS = 40e-6
#: Keras's per-epoch work (callbacks, iterators, validation set-up).
EPOCH_SECONDS = 0.1
#: Tracing and XLA compilation of one model's training step (LeNet-5 on the H100: about 7 s).
COMPILE_SECONDS = 10.0
#: NumPy in float64 on a student's two CPU cores (Colab: 2 vCPUs), mini-batches of 32–64.
CPU_FLOPS = 10e9
#: Python's share of a NumPy mini-batch step (slicing, the update, bookkeeping).
NUMPY_STEP_SECONDS = 0.2e-3
#: Minutes of a chapter that do not depend on the profile: start-up, data loading, demonstrations.
FIXED_MINUTES = 0.5
#: The spread every estimate carries (see the results page for why).
UNCERTAINTY = (0.5, 2.0)


@dataclass(frozen=True)
class Loop:
    """One training loop of a chapter's full profile.

    ``build`` returns the Keras model trained (or a list of models trained together, e.g. a GAN's
    generator and discriminator); it is called with shapes only. ``examples`` per epoch,
    ``epochs``, ``batch_size``; ``evaluate`` forward-only examples after every epoch (validation
    data) and ``final`` once after training (test set, predictions); ``passes`` forward passes a
    training example costs (3: forward and backward; a GAN step more); ``runs`` identical runs
    (e.g. four regularisers). A NumPy loop gives ``weights`` (multiplied with every example) and
    ``macs_per_weight`` per epoch instead of ``build``; it runs on the CPU. A model whose inputs
    have no fixed length gives its ``cost`` per example instead of ``build``.
    """

    what: str
    examples: int
    epochs: int
    batch_size: int
    build: Callable | None = None
    evaluate: int = 0
    final: int = 0
    passes: float = 3.0
    runs: int = 1
    weights: int = 0
    macs_per_weight: float = 0.0
    cost: Cost | None = None

    @property
    def on_cpu(self) -> bool:
        return self.build is None and self.cost is None


@dataclass(frozen=True)
class Cost:
    """Per example: MACs and activation values of one forward pass; layers; recurrent time steps
    (summed over recurrent layers)."""

    macs: int
    units: int
    layers: int
    time_steps: int


@contextlib.contextmanager
def _untouched():
    """Keep the random states and Keras's layer-name counters as they were: building models to
    count them must not change what a notebook trains or prints afterwards."""
    from keras.src.backend.common import global_state

    py_state, np_state = random.getstate(), np.random.get_state()
    uids = global_state.get_global_attribute("object_name_uids")
    saved = copy.copy(uids) if uids is not None else None
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        global_state.set_global_attribute(
            "object_name_uids", saved if saved is not None else collections.defaultdict(int))


def model_cost(model) -> Cost:
    """MACs, activation values, layers and recurrent time steps of one example through ``model``."""
    import keras

    from dl_course.costs import layer_table

    table = layer_table(model, total=False)
    recurrent = (keras.layers.SimpleRNN, keras.layers.LSTM, keras.layers.GRU, keras.layers.Bidirectional)
    steps = 0
    for layer in _leaf_layers(model):
        if isinstance(layer, recurrent):
            tensor = layer.input[0] if isinstance(layer.input, (list, tuple)) else layer.input
            steps += int(tensor.shape[1]) * (2 if isinstance(layer, keras.layers.Bidirectional) else 1)
    return Cost(int(table["macs"].fillna(0).sum()), int(table["units"].fillna(0).sum()), len(table), steps)


def _leaf_layers(model):
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _leaf_layers(layer)
        else:
            yield layer


def loop_cost(loop: Loop) -> Cost:
    """``model_cost`` of the loop's model(s), built with shapes only (summed over a list)."""
    from dl_course import models

    if loop.cost is not None:
        return loop.cost
    with _untouched(), models.shapes_only():
        built = loop.build()
        parts = built if isinstance(built, (list, tuple)) else [built]
        costs = [model_cost(m) for m in parts]
    return Cost(*(sum(getattr(c, f) for c in costs) for f in ("macs", "units", "layers", "time_steps")))


def forward_seconds(cost: Cost, device: Device) -> float:
    """Seconds of one example's forward pass on ``device`` in mixed precision, overheads apart."""
    compute = 2 * cost.macs / (device.tensor_tflops * 1e12 * COMPUTE_EFFICIENCY)
    memory = TOUCHES_PER_TRAINING_EXAMPLE / 3 * cost.units * 2 / (device.bandwidth_gbs * 1e9)
    return compute + memory


def step_overhead(cost: Cost, forward_only: bool = False) -> float:
    """Seconds of fixed cost per step: the host's share, kernel launches, recurrent time steps."""
    share = 1 / 3 if forward_only else 1.0
    return STEP_SECONDS + share * (LAYER_SECONDS * cost.layers + TIME_STEP_SECONDS * cost.time_steps)


def loop_seconds(loop: Loop, device: Device, cost: Cost | None = None) -> float:
    """Seconds the loop takes on ``device`` (NumPy loops: on the CPU beside it)."""
    steps = math.ceil(loop.examples / loop.batch_size) * loop.epochs
    if loop.on_cpu:
        flops = 2 * loop.weights * loop.macs_per_weight * loop.examples * loop.epochs
        return loop.runs * (flops / CPU_FLOPS + steps * NUMPY_STEP_SECONDS)
    cost = cost or loop_cost(loop)
    forward = forward_seconds(cost, device)
    train = steps * step_overhead(cost) + loop.examples * loop.epochs * loop.passes * forward
    eval_steps = math.ceil(loop.evaluate / loop.batch_size) * loop.epochs + math.ceil(loop.final / loop.batch_size)
    evaluate = eval_steps * step_overhead(cost, forward_only=True) + (loop.evaluate * loop.epochs + loop.final) * forward
    return loop.runs * (COMPILE_SECONDS + loop.epochs * EPOCH_SECONDS + train + evaluate)


def costs(loops) -> list[Cost | None]:
    """``loop_cost`` of every GPU loop (None for a NumPy loop): build once, estimate for many devices."""
    return [None if loop.on_cpu else loop_cost(loop) for loop in loops]


def minutes(loops, device: Device | str = FALLBACK, loop_costs=None) -> float:
    """Estimated minutes of a chapter's full profile (its ``full_workload()``) on ``device``;
    ``loop_costs`` from ``costs(loops)`` saves building the models again."""
    device = device if isinstance(device, Device) else DEVICES[device]
    loop_costs = loop_costs or costs(loops)
    return FIXED_MINUTES + sum(loop_seconds(loop, device, cost) for loop, cost in zip(loops, loop_costs)) / 60


def breakdown(loops, devices=("T4",), loop_costs=None) -> list[dict]:
    """One row per loop: what, where it runs, MACs per example, steps, and minutes per device."""
    rows = []
    for loop, cost in zip(loops, loop_costs or costs(loops)):
        row = {"loop": loop.what, "on": "CPU (NumPy)" if loop.on_cpu else "GPU",
               "M MACs": round((loop.weights * loop.macs_per_weight if loop.on_cpu else cost.macs) / 1e6, 2),
               "steps": math.ceil(loop.examples / loop.batch_size) * loop.epochs * loop.runs}
        for name in devices:
            row[name] = loop_seconds(loop, DEVICES[name], cost) / 60
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- the device seen


def gpu_name() -> str | None:
    """The first GPU's name as the active backend reports it (e.g. ``"Tesla T4"``), else None."""
    from dl_course.runtime import backends

    if "GPU" not in backends.accelerators():
        return None
    backend = backends.name()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            return tf.config.experimental.get_device_details(gpus[0]).get("device_name") if gpus else None
        if backend == "jax":
            import jax

            return next((d.device_kind for d in jax.devices() if d.platform == "gpu"), None)
        if backend == "torch":
            import torch

            return torch.cuda.get_device_name(0)
    except Exception:  # noqa: BLE001 -- a name is a courtesy: never fail a notebook over it
        return "GPU"
    return None


def device_for(name: str | None) -> tuple[Device, bool]:
    """(the known device whose name ``name`` contains, True), else (the T4, False)."""
    text = (name or "").upper().replace("GEFORCE", "")
    for key, device in DEVICES.items():
        if key.upper() in text:
            return device, True
    return DEVICES[FALLBACK], False


# ------------------------------------------------------------------------ notebook messages

FAST_HINT_ZH = ("想先快速跑通，请改用快速模式：设置环境变量 DL_COURSE_PROFILE=fast 后重启内核，"
                "或在终端运行 dl-course run {chapter} --profile fast。")


def message(chapter: str, profile: str, gpu: str | None, t4_minutes: float, device_minutes: float | None = None) -> str:
    """The Chinese note a notebook prints before a long training (see ``announce``)."""
    low, high = (round(t4_minutes * f) for f in UNCERTAINTY)
    if profile != "full":
        return (f"快速模式 (fast)：本章完整模式 (full) 在 T4 GPU 上约需 {t4_minutes:.0f} 分钟"
                f"（纸面估算，{max(low, 1)}–{high} 分钟）。")
    hint = FAST_HINT_ZH.format(chapter=chapter)
    if gpu is None:
        return (f"完整模式 (full)，但没有检测到 GPU：在 CPU 上会比 T4 GPU 的约 {t4_minutes:.0f} 分钟慢几十倍。" + hint)
    device, known = device_for(gpu)
    shown = device_minutes if device_minutes is not None else t4_minutes
    low, high = (round(shown * f) for f in UNCERTAINTY)
    seen = f"这块 GPU（{gpu}）" if known else f"未识别的 GPU（{gpu}，按 T4 估算）"
    return (f"完整模式 (full)：预计在{seen}上训练约 {shown:.0f} 分钟（纸面估算，可能在 {max(low, 1)}–{high} 分钟之间）。"
            + hint)


def announce(chapter: str, gpu: str | None | bool = True, profile: str | None = None) -> float:
    """Print, in Chinese, how long chapter ``chapter``'s full profile trains on the GPU seen (a T4
    for an unknown one) and how to choose the fast profile; in the fast profile, one short line
    with the T4's figure. Returns the estimated minutes on the device used for the message.

    ``gpu``: a name to estimate for (``True``: ask the backend; ``None``: no GPU).
    """
    from dl_course import chapters, runtime

    profile = profile or runtime.profile()
    loops = chapters.BY_NUMBER[chapter].lesson().full_workload()
    name = gpu_name() if gpu is True else (gpu or None)
    loop_costs = costs(loops)
    t4 = minutes(loops, "T4", loop_costs)
    device, _ = device_for(name)
    here = minutes(loops, device, loop_costs) if name is not None and profile == "full" else t4
    print(message(chapter, profile, name, t4, here))
    return here


# ------------------------------------------------------------------- notebooks' settings cells


def settings_cell(chapter: str, folder: Path | None = None) -> dict:
    """The ``fast``, ``full`` and ``smoke`` dicts of a chapter notebook's ``runtime.settings(...)``
    cell, evaluated with the chapter's module as ``lesson`` (the notebook itself is not run)."""
    from dl_course import chapters

    info = chapters.BY_NUMBER[chapter]
    folder = folder or Path(__file__).resolve().parents[1] / "notebooks"
    cells = json.loads((folder / info.notebook).read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "runtime.settings(" in source and "cfg =" in source:
            tree = ast.parse(source)
            call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "settings")
            scope = {"lesson": info.lesson(), "dict": dict}
            return {k.arg: eval(compile(ast.Expression(k.value), info.notebook, "eval"), scope) for k in call.keywords}  # noqa: S307
    raise ValueError(f"{info.notebook} has no `cfg = runtime.settings(...)` cell.")


def settings(values: Mapping) -> SimpleNamespace:
    """``values`` as attributes, like ``runtime.settings``' result (for ``full_workload``)."""
    return SimpleNamespace(**values)
