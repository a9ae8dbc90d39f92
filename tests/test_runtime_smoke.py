"""Smoke mode: full settings with every loop cut short, stand-in data, the CLI flag."""

import os

import numpy as np
import pytest

from dl_course import cli, datasets, models, runtime, train
from dl_course.datasets import files

FULL = dict(train_size=60000, n_test=10000, date_train=20000, date_test=2000, epochs=30, rbm_epochs=15,
            gibbs_steps=1000, batch_size=64, latent_dim=100, hidden=(500, 500), lr=2e-4, dataset="mnist")
CUTS = dict(train_size="batches", n_test="batches", date_train="batches", date_test="batches", epochs="epochs",
            rbm_epochs="epochs", gibbs_steps="steps", batch_size="keep", latent_dim="keep", hidden="keep", lr="keep",
            dataset="keep")


@pytest.fixture
def smoke(monkeypatch):
    monkeypatch.setenv("DL_COURSE_PROFILE", "full")
    monkeypatch.setenv("DL_COURSE_SMOKE", "1")


@pytest.mark.parametrize("value, on", [("1", True), ("yes", True), ("", False), ("0", False), ("false", False)])
def test_smoke_reads_environment(monkeypatch, value, on):
    monkeypatch.setenv("DL_COURSE_SMOKE", value)
    assert runtime.smoke() is on


@pytest.mark.parametrize("value", ["0.0", "maybe", "2"])
def test_smoke_refuses_a_value_it_would_have_to_guess(monkeypatch, value):
    monkeypatch.setenv("DL_COURSE_SMOKE", value)
    with pytest.raises(ValueError, match=rf"DL_COURSE_SMOKE must be one of 1, true.*got '{value}'.*export DL_COURSE_SMOKE=1"):
        runtime.smoke()


def test_settings_cut_as_each_key_says(smoke, capsys):
    cfg = runtime.settings(fast={**FULL, "train_size": 10}, full=FULL, smoke=CUTS)
    two_batches = 2 * FULL["batch_size"]
    assert (cfg.train_size, cfg.n_test, cfg.date_train, cfg.date_test) == (two_batches,) * 4
    assert (cfg.epochs, cfg.rbm_epochs, cfg.gibbs_steps) == (1, 1, runtime.SMOKE_STEPS)
    # batch size, model sizes, rates and names stay as the full profile has them
    assert (cfg.batch_size, cfg.latent_dim, cfg.hidden, cfg.lr, cfg.dataset) == (64, 100, (500, 500), 2e-4, "mnist")
    out = capsys.readouterr().out
    assert "profile: full, smoke mode | train_size=128 (not 60000)" in out and "batch_size=64," in out


def test_a_batch_cut_shrinks_the_batch_and_the_batches_follow_it(smoke):
    full = dict(train_size=50000, batch_size=512, epochs=40)
    cfg = runtime.settings(fast=dict(train_size=3000, batch_size=64, epochs=2), full=full,
                           smoke=dict(train_size="batches", batch_size="batch", epochs="epochs"))
    assert vars(cfg) == dict(train_size=2 * runtime.SMOKE_BATCH_SIZE, batch_size=runtime.SMOKE_BATCH_SIZE, epochs=1)


def test_settings_without_batch_size_cut_sizes_to_two_default_batches(smoke):
    cfg = runtime.settings(fast=dict(n_train=5, small_size=3), full=dict(n_train=60000, small_size=100),
                           smoke=dict(n_train="batches", small_size="batches"))
    assert (cfg.n_train, cfg.small_size) == (2 * runtime.SMOKE_BATCH, 100)


def test_settings_cut_keys_any_name_but_only_as_told(smoke):
    """Keys named unlike any pattern (the chapters' xor_points, tag_samples, toy_n) are cut too."""
    full = dict(xor_points=2000, tag_samples=20000, toy_n=16384, lm_step=4, batch_size=64)
    cuts = dict(xor_points="batches", tag_samples="batches", toy_n="batches", lm_step="keep", batch_size="keep")
    cfg = runtime.settings(fast=full, full=full, smoke=cuts)
    assert vars(cfg) == dict(xor_points=128, tag_samples=128, toy_n=128, lm_step=4, batch_size=64)


@pytest.mark.parametrize(
    "cuts, message",
    [(dict(epochs="epochs"), r"smoke\['toy_n'\] must be given.*add it to smoke=dict\(\.\.\.\) with one of 'epochs'"),
     (dict(epochs="epochs", toy_n="examples"), r"smoke\['toy_n'\] must be one of 'epochs', 'steps', 'batches', 'batch', 'keep', got 'examples'"),
     (dict(epochs="epochs", toy_n="batches", lr="keep"), r"smoke must name only the settings' keys, got unknown \['lr'\]"),
     (dict(epochs="keep", toy_n="batches"), None),
     (None, r"smoke must be a dict of settings")],
)
def test_settings_need_a_known_cut_for_every_key(monkeypatch, cuts, message):
    monkeypatch.delenv("DL_COURSE_SMOKE", raising=False)
    monkeypatch.setenv("DL_COURSE_PROFILE", "fast")
    fast, full = dict(epochs=1, toy_n=100), dict(epochs=20, toy_n=16384)
    if message is None:
        assert vars(runtime.settings(fast, full, cuts)) == fast
        return
    with pytest.raises(ValueError, match=message):
        runtime.settings(fast, full, cuts)


