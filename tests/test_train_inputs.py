"""fit and train_classifier refuse careless input with errors naming the argument; backups delete nothing."""

import json

import numpy as np
import pytest

from dl_course import models, train
from dl_course.lessons import ch04_cnn_architectures as ch04


def compiled(loss="sparse_categorical_crossentropy", lr=0.01, classes=3):
    import keras

    model = models.build("mlp", input_shape=(4,), hidden=(8,), classes=classes)
    model.compile(optimizer=keras.optimizers.SGD(lr), loss=loss)
    return model


X, Y = np.random.default_rng(0).normal(size=(32, 4)).astype("float32"), np.arange(32) % 3


def with_nan(values):
    values = values.copy()
    values[3, 1] = np.nan
    return values


@pytest.mark.parametrize(
    "x, y, kwargs, message",
    [(with_nan(X), Y, {}, r"x must hold finite numbers, got 1 NaN or infinite"),
     (X * np.inf, Y, {}, r"x must hold finite numbers"),
     (X[:0], Y[:0], {}, r"x must hold at least one example"),
     (X, Y[:20], {}, r"y must have one label per example of x, got 20 labels for 32"),
     (X, Y, dict(epochs=0), r"epochs must be a positive integer, got 0"),
     (X, Y, dict(epochs=-2), r"epochs must be a positive integer"),
     (X, Y, dict(batch_size=0), r"batch_size must be a positive integer, got 0"),
     (X, Y + 0.5, {}, r"y must be integer class labels, got fractional values such as 0.5"),
     (X, Y + 1, {}, r"y must be class labels in \[0, 3\) for a model with 3 outputs, got labels from 1 to 3"),
     (X, Y - 1, {}, r"y must be class labels in \[0, 3\).*from -1"),
     (X, np.eye(3)[Y], {}, r"got one-hot rows of 3: pass y.argmax\(axis=1\)")],
)
def test_fit_refuses_what_would_train_nonsense(x, y, kwargs, message):
    model = compiled()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=message):
        train.fit(model, x, y, verbose=0, **{"epochs": 1, **kwargs})
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights())), "nothing trained"


@pytest.mark.parametrize("lr", [float("nan"), -0.1, 0.0])
def test_fit_refuses_a_learning_rate_that_is_not_positive(lr):
    with pytest.raises(ValueError, match=r"lr \(the optimizer's learning rate\) must be a finite number > 0"):
        train.fit(compiled(lr=lr), X, Y, epochs=1, verbose=0)


def test_fit_refuses_an_uncompiled_model():
    with pytest.raises(ValueError, match=r"model must be compiled before fit.*call model.compile"):
        train.fit(models.build("mlp", input_shape=(4,), hidden=(8,), classes=3), X, Y, epochs=1, verbose=0)


def test_fit_accepts_float_labels_that_are_whole_and_one_hot_with_the_dense_loss():
    train.fit(compiled(), X, Y.astype("float32"), epochs=1, verbose=0)
    train.fit(compiled(loss="categorical_crossentropy"), X, np.eye(3)[Y], epochs=1, verbose=0)


@pytest.mark.parametrize(
    "kwargs, message",
    [(dict(epochs=0), r"epochs must be a positive integer, got 0"),
     (dict(batch_size=0), r"batch_size must be a positive integer, got 0"),
     (dict(lr=float("nan")), r"lr \(the peak learning rate\) must be a number > 0, got nan"),
     (dict(lr=-0.1), r"lr \(the peak learning rate\) must be a number > 0"),
     (dict(lr=float("inf")), r"lr \(the peak learning rate\) must be a finite number > 0")],
)
def test_train_classifier_checks_its_arguments(kwargs, message):
    net = models.build("mlp", input_shape=(4,), hidden=(8,), classes=3)
    with pytest.raises(ValueError, match=message):
        ch04.train_classifier(net, X, Y, **{"epochs": 1, "batch_size": 8, "lr": 0.01, **kwargs})


def test_train_classifier_refuses_empty_data():
    net = models.build("mlp", input_shape=(4,), hidden=(8,), classes=3)
    with pytest.raises(ValueError, match="x must hold at least one example"):
        ch04.train_classifier(net, X[:0], Y[:0], epochs=1, batch_size=8, lr=0.01)


