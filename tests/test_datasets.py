import gzip
import hashlib
import pickle
import tarfile

import numpy as np
import pytest

from dl_course import datasets
from dl_course.datasets import files, formats, synthetic


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def tiny_fashion(tmp_path, monkeypatch):
    """A 5-image Fashion-MNIST written into a private data folder, with specs matching it."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (5, 28, 28)),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 5),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 3),
    }
    folder = tmp_path / "fashion_mnist"
    folder.mkdir()
    specs = []
    for name, array in arrays.items():
        raw = idx_bytes(array)
        (folder / name).write_bytes(gzip.compress(raw))
        specs.append(files.DataFile(name=name, sha256=hashlib.sha256(raw).hexdigest(), gunzipped_hash=True))
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("DL_COURSE_OFFLINE", "1")
    monkeypatch.setattr(datasets.fashion_mnist, "FILES", specs)
    return folder, arrays


def test_good_files_load_like_keras(tiny_fashion):
    _, arrays = tiny_fashion
    (x, y), (xt, yt) = datasets.fashion_mnist.load_data()
    assert x.shape == (5, 28, 28) and x.dtype == np.uint8 and yt.shape == (3,)
    np.testing.assert_array_equal(x, arrays["train-images-idx3-ubyte.gz"])
    assert datasets.status("fashion_mnist")[0]["state"].startswith("ok (data folder")


def test_uncompressed_copy_with_same_content_is_accepted(tiny_fashion):
    folder, arrays = tiny_fashion
    name = "t10k-labels-idx1-ubyte.gz"
    (folder / name).write_bytes(idx_bytes(arrays[name]))  # same bytes, not gzipped
    np.testing.assert_array_equal(datasets.fashion_mnist.load_data()[1][1], arrays[name])


def test_altered_file_is_rejected_with_name_hash_and_fix(tiny_fashion):
    folder, arrays = tiny_fashion
    name = "train-labels-idx1-ubyte.gz"
    altered = arrays[name].copy()
    altered[0] = (altered[0] + 1) % 10
    (folder / name).write_bytes(gzip.compress(idx_bytes(altered)))
    with pytest.raises(datasets.DatasetError, match=rf"{name} is corrupt.*expected [0-9a-f]{{64}}.*Delete it"):
        datasets.fashion_mnist.load_data()
    assert "CORRUPT" in datasets.status("fashion_mnist")[1]["state"]


def test_truncated_file_is_rejected(tiny_fashion):
    folder, _ = tiny_fashion
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(datasets.DatasetError, match="unreadable"):
        datasets.fashion_mnist.load_data()


def test_missing_dataset_offline_explains_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("DL_COURSE_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(datasets.DatasetError) as err:
        datasets.mnist.load_data()
    text = str(err.value)
    assert "mnist.npz is not on this machine" in text
    assert str(tmp_path / "mnist") in text and "离线使用 mnist" in text and "731c5ac6" in text


def test_cifar_tarball_reader(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    archive = tmp_path / "cifar10" / "cifar-10-python.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        for batch in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            record = {b"data": rng.integers(0, 256, (2, 3072), dtype=np.uint8), b"labels": [1, 2]}
            path = tmp_path / batch
            path.write_bytes(pickle.dumps(record))
            tar.add(path, arcname=f"cifar-10-batches-py/{batch}")
    spec = files.DataFile(name=archive.name, sha256=files.sha256(archive))
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    monkeypatch.setattr(datasets.cifar10, "FILES", [spec])
    (x, y), (xt, yt) = datasets.cifar10.load_data()
    assert x.shape == (10, 32, 32, 3) and y.shape == (10, 1) and xt.shape == (2, 32, 32, 3)
    assert y[:2, 0].tolist() == [1, 2]


def test_idx_reader_rejects_garbage(tmp_path):
    path = tmp_path / "bad"
    path.write_bytes(b"hello world")
    with pytest.raises(ValueError, match="not an IDX file"):
        formats.read_idx(path)
    path.write_bytes(idx_bytes(np.zeros((2, 3)))[:-1])
    with pytest.raises(ValueError, match="body has 5"):
        formats.read_idx(path)


def test_sha256sums_file_lists_every_catalog_file():
    lines = (files.Path(__file__).parents[1] / "data" / "SHA256SUMS").read_text().split("\n")
    listed = {tuple(line.split()[:2]) for line in lines if line and not line.startswith("#")}
    expected = {(spec.sha256, f"{name}/{spec.name}") for name, m in datasets.CATALOG.items() for spec in m.FILES}
    assert listed == expected


def test_subset_is_seeded_and_checks_lengths():
    x, y = np.arange(100), np.arange(100) % 10
    a, b = datasets.subset(x, y, 10, seed=3)
    assert len(a) == 10 and np.array_equal(a % 10, b)
    assert np.array_equal(a, datasets.subset(x, y, 10, seed=3)[0])
    with pytest.raises(ValueError, match="differ in length"):
        datasets.subset(x, y[:5], 3)


def test_logic_gates_and_xor():
    X, y = synthetic.logic_gate("and")
    assert y.tolist() == [0, 0, 0, 1]
    assert synthetic.logic_gate("XOR")[1].tolist() == [0, 1, 1, 0]
    assert synthetic.logic_gate("NOT")[1].tolist() == [1, 0]
    with pytest.raises(ValueError, match="Unknown gate 'IMPLY'"):
        synthetic.logic_gate("IMPLY")
    X, y = synthetic.xor(n=400, noise=0.05, seed=1)
    assert X.shape == (400, 2) and set(y) == {0, 1}
    assert np.array_equal((np.round(X[:, 0]) != np.round(X[:, 1])).astype(int), y)
    np.testing.assert_array_equal(X, synthetic.xor(n=400, noise=0.05, seed=1)[0])


def test_blobs_validate_centres():
    X, y = synthetic.blobs(n=50, centers=[(0, 0), (5, 5), (0, 5)], seed=2)
    assert X.shape == (50, 2) and set(y) <= {0, 1, 2}
    with pytest.raises(ValueError, match="list of \\(x, y\\) pairs"):
        synthetic.blobs(centers=[1, 2, 3])
