"""Multi-device training (``runtime.scope``) and the accelerator decision (``runtime.acceleration``)."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from dl_course import models, runtime, train

# A fit under runtime.scope() over two logical CPU devices against the same fit on one device:
# same seed, data, batch order (no shuffling) and SGD steps; the all-reduced mean gradient equals
# the single-device one up to float32 summation order, so the weights agree within TOLERANCE.
TOLERANCE = 1e-5
FIT_SCRIPT = """
import json, sys
import numpy as np
{setup}
import keras
from dl_course import models, runtime

def fit(devices):
    runtime.set_seed(0)
    with runtime.scope(devices):
        model = models.build("mlp", input_shape=(6,), hidden=(16,), classes=3)
        model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
        rng = np.random.default_rng(1)
        x, y = rng.normal(size=(256, 6)).astype("float32"), rng.integers(0, 3, 256)
        model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
    return model.get_weights(), replicas(model)

def replicas(model):
    if keras.backend.backend() == "jax":
        return len(model.trainable_weights[0].value.sharding.device_set)
    return model.distribute_strategy.num_replicas_in_sync

(one, n_one), (two, n_two) = fit({single}), fit({devices})
print(json.dumps({{"backend": keras.backend.backend(), "replicas": [n_one, n_two],
                  "max_diff": max(float(np.abs(a - b).max()) for a, b in zip(one, two))}}))
"""
BACKENDS = {
    "tensorflow": dict(
        setup="import tensorflow as tf\ntf.config.set_logical_device_configuration(tf.config.list_physical_devices('CPU')[0], "
        "[tf.config.LogicalDeviceConfiguration()] * 2)",
        single="None",  # the default strategy: one device
        devices='["/cpu:0", "/cpu:1"]',
        env={"KERAS_BACKEND": "tensorflow"},  # tf.distribute, whatever backend the test run uses
    ),
    "jax": dict(
        setup="",
        single='["cpu:0"]',
        devices="None",  # all visible devices: the two forced host devices
        env={"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "XLA_FLAGS": "--xla_force_host_platform_device_count=2"},
    ),
}


@pytest.mark.backend_neutral  # its subprocess names its backend: one run, in `make test`
@pytest.mark.parametrize("backend", BACKENDS)
def test_fit_on_two_devices_matches_one_device(backend):
    case = BACKENDS[backend]
    pytest.importorskip(backend)
    script = FIT_SCRIPT.format(setup=case["setup"], single=case["single"], devices=case["devices"])
    env = {**os.environ, **case["env"]}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["backend"] == backend and result["replicas"] == [1, 2]
    assert result["max_diff"] < TOLERANCE, result


def test_distribution_is_data_parallel_over_visible_jax_devices():
    pytest.importorskip("jax")
    script = (
        "from dl_course import runtime\nd = runtime.distribution()\n"
        "print(type(d).__name__, d.device_mesh.devices.size, runtime.distribution(['cpu:0']))"
    )
    env = {**os.environ, **BACKENDS["jax"]["env"]}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "DataParallel 2 None"


@pytest.mark.parametrize(
    "kinds, profile, expected",
    [
        (("GPU",), "full", ("mixed_float16", True, True)),
        (("TPU",), "full", ("mixed_bfloat16", True, True)),
        ((), "full", ("float32", False, False)),
        (("GPU",), "fast", ("float32", False, False)),
        (("TPU",), "fast", ("float32", False, False)),
    ],
)
def test_acceleration_decision_per_hardware_and_profile(kinds, profile, expected):
    choice = runtime.acceleration(kinds, profile)
    assert (choice.precision, choice.jit_compile, choice.prefetch) == expected


@pytest.fixture
def simulated(monkeypatch):
    """Pretend the backend sees ``kinds``; restore the float32 policy afterwards."""

    def see(*kinds):
        monkeypatch.setattr(runtime.backends, "accelerators", lambda: kinds)

    yield see
    keras.config.set_dtype_policy("float32")


@pytest.mark.parametrize("kind, compute", [("GPU", "float16"), ("TPU", "bfloat16")])
def test_mixed_precision_keeps_outputs_and_loss_in_float32(simulated, monkeypatch, kind, compute):
    monkeypatch.setenv("DL_COURSE_PROFILE", "full")
    simulated(kind)
    assert runtime.accelerate().precision == f"mixed_{compute}"
    model = models.build("lenet5")
    assert model.get_layer("C1").compute_dtype == compute
    assert keras.backend.standardize_dtype(model.outputs[0].dtype) == "float32"
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = np.random.rand(8, 32, 32, 1).astype("float32"), np.random.randint(0, 10, 8)
    loss = model.train_on_batch(x, y)
    assert np.isfinite(loss) and keras.backend.standardize_dtype(model(x).dtype) == "float32"


@pytest.mark.tensorflow_backend
def test_fit_compiles_with_xla_and_prefetches_on_a_simulated_gpu(simulated, monkeypatch):
    import tensorflow as tf

    monkeypatch.setenv("DL_COURSE_PROFILE", "full")
    simulated("GPU")
    model = models.build("mlp", input_shape=(4,), hidden=(8,), classes=3)
    model.compile("sgd", "sparse_categorical_crossentropy", jit_compile=False)
    seen = {}
    monkeypatch.setattr(model, "fit", lambda x, y=None, **kw: seen.setdefault("x", x) and keras.callbacks.History())
    data = tf.data.Dataset.from_tensor_slices((np.random.rand(16, 4), np.zeros(16))).batch(4)
    train.fit(model, data, epochs=1)
    assert model.jit_compile is True
    assert "Prefetch" in type(seen["x"]).__name__


def test_fast_profile_changes_nothing(simulated, monkeypatch):
    monkeypatch.setenv("DL_COURSE_PROFILE", "fast")
    simulated("GPU")
    assert runtime.accelerate().precision == "float32"
    model = models.build("mlp", input_shape=(4,), hidden=(8,), classes=3)
    model.compile("sgd", "sparse_categorical_crossentropy", jit_compile=False)
    train.fit(model, np.random.rand(8, 4), np.zeros(8), epochs=1, verbose=0)
    assert model.jit_compile is False and len(model.layers) == len(models.build("mlp", input_shape=(4,), hidden=(8,), classes=3).layers)
