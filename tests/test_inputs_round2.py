"""The conditional GAN, image shapes in fit, list inputs to subset and a bad DL_COURSE_DATA fail clearly."""

import numpy as np
import pytest

from dl_course import datasets, models, train


@pytest.fixture(scope="module")
def cgan():
    gan = train.GAN(models.build("cdcgan_generator", filters=(16, 8), latent_dim=8),
                    models.build("cdcgan_discriminator", filters=(8, 16)), seed=0)
    gan.compile()
    return gan


IMAGES = np.zeros((8, 28, 28, 1), "float32")
LABELS = np.arange(8) % 10


@pytest.mark.parametrize(
    "x, labels, message",
    [(IMAGES, LABELS - 1, r"labels must be class labels in \[0, 10\) for a model with 10 classes, got labels from -1"),
     (IMAGES, LABELS + 5, r"labels must be class labels in \[0, 10\).*to 12"),
     (IMAGES, np.eye(10)[LABELS], r"labels must be integer class labels, got one-hot rows of 10: pass labels.argmax\(axis=1\)"),
     (IMAGES, LABELS[:5], r"labels must have one label per image of x, got 5 labels for 8 images"),
     (IMAGES, LABELS + 0.5, r"labels must be integer class labels, got fractional values"),
     (np.zeros((8, 32, 32, 1), "float32"), LABELS,
      r"x must have shape \(n, 28, 28, 1\) for this model, got shape \(8, 32, 32, 1\): dimension 1 is 32"),
     (IMAGES.reshape(8, -1), LABELS, r"x must have shape \(n, 28, 28, 1\) for this model, got shape \(8, 784\): reshape")],
)
def test_conditional_gan_refuses_bad_labels_and_images(cgan, x, labels, message):
    with pytest.raises(ValueError, match=message):
        cgan.fit(x, labels, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=message):
        cgan.fit((x, labels), epochs=1, verbose=0)


def test_conditional_gan_still_trains_on_good_labels(cgan):
    history = cgan.fit(IMAGES, LABELS, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])


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
        train.train_classifier(net, grey, np.zeros(4, int), epochs=1, batch_size=2, lr=0.01, verbose=0)


def test_predict_on_grey_images_names_expected_and_received_channels():
    """The README's troubleshooting line quotes this message for direct ``model.predict`` calls."""
    net = models.build("resnet20", input_shape=(32, 32, 3), classes=10)
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3, "
                                         r"but received input with shape \(2, 32, 32, 1\)"):
        net.predict(np.zeros((2, 32, 32, 1), "float32"), verbose=0)

def test_subset_takes_lists():
    x, y = datasets.subset(list(range(10)), [i % 2 for i in range(10)], 3, seed=1)
    assert isinstance(x, np.ndarray) and len(x) == len(y) == 3
    assert np.array_equal(x % 2, y)


def test_data_folder_of_an_unknown_user_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DL_COURSE_DATA", "~nobody_such_user_h2/data")
    with pytest.raises(datasets.DatasetError, match=r"DL_COURSE_DATA must name a folder.*~user does not exist: set it to a full path"):
        datasets.data_dir()


def test_fit_accepts_the_trailing_axis_keras_adds_itself():
    import keras

    # softmax: the loss expects probabilities (raw zeros would make it 0/0, NaN under PyTorch)
    net = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    net.compile("sgd", "sparse_categorical_crossentropy")
    history = train.fit(net, np.zeros((4, 8, 8), "float32"), np.zeros(4, int), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
