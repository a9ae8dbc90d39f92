"""GPU measurements: training throughput against keras.applications, and the full recipes' time to accuracy.

    KERAS_BACKEND=jax python benchmarks/gpu.py OUT [--quick] [--tasks PATTERN ...] [--budget SECONDS]

Every task runs in its own process: the Keras backend is fixed per process, and so is the
peak-memory counter. Tasks (``--list`` prints them; ``--tasks`` takes shell patterns):

- ``throughput/<model>/<policy>``: images/s of one training step of ours and of
  ``keras.applications``' model (``weights=None``), 224×224, batch 128, ``jit_compile=True``,
  built in the same process and timed in alternating rounds.
- ``backend/<torch|torch-eager>/<policy>``: our ResNet-50 the same way on the PyTorch backend.
- ``recipe/lenet5``, ``recipe/resnet20``: the full-profile training recipes of chapters 03
  and 04 on Fashion-MNIST, with the test accuracy and the training seconds after every epoch.
- ``epoch/<model>``: two epochs of each model that chapter 04's full profile compares.

Results go to OUT/results.jsonl (one line per task, written as soon as the task ends, so a
run cut short keeps what it measured) and OUT/summary.md. ``--quick`` shrinks every size so
the whole script runs on a CPU in minutes.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import keras  # importing does not start a device: the parent process never touches one
import numpy as np

from dl_course import datasets, models, runtime
from dl_course.augment import RandomCropFlip
from dl_course.lessons import ch03_cnn, ch04_cnn_architectures

FAMILIES = {"resnet50": "ResNet50", "mobilenet_v2": "MobileNetV2", "vgg16": "VGG16", "densenet121": "DenseNet121"}
POLICIES = ("float32", "mixed_bfloat16")
ZOO = ch04_cnn_architectures.COMPARED["full"]  # chapter 04's full-profile comparison
TARGETS = {"lenet5": 0.90, "resnet20": 0.93}


def tasks() -> list[str]:
    """Every task name, most important first."""
    names = [f"throughput/{m}/{p}" for m in FAMILIES for p in POLICIES][:2]
    names += [f"backend/torch/{p}" for p in POLICIES]
    names += [f"throughput/{m}/{p}" for m in FAMILIES for p in POLICIES][2:]
    names += ["recipe/lenet5", "recipe/resnet20"]
    names += [f"epoch/{m}" for m in ZOO]
    names += [f"backend/torch-eager/{p}" for p in POLICIES]
    return names


# ---------------------------------------------------------------- measurement helpers (child side)


class Utilisation:
    """Samples ``nvidia-smi``'s GPU utilisation (%) every 100 ms in a background thread."""

    def __init__(self):
        self.samples: list[tuple[float, float]] = []
        query = ["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits", "-lms", "100"]
        try:
            self._proc = subprocess.Popen(query, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        except OSError:
            self._proc = None
            return
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self._proc.stdout:
            try:
                self.samples.append((time.perf_counter(), float(line.strip())))
            except ValueError:
                pass

    def mean(self, start: float, end: float | None = None) -> float | None:
        """Mean utilisation between two ``time.perf_counter()`` readings (None without samples)."""
        end = time.perf_counter() if end is None else end
        window = [u for t, u in self.samples if start <= t <= end]
        return round(statistics.fmean(window), 1) if window else None

    def close(self):
        if self._proc:
            self._proc.terminate()


def peak_gib() -> float | None:
    """Peak device memory the backend's allocator has handed out in this process, GiB."""
    if keras.backend.backend() == "jax":
        import jax

        stats = jax.devices()[0].memory_stats() or {}
        peak = stats.get("peak_bytes_in_use")
    elif keras.backend.backend() == "torch":
        import torch

        peak = torch.cuda.max_memory_allocated() if torch.cuda.is_available() else None
    else:
        peak = None
    return None if peak is None else round(peak / 2**30, 2)


def random_batch(batch: int, size: int, classes: int):
    """A device-resident batch of random images and labels (no host transfer inside the timing)."""
    rng = np.random.default_rng(0)
    x = rng.random((batch, size, size, 3), dtype="float32")
    y = rng.integers(0, classes, batch)
    return keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(y)


def time_steps(model, x, y, steps: int) -> float:
    """Images per second over ``steps`` training steps (``train_on_batch`` syncs every step)."""
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return len(x) * steps / (time.perf_counter() - start)


def warm_up(model, x, y) -> float:
    """Seconds of the first two steps: tracing and XLA compilation, then one plain step."""
    start = time.perf_counter()
    model.train_on_batch(x, y)
    model.train_on_batch(x, y)
    return round(time.perf_counter() - start, 1)


def throughput(family: str, policy: str, sizes: dict, jit: bool = True, with_keras: bool = True) -> dict:
    """Ours (and keras.applications') training images/s, timed in alternating rounds; medians."""
    shape = (sizes["image"], sizes["image"], 3)
    keras.mixed_precision.set_global_policy(policy)
    try:
        nets = {"ours": models.build(family, input_shape=shape)}
        if with_keras:
            nets["keras"] = getattr(keras.applications, FAMILIES[family])(weights=None, input_shape=shape)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    x, y = random_batch(sizes["batch"], sizes["image"], 1000)
    row = {"model": family, "policy": policy, "backend": runtime.backend(), "jit_compile": jit}
    for name, net in nets.items():
        net.compile(keras.optimizers.SGD(0.01, momentum=0.9), "sparse_categorical_crossentropy", jit_compile=jit)
        row[f"{name}_params"] = net.count_params()
        row[f"{name}_compile_s"] = warm_up(net, x, y)
        row[f"{name}_peak_gib"] = peak_gib()  # cumulative: the second one is the process's peak
    util = Utilisation()
    rates = {name: [] for name in nets}
    start = time.perf_counter()
    for r in range(sizes["rounds"]):
        for name in (list(nets) if r % 2 == 0 else list(nets)[::-1]):
            rates[name].append(time_steps(nets[name], x, y, sizes["steps"]))
    row["gpu_util"] = util.mean(start)
    util.close()
    for name, values in rates.items():
        row[f"{name}_images_s"] = round(statistics.median(values), 1)
        row[f"{name}_spread"] = round((max(values) - min(values)) / statistics.median(values), 3)
    if with_keras:  # time per step ours / keras = keras rate / our rate
        row["time_ratio"] = round(row["keras_images_s"] / row["ours_images_s"], 3)
    return row


class Clock(keras.callbacks.Callback):
    """Training seconds and test accuracy after every epoch, the test evaluation not counted.

    With ``x_test`` the callback evaluates the test set itself (its time is excluded);
    without, it reads ``val_accuracy`` (the recipe's own validation data is the test set).
    ``path`` gets the rows as JSON after every epoch, so a process cut short keeps them.
    """

    def __init__(self, x_test=None, y_test=None, path=None):
        super().__init__()
        self.x_test, self.y_test, self.path = x_test, y_test, path
        self.rows: list[dict] = []

    def on_train_begin(self, logs=None):
        self.start, self.excluded = time.perf_counter(), 0.0

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        if self.x_test is None:
            accuracy = logs["val_accuracy"]
        else:
            scores = self.model.evaluate(self.x_test, self.y_test, batch_size=1000, verbose=0, return_dict=True)
            accuracy = scores["accuracy"]
        seconds = now - self.start - self.excluded
        self.excluded += time.perf_counter() - now
        self.rows.append({"epoch": epoch + 1, "seconds": round(seconds, 2), "test_accuracy": round(float(accuracy), 4)})
        if self.path:
            Path(self.path).write_text(json.dumps(self.rows))



def lenet_data(sizes: dict):
    """Chapter 03's input: 28×28 grey → 32×32 with background −0.1 and foreground 1.175."""
    (x_train, y_train), (x_test, y_test) = datasets.prepare(
        "fashion_mnist", train=sizes["train"], test=sizes["test"], scale="lecun", pad=2, channels=True)
    return x_train, y_train, x_test, y_test


def cifar_style_data(sizes: dict):
    """Chapter 04's input: scaled to [0, 1], padded 28→32, standardised with the training statistics."""
    (x_train, y_train), (x_test, y_test) = datasets.prepare(
        "fashion_mnist", train=sizes["train"], test=sizes["test"], scale="standard", pad=2, channels=True,
        seed=(0, 1))
    return x_train, y_train, x_test, y_test


def chapter04_recipe(net, x_train, y_train, epochs: int, **fit_args):
    """Chapter 04's full recipe (``lesson.train_classifier`` with ``lesson.FULL_SETTINGS``): random
    crop and flip → model; SGD, Nesterov momentum 0.9, weight decay 5e-4, the peak learning rate
    after a warm-up, cosine decay to 0."""
    full = ch04_cnn_architectures.FULL_SETTINGS
    return ch04_cnn_architectures.train_classifier(
        net, x_train, y_train, epochs=epochs, batch_size=full["batch_size"], lr=full["lr"], optimizer=full["optimizer"],
        warmup=full["warmup"], augment=RandomCropFlip(full["padding"]), **fit_args)


def recipe(name: str, sizes: dict, progress: Path) -> dict:
    """Train a chapter's full recipe; time to the target test accuracy, epochs, final accuracy."""
    runtime.set_seed(0)
    start = time.perf_counter()
    if name == "lenet5":  # chapter 03: lesson.train_lenet (shift 2, Adam 3e-3 decaying on a cosine, batch 64)
        x_train, y_train, x_test, y_test = lenet_data(sizes)
        epochs, batch, clock = sizes["lenet_epochs"], 64, Clock(x_test, y_test, path=progress)

        def train_fn():
            return ch03_cnn.train_lenet(x_train, y_train, epochs=epochs, batch_size=batch, callbacks=[clock])[1]
    else:  # chapter 04: the test set is the validation data
        x_train, y_train, x_test, y_test = cifar_style_data(sizes)
        epochs, batch, clock = sizes["resnet_epochs"], ch04_cnn_architectures.FULL_SETTINGS["batch_size"], Clock(path=progress)
        net = ch04_cnn_architectures.compared_model(name, x_train.shape[1:])

        def train_fn():
            return chapter04_recipe(net, x_train, y_train, epochs, validation_data=(x_test, y_test), callbacks=[clock])
    prepared = time.perf_counter() - start
    util = Utilisation()
    begin = time.perf_counter()
    history = train_fn()
    fit_seconds = time.perf_counter() - begin
    after_first = begin + history.epoch_times[0] if history.epoch_times else begin
    target = TARGETS[name]
    reached = next((r for r in clock.rows if r["test_accuracy"] >= target), None)
    steady = statistics.median(history.epoch_times[1:]) if len(history.epoch_times) > 1 else None
    row = {
        "recipe": name, "params": clock.model.count_params(), "epochs": epochs, "batch": batch, "train": len(x_train),
        "target": target, "seconds_to_target": reached and reached["seconds"], "epoch_to_target": reached and reached["epoch"],
        "train_seconds": clock.rows[-1]["seconds"], "fit_wall_s": round(fit_seconds, 1),
        "first_epoch_s": round(history.epoch_times[0], 1), "steady_epoch_s": steady and round(steady, 2),
        "final_test_accuracy": clock.rows[-1]["test_accuracy"], "best_test_accuracy": max(r["test_accuracy"] for r in clock.rows),
        "prepare_s": round(prepared, 1), "peak_gib": peak_gib(), "gpu_util": util.mean(begin),
        "gpu_util_steady": util.mean(after_first), "curve": clock.rows,
    }
    util.close()
    return row


def epoch_time(name: str, sizes: dict) -> dict:
    """Seconds per epoch of one of chapter 04's compared models (first epoch includes compilation)."""
    runtime.set_seed(0)
    x_train, y_train, x_test, y_test = cifar_style_data(sizes)
    epochs = sizes["zoo_epochs"]
    net = ch04_cnn_architectures.compared_model(name, x_train.shape[1:])
    util = Utilisation()
    begin = time.perf_counter()
    history = chapter04_recipe(net, x_train, y_train, epochs, validation_data=(x_test, y_test))
    row = {"model": name, "params": net.count_params(), "epoch_s": [round(t, 1) for t in history.epoch_times],
           "val_accuracy": [round(a, 4) for a in history.history["val_accuracy"]],
           "peak_gib": peak_gib(), "gpu_util_steady": util.mean(begin + history.epoch_times[0])}
    util.close()
    return row


def run_task(task: str, sizes: dict, progress: Path) -> dict:
    """Measure one task in this process (the parent started it with the right backend)."""
    kind, *rest = task.split("/")
    if kind == "throughput":
        return throughput(rest[0], rest[1], sizes)
    if kind == "backend":
        return throughput("resnet50", rest[1], sizes, jit=rest[0] == "torch", with_keras=False)
    if kind == "recipe":
        return recipe(rest[0], sizes, progress)
    if kind == "epoch":
        return epoch_time(rest[0], sizes)
    raise ValueError(f"unknown task {task!r}; see --list")


# ---------------------------------------------------------------- orchestration (parent side)

FULL = {"image": 224, "batch": 128, "rounds": 6, "steps": 10, "train": 60000, "test": 10000,
        "lenet_epochs": 20, "resnet_epochs": 80, "zoo_epochs": 2}
QUICK = {"image": 32, "batch": 8, "rounds": 2, "steps": 2, "train": 512, "test": 256,
         "lenet_epochs": 2, "resnet_epochs": 2, "zoo_epochs": 2}


def spawn(task: str, sizes: dict, out: Path, timeout: float) -> dict:
    """Run one task in a child process with its backend; its output goes to OUT/logs.txt."""
    result = Path(tempfile.mkdtemp()) / "result.json"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env["KERAS_BACKEND"] = "torch" if task.startswith("backend/") else os.environ.get("KERAS_BACKEND", "jax")
    command = [sys.executable, __file__, str(result), "--child", task, "--sizes", json.dumps(sizes)]
    start = time.perf_counter()
    with open(out / "logs.txt", "a") as log:
        log.write(f"\n===== {task}\n")
        log.flush()
        try:
            code = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
    row = json.loads(result.read_text()) if result.exists() else {"error": f"exit {code}"}
    progress = result.with_suffix(".progress.json")
    if "error" in row and progress.exists():
        row["curve"] = json.loads(progress.read_text())
    return {"task": task, "wall_s": round(time.perf_counter() - start, 1), **row}


def versions() -> dict:
    """Device, driver and library versions as the child processes will see them."""
    probe = ("import importlib.metadata as m, platform; v = {'python': platform.python_version()}\n"
             "for p in ('keras', 'jax', 'jaxlib', 'torch', 'numpy'):\n"
             "    try: v[p] = m.version(p)\n"
             "    except m.PackageNotFoundError: pass\n"
             "print(__import__('json').dumps(v))")
    found = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout)
    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                             capture_output=True, text=True).stdout.strip()
    except OSError:
        smi = "no NVIDIA GPU"
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "device": smi, **found}


