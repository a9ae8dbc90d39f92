"""The course as a static, offline web book: Sphinx + myst-nb over the executed notebooks.

``build()`` renders the committed notebooks (never re-executed) into HTML with the book theme,
a local MathJax and Sphinx's own search, so the site works on a campus network with no
internet. ``serve()`` serves a built site over HTTP.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ENV_MATHJAX = "DL_COURSE_MATHJAX"
MATHJAX_CONFIG = "TeX-AMS_CHTML-full"
DEBIAN_MATHJAX = "/usr/share/javascript/mathjax"  # Debian/Ubuntu `libjs-mathjax`
# Parts of MathJax 2 that a CommonHTML page never loads: sources, tests, other fonts and outputs.
MATHJAX_SKIP = {"unpacked", "test", "docs", "STIX-Web", "otf", "eot", "svg", "png"}
MATHJAX_OTHER_OUTPUTS = {"SVG", "HTML-CSS", "NativeMML", "PreviewHTML", "PlainSource"}
README_ZH = ("<!-- book:zh -->", "<!-- /book:zh -->")
README_EN = ("<!-- book:en -->", "<!-- /book:en -->")
COLAB_BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)\s*")
#: Pages after the chapters (``dl_course/book_pages/NAME.md``): running the course, the glossary.
BOOK_PAGES = ("appendix", "glossary")


class BookError(RuntimeError):
    """The book cannot be built: a missing tool or input, with how to get it."""


def mathjax_dir() -> Path:
    """A local MathJax 2 folder: ``$DL_COURSE_MATHJAX``, Debian's package, or the PyPI wheel's."""
    places = [os.environ.get(ENV_MATHJAX, ""), DEBIAN_MATHJAX]
    try:
        import jupyter_server_mathjax

        places.append(str(Path(jupyter_server_mathjax.__file__).parent / "static"))
    except ImportError:
        pass
    for place in filter(None, places):
        if (Path(place) / "MathJax.js").is_file():
            return Path(place)
    raise BookError(
        "No local MathJax found, so formulas could not render offline. Install one of: "
        "`sudo apt-get install libjs-mathjax` (Debian/Ubuntu) or `pip install jupyter-server-mathjax`, "
        f"or set {ENV_MATHJAX} to a folder that holds MathJax.js (MathJax 2.7)."
    )


def readme_part(readme: str, markers: tuple[str, str]) -> str:
    """The README text between a pair of ``<!-- book:… -->`` markers."""
    start, end = readme.find(markers[0]), readme.find(markers[1])
    if start < 0 or end < start:
        raise BookError(f"README.md lacks the markers {markers[0]} … {markers[1]} around the book's home text.")
    return readme[start + len(markers[0]) : end].strip()


def home_page(readme: str, notebooks: list[Path]) -> str:
    """The book's index: the README's Chinese then English overview, and the chapter table."""
    from dl_course.chapters import BY_NUMBER

    rows = "\n".join(
        f"| {nb.name[:2]} | [{BY_NUMBER[nb.name[:2]].title}]({nb.stem}) "
        f"| {{download}}`{nb.name} <{nb.name}>` |"
        for nb in notebooks
    )
    toctree = "\n".join([*(nb.stem for nb in notebooks), *BOOK_PAGES])
    return f"""# dl-course 深度学习课程

{readme_part(readme, README_ZH)}

## 章节 Chapters

| # | 章节 Chapter | 下载 Download |
|---|---|---|
{rows}

[附录：运行本课程 Running the course](appendix) · [中英术语表 Glossary](glossary)

## About the course

{readme_part(readme, README_EN)}

```{{toctree}}
:hidden:
:maxdepth: 1

{toctree}
```
"""


def book_pages_dir() -> Path:
    """Where the book's own Markdown pages are kept (shipped with the package)."""
    return Path(__file__).resolve().parent / "book_pages"