def test_backup_dir_with_other_files_is_refused_and_kept(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(train.BackupError, match=r"backup_dir must be a folder for the backup alone.*notes.txt"):
        train.fit(compiled(), X, Y, epochs=1, verbose=0, backup_dir=tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_backup_dir_that_is_a_file_or_empty_string_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(train.BackupError, match="backup_dir must be a folder, got the file"):
        train.fit(compiled(), X, Y, epochs=1, verbose=0, backup_dir=tmp_path / "f")
    with pytest.raises(ValueError, match=r"backup_dir must be a folder path such as train.run_dir"):
        train.fit(compiled(), X, Y, epochs=1, verbose=0, backup_dir="")


def interrupted_backup(folder):
    with pytest.raises(train.Interrupted):
        train.fit(compiled(), X, Y, epochs=3, verbose=0, backup_dir=folder, callbacks=[train.InterruptAt(2)])
    assert sorted(p.name for p in folder.iterdir()) == ["latest.weights.h5", "training_metadata.json"]


@pytest.mark.parametrize(
    "damage, message",
    [(lambda f: (f / "latest.weights.h5").unlink(), "latest.weights.h5 is missing or unreadable"),
     (lambda f: (f / "latest.weights.h5").write_bytes(b"garbage"), "latest.weights.h5 is missing or unreadable"),
     (lambda f: (f / "training_metadata.json").write_text(""), "training_metadata.json is missing or unreadable"),
     (lambda f: (f / "training_metadata.json").write_text(json.dumps({"epoch": "two"})), "training_metadata.json"),
     (lambda f: (f / "training_metadata.json").unlink(), "training_metadata.json is missing")],
)
def test_damaged_backup_is_a_clear_error_naming_the_folder(tmp_path, damage, message):
    folder = tmp_path / "run"
    interrupted_backup(folder)
    damage(folder)
    with pytest.raises(train.BackupError, match=rf"The backup in .*run is damaged: {message}.*delete the folder to start over"):
        train.fit(compiled(), X, Y, epochs=3, verbose=0, backup_dir=folder)


def test_whole_backup_in_an_existing_folder_resumes_and_is_removed(tmp_path):
    folder = tmp_path / "run"
    interrupted_backup(folder)
    history = train.fit(compiled(), X, Y, epochs=3, verbose=0, backup_dir=folder)
    assert history.epoch == [2] and not folder.exists()


@pytest.mark.parametrize("epoch", [-1, "1", 1.0, True])
def test_interrupt_at_refuses_an_epoch_it_could_never_reach(epoch):
    with pytest.raises(ValueError, match=r"epoch \(counted from 0\) must be an integer ≥ 0"):
        train.InterruptAt(epoch)


def test_fit_names_the_image_dimension_that_differs():
    import keras

    net = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(10)])
    net.compile("sgd", "sparse_categorical_crossentropy")
    grey = np.zeros((4, 8, 8, 1), "float32")
    with pytest.raises(ValueError, match=r"x must have shape \(n, 8, 8, 3\).*dimension 3 is 1, the model takes 3; "
                                         r"repeat the grey channel: np.repeat\(x, 3, axis=-1\)"):
        train.fit(net, grey, np.zeros(4, int), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"validation_data\[0\] must have shape \(n, 8, 8, 3\).*dimension 3 is 1"):
        train.fit(net, grey[..., [0, 0, 0]], np.zeros(4, int), validation_data=(grey, np.zeros(4, int)), verbose=0)
    with pytest.raises(ValueError, match=r"x must have shape \(n, 8, 8, 3\) for this model, got shape \(4, 8, 8\): "
                                         r"give grey images 3 channels: np.repeat\(x\[..., None\], 3, axis=-1\)"):
        train.fit(net, grey[..., 0], np.zeros(4, int), verbose=0)
    with pytest.raises(ValueError, match=r"dimension 3 is 1, the model takes 3"):
        ch04.train_classifier(net, grey, np.zeros(4, int), epochs=1, batch_size=2, lr=0.01, verbose=0)


def test_predict_on_grey_images_names_expected_and_received_channels():
    """The README's troubleshooting line quotes this message for direct ``model.predict`` calls."""
    net = models.build("resnet20", input_shape=(32, 32, 3), classes=10)
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3, "
                                         r"but received input with shape \(2, 32, 32, 1\)"):
        net.predict(np.zeros((2, 32, 32, 1), "float32"), verbose=0)


def test_fit_accepts_the_trailing_axis_keras_adds_itself():
    import keras

    # softmax: the loss expects probabilities (raw zeros would make it 0/0, NaN under PyTorch)
    net = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    net.compile("sgd", "sparse_categorical_crossentropy")
    history = train.fit(net, np.zeros((4, 8, 8), "float32"), np.zeros(4, int), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_fit_takes_nested_lists_as_arrays():
    from_arrays, from_lists = compiled(), compiled()
    from_lists.set_weights(from_arrays.get_weights())
    train.fit(from_arrays, X, Y, epochs=1, shuffle=False, verbose=0)
    validation = (X[:4].tolist(), Y[:4].tolist())
    history = train.fit(from_lists, x=X.tolist(), y=Y.tolist(), validation_data=validation, epochs=1,
                        shuffle=False, verbose=0)
    assert "val_loss" in history.history
    for a, b in zip(from_arrays.get_weights(), from_lists.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize(
    "x, message",
    [([[0.1257] * 4] * 31 + [[0.5] * 3], r"x must be an array whose rows all have the same length, got a list of 32 rows "
                                          r"of lengths 3, 4…: pad or cut them"),
     ([["a"] * 4] * 32, r"x must hold numbers, got a list of strings: convert them to numbers first")],
)
def test_fit_refuses_a_list_that_is_no_array_without_printing_it(x, message):
    with pytest.raises(ValueError, match=message) as caught:
        train.fit(compiled(), x=x, y=Y, epochs=1, verbose=0)
    assert "0.1257" not in str(caught.value) and "'a'" not in str(caught.value)
