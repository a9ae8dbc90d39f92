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


def test_on_colab_when_apt_fails_it_says_what_was_not_installed_and_the_way_round(calls, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(colab, "PACKAGES", {name: str(tmp_path / name) for name in colab.PACKAGES})
    calls[1]["apt-get"] = 100
    assert colab.setup() == [colab.FONT_PACKAGE]
    out = capsys.readouterr().out
    assert "Colab: installed mplfonts 已安装" in out and "诗歌数据已安装" not in out  # the poems were not installed
    assert "apt-get could not install fonts-noto-cjk, fortunes-zh, fortunes" in out
    assert "tang_poems: downloaded instead when chapter 05 loads it (or now: datasets.text.tang_poems.load_data())" in out
    assert "english_poems: downloaded instead" in out and "boxes" not in out


def test_on_colab_when_apt_and_pip_fail_the_font_fix_is_printed(calls, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(colab, "PACKAGES", {**{name: str(tmp_path / name) for name in colab.PACKAGES},
                                            "fortunes-zh": __file__, "fortunes": __file__})  # the poems are there
    calls[1]["apt-get"] = 100
    calls[1][sys.executable] = 1
    assert colab.setup() == []
    out = capsys.readouterr().out
    assert "Colab: apt-get could not install fonts-noto-cjk (apt-get 安装失败)" in out
    assert "the CJK font: nor could pip install mplfonts; Chinese plot labels show as boxes" in out
    assert "!pip install mplfonts and restart the runtime" in out and "tang_poems" not in out
    assert ["refresh fonts"] not in calls[0]
