"""Stable run folders under the repository root."""

import pytest

from dl_course import train

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it


def test_run_dir_is_stable_under_the_repository_root(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    folder = train.run_dir("07_gan", "cdcgan")
    assert folder == tmp_path.resolve() / "runs" / "07_gan" / "cdcgan" and folder.is_dir()
    assert train.run_dir("07_gan", "cdcgan") == folder
    for bad in ("", "..", "a/b", None):
        with pytest.raises(ValueError, match="plain folder names"):
            train.run_dir("07_gan", bad)
