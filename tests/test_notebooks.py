"""Conventions every chapter notebook keeps (nbval runs the notebooks themselves)."""

import json
import re
from pathlib import Path

import pytest

import dl_course
from dl_course.chapters import CHAPTERS

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it

NOTEBOOKS = [Path(__file__).parents[1] / "notebooks" / c.notebook for c in CHAPTERS]


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_title_badge_and_setup_cell(path):
    first, setup = cells(path)[0], cells(path)[1]
    assert first["cell_type"] == "markdown" and source(first).startswith("# ")
    assert f"colab.research.google.com/github/{dl_course.REPO_URL.split('github.com/')[1]}/blob/main/notebooks/{path.name}" in source(first)
    assert setup["cell_type"] == "code"
    assert f'"git+{dl_course.REPO_URL}"' in source(setup), "install from dl_course.REPO_URL"
    assert "runtime.describe()" in source(setup)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_executed_in_order_without_errors(path):
    code = [c for c in cells(path) if c["cell_type"] == "code" and source(c).strip()]
    counts = [c["execution_count"] for c in code]
    assert None not in counts and counts == sorted(counts), "run the notebook top to bottom before committing"
    assert not [o for c in code for o in c["outputs"] if o["output_type"] == "error"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_is_chinese_and_results_are_bounded(path):
    prose = "".join(source(c) for c in cells(path) if c["cell_type"] == "markdown")
    assert len(re.findall(r"[\u4e00-\u9fff]", prose)) > 200
    code = "".join(source(c) for c in cells(path) if c["cell_type"] == "code")
    assert "runtime.settings(" in code and "smoke=dict(" in code, "every setting names its smoke-mode cut"
    assert "runtime.expect(" in code or "ResultTable(" in code, "check results against bounds"
    assert "NBVAL_CHECK_OUTPUT" in code
    assert ".summary()" not in code.replace("# NBVAL", "")


# Students have neither the scraped slide files nor the machine that ran the notebook.
MACHINE_TALK = {
    "a slide file number (cite 课件 by topic, or the paper)": re.compile(r"seed\s*0\d\d", re.IGNORECASE),
    "CI": re.compile(r"\bCI\b"),
    "本机": re.compile("本机"),
    "OPENBLAS": re.compile("OPENBLAS", re.IGNORECASE),
    "Debian": re.compile("Debian", re.IGNORECASE),
    "an absolute path": re.compile("/work/"),
}


def _texts(cell):
    yield source(cell)
    for output in cell.get("outputs", []):
        yield "".join(output.get("text", ""))
        yield "".join(output.get("data", {}).get("text/plain", ""))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_slide_file_numbers_or_machine_talk(path):
    found = []
    for i, cell in enumerate(cells(path)):
        patterns = dict(MACHINE_TALK)
        if cell["cell_type"] == "markdown":
            patterns["SHA-256 (data checks belong to the README and `dl-course data`)"] = re.compile(r"SHA-?256", re.IGNORECASE)
        for text in _texts(cell):
            found += [f"cell {i}: {what}: {m.group(0)!r}" for what, rx in patterns.items() for m in rx.finditer(text)]
    assert not found, "\n".join(found)
