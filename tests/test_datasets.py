import builtins
import gzip
import hashlib
import http.server
import io
import pickle
import re
import tarfile
import threading
import time
import zlib

import numpy as np
import pytest

from dl_course import datasets
from dl_course.datasets import files, formats, synthetic

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it


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


def test_idx_reader_rejects_garbage():
    with pytest.raises(ValueError, match="bad is not an IDX file"):
        formats.parse_idx(b"hello world", "bad")
    with pytest.raises(ValueError, match="body has 5"):
        formats.parse_idx(idx_bytes(np.zeros((2, 3)))[:-1], "bad")


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


def test_catalog_holds_datasets_and_prepare_handles_the_image_ones():
    assert all(isinstance(d, datasets.Dataset) for d in datasets.CATALOG.values())
    assert set(datasets.IMAGES) == {"mnist", "mnist5k", "fashion_mnist", "cifar10"} <= set(datasets.CATALOG)
    assert not isinstance(synthetic, datasets.Dataset)  # no NAME, FILES…: not a catalogue entry


def test_prepare_subsets_scales_and_shapes(tiny_fashion):
    _, arrays = tiny_fashion
    x_raw, y_raw = arrays["train-images-idx3-ubyte.gz"], arrays["train-labels-idx1-ubyte.gz"]
    (x, y), (xt, yt) = datasets.prepare("fashion_mnist", train=3)
    kept, labels = datasets.subset(x_raw, y_raw, 3, seed=0)
    assert x.dtype == np.float32 and x.shape == (3, 28, 28) and xt.shape == (3, 28, 28)
    np.testing.assert_allclose(x * 255, kept, atol=1e-4)
    np.testing.assert_array_equal(y, labels)
    (x, _), _ = datasets.prepare("fashion_mnist", train=3, seed=(1, 0))
    np.testing.assert_array_equal(np.round(x * 255), datasets.subset(x_raw, y_raw, 3, seed=1)[0])
    (x, _), _ = datasets.prepare("fashion_mnist", scale="lecun", pad=2, channels=True)
    assert x.shape == (5, 32, 32, 1) and np.allclose(x[:, :2], -0.1) and np.allclose(x[:, 2:-2, 2:-2, 0], x_raw / 255 * 1.275 - 0.1)
    (x, _), (xt, _) = datasets.prepare("fashion_mnist", scale="tanh", flatten=True)
    assert x.shape == (5, 784) and xt.shape == (3, 784) and np.allclose(x, x_raw.reshape(5, -1) / 127.5 - 1, atol=1e-6)
    (x, _), _ = datasets.prepare("fashion_mnist", scale=None)
    assert x.dtype == np.uint8 and np.array_equal(x, x_raw)


def test_prepare_standardises_with_training_statistics(tiny_fashion):
    _, arrays = tiny_fashion
    (x, _), (xt, _) = datasets.prepare("fashion_mnist", scale="standard", channels=True)
    assert abs(x.mean()) < 1e-5 and abs(x.std() - 1) < 1e-5
    unit = arrays["train-images-idx3-ubyte.gz"] / 255
    expected = (arrays["t10k-images-idx3-ubyte.gz"] / 255 - unit.mean()) / unit.std()
    np.testing.assert_allclose(xt[..., 0], expected, atol=1e-4)  # the test images use the training statistics


@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("mnist2", {}, "Unknown image data set 'mnist2'; prepare knows: mnist, mnist5k, fashion_mnist, cifar10"),
        ("tang_poems", {}, "prepare knows: mnist"),
        ("mnist", {"train": 0}, "train must be a positive number of images, or None"),
        ("mnist", {"test": 2.5}, "test must be a positive number"),
        ("mnist", {"train": True}, "train must be"),
        ("mnist", {"scale": "minmax"}, "Unknown scale 'minmax'; choose one of unit, lecun, tanh, standard"),
        ("mnist", {"pad": -1}, "pad must be a number of pixels ≥ 0"),
        ("mnist", {"channels": True, "flatten": True}, "exclude each other"),
        ("mnist", {"seed": (0, 1, 2)}, "seed must be an integer, or a pair"),
        ("mnist", {"seed": "0"}, "seed must be an integer"),
    ],
)
def test_prepare_refuses_bad_arguments_before_loading(monkeypatch, name, kwargs, message):
    monkeypatch.setattr(datasets.mnist, "FILES", [])  # nothing is read: the arguments fail first
    with pytest.raises(ValueError, match=re.escape(message)):
        datasets.prepare(name, **kwargs)


