"""Greedy layer-wise pre-training: each hidden layer of a classifier trained as an autoencoder.

Bengio et al. 2007 (stacked autoencoders); Vincent et al. 2010 (stacked denoising
autoencoders). 课件: 无监督逐层训练, 逐层贪婪预训练.
"""

from __future__ import annotations

import keras
import numpy as np

from dl_course.models.autoencoder import dense_autoencoder, hidden_layers


def greedy_pretrain(
    model: keras.Model,
    x,
    epochs: int = 5,
    batch_size: int = 64,
    denoising: float = 0.0,
    optimizer: str = "adam",
    learning_rate: float = 1e-3,
    seed: int | None = None,
    verbose: int = 0,
) -> list[float]:
    """Greedy layer-wise pre-training of ``model``'s hidden layers, in place; no labels used.

    Layer k is trained as the code layer of a one-hidden-layer autoencoder whose input is
    the code of layer k − 1 (the images for k = 1); its weights are then copied into the
    model. Returns each autoencoder's final reconstruction loss (mean squared error).
    """
    layers = hidden_layers(model)
    if not layers:
        raise ValueError(f"{model.name} has no hidden Dense layers to pre-train.")
    codes = np.asarray(x, dtype="float32").reshape(len(x), -1)
    if codes.shape[1] != layers[0].kernel.shape[0]:
        raise ValueError(
            f"x has {codes.shape[1]} features per sample; {model.name} expects "
            f"{layers[0].kernel.shape[0]}."
        )
    losses = []
    for layer in layers:
        bounded = codes.min() >= 0 and codes.max() <= 1
        ae = dense_autoencoder(
            input_shape=(codes.shape[1],),
            code_size=layer.units,
            code_activation=keras.activations.serialize(layer.activation),
            output_activation="sigmoid" if bounded else "linear",
            denoising=denoising,
            seed=seed,
            name=f"pretrain_{layer.name}",
        )
        opt = keras.optimizers.get(optimizer)
        opt.learning_rate = learning_rate
        ae.compile(optimizer=opt, loss="mse")
        history = ae.fit(codes, codes, epochs=epochs, batch_size=batch_size, verbose=verbose)
        losses.append(float(history.history["loss"][-1]))
        layer.set_weights(ae.get_layer("code").get_weights())
        codes = keras.ops.convert_to_numpy(layer(codes))
    return losses
