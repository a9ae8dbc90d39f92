"""A deep belief network's weights in Keras: the classifier that DBN pre-training initialises.

Hinton, Osindero & Teh (2006) pre-train a stack of RBMs greedily, then fine-tune the same
weights as a feed-forward network with labels. The RBMs are trained in NumPy
(``dl_course.scratch.rbm.DBN``); here each RBM's weights ``W`` and hidden biases ``c`` become
one sigmoid ``Dense`` layer, so the network computes the DBN's deterministic up-pass
(``DBN.transform``) before its classifier. 课件: 深度信念网络 (DBN), 预训练 + 微调.
"""

from __future__ import annotations

import keras

from dl_course.models.autoencoder import hidden_layers, stacked_autoencoder


def copy_rbm_weights(dbn, model: keras.Model) -> keras.Model:
    """Set the hidden ``Dense`` layers of an ``mlp``-shaped ``model`` to the RBMs' ``(W, c)``.

    ``dbn`` is a ``dl_course.scratch.rbm.DBN`` (anything with ``rbms`` holding ``W`` and ``c``);
    the model's hidden layers must have the RBMs' weight shapes, input side first.
    Returns ``model``.
    """
    layers = hidden_layers(model)
    shapes = [rbm.W.shape for rbm in dbn.rbms]
    found = [tuple(layer.kernel.shape) for layer in layers]
    if found != shapes:
        raise ValueError(
            f"{model.name}'s hidden layers have kernels {found}, which do not match the RBMs' "
            f"weight shapes {shapes}; build it with hidden={tuple(s[1] for s in shapes)} and "
            f"{shapes[0][0]} input features."
        )
    for layer, rbm in zip(layers, dbn.rbms, strict=True):
        layer.set_weights([rbm.W.astype("float32"), rbm.c.astype("float32")])
    return model


def dbn_classifier(dbn, classes: int = 10, **kwargs) -> keras.Model:
    """A sigmoid ``stacked_autoencoder`` classifier whose hidden layers start from ``dbn``'s RBMs.

    The hidden sizes and input size come from the DBN; ``kwargs`` go to
    ``stacked_autoencoder`` (e.g. ``name``). Fine-tune the result with labels.
    """
    hidden = tuple(rbm.n_hidden for rbm in dbn.rbms)
    model = stacked_autoencoder(
        input_shape=(dbn.rbms[0].n_visible,), classes=classes, hidden=hidden, **kwargs
    )
    return copy_rbm_weights(dbn, model)
