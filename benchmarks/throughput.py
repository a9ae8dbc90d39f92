"""Training throughput (examples/s) of registered models, with and without XLA and mixed precision.

    python benchmarks/throughput.py [--models mlp resnet20] [--batch 256] [--steps 30]

Prints one row per model and setting. On a GPU, mixed precision ("mixed_float16" on
TensorFlow, "mixed_bfloat16" elsewhere) and XLA are the settings the full profile relies on.
"""

import argparse
import time

import keras
import numpy as np

from dl_course import models, runtime


def throughput(name: str, batch: int, steps: int, jit: bool, policy: str) -> float:
    keras.mixed_precision.set_global_policy(policy)
    try:
        model = models.build(name, **models.examples()[name])
    finally:
        keras.mixed_precision.set_global_policy("float32")
    shape, classes = model.input_shape[1:], model.output_shape[-1]
    x = np.random.rand(batch, *shape).astype("float32")
    y = np.random.randint(0, classes, batch)
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy", jit_compile=jit)
    model.train_on_batch(x, y)  # compile
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return batch * steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=["mlp"])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    runtime.describe()
    half = "mixed_bfloat16" if runtime.backend() != "tensorflow" else "mixed_float16"
    print(f"\n{'model':<16} {'xla':<5} {'policy':<16} examples/s")
    for name in args.models:
        for jit in (False, True):
            for policy in ("float32", half):
                rate = throughput(name, args.batch, args.steps, jit, policy)
                print(f"{name:<16} {str(jit):<5} {policy:<16} {rate:10.0f}", flush=True)
                keras.backend.clear_session()


if __name__ == "__main__":
    main()
