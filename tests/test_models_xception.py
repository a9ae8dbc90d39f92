"""Xception (Chollet 2017): the paper's and keras.applications' parameter counts, the flows."""

import keras
import numpy as np
import pytest

from dl_course import models
from dl_course.costs import layer_table


def test_default_parameter_counts():
    model = models.build("xception")
    assert model.count_params() == 22_910_480  # keras.applications.Xception, BN statistics included
    assert layer_table(model).iloc[-1]["trainable"] == 22_855_952  # the paper's Table 3
    assert model.output_shape == (None, 1000)
    assert model.get_layer("exit3_relu").output.shape[1:] == (10, 10, 2048)


def test_all_convolutions_after_the_stem_are_separable():
    types = [type(layer).__name__ for layer in models.build("xception", input_shape=(71, 71, 3)).layers]
    assert types.count("SeparableConv2D") == 34 and types.count("Conv2D") == 2 + 4  # stem + shortcuts
    assert types.count("Add") == 3 + 8 + 1


def test_small_input_and_minimum():
    model = models.build("xception", **models.examples()["xception"])
    x = np.random.default_rng(0).random((2, 71, 71, 3), dtype="float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)).sum(axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="70×70 is too small; .* at least 71×71"):
        models.build("xception", input_shape=(70, 70, 3))
    features = models.build("xception", include_top=False, pooling="avg", input_shape=(71, 71, 3))
    assert features.output_shape == (None, 2048)
