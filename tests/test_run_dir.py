"""Stable run folders and checked result tables."""

import pytest

from dl_course import runtime, train
from dl_course.results import ResultTable


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



def test_result_table_checks_records_and_refuses_unknown_names(monkeypatch):
    monkeypatch.setenv(runtime.ENV_PROFILE, "fast")
    results = ResultTable({"accuracy": (0.5, 0.9, True), "loss": (1.0, 0.5, False)})
    assert results.check("accuracy", 0.75) == 0.75
    with pytest.raises(KeyError, match="no bound named"):
        results.check("acc", 0.75)
    with pytest.raises(runtime.ExpectationError):
        results.check("loss", 9.0)
    assert list(results.frame()["metric"]) == ["accuracy"]
