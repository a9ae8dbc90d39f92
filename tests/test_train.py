"""Training helpers: the stable run folder and resuming an interrupted fit from it."""

import numpy as np
import pytest

from dl_course import models, train


def test_run_dir_is_stable_and_relative(monkeypatch):
    monkeypatch.delenv("DL_COURSE_RUNS", raising=False)
    assert str(train.run_dir("02_backprop", "mlp")) == "runs/02_backprop/mlp"
    monkeypatch.setenv("DL_COURSE_RUNS", "/tmp/elsewhere")
    assert str(train.run_dir("02_backprop", "mlp")) == "/tmp/elsewhere/02_backprop/mlp"


@pytest.mark.parametrize("bad", ["", "..", "a/b", "../up", None])
def test_run_dir_rejects_paths(bad):
    with pytest.raises(ValueError, match="plain folder names"):
        train.run_dir("02_backprop", bad)


class _Stop(RuntimeError):
    pass


def test_fit_resumes_from_backup_after_an_interruption(tmp_path):
    import keras

    def compiled():
        m = models.build("mlp", input_shape=(4,), hidden=(8,), classes=3)
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return m

    def stop_at(at):
        def check(epoch, logs=None):
            if epoch == at:
                raise _Stop(epoch)
        return keras.callbacks.LambdaCallback(on_epoch_begin=check)

    x, y = np.random.default_rng(0).normal(size=(32, 4)), np.arange(32) % 3
    backup = tmp_path / "run"
    first = compiled()
    with pytest.raises(_Stop):
        train.fit(first, x, y, epochs=4, verbose=0, backup_dir=backup, callbacks=[stop_at(2)])
    saved = first.get_weights()
    resumed, seen = compiled(), {}
    record = keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs=None: seen.setdefault(e, resumed.get_weights()))
    history = train.fit(resumed, x, y, epochs=4, verbose=0, backup_dir=backup, callbacks=[record])
    assert history.epoch == [2, 3], "training should continue after the last saved epoch"
    assert all(np.array_equal(a, b) for a, b in zip(saved, seen[2])), "weights restored from the backup"
    assert not backup.exists(), "the backup is removed once training finishes"
