import json
import os

import nbformat
import pytest

from dl_course import cli


def test_list_shows_chapters_and_models(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "01" in out and "mlp" in out


def test_data_reports_sources_and_offline_help(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    assert cli.main(["data"]) == 0
    out = capsys.readouterr().out
    assert "mnist" in out and "NOT available" in out and "离线使用 mnist" in out
    assert f"copy these files into {tmp_path / 'mnist'}" in out


def test_run_executes_a_notebook_and_says_where(tmp_path, monkeypatch, capsys):
    book = tmp_path / "notebooks"
    book.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 99 测试 Test"), nbformat.v4.new_code_cell("from dl_course import runtime\nprint(runtime.profile())")]
    nbformat.write(nb, book / "99_test.ipynb")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "99", "--profile", "full", "--out", "out"]) == 0
    executed = json.loads((tmp_path / "out" / "99_test.full.ipynb").read_text())
    assert "".join(executed["cells"][1]["outputs"][0]["text"]) == "full\n"
    assert os.environ["DL_COURSE_PROFILE"] == "fast"  # restored after the run
    assert "→ out/99_test.full.ipynb" in capsys.readouterr().out


def test_run_unknown_chapter_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="no chapter 42"):
        cli.main(["run", "42"])


def test_run_rejects_unknown_profile(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "01", "--profile", "quick"])
    assert "invalid choice: 'quick'" in capsys.readouterr().err
