import numpy as np
import pytest
import tensorflow as tf

from dl_course.scratch.mlp import ACTIVATIONS, MLP, numerical_gradient

pytestmark = pytest.mark.tensorflow_backend  # TensorFlow's own ops are the reference


def tf_loss(model: MLP, X, y, variables):
    """The same network written with TensorFlow ops, for automatic differentiation."""
    act = {"sigmoid": tf.sigmoid, "tanh": tf.tanh, "relu": tf.nn.relu}[model.activation]
    a = tf.constant(X)
    for i, (W, b) in enumerate(variables):
        z = a @ W + b
        a = z if i == len(variables) - 1 else act(z)
    ce = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=a))
    return ce + 0.5 * model.l2 * tf.add_n([tf.reduce_sum(W**2) for W, _ in variables])


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_backprop_equals_gradient_tape(activation):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 5)), rng.integers(0, 3, 16)
    model = MLP([5, 7, 6, 3], activation=activation, l2=0.01, seed=1)
    variables = [(tf.Variable(W), tf.Variable(b)) for W, b in model.params]
    with tf.GradientTape() as tape:
        loss = tf_loss(model, X, y, variables)
    tape_grads = tape.gradient(loss, variables)
    assert abs(float(loss) - model.loss(X, y)) < 1e-10
    for (dW, db), (tW, tb) in zip(model.gradients(X, y), tape_grads):
        for mine, theirs in ((dW, tW.numpy()), (db, tb.numpy())):
            rel = np.linalg.norm(mine - theirs) / max(np.linalg.norm(theirs), 1e-12)
            assert rel < 1e-6


def test_backprop_equals_finite_differences():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)
    model = MLP([3, 4, 2], activation="tanh", seed=3)
    W = model.params[0][0]
    numeric = numerical_gradient(lambda: model.loss(X, y), W)
    np.testing.assert_allclose(model.gradients(X, y)[0][0], numeric, rtol=1e-5, atol=1e-8)


def test_training_solves_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    model = MLP([2, 8, 2], activation="tanh", seed=0)
    losses = model.fit(np.repeat(X, 25, axis=0), np.repeat(y, 25), epochs=60, lr=0.5, batch_size=10)
    assert losses[-1] < 0.05 < losses[0]
    assert model.predict(X).tolist() == [0, 1, 1, 0]


def test_bad_input_gives_clear_errors():
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP([2, 2], activation="swish")
    with pytest.raises(ValueError, match="at least an input and an output"):
        MLP([4])
    model = MLP([3, 2])
    with pytest.raises(ValueError, match=r"X must have shape \(n, 3\), got \(4, 2\)"):
        model.loss(np.zeros((4, 2)), np.zeros(4, int))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\]"):
        model.loss(np.zeros((2, 3)), np.array([0, 2]))
    with pytest.raises(ValueError, match="integer class labels"):
        model.loss(np.zeros((2, 3)), np.array([0.0, 1.0]))


def test_training_data_must_be_finite():
    from dl_course.scratch import perceptron, rbm

    X = np.array([[0.0, 1.0], [np.nan, 0.0]])
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        MLP([2, 3, 2]).fit(X, np.array([0, 1]))
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        perceptron.Perceptron().fit(X, [0, 1])
    with pytest.raises(ValueError, match="contains NaN or infinity"):
        rbm.RBM(2, 2).fit(X)
