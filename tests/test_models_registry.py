import json
import subprocess
import sys

import keras
import numpy as np
import pytest

from dl_course import models


def test_registry_lists_and_builds_mlp():
    assert "mlp" in models.available()
    assert models.available(family="mlp") == ["mlp"]
    model = models.build("mlp")
    assert model.count_params() == 235_146  # 784·256+256 + 256·128+128 + 128·10+10
    assert model.output_shape == (None, 10)


def test_unknown_model_name_suggests_close_names():
    with pytest.raises(ValueError, match=r"Unknown model 'mpl'\. Did you mean mlp\?.*Available:"):
        models.build("mpl")


def test_every_example_builds():
    for name, example in models.examples().items():
        model = models.build(name, **example)
        assert model.count_params() > 0, name
        keras.backend.clear_session()


def test_mlp_options_and_errors():
    m = models.build("mlp", input_shape=(28, 28), hidden=(), classes=10)
    assert m.count_params() == 7850  # softmax regression
    m = models.build("mlp", input_shape=(3,), hidden=(4,), classes=1, classifier_activation=None, dropout=0.5, l2=1e-3)
    assert [layer.name for layer in m.layers][-2:] == ["dropout1", "predictions"]
    assert len(m.losses) == 2  # L2 on both kernels
    with pytest.raises(ValueError, match="classes must be a positive integer"):
        models.build("mlp", classes=0)
    with pytest.raises(ValueError, match=r"dropout \(a drop probability\) must be a number in \[0, 1\), got 1\.0"):
        models.build("mlp", dropout=1.0)
    with pytest.raises(ValueError, match=r"l2 \(a penalty coefficient\) must be a number ≥ 0, got -1"):
        models.build("mlp", l2=-1)
    with pytest.raises(ValueError, match=r"hidden must be a tuple of positive integers, got \(8, 0\)"):
        models.build("mlp", hidden=(8, 0))


@pytest.mark.parametrize("activation", ["swish", "selu", "softplus", keras.activations.mish])
def test_mlp_takes_any_keras_activation(activation):
    m = models.build("mlp", input_shape=(3,), hidden=(4,), classes=2, activation=activation)
    assert m.get_layer("dense1").activation is keras.activations.get(activation)
    assert m.predict(np.ones((2, 3), "float32"), verbose=0).shape == (2, 2)


def test_mlp_names_a_mistyped_activation():
    with pytest.raises(ValueError, match=r"activation must be a Keras activation .*'swish'.*got 'swishy'"):
        models.build("mlp", activation="swishy")


def test_mlp_learns_and_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    x = np.random.rand(256, 2).astype("float32")
    y = (x[:, 0] > x[:, 1]).astype("int64")
    m = models.build("mlp", input_shape=(2,), hidden=(16,), classes=2)
    m.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy", metrics=["accuracy"])
    h = m.fit(x, y, epochs=20, batch_size=32, verbose=0)
    assert h.history["accuracy"][-1] > 0.9
    path = tmp_path / "mlp.keras"
    m.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict(x, verbose=0), m.predict(x, verbose=0), atol=1e-6)


def test_get_needs_a_model_name():
    with pytest.raises(ValueError, match=r"model name must be a string such as 'resnet18', got None"):
        models.get(None)


def test_mlp_rejects_empty_feature_sizes():
    for shape in ((0,), (), (28, -1), 784):
        with pytest.raises(ValueError, match="input_shape"):
            models.build("mlp", input_shape=shape)


LOAD_SCRIPT = """
import json, sys
import numpy as np
import dl_course  # the only import of the package: it must register every custom object
import keras

errors = {}
for path in sys.argv[1:]:
    model = keras.models.load_model(path, safe_mode=True)
    data = np.load(path + ".npz")
    inputs = [data[k] for k in sorted(data) if k.startswith("x")]
    got = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    errors[path] = float(np.max(np.abs(got - data["y"])))
print(json.dumps(errors))
"""


