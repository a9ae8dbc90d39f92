"""Every chapter with its full-profile settings in smoke mode: models, input shapes, batch sizes,
pipelines, callbacks and plots of the ``full=`` branches run, with every loop cut to a few steps
and absent data sets (MNIST, CIFAR-10) replaced by announced random stand-ins."""

import pytest

from dl_course import cli

CHAPTERS = cli.chapters()


@pytest.mark.parametrize("number", CHAPTERS)
def test_chapter_runs_in_full_profile_smoke_mode(number, tmp_path, monkeypatch):
    monkeypatch.setenv("DL_COURSE_SMOKE", "1")  # the kernel inherits it
    out = tmp_path / f"{number}.ipynb"
    # raises RunFailed naming the first failing cell and why; the executed copy goes to ``failed``
    cli.run_notebook(CHAPTERS[number], "full", out, timeout=600, failed=tmp_path / f"{number}.failed.ipynb")
    assert out.exists()