def summary(rows: list[dict]) -> str:
    """Markdown tables of whatever has been measured so far."""
    lines = []
    pairs = [r for r in rows if r["task"].startswith(("throughput/", "backend/")) and "ours_images_s" in r]
    if pairs:
        lines += ["| task | ours img/s | keras img/s | time/step ours÷keras | compile s ours/keras | peak GiB ours/process | GPU util % |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for r in pairs:
            lines.append(f"| {r['task']} | {r['ours_images_s']} | {r.get('keras_images_s', '')} | {r.get('time_ratio', '')} | "
                         f"{r['ours_compile_s']}/{r.get('keras_compile_s', '')} | {r['ours_peak_gib']}/{r.get('keras_peak_gib', '')} | {r['gpu_util']} |")
    recipes = [r for r in rows if r["task"].startswith("recipe/") and "recipe" in r]
    if recipes:
        lines += ["", "| recipe | target | s to target (epoch) | epochs | train s | first epoch s | steady epoch s | final acc | best acc | peak GiB | GPU util % (steady) |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in recipes:
            lines.append(f"| {r['recipe']} | {r['target']} | {r['seconds_to_target']} ({r['epoch_to_target']}) | {r['epochs']} | "
                         f"{r['train_seconds']} | {r['first_epoch_s']} | {r['steady_epoch_s']} | {r['final_test_accuracy']} | "
                         f"{r['best_test_accuracy']} | {r['peak_gib']} | {r['gpu_util']} ({r['gpu_util_steady']}) |")
    zoo = [r for r in rows if r["task"].startswith("epoch/") and "epoch_s" in r]
    if zoo:
        lines += ["", "| chapter 04 model | params | s per epoch | val acc | peak GiB | GPU util % |", "|---|---:|---|---|---:|---:|"]
        for r in zoo:
            lines.append(f"| {r['model']} | {r['params']:,} | {r['epoch_s']} | {r['val_accuracy']} | {r['peak_gib']} | {r['gpu_util_steady']} |")
    failed = [r for r in rows if "error" in r]
    lines += [""] + [f"- {r['task']}: {r['error']} after {r['wall_s']} s" for r in failed]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for results.jsonl, summary.md and logs.txt")
    parser.add_argument("--tasks", nargs="*", default=["*"], help="shell patterns of task names (default: all)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script on a CPU")
    parser.add_argument("--budget", type=float, default=540, help="seconds; no task starts or runs past it")
    parser.add_argument("--list", action="store_true", help="print the task names and exit")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # a measurement process: OUT is the file the parent reads the result from
        row = run_task(args.child, json.loads(args.sizes), args.out.with_suffix(".progress.json"))
        args.out.write_text(json.dumps(row))
        return
    chosen = [t for t in tasks() if any(fnmatch.fnmatch(t, p) for p in args.tasks)]
    if args.list or not chosen:
        print("\n".join(tasks()) if args.list else f"no task matches {args.tasks}; see --list")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    sizes = QUICK if args.quick else FULL
    deadline = time.perf_counter() + args.budget
    meta = {"command": " ".join(sys.argv), "sizes": sizes, **versions()}
    print(json.dumps(meta))
    rows = []
    for task in chosen:
        left = deadline - time.perf_counter()
        if left < 20:
            rows.append({"task": task, "error": "not started: budget spent", "wall_s": 0})
            continue
        rows.append(spawn(task, sizes, args.out, left))
        print(json.dumps({k: v for k, v in rows[-1].items() if k != "curve"}), flush=True)
        with open(args.out / "results.jsonl", "a") as f:
            f.write(json.dumps(rows[-1]) + "\n")
        (args.out / "summary.md").write_text("```\n" + json.dumps(meta, indent=1) + "\n```\n\n" + summary(rows))
    print(summary(rows))


if __name__ == "__main__":
    main()
