"""The one list of chapters: it agrees with the notebooks, is what the CLI reads, and ships."""

import json
import re
from pathlib import Path

import pytest

from dl_course import chapters, cli
from dl_course.datasets import CATALOG

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it

ROOT = Path(__file__).parents[1]
NOTEBOOKS = ROOT / "notebooks"


def heading(path: Path) -> str:
    first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
    return "".join(first["source"]).splitlines()[0].lstrip("# ").strip()


def test_a_chapter_is_its_notebook_solution_module_and_manifest_row():
    """Each of the four places holds exactly the manifest's chapters: none is missed in one of them."""
    listed = [c.notebook for c in chapters.CHAPTERS]
    assert sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) == listed, "notebooks/ vs dl_course/chapters.py"
    assert sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb")) == listed, "solutions/ vs dl_course/chapters.py"
    modules = sorted(f"dl_course.lessons.{p.stem}" for p in (ROOT / "dl_course" / "lessons").glob("ch*.py"))
    assert modules == [c.module for c in chapters.CHAPTERS], "dl_course/lessons/ vs dl_course/chapters.py"
    assert [c.number for c in chapters.CHAPTERS] == sorted({c.number for c in chapters.CHAPTERS})
    for c in chapters.CHAPTERS:
        assert heading(NOTEBOOKS / c.notebook) == f"{c.number} {c.title}"
        assert heading(ROOT / "solutions" / c.notebook).startswith(f"教师版：第 {int(c.number)} 章"), c.notebook
        assert c.lesson().__doc__.startswith(f"Chapter {c.number}"), c.module


def test_each_exercise_check_lives_in_its_chapters_module():
    from dl_course.exercises import CHECKS, exercises

    exercises()
    for key, registered in CHECKS.items():
        assert registered.checker.__module__ == chapters.BY_NUMBER[key[:2]].module, key


def test_readme_chapter_table_is_the_manifest():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d\d) \| (.+?) \| .* `(\d\d_\w+\.ipynb)` \|$", readme, re.MULTILINE)
    assert rows == [(c.number, c.title, c.notebook) for c in chapters.CHAPTERS], "README.md's chapter table"


def test_list_prints_the_notebooks_ci_runs_per_backend(capsys):
    assert cli.main(["list", "--notebooks"]) == 0
    assert capsys.readouterr().out.split() == [f"notebooks/{c.notebook}" for c in chapters.CHAPTERS]
    assert cli.main(["list", "--solutions", "--backend", "torch"]) == 0
    torch = [c for c in chapters.CHAPTERS if "torch" in c.ci_backends()]
    assert capsys.readouterr().out.split() == [f"solutions/{c.notebook}" for c in torch]
    assert all(c.ci_skip["torch"] for c in chapters.CHAPTERS if c not in torch), "say why a chapter is left out"
    assert cli.main(["list", "--notebooks", "--longest-first"]) == 0
    longest = sorted(chapters.CHAPTERS, key=lambda c: -c.seconds)
    assert capsys.readouterr().out.split() == [f"notebooks/{c.notebook}" for c in longest] != [
        f"notebooks/{c.notebook}" for c in chapters.CHAPTERS]
    with pytest.raises(SystemExit, match="--backend must be one of tensorflow, jax, torch"):
        cli.main(["list", "--notebooks", "--backend", "tf"])


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
