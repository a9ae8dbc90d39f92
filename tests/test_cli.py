import gzip
import json
import os
import re
import zlib

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


def test_run_executes_a_notebook_and_says_where(tmp_path, monkeypatch, capfd):
    book = tmp_path / "notebooks"
    book.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 99 测试 Test"),
        nbformat.v4.new_code_cell("from dl_course import runtime\nprint(runtime.profile())"),
        nbformat.v4.new_code_cell("import json\nfrom ipykernel.connect import get_connection_info\n"
                                  "print(json.loads(get_connection_info())['transport'])"),
    ]
    nbformat.write(nb, book / "99_test.ipynb")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "99", "--profile", "full", "--out", "out"]) == 0
    executed = json.loads((tmp_path / "out" / "99_test.full.ipynb").read_text())
    assert "".join(executed["cells"][1]["outputs"][0]["text"]) == "full\n"
    # Unix sockets where the system has them: no TCP port, no warning about one.
    transport = "".join(executed["cells"][2]["outputs"][0]["text"]).strip()
    assert transport == ("ipc" if os.name == "posix" else "tcp")
    assert os.environ["DL_COURSE_PROFILE"] == "fast"  # restored after the run
    out, err = capfd.readouterr()
    assert "→ out/99_test.full.ipynb" in out
    assert "without encryption" not in err and "Parent appears to have exited" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notebooks", "out"]  # no socket files left


def test_run_unknown_chapter_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="no chapter 42"):
        cli.main(["run", "42"])


def test_run_rejects_unknown_profile(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "01", "--profile", "quick"])
    assert "invalid choice: 'quick'" in capsys.readouterr().err


def write_chapter(folder, *sources):
    """A chapter notebook ``99_test.ipynb`` in ``folder/notebooks`` with code cells ``sources``."""
    book = folder / "notebooks"
    book.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 99 测试 Test")] + [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, book / "99_test.ipynb")
    return book / "99_test.ipynb"


def test_failed_inplace_run_leaves_the_notebook_untouched(tmp_path, monkeypatch, capsys):
    path = write_chapter(tmp_path, "x = 1", "1 / 0")
    before = path.read_bytes()
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "99", "--inplace", "--profile", "fast"]) == 1
    out = capsys.readouterr().out
    assert path.read_bytes() == before
    assert "FAILED: cell 3 (`1 / 0`): ZeroDivisionError: division by zero" in out
    failed = tmp_path / "runs" / "99_test.fast.failed.ipynb"
    assert f"see {failed.relative_to(tmp_path)}; {path} was left unchanged" in out
    assert nbformat.read(failed, as_version=4).cells[2].outputs[0]["ename"] == "ZeroDivisionError"
    assert not list((tmp_path / "notebooks").glob("*.tmp*"))


def test_cell_timeout_says_which_cell_and_why(tmp_path, monkeypatch, capsys):
    write_chapter(tmp_path, "import time\ntime.sleep(60)")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "99", "--profile", "fast", "--timeout", "3"]) == 1
    out = capsys.readouterr().out
    assert "FAILED: cell 2 (`import time`): timed out after 3 s (raise --timeout)" in out
    assert not (tmp_path / "runs" / "99_test.fast.ipynb").exists()


@pytest.mark.parametrize(
    "error, expected, code",
    [(KeyboardInterrupt(), "interrupted", 130), (RuntimeError(""), "FAILED: RuntimeError (no message)", 1)],
)
def test_errors_without_a_message_are_reported(tmp_path, monkeypatch, capsys, error, expected, code):
    import nbclient

    path = write_chapter(tmp_path, "x = 1")
    before = path.read_bytes()

    def execute(self, **kwargs):
        raise error

    monkeypatch.setattr(nbclient.NotebookClient, "execute", execute)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "99", "--inplace"]) == code
    assert expected in capsys.readouterr().out
    assert path.read_bytes() == before


def test_run_rejects_a_bad_profile_variable(tmp_path, monkeypatch):
    write_chapter(tmp_path, "x = 1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DL_COURSE_PROFILE", "bogus")
    with pytest.raises(SystemExit, match="DL_COURSE_PROFILE='bogus' is not a profile"):
        cli.main(["run", "99", "--inplace"])


def test_data_survives_an_undecompressable_file(tmp_path, monkeypatch, capsys):
    from test_datasets import flip_until

    folder = tmp_path / "fashion_mnist"
    folder.mkdir()
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(flip_until(gzip.compress(bytes(range(200)) * 50), zlib.error))
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    assert cli.main(["data"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"CORRUPT.*train-labels-idx1-ubyte.gz is corrupt or incomplete", out)


def test_data_download_keeps_the_reason_from_every_address(tmp_path, monkeypatch, capsys):
    from dl_course import datasets
    from dl_course.datasets import files

    spec = files.DataFile(name="mnist.npz", sha256="0" * 64, urls=("http://127.0.0.1:9/a.npz", "http://127.0.0.1:9/b.npz"))
    monkeypatch.setattr(datasets, "CATALOG", {"mnist": datasets.mnist})
    monkeypatch.setattr(datasets.mnist, "FILES", [spec])
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    assert cli.main(["data", "--download"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"download failed: could not download mnist.npz:\s+http://127.0.0.1:9/a.npz: <urlopen error .*refused", out)
    assert re.search(r"http://127.0.0.1:9/b.npz: <urlopen error .*refused", out)


def test_data_folder_that_is_a_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path / "notes.txt"))
    (tmp_path / "notes.txt").write_text("x")
    assert cli.main(["data"]) == 1
    assert "notes.txt is a file, not a folder" in capsys.readouterr().out
