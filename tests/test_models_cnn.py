"""Chapter-04 model zoo: parameter counts against the papers, shapes, argument errors."""

import re

import keras
import numpy as np
import pytest

from dl_course import models
from dl_course.models import blocks

FAMILIES = ("alexnet", "vgg", "nin", "googlenet", "resnet", "densenet", "mobilenet")
NAMES = [n for f in FAMILIES for n in models.available(f)]

# Published trainable-parameter counts of the default ImageNet configurations (224×224×3,
# 1000 classes) and of the CIFAR ResNet-20 (32×32×3, 10 classes); tolerance 0.5 %.
PAPER = {
    "alexnet": 60_965_224,
    "vgg16": 138_357_544,
    "vgg19": 143_667_240,
    "googlenet": 6_998_552,
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "densenet121": 7_978_856,
    "mobilenet_v1": 4_231_976,
    "mobilenet_v2": 3_504_872,
    "resnet20": 269_722,
}
EXACT = ("vgg16", "vgg19")
VGG = ("vgg11", "vgg13", "vgg16", "vgg19")
CIFAR = ("resnet20", "resnet32", "resnet44", "resnet56", "resnet110")
MINIMUM = {"alexnet": 63, "nin": 67, **dict.fromkeys(CIFAR, 4)}  # others: 32, the total stride


def trainable(model) -> int:
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def documented_count(name) -> int:
    """The parameter count a builder's docstring states in bold, e.g. ``**11,689,512**``."""
    found = re.search(r"\*\*([\d,]+)\*\*", models.get(name).__doc__ or "")
    assert found, f"{name}: the docstring states no parameter count"
    return int(found.group(1).replace(",", ""))


@pytest.fixture(autouse=True)
def _fresh_session():
    yield
    keras.backend.clear_session()


def test_every_family_and_paper_count_is_registered():
    # NAMES comes from module names: a renamed or missing family would drop out of every test below
    assert set(FAMILIES) <= set(models.families())
    assert set(PAPER) | set(VGG) | set(CIFAR) <= set(NAMES)
    # a CNN builder whose docstring states a parameter count has it checked here; Xception's and the
    # Transformers' counts are checked in test_models_xception.py and test_models_transformer.py
    elsewhere = {"xception", *models.available("transformer")}
    documented = {n for n in models.available() if re.search(r"\*\*[\d,]+\*\*", models.get(n).__doc__ or "")}
    assert documented - elsewhere == set(NAMES), "add the builder's module to FAMILIES"


@pytest.mark.parametrize("name", NAMES)
def test_parameter_count_matches_docstring_and_paper(name):
    # Only AlexNet's and VGG's dense layers depend on the input size; the other models end in
    # global average pooling, so their default count is checked on a small input (faster).
    small = (
        {}
        if name in ("alexnet", *VGG, *CIFAR)
        else {"input_shape": (MINIMUM.get(name, 32),) * 2 + (3,)}
    )
    with models.shapes_only():  # counting needs shapes, not initial values (most of a large model's build)
        model = models.build(name, **small)
    count = trainable(model)
    assert count == documented_count(name)
    if name in EXACT:
        assert count == PAPER[name]
    elif name in PAPER:
        assert abs(count - PAPER[name]) <= 0.005 * PAPER[name]
    assert model.output_shape == (None, 10 if name in CIFAR else 1000)


@pytest.mark.parametrize(
    "name", ["alexnet", "vgg11", "nin", "googlenet", "resnet20", "mobilenet_v3_small"]
)
def test_small_input_forward_pass(name):
    example = models.examples()[name]
    model = models.build(name, **example)
    x = np.random.default_rng(0).random((2, *example["input_shape"]), dtype="float32")
    y = keras.ops.convert_to_numpy(model(x, training=False))
    assert y.shape == (2, 10)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_examples_are_small_cifar_sized_models(name):
    example = models.examples()[name]
    assert example["classes"] == 10 and example["input_shape"][0] <= 67


@pytest.mark.parametrize("name", NAMES)
def test_too_small_input_names_the_minimum(name):
    side = MINIMUM.get(name, 32)
    with pytest.raises(
        ValueError, match=rf"{side - 1}×{side - 1} is too small; .* at least {side}×{side}"
    ):
        models.build(name, input_shape=(side - 1, side - 1, 3))


@pytest.mark.parametrize("name, side", [("alexnet", 63), ("nin", 67), ("vgg11", 32)])
def test_valid_padding_models_build_exactly_at_their_minimum(name, side):
    model = (
        models.build(name, input_shape=(side, side, 3), classes=10, fc_units=8)
        if name == "vgg11"
        else models.build(name, input_shape=(side, side, 3), classes=10)
    )
    assert model.output_shape == (None, 10)


