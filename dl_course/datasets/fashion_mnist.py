"""Fashion-MNIST (Xiao et al. 2017): 70,000 28×28 grey images of clothing in 10 classes.

Offline on Debian/Ubuntu: ``apt-get install dataset-fashion-mnist``.
"""

from dl_course.datasets import files, standin
from dl_course.datasets.formats import parse_idx

NAME = "fashion_mnist"
DESCRIPTION = "Fashion-MNIST, 60k+10k 28×28 grey clothing images, 10 classes"
PACKAGE = "dataset-fashion-mnist"
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
CLASS_NAMES_ZH = ("T恤", "裤子", "套衫", "连衣裙", "外套", "凉鞋", "衬衫", "运动鞋", "包", "短靴")

_URLS = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
)


def _idx(name: str, sha: str, size: str) -> files.DataFile:
    return files.DataFile(
        name=name,
        sha256=sha,
        urls=tuple(base + name for base in _URLS),
        system_paths=(f"/usr/share/datasets/fashion-mnist/{name}",),
        keras_cache=(f"fashion-mnist/{name}",),
        gunzipped_hash=True,
        size_hint=size,
    )


FILES = [
    _idx("train-images-idx3-ubyte.gz", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", "26 MB"),
    _idx("train-labels-idx1-ubyte.gz", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", "29 kB"),
    _idx("t10k-images-idx3-ubyte.gz", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", "4.4 MB"),
    _idx("t10k-labels-idx1-ubyte.gz", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", "5 kB"),
]


@standin.when_absent((60000, 28, 28), (10000, 28, 28), classes=10)
def load_data():
    """``(x_train, y_train), (x_test, y_test)`` as ``keras.datasets.fashion_mnist.load_data()``."""
    x_train, y_train, x_test, y_test = (parse_idx(files.fetch_bytes(NAME, f, PACKAGE), f.name) for f in FILES)
    return (x_train, y_train), (x_test, y_test)
