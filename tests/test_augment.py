"""RandomCropFlip (He et al. 2016 augmentation) and the warm-up cosine schedule."""

import keras
import numpy as np
import pytest

from dl_course import train
from dl_course.augment import RandomCropFlip
from dl_course.lessons import ch04_cnn_architectures as ch04


def test_crops_are_windows_of_the_padded_image_possibly_mirrored():
    x = np.arange(4 * 6 * 6 * 2, dtype="float32").reshape(4, 6, 6, 2) + 1
    y = keras.ops.convert_to_numpy(RandomCropFlip(2, seed=3)(x, training=True))
    padded = np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)))
    for img, out in zip(padded, y):
        windows = [w for dy in range(5) for dx in range(5) for w in (img[dy:dy + 6, dx:dx + 6], img[dy:dy + 6, dx:dx + 6][:, ::-1])]
        assert any(np.array_equal(out, w) for w in windows)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(RandomCropFlip(2)(x)), x)  # inference: identity


def test_a_model_with_it_keeps_jit_compile():
    model = keras.Sequential([keras.Input((8, 8, 1)), RandomCropFlip(1, seed=0), keras.layers.Flatten(), keras.layers.Dense(2)])
    model.compile("sgd", "mse", jit_compile=True)
    assert model.jit_compile


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"padding \(zeros on each side\) must be an integer ≥ 0"):
        RandomCropFlip(-1)
    with pytest.raises(ValueError, match=r"padding .* got True"):
        RandomCropFlip(True)
    with pytest.raises(ValueError, match=r"warmup \(a share of the steps\) must be a number in \[0, 1\), got 1.5"):
        train.warmup_cosine(0.1, 100, warmup=1.5)
    with pytest.raises(ValueError, match="optimizer must be one of 'sgd', 'adam', got 'rmsprop'"):
        ch04.train_classifier(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]), np.zeros((2, 4)),
                               np.zeros(2), epochs=1, batch_size=2, lr=0.1, optimizer="rmsprop")


def test_warmup_cosine_rises_then_falls_to_zero():
    schedule = train.warmup_cosine(0.1, 100, warmup=0.2)
    lr = [float(schedule(step)) for step in (0, 20, 60, 100)]
    assert lr[0] == pytest.approx(0.01) and lr[1] == pytest.approx(0.1) and 0 < lr[2] < 0.1 and lr[3] == pytest.approx(0, abs=1e-7)
    from_zero = train.warmup_cosine(0.1, 100, warmup=0.2, start=0.0)  # chapter 09's Transformer warm-up
    assert [float(from_zero(step)) for step in (0, 10, 20)] == pytest.approx([0.0, 0.05, 0.1])
