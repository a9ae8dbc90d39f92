"""The one list of chapters: it agrees with the notebooks, is what the CLI reads, and ships."""

import json
from pathlib import Path

import pytest

from dl_course import chapters, cli
from dl_course.datasets import CATALOG

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"


def heading(path: Path) -> str:
    first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
    return "".join(first["source"]).splitlines()[0].lstrip("# ").strip()


def test_every_notebook_is_a_chapter_and_titles_agree():
    on_disk = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert on_disk == [c.notebook for c in chapters.CHAPTERS]
    for c in chapters.CHAPTERS:
        assert c.notebook.startswith(c.number + "_")
        assert heading(NOTEBOOKS / c.notebook) == f"{c.number} {c.title}"


@pytest.mark.parametrize("chapter", chapters.CHAPTERS, ids=lambda c: c.number)
def test_declared_data_sets_are_the_ones_the_notebook_names(chapter):
    code = " ".join("".join(c["source"]) for c in json.loads((NOTEBOOKS / chapter.notebook).read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code")
    for profile in ("fast", "full"):
        for name in chapter.needs(profile):
            assert name in CATALOG and name in code, f"{chapter.number} {profile}: {name}"
    named = {n for n in CATALOG if f'"{n}"' in code or f"text.{n}" in code or f"datasets.{n}." in code}
    assert named <= set(chapter.needs("fast")) | set(chapter.needs("full")), "declare the data set in dl_course.chapters"


def test_found_is_empty_and_help_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(chapters, "search_dirs", lambda: [tmp_path / "notebooks", tmp_path])
    assert chapters.found() == {}
    with pytest.raises(SystemExit, match="Looked in:") as err:
        cli.main(["run", "01"])
    assert str(tmp_path / "notebooks") in str(err.value) and "dl-course notebooks" in str(err.value)


def test_notebooks_command_copies_them_out_and_run_finds_them_there(tmp_path, monkeypatch, capsys):
    target = tmp_path / "course"
    assert cli.main(["notebooks", str(target)]) == 0
    assert sorted(p.name for p in target.iterdir()) == [c.notebook for c in chapters.CHAPTERS]
    (target / "01_perceptron.ipynb").write_text("edited")
    assert cli.main(["notebooks", str(target)]) == 0
    assert (target / "01_perceptron.ipynb").read_text() == "edited", "a student's edits are kept"
    assert "already there" in capsys.readouterr().out
    monkeypatch.chdir(target)  # a folder of notebooks, no notebooks/ below it
    monkeypatch.setattr(chapters, "search_dirs", lambda: [target / "notebooks", target])
    assert chapters.found()["05"] == target / "05_rnn.ipynb"


def test_environment_variable_names_the_folder(tmp_path, monkeypatch):
    (tmp_path / "03_cnn.ipynb").write_text("{}")
    monkeypatch.setenv(chapters.ENV_NOTEBOOKS, str(tmp_path))
    assert chapters.notebooks_dir() == tmp_path and list(chapters.found()) == ["03"]
