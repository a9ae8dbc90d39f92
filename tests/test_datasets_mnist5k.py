"""The 5,000 MNIST digits shipped inside an installed Python package, checked like any data file."""

import gzip
import hashlib

import numpy as np
import pytest

from dl_course import cli, datasets
from dl_course.datasets import files, mnist5k

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it


def table(per_class: int = 3, seed: int = 0) -> np.ndarray:
    """Rows of 784 random pixels and a label, ``per_class`` rows of each digit, interleaved."""
    rng = np.random.default_rng(seed)
    labels = np.tile(np.arange(10), per_class)
    return np.column_stack([rng.integers(0, 256, size=(len(labels), 784)), labels])


def csv_gz(rows: np.ndarray) -> bytes:
    text = "\n".join(",".join(map(str, row)) for row in rows) + "\n"
    return gzip.compress(text.encode())


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A package ``fake_digits`` on the path shipping a small digits file; no data folder copy."""
    rows = table()
    content = csv_gz(rows)
    package = tmp_path / "site" / "fake_digits"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data" / "digits.csv.gz").write_bytes(content)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("DL_COURSE_OFFLINE", "1")
    spec = files.DataFile(
        name="digits.csv.gz", sha256=hashlib.sha256(gzip.decompress(content)).hexdigest(),
        python_package=("fake_digits", "data/digits.csv.gz"), gunzipped_hash=True,
    )
    monkeypatch.setattr(mnist5k, "FILES", [spec])
    monkeypatch.setattr(mnist5k, "TEST_PER_CLASS", 1)
    return package / "data" / "digits.csv.gz", rows


def test_reads_the_file_inside_the_installed_package_with_a_held_out_split(shipped):
    path, rows = shipped
    (x, y), (xt, yt) = mnist5k.load_data()
    assert x.shape == (20, 28, 28) and xt.shape == (10, 28, 28) and x.dtype == xt.dtype == y.dtype == np.uint8
    assert np.bincount(y).tolist() == [2] * 10 and sorted(yt.tolist()) == list(range(10))
    # the last image of each digit in file order is the held-out one
    assert np.array_equal(xt.reshape(10, -1), rows[-10:, :-1]) and np.array_equal(yt, rows[-10:, -1])
    assert np.array_equal(x[0].ravel(), rows[0, :-1])
    (row,) = datasets.status("mnist5k")
    assert row["state"] == f"ok (Python package fake_digits: {path})"


def test_prepare_knows_the_subset(shipped):
    (x, y), (xt, yt) = datasets.prepare("mnist5k", scale="lecun", pad=2, channels=True)
    assert x.shape == (20, 32, 32, 1) and xt.shape == (10, 32, 32, 1) and x.dtype == np.float32


def test_corrupt_copy_in_the_package_is_refused(shipped):
    path, rows = shipped
    rows = rows.copy()
    rows[0, 0] = (rows[0, 0] + 1) % 256  # one pixel changed: still a valid table
    path.write_bytes(csv_gz(rows))
    with pytest.raises(datasets.DatasetError, match="corrupt or incomplete.*It was not used"):
        mnist5k.load_data()
    assert "CORRUPT" in datasets.status("mnist5k")[0]["state"]


def test_missing_package_says_how_to_install_it(shipped, monkeypatch):
    spec = files.DataFile(name="digits.csv.gz", sha256="0" * 64, python_package=("no_such_package_here", "x.csv.gz"))
    monkeypatch.setattr(mnist5k, "FILES", [spec])
    with pytest.raises(datasets.DatasetError, match="pip install no_such_package_here"):
        mnist5k.load_data()


@pytest.mark.parametrize(
    "rows, problem",
    [(table()[:, 1:], "785 columns"), (np.where(table() == 0, 300, table()), "785 columns"), (None, "CSV table")],
)
def test_parse_refuses_what_is_not_a_digit_table(rows, problem):
    text = b"1,2,x\n" if rows is None else gzip.decompress(csv_gz(rows))
    with pytest.raises(datasets.DatasetError, match=problem):
        mnist5k.parse(text)


def test_split_needs_more_images_than_it_holds_out():
    x, y = mnist5k.parse(gzip.decompress(csv_gz(table(per_class=1))))
    with pytest.raises(datasets.DatasetError, match="class 0 has only 1 images"):
        mnist5k.split(x, y, test_per_class=1)


def test_smoke_mode_stands_in_for_absent_mnist_with_these_digits(shipped, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("DL_COURSE_SMOKE", "1")
    (x, y), (xt, yt) = datasets.mnist.load_data()
    (x5, y5), (xt5, yt5) = mnist5k.load_data()
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28) and y.dtype == np.uint8
    assert np.array_equal(x[:20], x5) and np.array_equal(x[20:40], x5) and np.array_equal(yt[:10], yt5)
    assert "smoke: mnist not found — stand-in: mnist5k's training and test digits repeated to 60000×28×28" in capsys.readouterr().out


def test_data_command_names_the_subset(shipped, capsys):
    cli.main(["data"])
    out = capsys.readouterr().out
    assert "mnist5k        available 可用 — a 5,000-digit subset of MNIST" in out
    cli.main(["data", "--sums"])
    assert f"{mnist5k.FILES[0].sha256}  mnist5k/digits.csv.gz" in capsys.readouterr().out
