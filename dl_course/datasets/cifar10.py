"""CIFAR-10 (Krizhevsky 2009): 60,000 32×32 colour images in 10 classes."""

from dl_course.datasets import files, standin
from dl_course.datasets.formats import read_cifar_tar

NAME = "cifar10"
DESCRIPTION = "CIFAR-10, 50k+10k 32×32 colour images, 10 classes"
PACKAGE = None
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
CLASS_NAMES_ZH = ("飞机", "汽车", "鸟", "猫", "鹿", "狗", "青蛙", "马", "船", "卡车")

FILES = [
    files.DataFile(
        name="cifar-10-python.tar.gz",
        sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        urls=("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
        keras_cache=("cifar-10-python.tar.gz", "cifar-10-batches-py-target.tar.gz"),
        size_hint="163 MB",
    )
]


@standin.when_absent((50000, 32, 32, 3), (10000, 32, 32, 3), classes=10, label_shape=(1,))
def load_data():
    """``(x_train, y_train), (x_test, y_test)`` as ``keras.datasets.cifar10.load_data()``.

    Images are (N, 32, 32, 3) uint8, labels (N, 1) uint8, read straight from the tarball.
    """
    archive = files.fetch_bytes(NAME, FILES[0])  # read once: the bytes hashed are those unpickled
    train = read_cifar_tar(archive, [f"data_batch_{i}" for i in range(1, 6)])
    test = read_cifar_tar(archive, ["test_batch"])
    return train, test