def test_saved_models_load_in_a_new_process_after_import_dl_course(tmp_path):
    from dl_course.train import GAN

    rng = np.random.default_rng(0)
    gan = GAN(models.build("gan_generator", hidden=(8,)), models.build("gan_discriminator", hidden=(8,)))
    gan.compile()
    cases = {
        "lenet5": (models.build("lenet5"), [rng.random((2, 32, 32, 1))]),
        "alexnet": (models.build("alexnet", input_shape=(64, 64, 3), classes=10), [rng.random((2, 64, 64, 3))]),
        "googlenet": (models.build("googlenet", input_shape=(32, 32, 3), classes=10), [rng.random((2, 32, 32, 3))]),
        "resnet20": (models.build("resnet20"), [rng.random((2, 32, 32, 3))]),
        "cdcgan_discriminator": (models.build("cdcgan_discriminator", filters=(8, 16)),
                                 [rng.random((2, 28, 28, 1)), np.array([3, 7])]),
        "gan": (gan, [rng.random((2, 2))]),
    }  # fmt: skip
    paths = []
    for name, (model, inputs) in cases.items():
        inputs = [x.astype("int32" if x.dtype.kind == "i" else "float32") for x in inputs]
        path = str(tmp_path / f"{name}.keras")
        model.save(path)
        y = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        np.savez(path + ".npz", y=y, **{f"x{i}": x for i, x in enumerate(inputs)})
        paths.append(path)
    out = subprocess.run([sys.executable, "-c", LOAD_SCRIPT, *paths], capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    errors = json.loads(out.stdout.strip().splitlines()[-1])
    assert all(error < 1e-5 for error in errors.values()), errors


@pytest.mark.parametrize("name", ["gan_generator", "dcgan_generator", "cdcgan_generator"])
def test_generators_need_a_latent_space(name):
    with pytest.raises(ValueError, match="latent_dim must be a positive integer, got 0"):
        models.build(name, latent_dim=0)
    assert models.build(name, **{**models.examples()[name], "latent_dim": np.int64(3)}).inputs[0].shape[-1] == 3


def test_shapes_only_counts_like_a_full_build_and_leaves_nothing_to_initialise():
    from keras.src.backend.common import global_state

    from dl_course.costs import cost

    with models.shapes_only():
        skeleton = models.build("lenet5")
    full = models.build("lenet5")
    assert cost(skeleton) == cost(full) and skeleton.count_params() == full.count_params()
    assert all(v._value is None for v in skeleton.weights)  # no initial values were drawn
    assert not global_state.get_global_attribute("uninitialized_variables")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert tuple(model(np.ones((1, 3), "float32")).shape) == (1, 2)  # later models still initialise
    assert all(v._value is None for v in skeleton.weights)


def test_unknown_keyword_names_the_builder_and_the_keyword_meant():
    import inspect

    takers = [n for n in models.available() if "classifier_activation" in inspect.signature(models.get(n)).parameters]
    assert len(takers) >= 32
    for name in takers:  # refused before any layer is built
        meant = r": did you mean classes=\?" if "classes" in inspect.signature(models.get(name)).parameters else r"\."
        with pytest.raises(TypeError, match=rf"^{name}\(\) got an unexpected keyword argument 'num_classes'{meant} {name} takes"):
            models.build(name, num_classes=10)
    from dl_course.models.alexnet import alexnet

    with pytest.raises(TypeError, match=r"^alexnet\(\) got an unexpected keyword argument 'clases': did you mean classes=\?"):
        alexnet(clases=10)
    with pytest.raises(TypeError, match=r"^alexnet\(\) too many positional arguments; it takes include_top, weights"):
        alexnet(True, None, None, None, None, 10, "softmax", "alexnet", 2, True, 0.5, "extra")
    with pytest.raises(TypeError, match=r"^mlp\(\) got an unexpected keyword argument 'colour'\. mlp takes"):
        models.build("mlp", colour="red")


def test_mlp_batch_norm_sits_between_weighted_sum_and_activation():
    m = models.build("mlp", input_shape=(5,), hidden=(4, 3), batch_norm=True, bn_momentum=0.9)
    kinds = [type(layer).__name__ for layer in m.layers[1:]]
    assert kinds == ["Dense", "BatchNormalization", "Activation"] * 2 + ["Dense"]
    assert m.get_layer("bn1").momentum == 0.9 and not m.get_layer("dense1").use_bias
    # 5·4 + 4·3 weights without biases, γ and β of 4 + 3 units, the 3·10 + 10 output layer
    assert sum(int(np.prod(w.shape)) for w in m.trainable_weights) == 20 + 12 + 2 * 7 + 40
    with pytest.raises(ValueError, match="bn_momentum"):
        models.build("mlp", batch_norm=True, bn_momentum=1.5)
