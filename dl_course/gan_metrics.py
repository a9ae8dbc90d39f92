"""Numbers for generative models (GANs), not only pictures.

- 2-D toy data (a ring of Gaussians): how many modes the samples cover and which share of
  them is of high quality (within 3 standard deviations of a mode centre), as in the
  unrolled-GAN / VEEGAN evaluations (Metz et al. 2016; Srivastava et al. 2017).
- Images: ``ImageScorer``, a small CNN trained on the real data, gives the conditional
  accuracy of a conditional generator (generated "7"s classified as 7) and a Fréchet
  distance between real and generated images in its feature space (the FID of Heusel et
  al. 2017, with this classifier in place of Inception).
"""

from __future__ import annotations

import keras
import numpy as np

from dl_course import models
from dl_course.models import gan


def mode_coverage(samples, centers, std: float, min_share: float = 0.01) -> dict:
    """Modes covered and share of high-quality samples of 2-D ``samples``.

    A sample is of high quality when it lies within ``3 * std`` of its nearest mode centre;
    a mode is covered when at least ``min_share`` of all samples are high-quality samples
    of that mode. Returns ``{"modes": int, "high_quality": float}``.
    """
    samples, centers = np.asarray(samples, dtype="float64"), np.asarray(centers, dtype="float64")
    if samples.ndim != 2 or samples.shape[1] != centers.shape[1]:
        raise ValueError(f"samples must have shape (n, {centers.shape[1]}), got {samples.shape}.")
    dist = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=-1)
    nearest, good = dist.argmin(axis=1), dist.min(axis=1) < 3 * std
    counts = np.bincount(nearest[good], minlength=len(centers))
    covered = counts >= max(1.0, min_share * len(samples))
    return {"modes": int(covered.sum()), "high_quality": float(good.mean())}


def frechet_distance(a, b) -> float:
    """Fréchet distance between Gaussians fitted to feature rows ``a`` and ``b``.

    ‖μa − μb‖² + Tr(Σa + Σb − 2 (Σa Σb)^½), with Tr (Σa Σb)^½ computed as the sum of square
    roots of the eigenvalues of the symmetric Σa^½ Σb Σa^½ (NumPy only).
    """
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(
            f"need two (n ≥ 2, d) feature arrays of equal d, got {a.shape} and {b.shape}."
        )
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    w, v = np.linalg.eigh(cov_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ cov_b @ root_a), 0, None)).sum()
    mean_term = np.sum((a.mean(axis=0) - b.mean(axis=0)) ** 2)
    return float(mean_term + np.trace(cov_a) + np.trace(cov_b) - 2 * cross)


class ImageScorer:
    """A small CNN classifier of real images that scores generated ones.

    The network is the DCGAN discriminator with a softmax output over ``classes``
    (``dcgan_discriminator(classes=..., classifier_activation="softmax")``); the features for
    the Fréchet distance are its last feature map, averaged over positions. Images are
    expected in the generator's range [-1, 1] (``dl_course.models.gan.preprocess_input``).
    """

    def __init__(self, input_shape=(28, 28, 1), classes: int = 10, filters=(32, 64)):
        self.classifier = models.build(
            "dcgan_discriminator",
            input_shape=tuple(input_shape),
            classes=classes,
            classifier_activation="softmax",
            filters=filters,
            name="scorer",
        )
        last = self.classifier.get_layer(gan.FEATURES).output
        pooled = keras.layers.GlobalAveragePooling2D(name="avg_pool")(last)
        self.features_model = keras.Model(self.classifier.input, pooled, name="scorer_features")

    def fit(self, x, y, epochs: int = 2, batch_size: int = 64, verbose: int = 2, **kwargs):
        """Train on real images ``x`` (in [-1, 1]) with integer labels ``y``; returns the History."""
        self.classifier.compile(
            keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        return self.classifier.fit(
            x, y, epochs=epochs, batch_size=batch_size, verbose=verbose, **kwargs
        )

    def predict(self, images, batch_size: int = 256) -> np.ndarray:
        """Predicted class of each image."""
        return _batched(self.classifier, images, batch_size).argmax(axis=-1)

    def accuracy(self, images, labels) -> float:
        """Share of ``images`` classified as ``labels`` (conditional accuracy for generated images)."""
        return float(np.mean(self.predict(images) == np.asarray(labels)))

    def features(self, images, batch_size: int = 256) -> np.ndarray:
        """Pooled feature vectors of ``images``."""
        return _batched(self.features_model, images, batch_size)

    def frechet(self, real, fake) -> float:
        """Fréchet distance between real and generated images in the classifier's feature space."""
        return frechet_distance(self.features(real), self.features(fake))


def _batched(model, images, batch_size: int) -> np.ndarray:
    """``model(images)`` called batch by batch: unlike ``predict``, nothing is traced per input shape."""
    images = np.asarray(images, dtype="float32")
    parts = [
        keras.ops.convert_to_numpy(model(images[i : i + batch_size], training=False))
        for i in range(0, len(images), batch_size)
    ]
    return np.concatenate(parts)
