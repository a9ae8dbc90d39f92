"""`dl-course doctor` on a healthy set-up and on broken ones (no data, no font, Windows, Keras 2)."""

import hashlib

import pytest
from backend_run import run_under

from dl_course import chapters, cli, doctor, plot
from dl_course.datasets import CATALOG, files
from dl_course.runtime import backends

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it

NEEDED = ("fashion_mnist", "tang_poems", "english_poems")  # what the fast profile loads


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A data folder where each needed data set is one small file with a known hash; returns it."""
    folder = tmp_path / "data"
    monkeypatch.setenv(files.ENV_DATA, str(folder))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv(files.ENV_MIRROR, raising=False)
    for name in NEEDED:
        body = name.encode()
        spec = files.DataFile(name="file", sha256=hashlib.sha256(body).hexdigest(), urls=(f"https://example.org/{name}",))
        monkeypatch.setattr(CATALOG[name], "FILES", [spec])
        (folder / name).mkdir(parents=True)
        (folder / name / "file").write_bytes(body)
    monkeypatch.setattr(plot, "FONT", "Noto Sans CJK SC")
    monkeypatch.setattr(doctor, "gpu", lambda: [doctor.Finding("GPU", True, "1 visible")])
    return folder


def test_healthy_set_up_exits_zero(data, capsys):
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "Every chapter can run" in out and "所有章节均可运行" in out
    assert "05 tang_poems" in out and "data folder" in out and "BAD" not in out


def test_empty_data_folder_names_the_chapters_and_the_fix(data, capsys):
    for name in NEEDED:
        (data / name / "file").unlink()
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    needing = [c.number for c in chapters.CHAPTERS if c.needs("fast")]
    assert "无法运行的章节: " + ", ".join(needing) in out
    assert "dl-course data --download" in out and "https://example.org/tang_poems" in out


def test_corrupt_file_is_reported(data, capsys):
    (data / "tang_poems" / "file").write_bytes(b"tampered")
    assert cli.main(["doctor"]) == 1
    assert "CORRUPT" in capsys.readouterr().out


def test_missing_font_says_how_to_install_one(data, monkeypatch, capsys):
    monkeypatch.setattr(plot, "FONT", None)
    cli.main(["doctor"])
    out = capsys.readouterr().out
    assert "BAD  CJK font" in out and 'pip install "dl-course[cjk]"' in out


def test_legacy_keras_blocks_every_chapter(monkeypatch):
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")
    text, code = doctor.report(doctor.versions())
    assert code == 1 and "01, 02" in text and "unset TF_USE_LEGACY_KERAS" in text


def test_keras_2_is_a_bad_combination(monkeypatch):
    real = doctor._version
    monkeypatch.setattr(doctor, "_version", lambda d: "2.15.0" if d == "keras" else real(d))
    assert "Keras 3 is required" in doctor.report(doctor.versions())[0]


def test_no_gpu_reasons_by_platform(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    monkeypatch.setattr(backends, "name", lambda: "tensorflow")
    monkeypatch.setattr(doctor, "_version", lambda d: None)
    assert "WSL2" in doctor.report(doctor.gpu(system="Windows", visible=[]))[0]
    assert "Colab" in doctor.report(doctor.gpu(system="Linux", visible=[]))[0]
    monkeypatch.setattr(doctor, "_version", lambda d: "2.5.1+cu121" if d == "torch" else None)
    assert "KERAS_BACKEND=torch" in doctor.report(doctor.gpu(system="Linux", visible=[]))[0]
    assert "GPU visible" in doctor.report(doctor.gpu(system="Windows", visible=("GPU",)))[0]
    monkeypatch.setattr(backends, "name", lambda: "torch")
    assert "CUDA" in doctor.report(doctor.gpu(system="Windows", visible=()))[0]


JAX_ONLY = """
import json, sys
sys.modules["tensorflow"] = None  # as if TensorFlow were not installed: importing it fails
from dl_course import doctor
doctor._version = lambda dist, real=doctor._version: None if dist == "tensorflow" else real(dist)
text, code = doctor.report(doctor.versions() + doctor.gpu())
print(json.dumps({"text": text, "code": code}))
"""


def test_a_jax_only_set_up_is_healthy_and_never_imports_tensorflow():
    pytest.importorskip("jax")
    result = run_under("jax", JAX_ONLY)
    assert result["code"] == 0 and "JAX (Keras backend 后端)" in result["text"], result["text"]
    assert "BAD" not in result["text"]


def test_tensorflow_missing_blocks_only_the_tensorflow_backend(monkeypatch):
    real = doctor._version
    monkeypatch.setattr(doctor, "_version", lambda d: None if d == "tensorflow" else real(d))
    monkeypatch.setattr(backends, "name", lambda: "tensorflow")
    text, code = doctor.report(doctor.versions())
    assert code == 1 and "pip install tensorflow" in text
    monkeypatch.setattr(backends, "name", lambda: "jax")
    text, code = doctor.report(doctor.versions())
    assert code == 0 and "JAX (Keras backend 后端)" in text


def test_unknown_keras_backend_blocks_every_chapter_and_says_the_names(monkeypatch):
    monkeypatch.setattr(backends, "name", lambda: "tensorflw")
    text, code = doctor.report(doctor.versions())
    assert code == 1 and "BAD  Keras backend" in text and "KERAS_BACKEND='tensorflw' is not a backend" in text
    assert "export KERAS_BACKEND=tensorflow (or jax, torch), or unset it" in text and "01, 02" in text
    assert "got 'tensorflw'" in backends.problem()
    for name in ("jax", "torch", "tensorflow"):
        monkeypatch.setattr(backends, "name", lambda name=name: name)
        assert backends.problem() is None


def test_doctor_runs_and_reports_an_unknown_keras_backend_keras_cannot_start_with():
    import os
    import subprocess
    import sys

    env = {**os.environ, "KERAS_BACKEND": "tensorflw"}
    done = subprocess.run([sys.executable, "-m", "dl_course.cli", "doctor"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "BAD  Keras backend" in done.stdout and "Traceback" not in done.stderr
    assert "KERAS_BACKEND must be one of tensorflow, jax or torch" in done.stderr  # the warning at import


def test_data_folder_that_cannot_be_written_is_reported(data, monkeypatch, tmp_path, capsys):
    # Root ignores chmod, so "no write permission" is simulated: a path under a regular file, and
    # os.access answering False for an existing folder.
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(files.ENV_DATA, str(blocker / "data"))
    (row,) = doctor.data_folder()
    assert not row.ok and not row.blocks and f"{blocker / 'data'}: downloads cannot be saved ({blocker} is a file)" in row.text
    assert "set DL_COURSE_DATA to a folder you can write to" in row.fix
    monkeypatch.setenv(files.ENV_DATA, str(data))
    monkeypatch.setattr(doctor.os, "access", lambda path, mode: False)
    (row,) = doctor.data_folder()
    assert not row.ok and f"no write permission on {data}" in row.text


def test_data_folder_that_is_a_file_or_an_unknown_home_blocks_and_doctor_still_reports(data, monkeypatch, tmp_path, capsys):
    for value in (str(data / "tang_poems" / "file"), "~no_such_user_dl_course/data"):
        monkeypatch.setenv(files.ENV_DATA, value)
        assert cli.main(["doctor"]) == 1
        out = capsys.readouterr().out
        assert "BAD  Data folder" in out and "set DL_COURSE_DATA to a folder you can write to" in out
        assert "无法运行的章节: 01, 02" in out


def test_corrupt_file_fix_says_to_delete_it_first(data, capsys):
    # `dl-course data --download` fetches only missing files: a corrupt one must be deleted first.
    corrupt = data / "tang_poems" / "file"
    corrupt.write_bytes(b"tampered")
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert f"→ delete {corrupt} (corrupt 已损坏), then dl-course data --download" in out
