"""Resuming an interrupted fit from its backup folder."""

import numpy as np
import pytest

from dl_course import models, train


def test_fit_resumes_from_backup_after_an_interruption(tmp_path):
    import keras

    def compiled():
        m = models.build("mlp", input_shape=(4,), hidden=(8,), classes=3)
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return m

    x, y = np.random.default_rng(0).normal(size=(32, 4)), np.arange(32) % 3
    backup = tmp_path / "run"
    first = compiled()
    with pytest.raises(train.Interrupted, match="epoch 3"):
        train.fit(first, x, y, epochs=4, verbose=0, backup_dir=backup, callbacks=[train.InterruptAt(2)])
    saved = first.get_weights()
    resumed, seen = compiled(), {}
    record = keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs=None: seen.setdefault(e, resumed.get_weights()))
    history = train.fit(resumed, x, y, epochs=4, verbose=0, backup_dir=backup, callbacks=[record])
    assert history.epoch == [2, 3], "training should continue after the last saved epoch"
    assert all(np.array_equal(a, b) for a, b in zip(saved, seen[2])), "weights restored from the backup"
    assert not backup.exists(), "the backup is removed once training finishes"


def test_backup_of_another_architecture_is_refused_naming_the_folder(tmp_path):
    def compiled(hidden):
        m = models.build("mlp", input_shape=(4,), hidden=hidden, classes=3)
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return m

    x, y = np.random.default_rng(0).normal(size=(32, 4)), np.arange(32) % 3
    backup = tmp_path / "run"
    with pytest.raises(train.Interrupted):
        train.fit(compiled((8,)), x, y, epochs=3, verbose=0, backup_dir=backup, callbacks=[train.InterruptAt(1)])
    other = compiled((16,))
    before = other.get_weights()
    with pytest.raises(train.BackupError) as caught:
        train.fit(other, x, y, epochs=3, verbose=0, backup_dir=backup)
    message = str(caught.value)
    assert f"The backup in {backup} was written by a different model" in message
    assert "(4, 8)" in message and "(4, 16)" in message
    assert "Pass a new backup_dir" in message and f"shutil.rmtree({str(backup)!r})" in message
    assert all(np.array_equal(a, b) for a, b in zip(before, other.get_weights())), "nothing was loaded"
    assert (backup / "latest.weights.h5").exists(), "the backup is kept"
