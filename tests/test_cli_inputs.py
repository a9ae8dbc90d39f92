"""The command line checks its arguments before doing any work and ends without a traceback."""

import os
import signal
import socket
import subprocess
import sys
import time

import nbformat
import pytest

from dl_course import cli

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it


@pytest.fixture
def chapter(tmp_path, monkeypatch):
    """A one-cell chapter 99 in tmp_path/notebooks, run from tmp_path."""
    (tmp_path / "notebooks").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print('ran')")]
    nbformat.write(nb, tmp_path / "notebooks" / "99_test.ipynb")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("timeout", ["0", "-5"])
def test_run_refuses_a_timeout_that_is_not_positive(chapter, timeout):
    with pytest.raises(SystemExit, match=rf"--timeout must be a positive number of seconds per cell, got {timeout}"):
        cli.main(["run", "99", "--timeout", timeout])


def test_run_checks_out_before_running_anything(chapter, capsys):
    (chapter / "taken").write_text("x")
    with pytest.raises(SystemExit, match=r"--out must be a folder, got the file taken"):
        cli.main(["run", "99", "--out", "taken"])
    assert "running" not in capsys.readouterr().out


def test_run_refuses_a_read_only_out_folder(chapter, monkeypatch):
    (chapter / "locked").mkdir()

    def read_only(**kwargs):  # as the file system answers in a read-only folder (root may write anyway)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli.tempfile, "NamedTemporaryFile", read_only)
    with pytest.raises(SystemExit, match=r"--out must be a folder you can write to, got locked"):
        cli.main(["run", "99", "--out", "locked"])


def test_run_keeps_the_executed_notebook_when_out_cannot_be_written(chapter, monkeypatch, capsys, tmp_path):
    real = cli._write

    def refuse(nb, out):
        if "hardening" not in str(out) and out.parent.name == "out":
            raise PermissionError(13, "Permission denied")
        real(nb, out)

    monkeypatch.setattr(cli, "_write", refuse)
    (tmp_path / "kept").mkdir()
    monkeypatch.setattr(cli.tempfile, "gettempdir", lambda: str(tmp_path / "kept"))
    assert cli.main(["run", "99", "--out", "out"]) == 1
    out = capsys.readouterr().out
    assert "could not write out/99_test" in out and "the executed notebook was kept as" in out
    assert "ran" in (tmp_path / "kept" / "99_test.fast.ipynb").read_text()


def test_ctrl_c_during_run_says_interrupted_and_exits_130(chapter):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import time, pathlib\npathlib.Path('started').touch()\ntime.sleep(60)")]
    nbformat.write(nb, chapter / "notebooks" / "99_test.ipynb")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "dl_course.cli", "run", "99", "--out", "out"], cwd=chapter, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not (chapter / "notebooks" / "started").exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends Ctrl-C to the whole group, kernel included
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, out
    assert "interrupted (Ctrl-C)" in out and "Traceback" not in out and "FAILED" not in out


def test_data_download_does_nothing_offline(tmp_path, monkeypatch, capsys):
    from dl_course.datasets import files

    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("DL_COURSE_OFFLINE", "1")
    monkeypatch.setattr(files, "download", lambda *a: pytest.fail("tried the network"))
    assert cli.main(["data", "--download"]) == 1
    assert "DL_COURSE_OFFLINE is set, so nothing is downloaded" in capsys.readouterr().out


def test_data_download_into_a_folder_it_cannot_write_is_reported(tmp_path, monkeypatch, capsys):
    from dl_course import datasets
    from dl_course.datasets import files

    spec = files.DataFile(name="mnist.npz", sha256="0" * 64, urls=("http://127.0.0.1:9/a.npz",))
    monkeypatch.setattr(datasets, "CATALOG", {"mnist": datasets.mnist})
    monkeypatch.setattr(datasets.mnist, "FILES", [spec])
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    monkeypatch.delenv("DL_COURSE_OFFLINE", raising=False)

    def read_only(*args):
        raise PermissionError(13, "Permission denied", str(tmp_path / "mnist"))

    monkeypatch.setattr(files, "download", read_only)
    assert cli.main(["data", "--download"]) == 1
    assert "download failed: [Errno 13] Permission denied" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [(["--port", "70000", "--serve", "--no-build"], "--port must be a port number from 1 to 65535, got 70000"),
                                           (["--out", "FILE"], "--out must be a folder, got the file")])
def test_book_checks_port_and_out_first(tmp_path, capsys, args, message):
    (tmp_path / "FILE").write_text("x")
    args = [str(tmp_path / "FILE") if a == "FILE" else a for a in args]
    assert cli.main(["book", *args]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("host", ["999.1.1.1", "taken"])
def test_book_serve_on_a_bad_host_or_a_taken_port_is_a_clear_error(tmp_path, capsys, host):
    (tmp_path / "index.html").write_text("<html></html>")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        argv = ["book", "--serve", "--no-build", "--out", str(tmp_path), "--port", str(port)]
        assert cli.main(argv + ["--host", "127.0.0.1" if host == "taken" else host]) == 1
    err = capsys.readouterr().err
    assert "dl-course book: cannot use http://" in err and "Pass another --port or --host" in err


def test_notebooks_into_a_file_is_refused_before_copying(tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(SystemExit, match=r"^dl-course notebooks: DIR must be a folder, got the file .*taken: pass a folder path"):
        cli.main(["notebooks", str(tmp_path / "taken")])
    assert (tmp_path / "taken").read_text() == "x"


def test_notebooks_into_a_folder_that_cannot_be_written_is_refused(tmp_path, monkeypatch):
    # Root ignores chmod: a path under a regular file cannot be created by anyone, and a read-only
    # folder is simulated as the file system answers one.
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(SystemExit, match=r"^dl-course notebooks: DIR must be a folder you can write to, got .*a-file/inside "
                                         r"\(Not a directory\): pass another folder"):
        cli.main(["notebooks", str(tmp_path / "a-file" / "inside")])
    (tmp_path / "locked").mkdir()

    def read_only(**kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli.tempfile, "NamedTemporaryFile", read_only)
    with pytest.raises(SystemExit, match=r"DIR must be a folder you can write to, got .*locked \(Permission denied\)"):
        cli.main(["notebooks", str(tmp_path / "locked")])
    assert not any((tmp_path / "locked").iterdir())
