"""The notebooks' set-up cell on Colab: `colab.setup()` installs the font and poem files Colab lacks
(apt and pip are simulated: nothing is installed)."""

import subprocess
import sys
import types

import pytest

from dl_course import colab

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it


@pytest.fixture
def calls(monkeypatch):
    """Record the commands ``setup`` runs; each answers with the return code set in ``codes``."""
    log, codes = [], {}

    def run(command, **kwargs):
        log.append(command)
        return subprocess.CompletedProcess(command, codes.get(command[0] if command[0] != "env" else command[2], 0))

    monkeypatch.setattr(colab.subprocess, "run", run)
    monkeypatch.setattr(colab, "_refresh_fonts", lambda: log.append(["refresh fonts"]))
    return log, codes


def test_off_colab_nothing_is_installed(calls, monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert colab.setup() == [] and calls[0] == []


def test_on_colab_apt_installs_what_is_missing(calls, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    present = tmp_path / "tang300"
    present.write_text("poems")
    absent = {name: str(tmp_path / "absent" / name) for name in colab.PACKAGES}
    monkeypatch.setattr(colab, "PACKAGES", {**absent, "fortunes-zh": str(present)})
    assert colab.setup() == ["fonts-noto-cjk", "fortunes"]
    log = calls[0]
    install = next(c for c in log if "install" in c and "apt-get" in c)
    assert install[-2:] == ["fonts-noto-cjk", "fortunes"] and "fortunes-zh" not in install
    assert ["refresh fonts"] in log


def test_on_colab_without_apt_the_font_comes_from_pypi(calls, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(colab, "PACKAGES", {name: str(tmp_path / name) for name in colab.PACKAGES})
    calls[1]["apt-get"] = 100
    assert colab.setup() == [colab.FONT_PACKAGE]
    assert [sys.executable, "-m", "pip", "install", "-q", colab.FONT_PACKAGE] in calls[0]


def test_every_set_up_cell_calls_it_only_on_colab():
    import json
    from pathlib import Path

    from dl_course.chapters import CHAPTERS

    folder = Path(__file__).parents[1] / "notebooks"
    for chapter in CHAPTERS:
        cells = json.loads((folder / chapter.notebook).read_text(encoding="utf-8"))["cells"]
        setup = "".join(next(c for c in cells if c["cell_type"] == "code")["source"])
        assert 'if "google.colab" in sys.modules:' in setup and "colab.setup()" in setup, chapter.notebook