def test_prepare_refuses_more_images_than_the_data_set_has(tiny_fashion):
    with pytest.raises(ValueError, match=re.escape("train=6, but fashion_mnist has 5 train images; use None")):
        datasets.prepare("fashion_mnist", train=6)
    assert len(datasets.prepare("fashion_mnist", train=5)[0][0]) == 5


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


# --------------------------------------------------------------------------- hardening


def flip_until(raw: bytes, error: type) -> bytes:
    """``raw`` with the first single-bit flip (from byte 10 on) that makes gunzip raise ``error``."""
    for i in range(10, len(raw)):
        for bit in range(8):
            flipped = bytearray(raw)
            flipped[i] ^= 1 << bit
            try:
                gzip.decompress(bytes(flipped))
            except error:
                return bytes(flipped)
            except Exception:
                pass
    raise AssertionError(f"no bit flip raises {error.__name__}")


def test_undecompressable_gzip_is_a_data_error_naming_the_file(tiny_fashion):
    folder, _ = tiny_fashion
    path = folder / "train-labels-idx1-ubyte.gz"
    path.write_bytes(flip_until(path.read_bytes(), zlib.error))
    with pytest.raises(datasets.DatasetError, match=rf"{path.name} is corrupt.*unreadable"):
        datasets.fashion_mnist.load_data()
    assert "CORRUPT" in datasets.status("fashion_mnist")[1]["state"]


def test_corrupt_copy_does_not_hide_a_good_copy_further_down(tmp_path, monkeypatch):
    raw = idx_bytes(np.arange(6))
    cache, system = tmp_path / "keras" / "datasets" / "fm", tmp_path / "usr"
    cache.mkdir(parents=True)
    system.mkdir()
    (system / "labels.gz").write_bytes(gzip.compress(raw))
    (cache / "labels.gz").write_bytes(gzip.compress(raw)[:-9])  # truncated
    spec = files.DataFile(
        name="labels.gz", sha256=hashlib.sha256(raw).hexdigest(), gunzipped_hash=True,
        keras_cache=("fm/labels.gz",), system_paths=(str(system / "labels.gz"),),
    )  # fmt: skip
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.warns(UserWarning, match=rf"{cache / 'labels.gz'} is corrupt.*using {system / 'labels.gz'}"):
        assert files.fetch("fm", spec) == system / "labels.gz"
    np.testing.assert_array_equal(formats.parse_idx(files.read_checked(system / "labels.gz", spec), "x"), np.arange(6))


class _Server:
    """A local HTTP server (127.0.0.1 only) answering every GET with ``handler(request)``."""

    def __init__(self, handler):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                handler(self)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.stop = self.httpd.shutdown


@pytest.fixture
def serve():
    servers = []

    def start(handler):
        servers.append(_Server(handler))
        return servers[-1].url

    yield start
    for server in servers:
        server.stop()


def _send(request, body: bytes, delay: float = 0.0):
    request.send_response(200)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    try:
        for i in range(len(body)):
            request.wfile.write(body[i : i + 1])
            request.wfile.flush()
            time.sleep(delay)
    except (BrokenPipeError, ConnectionResetError):
        pass


def _spec(body: bytes, url: str) -> files.DataFile:
    return files.DataFile(name="blob.bin", sha256=hashlib.sha256(body).hexdigest(), urls=(url + "blob.bin",))


def test_download_shows_progress_and_checks_the_hash(tmp_path, monkeypatch, serve, capsys):
    body = bytes(range(256)) * 40
    spec = _spec(body, serve(lambda r: _send(r, body)))
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    assert files.download("blobs", spec).read_bytes() == body
    assert "blob.bin" in capsys.readouterr().err  # tqdm's progress bar, labelled with the file
    assert not list(tmp_path.rglob("*.part"))


