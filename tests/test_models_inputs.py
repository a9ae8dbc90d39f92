"""Builders refuse bad arguments by name before Keras builds a layer."""

import pytest

from dl_course import models


def takes_classifier_activation():
    import inspect

    return [n for n in models.available() if "classifier_activation" in inspect.signature(models.get(n)).parameters]


def test_every_builder_with_a_classifier_names_a_bad_activation():
    names = takes_classifier_activation()
    assert len(names) >= 30
    for name in names:
        for bad in ("softmaxx", 3):
            with pytest.raises(ValueError, match=rf"{name}: classifier_activation must be a Keras activation.*got {bad!r}"):
                models.build(name, **models.examples()[name], classifier_activation=bad)


def test_a_known_classifier_activation_still_builds():
    model = models.build("mlp", input_shape=(4,), hidden=(8,), classes=3, classifier_activation=None)
    assert model.output_shape == (None, 3)


@pytest.mark.parametrize("shape", [(0, 32, 3), (-1, 32, 3), "32x32", ()])
def test_dense_autoencoder_names_a_bad_input_shape(shape):
    with pytest.raises(ValueError, match=r"input_shape \(the shape of one example, e.g. \(784,\) or \(28, 28\)\) must be"):
        models.build("dense_autoencoder", input_shape=shape)


def test_alexnet_dropout_and_absurd_classes_are_named():
    with pytest.raises(ValueError, match=r"dropout \(a drop probability\) must be a number in \[0, 1\), got -0.1"):
        models.build("alexnet", input_shape=(64, 64, 3), dropout=-0.1)
    with pytest.raises(ValueError, match=r"classes must be a positive integer ≤ 1,000,000, got 10{40}"):
        models.build("resnet20", classes=10**40)