@pytest.mark.parametrize("name", ["vgg11", "resnet20", "mobilenet_v3_small"])
def test_bad_classes_and_pooling(name):
    with pytest.raises(ValueError, match="classes must be a positive integer"):
        models.build(name, classes=0)
    with pytest.raises(ValueError, match="pooling must be one of"):
        models.build(name, include_top=False, pooling="sum")
    with pytest.raises(ValueError, match="pooling applies only with include_top=False"):
        models.build(name, pooling="avg")


@pytest.mark.parametrize(
    "name, kwargs, channels",
    [("vgg11", {}, 512), ("alexnet", {"input_shape": (64, 64, 3)}, 256), ("nin", {"input_shape": (67, 67, 3)}, 384),
     ("resnet20", {}, 64), ("mobilenet_v1", {"alpha": 0.25}, 256)],
)  # fmt: skip
def test_include_top_false_with_pooling(name, kwargs, channels):
    kwargs = {"input_shape": (32, 32, 3), **kwargs}
    assert models.build(name, include_top=False, pooling="avg", **kwargs).output_shape == (
        None,
        channels,
    )
    assert models.build(name, include_top=False, pooling="max", **kwargs).output_shape == (
        None,
        channels,
    )
    assert models.build(name, include_top=False, **kwargs).output_shape[-1] == channels


def test_alexnet_groups_are_the_two_gpu_split():
    one_gpu = models.build("alexnet", groups=1)
    assert trainable(one_gpu) == 62_378_344  # conv2/4/5 see all channels: +1,413,120
    grouped = models.build("alexnet", input_shape=(64, 64, 3))
    assert [grouped.get_layer(n).kernel.shape[2] for n in ("conv2", "conv3", "conv4", "conv5")] == [
        48,
        256,
        192,
        192,
    ]
    with pytest.raises(ValueError, match=r"groups must be one of 1 \(one GPU\), 2 \(the paper's two GPUs\), got 4"):
        models.build("alexnet", groups=4)
    with pytest.raises(ValueError, match="groups=3 must divide both the input channels"):
        blocks.grouped_conv(keras.Input((8, 8, 4)), 6, 3, 3, name="g")


def test_googlenet_inception_3a_and_auxiliary_heads():
    model = models.build("googlenet", aux_logits=True, input_shape=(96, 96, 3), classes=10)
    assert model.get_layer("inception3a_concat").output.shape[-1] == 256  # 64 + 128 + 32 + 32
    assert model.get_layer("inception3a_concat").output.shape[1:3] == (12, 12)  # 96 / 8
    assert [tuple(o.shape) for o in model.outputs] == [(None, 10)] * 3
    with pytest.raises(ValueError, match="at least 65×65"):
        models.build("googlenet", aux_logits=True, input_shape=(64, 64, 3))


def test_cifar_resnet_shortcuts():
    a = models.build("resnet20")
    b = models.build("resnet20", shortcut="B")
    assert trainable(b) - trainable(a) == (16 * 32 + 2 * 32) + (
        32 * 64 + 2 * 64
    )  # two 1×1 projections + BN
    x = keras.ops.reshape(keras.ops.arange(2 * 5 * 5 * 3, dtype="float32"), (2, 5, 5, 3))
    y = keras.ops.convert_to_numpy(blocks.ZeroPadShortcut(8, 2)(x))
    assert y.shape == (2, 3, 3, 8)
    np.testing.assert_array_equal(y[..., :3], keras.ops.convert_to_numpy(x)[:, ::2, ::2, :])
    assert not y[..., 3:].any()
    with pytest.raises(ValueError, match=r"shortcut must be one of 'A' \(zero padding\), 'B' \(1×1 projection\), got 'C'"):
        models.build("resnet20", shortcut="C")


def test_local_response_norm_matches_the_formula():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(1, 2, 2, 7)).astype("float32") * 30
    b = keras.ops.convert_to_numpy(blocks.LocalResponseNorm(depth=5)(a))
    expected = np.empty_like(a)
    for i in range(7):
        window = (a[..., max(0, i - 2) : i + 3] ** 2).sum(-1)
        expected[..., i] = a[..., i] / (2 + 1e-4 * window) ** 0.75
    np.testing.assert_allclose(b, expected, rtol=1e-5)


def test_blocks_channels_and_costs():
    x = keras.Input((28, 28, 192))
    assert blocks.inception_module(x, 64, 96, 128, 16, 32, 32, name="i").shape[-1] == 256
    assert blocks.dense_block(keras.Input((8, 8, 64)), 6, 32, name="d").shape[-1] == 64 + 6 * 32
    assert blocks.squeeze_excite(keras.Input((4, 4, 24)), 8, name="se").shape[-1] == 24
    assert [blocks.make_divisible(v) for v in (32 * 0.35, 16, 72 / 4, 100)] == [16, 16, 24, 104]


