"""NumPy convolution and pooling against TensorFlow: forward values and GradientTape gradients."""

import numpy as np
import pytest
import tensorflow as tf

from dl_course.scratch import conv

TOL = 1e-5
CASES = [  # (height, width, kernel, stride, padding)
    (7, 7, 3, 1, "valid"),
    (8, 7, 3, 2, "same"),
    (9, 6, 2, 3, "same"),
    (6, 8, 5, 2, "valid"),
    (5, 5, 3, 2, 1),
]

pytestmark = pytest.mark.tensorflow_backend  # TensorFlow's own ops are the reference


def tf_padding(padding):
    if isinstance(padding, int):
        return [[0, 0], [padding, padding], [padding, padding], [0, 0]]
    return padding.upper()


def pad_for_pool(x, padding, value):
    """tf.nn pooling has no explicit integer padding: pad the input ourselves."""
    if isinstance(padding, int):
        return tf.pad(x, tf_padding(padding), constant_values=value), "VALID"
    return x, padding.upper()


@pytest.mark.parametrize("h,w,k,s,padding", CASES)
def test_conv2d_forward_and_backward_match_tensorflow(h, w, k, s, padding):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, h, w, 3))
    kernel = rng.normal(size=(k, k, 3, 4))
    bias = rng.normal(size=4)
    y = conv.conv2d(x, kernel, bias, stride=s, padding=padding)

    tx, tk, tb = (tf.Variable(a) for a in (x, kernel, bias))
    with tf.GradientTape() as tape:
        ty = tf.nn.conv2d(tx, tk, strides=s, padding=tf_padding(padding)) + tb
        dy = rng.normal(size=ty.shape)
        loss = tf.reduce_sum(ty * dy)  # so that ∂loss/∂y = dy
    np.testing.assert_allclose(y, ty.numpy(), atol=TOL)

    dx, dw, db = conv.conv2d_backward(dy, x, kernel, stride=s, padding=padding)
    tdx, tdw, tdb = tape.gradient(loss, [tx, tk, tb])
    np.testing.assert_allclose(dx, tdx.numpy(), atol=TOL)
    np.testing.assert_allclose(dw, tdw.numpy(), atol=TOL)
    np.testing.assert_allclose(db, tdb.numpy(), atol=TOL)


@pytest.mark.parametrize("h,w,k,s,padding", CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_forward_and_backward_match_tensorflow(kind, h, w, k, s, padding):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, h, w, 3))
    forward = {"max": conv.max_pool2d, "avg": conv.avg_pool2d}[kind]
    backward = {"max": conv.max_pool2d_backward, "avg": conv.avg_pool2d_backward}[kind]
    tf_pool = {"max": tf.nn.max_pool2d, "avg": tf.nn.avg_pool2d}[kind]
    y = forward(x, k, s, padding)

    tx = tf.Variable(x)
    with tf.GradientTape() as tape:
        xin, tf_pad = pad_for_pool(tx, padding, -np.inf if kind == "max" else 0.0)
        ty = tf_pool(xin, k, s, tf_pad)
        dy = rng.normal(size=ty.shape)
        loss = tf.reduce_sum(ty * dy)
    np.testing.assert_allclose(y, ty.numpy(), atol=TOL)
    np.testing.assert_allclose(
        backward(dy, x, k, s, padding), tape.gradient(loss, tx).numpy(), atol=TOL
    )


def test_max_pool_routes_error_to_the_maximum_only():
    x = np.array([[1.0, 3.0], [2.0, 0.0]]).reshape(1, 2, 2, 1)
    dx = conv.max_pool2d_backward(np.array([[[[5.0]]]]), x)
    assert dx.reshape(2, 2).tolist() == [[0.0, 5.0], [0.0, 0.0]]


def test_input_gradient_is_full_convolution_with_rotated_kernel():
    rng = np.random.default_rng(2)
    x, w, dy = (
        rng.normal(size=(1, 6, 6, 2)),
        rng.normal(size=(3, 3, 2, 4)),
        rng.normal(size=(1, 4, 4, 4)),
    )
    dx, _, _ = conv.conv2d_backward(dy, x, w)
    rotated = w[::-1, ::-1].transpose(0, 1, 3, 2)  # rot180, and swap in/out channels
    np.testing.assert_allclose(dx, conv.conv2d(dy, rotated, padding=2), atol=1e-12)


def test_output_size_and_receptive_field():
    assert conv.output_size(32, 5) == 28  # LeNet C1
    assert conv.output_size(224, 11, 4, 2) == 55  # AlexNet conv1 with 2 pixels of padding
    assert conv.output_size(7, 3, 2, "same") == 4
    assert conv.receptive_field([(3, 1), (3, 1)]) == 5  # two 3×3 see as far as one 5×5
    assert conv.receptive_field([(5, 1), (2, 2), (5, 1), (2, 2), (5, 1)]) == 32  # LeNet-5 C5


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: conv.conv2d(np.zeros((4, 4, 1)), np.zeros((3, 3, 1, 1))), "NHWC"),
        (lambda: conv.conv2d(np.zeros((1, 4, 4, 2)), np.zeros((3, 3, 1)), None), "HWIO"),
        (lambda: conv.conv2d(np.zeros((1, 4, 4, 2)), np.zeros((3, 3, 1, 1))), "input channels"),
        (
            lambda: conv.conv2d(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 2)), np.zeros(3)),
            "b must",
        ),
        (lambda: conv.conv2d(np.zeros((1, 4, 4, 1)), np.zeros((5, 5, 1, 1))), "does not fit"),
        (
            lambda: conv.conv2d(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1)), padding="full"),
            "padding",
        ),
        (lambda: conv.conv2d(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1)), stride=0), "stride"),
        (lambda: conv.max_pool2d(np.zeros((1, 4, 4, 1)), pool_size=0), "pool_size"),
        (lambda: conv.avg_pool2d(np.zeros((1, 1, 1, 1)), pool_size=2), "does not fit"),
        (
            lambda: conv.conv2d_backward(
                np.zeros((1, 3, 3, 1)), np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1))
            ),
            "dy must",
        ),
    ],
)
def test_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("backward", [conv.max_pool2d_backward, conv.avg_pool2d_backward])
def test_pool_backward_checks_the_shape_of_dy(backward):
    x = np.random.default_rng(0).random((2, 4, 4, 3))
    assert backward(np.ones((2, 2, 2, 3)), x).shape == x.shape
    with pytest.raises(ValueError, match=r"dy must have the output shape \(2, 2, 2, 3\), got \(2, 1, 1, 3\)"):
        backward(np.ones((2, 1, 1, 3)), x)


def test_non_finite_values_propagate_as_in_tensorflow():
    # Documented choice: the layer maths does not check for NaN/inf; like TensorFlow, it passes
    # them on (only to the outputs that see them), so a diverging network shows up as NaN.
    x = np.zeros((1, 4, 4, 1))
    x[0, 0, 0, 0] = np.nan
    y = conv.conv2d(x, np.ones((2, 2, 1, 1)))
    assert np.isnan(y[0, 0, 0, 0]) and np.isfinite(y[0, 1:, 1:]).all()
    assert np.isnan(conv.avg_pool2d(x)[0, 0, 0, 0]) and not np.isnan(conv.avg_pool2d(x)[0, 1, 1, 0])