def test_dripping_server_hits_the_overall_deadline(tmp_path, monkeypatch, serve):
    body = b"x" * 1000
    spec = _spec(body, serve(lambda r: _send(r, body, delay=0.05)))  # 50 s at this pace
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv(files.ENV_DEADLINE, "1")
    start = time.monotonic()
    with pytest.raises(files.DatasetError, match=r"did not finish within 1 s .*DL_COURSE_DOWNLOAD_TIMEOUT"):
        files.download("blobs", spec)
    assert time.monotonic() - start < 10
    assert not list(tmp_path.rglob("*.part"))
    monkeypatch.setenv(files.ENV_DEADLINE, "soon")
    with pytest.raises(files.DatasetError, match="DL_COURSE_DOWNLOAD_TIMEOUT must be a number of seconds"):
        files.download("blobs", spec)


def test_data_folder_that_is_a_file_or_a_folder_in_the_way(tmp_path, monkeypatch, serve):
    body = b"payload"
    spec = _spec(body, serve(lambda r: _send(r, body)))
    not_a_folder = tmp_path / "data.txt"
    not_a_folder.write_text("x")
    monkeypatch.setenv("DL_COURSE_DATA", str(not_a_folder))
    with pytest.raises(files.DatasetError, match=rf"{not_a_folder} is a file, not a folder.*DL_COURSE_DATA"):
        files.download("blobs", spec)
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    (tmp_path / "blobs" / "blob.bin").mkdir(parents=True)
    with pytest.raises(files.DatasetError, match=r"blob.bin is a folder.*remove or rename it"):
        files.download("blobs", spec)
    assert not list(tmp_path.rglob("*.part"))


def test_cifar_archive_is_read_once_and_those_bytes_unpickled(tmp_path, monkeypatch):
    archive = tmp_path / "cifar10" / "cifar-10-python.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        for batch in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            data = pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [3]})
            info = tarfile.TarInfo(f"cifar-10-batches-py/{batch}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    monkeypatch.setattr(datasets.cifar10, "FILES", [files.DataFile(name=archive.name, sha256=files.sha256(archive))])
    opened = []
    real_open = io.open

    def counting_open(file, *args, **kwargs):
        if str(file) == str(archive):
            opened.append(args[0] if args else kwargs.get("mode", "r"))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    monkeypatch.setattr(io, "open", counting_open)
    (x, y), _ = datasets.cifar10.load_data()
    assert y[:, 0].tolist() == [3] * 5
    assert len(opened) == 1  # hashed and unpickled from the same read


def test_subset_rejects_negative_and_non_integer_sizes():
    x = np.arange(10)
    for n in (-1, 0, 2.5, True):
        with pytest.raises(ValueError, match="n must be a positive integer"):
            datasets.subset(x, x, n)
    assert len(datasets.subset(x, x, np.int64(3))[0]) == 3


def test_subset_takes_lists():
    x, y = datasets.subset(list(range(10)), [i % 2 for i in range(10)], 3, seed=1)
    assert isinstance(x, np.ndarray) and len(x) == len(y) == 3
    assert np.array_equal(x % 2, y)


def test_data_folder_of_an_unknown_user_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DL_COURSE_DATA", "~nobody_such_user_h2/data")
    with pytest.raises(datasets.DatasetError, match=r"DL_COURSE_DATA must name a folder.*~user does not exist: set it to a full path"):
        datasets.data_dir()


def test_prepare_takes_train_and_test_by_position(tiny_fashion):
    by_position = datasets.prepare("fashion_mnist", 3, 2)
    by_keyword = datasets.prepare("fashion_mnist", train=3, test=2)
    for (x, y), (xk, yk) in zip(by_position, by_keyword):
        np.testing.assert_array_equal(x, xk)
        np.testing.assert_array_equal(y, yk)
    assert [len(x) for x, _ in by_position] == [3, 2]
    with pytest.raises(TypeError):  # the rest stay keyword-only: prepare("mnist", 3, 2, "unit") is a slip
        datasets.prepare("fashion_mnist", 3, 2, "unit")