def test_mobilenet_alpha_scales_width():
    assert (
        models.build(
            "mobilenet_v1", alpha=0.5, input_shape=(32, 32, 3), include_top=False
        ).output_shape[-1]
        == 512
    )
    with pytest.raises(ValueError, match=r"alpha \(the width multiplier\) must be a number > 0, got 0"):
        models.build("mobilenet_v2", alpha=0)


def test_custom_layers_round_trip(tmp_path):
    model = models.build("resnet20", input_shape=(8, 8, 3))
    path = tmp_path / "resnet20.keras"
    model.save(path)
    x = np.random.default_rng(2).random((2, 8, 8, 3), dtype="float32")
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(
        restored.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )


# --------------------------------------------------------------------------- keras.applications conventions

APPLICATIONS = NAMES + ["lenet5", "dcgan_discriminator"]
ONE_PER_FAMILY = ["lenet5", "alexnet", "vgg11", "nin", "googlenet", "resnet18", "resnet20", "densenet121",
                  "mobilenet_v2", "dcgan_discriminator"]  # fmt: skip
FLATTENING = ("lenet5", "alexnet", "vgg11", "dcgan_discriminator")  # include_top=True needs a fixed size


def small(name, **kwargs):
    """The builder's example arguments (a small, quick model) updated with ``kwargs``."""
    return {**models.examples()[name], **kwargs}


@pytest.mark.parametrize("name", APPLICATIONS)
def test_weights_other_than_none_say_none_are_shipped(name):
    # weights=None builds: test_every_example_builds (tests/test_models_registry.py) builds every example
    for weights in ("imagenet", "my_weights.weights.h5"):
        with pytest.raises(ValueError, match=r"no pretrained weights are shipped.*model\.load_weights\(path\)"):
            models.build(name, weights=weights)


@pytest.mark.parametrize("name", ["lenet5", "vgg11", "resnet20", "mobilenet_v3_small", "dcgan_discriminator"])
def test_classes_of_any_integer_type_but_not_bool(name):
    model = models.build(name, **small(name, classes=np.int64(7)))
    assert model.output_shape[-1] == 7 and model.get_layer(index=-1).get_config()["units"] == 7
    with pytest.raises(ValueError, match="classes must be a positive integer, got True"):
        models.build(name, classes=True)
    with pytest.raises(ValueError, match="include_top must be True or False, got 'no'"):
        models.build(name, include_top="no")


@pytest.mark.parametrize("name", ONE_PER_FAMILY)
def test_input_tensor_as_keras_applications_takes_it(name):
    example = small(name)
    shape = example.pop("input_shape")
    reference = models.build(name, input_shape=shape, **example).count_params()
    keras.backend.clear_session()
    image = keras.Input(shape=shape)
    model = models.build(name, input_tensor=image, **example)
    assert model.inputs[0] is image and model.count_params() == reference
    scaled = keras.layers.Rescaling(1 / 255.0, name="scale")(image)  # an intermediate tensor
    model = models.build(name, input_tensor=scaled, input_shape=shape, **example)
    assert model.inputs[0] is image and model.layers[1].name == "scale"
    assert model.count_params() == reference
    with pytest.raises(ValueError, match="input_tensor must be a Keras tensor"):
        models.build(name, input_tensor=np.zeros((1, *shape), "float32"), **example)
    with pytest.raises(ValueError, match=r"input_shape \(99, 99, 3\) does not match input_tensor's \("):
        models.build(name, input_tensor=image, **{**example, "input_shape": (99, 99, 3)})


@pytest.mark.parametrize("name", ["nin", "googlenet", "resnet18", "resnet20", "densenet121", "mobilenet_v1",
                                  "mobilenet_v2", "mobilenet_v3_small"])  # fmt: skip
def test_global_pooling_models_take_any_input_size(name):
    model = models.build(name, **small(name, input_shape=(None, None, 3)))
    assert model.input_shape == (None, None, None, 3)
    for side in (67, 96):
        assert model.predict(np.zeros((1, side, side, 3), "float32"), verbose=0).shape == (1, 10)


@pytest.mark.parametrize("name", FLATTENING)
def test_flattening_models_say_they_need_a_fixed_size(name):
    channels = small(name)["input_shape"][-1]
    with pytest.raises(ValueError, match=r"height and width must be integers here: include_top=True flattens"):
        models.build(name, **small(name, input_shape=(None, None, channels)))
    model = models.build(name, **small(name, input_shape=(None, None, channels), include_top=False, pooling="avg"))
    assert model.input_shape == (None, None, None, channels)
