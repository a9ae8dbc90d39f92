"""The fast profile's digit results over seeds, to choose the bounds of chapters 03 and 07.

    python benchmarks/digits_seeds.py lenet [--data mnist5k|fashion_mnist] [--epochs 15] [--seeds 0 1 2]
    python benchmarks/digits_seeds.py cgan [--epochs 4] [--batch 64] [--lr 2e-3] [--scorer-epochs 6] [--no-projection] [--seeds 0 1 2]

``lenet``: chapter 03's recipe (``lesson.train_lenet``: paper LeNet-5 behind a random shift of up to
2 pixels, Adam 3e-3 decaying to 0 on a cosine, batch 64) on mnist5k's 4,000 training digits, or as many Fashion-MNIST
images, tested on 1,000 held-out images. ``cgan``: chapter 07's fast conditional DCGAN (``lesson.conditional_dcgan``) on
the 4,000 digits, scored by an ``ImageScorer`` trained on the 1,000 held-out digits only;
``--no-projection`` drops the discriminator's projection term. Prints one line per seed with
the seconds it took (wall time: note the machine's load).
"""

from __future__ import annotations

import argparse
import time

import keras
import numpy as np

from dl_course import datasets, runtime, train
from dl_course.gan_metrics import ImageScorer
from dl_course.lessons import ch03_cnn, ch07_gan


def lenet(args) -> None:
    size = {"train": 4000, "test": 1000} if args.data != "mnist5k" else {}
    (x, y), (xt, yt) = datasets.prepare(args.data, **size, scale="lecun", pad=2, channels=True)
    for seed in args.seeds:
        start = time.time()
        net, _ = ch03_cnn.train_lenet(x, y, epochs=args.epochs, batch_size=64, shift=2, seed=seed, verbose=0)
        acc = net.evaluate(xt, yt, verbose=0, batch_size=1000)[1]
        print(f"lenet {args.data} epochs {args.epochs} seed {seed}: test accuracy {acc:.4f}, {time.time() - start:.0f} s", flush=True)


def cgan(args) -> None:
    (x, y), (xt, yt) = datasets.prepare("mnist5k", scale="tanh", channels=True)
    runtime.set_seed(0)
    scorer = ImageScorer()
    scorer.fit(xt, yt, epochs=args.scorer_epochs, verbose=0)
    print(f"scorer trained on {len(xt)} held-out digits: accuracy {scorer.accuracy(x, y):.4f} on the {len(x)} GAN digits")
    z = np.random.default_rng(2).normal(size=(1000, 32)).astype("float32")
    labels = np.arange(1000) % 10
    for seed in args.seeds:
        start = time.time()
        runtime.set_seed(seed)
        gan = ch07_gan.conditional_dcgan(latent_dim=32, g_filters=(32, 16), d_filters=(32, 64), lr=args.lr,
                                         steps=args.epochs * -(-len(x) // args.batch), projection=args.projection, seed=seed)
        train.fit(gan, (x, y), epochs=args.epochs, batch_size=args.batch, verbose=0)
        fake = keras.ops.convert_to_numpy(gan.generate(z, labels))
        hits = scorer.predict(fake) == labels
        worst = min(hits[labels == k].mean() for k in range(10))
        print(f"cgan {runtime.backend()} projection {args.projection} epochs {args.epochs} batch {args.batch} lr {args.lr:g} seed {seed}: conditional accuracy {hits.mean():.4f} (worst digit {worst:.2f}), "
              f"FD {scorer.frechet(xt, fake):.3f}, {time.time() - start:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("task", choices=("lenet", "cgan"))
    parser.add_argument("--data", default="mnist5k", choices=("mnist5k", "fashion_mnist"))
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch", type=int, default=64, help="cgan: batch size")
    parser.add_argument("--lr", type=float, default=2e-3, help="cgan: peak learning rate (cosine decay to 0)")
    parser.add_argument("--scorer-epochs", type=int, default=6, help="cgan: epochs of the digit scorer")
    parser.add_argument("--projection", action=argparse.BooleanOptionalAction, default=True,
                        help="cgan: the discriminator's projection term (Miyato & Koyama 2018)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    args.epochs = args.epochs or {"lenet": 15, "cgan": 4}[args.task]
    {"lenet": lenet, "cgan": cgan}[args.task](args)


if __name__ == "__main__":
    main()