def stage_notebook(source: Path, target: Path) -> None:
    """Copy a notebook for rendering, without the Colab badge (an image the offline book cannot load)."""
    nb = json.loads(source.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = COLAB_BADGE.sub("", "".join(cell["source"]))
    target.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def copy_mathjax(source: Path, target: Path) -> None:
    """Copy the parts of MathJax 2 that a CommonHTML page loads."""

    def skip(folder, names):
        outputs = MATHJAX_OTHER_OUTPUTS if Path(folder).match("jax/output") else set()
        return [n for n in names if n in MATHJAX_SKIP or n in outputs]

    shutil.copytree(source, target, ignore=skip)


def sphinx_config() -> dict:
    """Sphinx settings: myst-nb rendering stored outputs, the book theme, local MathJax, Chinese UI."""
    return {
        "project": "dl-course 深度学习课程",
        "author": "dl-course",
        "language": "zh_CN",
        "extensions": ["myst_nb"],
        "nb_execution_mode": "off",
        "nb_ipywidgets_js": {},
        "myst_enable_extensions": ["dollarmath", "amsmath"],
        "html_theme": "sphinx_book_theme",
        "html_title": "dl-course 深度学习课程",
        "html_static_path": ["_static"],
        "html_sourcelink_suffix": "",
        "html_theme_options": {"use_download_button": True, "show_toc_level": 2},
        "mathjax_path": f"mathjax/MathJax.js?config={MATHJAX_CONFIG}",
        # MathJax 2 typesets only the elements Sphinx marks as math (MyST marks the rest to ignore).
        "myst_update_mathjax": False,
        "mathjax2_config": {"tex2jax": {"processClass": "math|output_area", "ignoreClass": "tex2jax_ignore"}},
        "exclude_patterns": ["_build"],
        "suppress_warnings": ["mystnb.unknown_mime_type", "myst.header"],
    }


def build(out: str | Path = "site", notebooks: str | Path | None = None, quiet: bool = True) -> Path:
    """Render the executed chapter notebooks into a static HTML book in ``out``; return its index."""
    try:
        from sphinx.application import Sphinx
    except ImportError as err:
        raise BookError("The book needs Sphinx and myst-nb: pip install -e '.[book]'") from err
    from dl_course import chapters

    folder = Path(notebooks) if notebooks else chapters.notebooks_dir()
    found = list(chapters.found(folder).values()) if folder else []
    if not found:
        raise BookError(f"No chapter notebooks in {folder}." if folder else chapters.not_found_help())
    readme = folder.parent / "README.md"
    if not readme.is_file():
        raise BookError(f"{readme} not found: the home page is made from the README next to {folder}.")
    out = Path(out).resolve()
    with tempfile.TemporaryDirectory(prefix="dl-course-book-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for nb in found:
            stage_notebook(nb, src / nb.name)
        (src / "index.md").write_text(home_page(readme.read_text(encoding="utf-8"), found), encoding="utf-8")
        for page in BOOK_PAGES:
            shutil.copyfile(book_pages_dir() / f"{page}.md", src / f"{page}.md")
        copy_mathjax(mathjax_dir(), src / "_static" / "mathjax")
        app = Sphinx(
            str(src), None, str(out), str(Path(tmp) / "doctrees"), "html",
            confoverrides=sphinx_config(), status=None if quiet else sys.stdout, freshenv=True,
        )
        app.build()
        if app.statuscode:
            raise BookError(f"Sphinx failed with status {app.statuscode}.")
    return out / "index.html"


class BookAndData(http.server.SimpleHTTPRequestHandler):
    """The book's files, and under ``/data/<dataset>/<file>`` every data file this machine has
    (checked copies found as ``datasets`` finds them): the classroom's ``DL_COURSE_MIRROR``."""

    def translate_path(self, path: str) -> str:
        parts = path.split("?", 1)[0].split("#", 1)[0].strip("/").split("/")
        if parts[0] != "data":
            return super().translate_path(path)
        from dl_course.datasets import CATALOG, files

        if len(parts) == 3 and parts[1] in CATALOG:
            spec = next((f for f in CATALOG[parts[1]].FILES if f.name == parts[2]), None)
            found = spec and files.survey(parts[1], spec)[0]
            if found:
                return str(found[0])
        return str(Path(self.directory) / "_no_such_data_file_")


def serve(site: str | Path = "site", host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve a built book over HTTP until interrupted (``host="0.0.0.0"`` for a classroom)."""
    site = Path(site)
    if not (site / "index.html").is_file():
        raise BookError(f"{site}/index.html not found: build the book first with `dl-course book --out {site}`.")
    handler = functools.partial(BookAndData, directory=str(site))
    with http.server.ThreadingHTTPServer((host, port), handler) as server:
        print(f"Serving the book at http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}/ (Ctrl-C stops)")
        print(f"and the data files at http://<this computer>:{port}/data/ — students set "
              f"DL_COURSE_MIRROR=http://<this computer>:{port}/data (学生设置此环境变量即可从本机下载数据)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
