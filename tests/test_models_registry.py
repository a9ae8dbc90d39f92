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
    with pytest.raises(ValueError, match="activation must be one of"):
        models.build("mlp", activation="swishy")
    with pytest.raises(ValueError, match=r"dropout is a drop probability in \[0, 1\)"):
        models.build("mlp", dropout=1.0)


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
