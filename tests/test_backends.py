"""The package's models and training helpers run unchanged under the JAX backend."""

import pytest
from backend_run import run_under

pytest.importorskip("jax")

SCRIPT = """
import json, keras, numpy as np
from dl_course import models, train
assert keras.backend.backend() == "jax"
built = {}
for name, example in models.examples().items():
    with models.shapes_only():  # every layer built and called; drawing JAX initial values is Keras's
        built[name] = models.build(name, **example).count_params()
    keras.backend.clear_session()
m = models.build("mlp", input_shape=(8,), hidden=(16,), classes=3)
m.compile("adam", "sparse_categorical_crossentropy")
before = [w.copy() for w in m.get_weights()]
h = train.fit(m, np.random.rand(32, 8), np.random.randint(0, 3, 32), epochs=1, batch_size=32)
changed = all(not np.allclose(a, b) for a, b in zip(before, m.get_weights()))
print(json.dumps({"built": built, "changed": changed, "loss": h.history["loss"][0]}))
"""


def test_builders_and_a_training_step_under_jax():
    result = run_under("jax", SCRIPT, timeout=900)
    from dl_course import models

    assert sorted(result["built"]) == models.available()
    assert result["changed"] and result["loss"] > 0
    # same parameter counts as under TensorFlow (a few cheap ones; all are built there elsewhere)
    examples = models.examples()
    for name in ("mlp", "lenet5", "resnet20", "seq2seq_attention", "conv_autoencoder"):
        assert result["built"][name] == models.build(name, **examples[name]).count_params(), name


AUGMENT = """
import json, keras, numpy as np
from dl_course.augment import RandomCropFlip
augment = RandomCropFlip(2, seed=0)
inputs = keras.Input((8, 8, 1))
m = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(augment(inputs))))
m.compile("sgd", "sparse_categorical_crossentropy")
states = lambda: keras.ops.convert_to_numpy(augment.seed_generator.state).tolist()
before = states()
m.fit(np.random.rand(8, 8, 8, 1), np.random.randint(0, 2, 8), batch_size=4, epochs=1, verbose=0)
print(json.dumps({"jit_compile": m.jit_compile, "before": before, "after": states()}))
"""


def test_augmentation_keeps_the_model_compiled_under_jax():
    result = run_under("jax", AUGMENT)
    assert result["jit_compile"] is True  # stock RandomRotation/RandomTranslation turn it off
    assert result["before"] != result["after"]  # new random crops were drawn inside the compiled steps


WITHOUT_TENSORFLOW = """
import json, sys

# As if TensorFlow were not installed: `import tensorflow` fails and importlib.util.find_spec
# (which PyTorch uses to probe for it) answers None.
for name in ("tensorflow", "tf_keras"):
    sys.modules[name] = None
import keras, numpy as np
import dl_course
from dl_course import autodiff, book, cli, datasets, models, plot, runtime, train

report = runtime.backend_report()
runtime.describe()
(x, y), (x_test, y_test) = datasets.prepare("fashion_mnist", train=64, test=32, flatten=True)
m = models.build("mlp", input_shape=(784,), hidden=(16,), classes=10)
m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
h = train.fit(m, x, y, epochs=1, batch_size=32)
value, grad = autodiff.value_and_grad(lambda w: keras.ops.sum(w ** 2), np.arange(3.0))
print(json.dumps({"report": report, "loss": h.history["loss"][0], "grad": grad.tolist(),
                  "tensorflow": sorted(m for m, mod in sys.modules.items() if m.split(".")[0] == "tensorflow" and mod is not None)}))
"""


@pytest.mark.backend_neutral  # its subprocess names its backend: one run, in `make test`
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_package_runs_without_tensorflow(backend):
    """Under JAX or PyTorch the package never imports TensorFlow: it works where it is missing."""
    pytest.importorskip(backend)
    result = run_under(backend, WITHOUT_TENSORFLOW)
    assert result["tensorflow"] == []
    assert result["report"]["backend"] == backend and backend in result["report"]
    assert result["report"]["gpu"] == "none seen" or result["report"]["accelerators"] != "none (CPU)"
    assert result["loss"] > 0 and result["grad"] == [0.0, 2.0, 4.0]