def test_settings_refuse_to_cut_what_is_not_a_count(monkeypatch):
    with pytest.raises(ValueError, match=r"smoke\['hidden'\] must be 'keep' for a setting that is not a whole number"):
        runtime.settings(dict(hidden=(8,)), dict(hidden=(64,)), dict(hidden="batches"))
    with pytest.raises(ValueError, match="fast must be a dict of settings"):
        runtime.settings(None, dict(epochs=1), dict(epochs="epochs"))


def test_settings_untouched_outside_smoke_mode(monkeypatch):
    monkeypatch.setenv("DL_COURSE_PROFILE", "full")
    monkeypatch.delenv("DL_COURSE_SMOKE", raising=False)
    assert vars(runtime.settings(fast=FULL, full=FULL, smoke=CUTS)) == FULL


def test_expect_reports_but_does_not_enforce_in_smoke_mode(smoke, capsys):
    assert runtime.expect(0.1, fast=0.5, full=0.99, name="准确率") == 0.1
    assert "· 准确率 0.1（完整模式要求 ≥ 0.99；冒烟模式只跑几步，未达到也不检查）" in capsys.readouterr().out


def test_describe_shows_smoke_mode(smoke, capsys):
    runtime.describe()
    assert "smoke mode    on: loops cut to a few steps" in capsys.readouterr().out


def test_fit_stops_after_a_few_steps_in_smoke_mode(smoke):
    model = models.build("mlp", input_shape=(4,), hidden=(8,), classes=3)
    model.compile("sgd", "sparse_categorical_crossentropy")
    x, y = np.random.rand(1000, 4), np.random.randint(0, 3, 1000)
    history = train.fit(model, x, y, epochs=5, batch_size=10, verbose=0)
    assert int(model.optimizer.iterations) == runtime.SMOKE_STEPS
    assert len(history.history["loss"]) == 1 and len(history.epoch_times) == 1


@pytest.fixture
def empty_data(tmp_path, monkeypatch):
    """No data files anywhere: private, empty data folder and Keras cache; no downloads."""
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("DL_COURSE_OFFLINE", "1")
    monkeypatch.setattr(datasets.fashion_mnist, "FILES", [files.DataFile(name="absent.gz", sha256="0" * 64)])
    monkeypatch.setattr(datasets.mnist5k, "FILES", [files.DataFile(name="absent.csv.gz", sha256="0" * 64)])
    return tmp_path


@pytest.mark.parametrize(
    "name, x_shape, y_shape",
    [("mnist", (60000, 28, 28), (60000,)), ("cifar10", (50000, 32, 32, 3), (50000, 1)),
     ("fashion_mnist", (60000, 28, 28), (60000,))],
)
def test_absent_data_set_has_a_stand_in_in_smoke_mode_only(smoke, empty_data, monkeypatch, capsys, name, x_shape, y_shape):
    (x, y), (xt, yt) = getattr(datasets, name).load_data()
    assert x.shape == x_shape and y.shape == y_shape and xt.shape[1:] == x_shape[1:] and len(xt) == 10000
    assert x.dtype == y.dtype == np.uint8 and x.max() == 255 and x.min() == 0 and sorted(np.unique(y)) == list(range(10))
    size = "×".join(map(str, x_shape))
    assert f"smoke: {name} not found — random stand-in, {size} uint8, 10 classes" in capsys.readouterr().out
    assert not any(empty_data.rglob("*")), "nothing is written into the data folders"
    monkeypatch.delenv("DL_COURSE_SMOKE")
    with pytest.raises(datasets.DatasetError, match=f"To use {name} offline"):
        getattr(datasets, name).load_data()


def test_prepare_uses_the_stand_in_in_smoke_mode(smoke, empty_data, capsys):
    (x, y), (xt, yt) = datasets.prepare("cifar10", train=256, test=100, scale="standard", seed=(0, 1))
    assert x.shape == (256, 32, 32, 3) and xt.shape == (100, 32, 32, 3) and y.shape == (256,) and yt.shape == (100,)
    assert np.allclose(x.mean(axis=(0, 1, 2)), 0, atol=1e-3) and np.allclose(x.std(axis=(0, 1, 2)), 1, atol=1e-3)
    assert "smoke: cifar10 not found — random stand-in" in capsys.readouterr().out


def test_corrupt_file_is_refused_even_in_smoke_mode(smoke, empty_data):
    folder = empty_data / "data" / "mnist"
    folder.mkdir(parents=True)
    (folder / "mnist.npz").write_bytes(b"truncated")
    with pytest.raises(datasets.DatasetError, match="corrupt or incomplete"):
        datasets.mnist.load_data()


def test_cli_smoke_flag_sets_the_kernels_environment(tmp_path, monkeypatch):
    import json

    import nbformat

    monkeypatch.setenv("DL_COURSE_SMOKE", "0")  # recorded, so the flag the command sets is undone afterwards
    (tmp_path / "notebooks").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from dl_course import runtime\nprint(runtime.profile(), runtime.smoke())")]
    nbformat.write(nb, tmp_path / "notebooks" / "99_test.ipynb")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="not --inplace"):
        cli.main(["run", "99", "--smoke", "--inplace"])
    assert cli.main(["run", "99", "--profile", "full", "--smoke", "--out", "out"]) == 0
    executed = json.loads((tmp_path / "out" / "99_test.full-smoke.ipynb").read_text())
    assert "".join(executed["cells"][0]["outputs"][0]["text"]) == "full True\n"
    assert os.environ["DL_COURSE_SMOKE"] == "0" and os.environ["DL_COURSE_PROFILE"] == "fast", "both restored"
