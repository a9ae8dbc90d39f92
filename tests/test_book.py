"""The offline web book: built from the executed notebooks, nothing loaded from the internet,
and rendered for real in headless Chromium (formulas typeset, images loaded)."""

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path

import pytest

from dl_course import book, cli

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL = re.compile(
    r"<script[^>]+src=\"https?://|<link[^>]+href=\"https?://[^\"]*\"[^>]*stylesheet|"
    r"<link[^>]+stylesheet[^>]*href=\"https?://|url\(['\"]?https?://|@import\s+['\"]https?://",
    re.I,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    book.build(out)
    return out


def test_every_chapter_has_a_page_and_a_download(site):
    home = (site / "index.html").read_text(encoding="utf-8")
    for number, path in cli.chapters().items():
        page = site / f"{path.stem}.html"
        assert page.is_file(), f"no page for chapter {number}"
        assert f"{path.name}" in home and f"{path.stem}.html" in home
        assert list(site.glob(f"_downloads/*/{path.name}")), f"no .ipynb download for {path.name}"
    assert "章节 Chapters" in home and "深度学习" in home


def test_appendix_and_glossary_follow_the_chapters(site):
    home = (site / "index.html").read_text(encoding="utf-8")
    for page, heading in (("appendix", "附录：运行本课程"), ("glossary", "中英术语表")):
        html = (site / f"{page}.html").read_text(encoding="utf-8")
        assert heading in html and f"{page}.html" in home
    assert "jit_compile" in (site / "appendix.html").read_text(encoding="utf-8")
    assert "步幅" in (site / "glossary.html").read_text(encoding="utf-8")
    last_chapter = max(cli.chapters().values()).stem
    nav = (site / f"{last_chapter}.html").read_text(encoding="utf-8")
    assert "appendix.html" in nav  # the "next" link after the last chapter


def test_pages_show_stored_outputs_without_executing(site):
    page = (site / "01_perceptron.html").read_text(encoding="utf-8")
    assert "profile:" in page  # the settings line each notebook printed when it was executed
    assert "colab-badge.svg" not in page  # the badge is an image the offline book could not load


def test_no_page_loads_anything_from_the_internet(site):
    offenders = [
        f"{p.relative_to(site)}: {m.group(0)}"
        for p in [*site.glob("*.html"), *site.rglob("_static/**/*.css")]
        for m in EXTERNAL.finditer(p.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not offenders, "external resources:\n" + "\n".join(offenders)
    assert (site / "_static" / "mathjax" / "MathJax.js").is_file()
    assert (site / "searchindex.js").is_file()


def test_missing_readme_markers_and_unbuilt_site_give_clear_errors(tmp_path, capsys):
    with pytest.raises(book.BookError, match="lacks the markers"):
        book.readme_part("# no markers here", book.README_ZH)
    assert cli.main(["book", "--serve", "--no-build", "--out", str(tmp_path)]) == 1
    assert "build the book first" in capsys.readouterr().err


def test_mathjax_from_environment_folder(tmp_path, monkeypatch):
    (tmp_path / "MathJax.js").write_text("// MathJax")
    monkeypatch.setenv(book.ENV_MATHJAX, str(tmp_path))
    assert book.mathjax_dir() == tmp_path


@pytest.fixture(scope="module")
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.fail("the browser test needs Debian's chromium and chromium-driver (apt-get install $(cat apt-test.txt))")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1600"):
        options.add_argument(flag)
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    yield chrome
    chrome.quit()


@pytest.fixture(scope="module")
def served(site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


MATH_DONE = """return !!(window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0
                 && document.querySelectorAll('.MathJax_CHTML').length > 0)"""


def test_home_and_a_chapter_render_in_chromium(browser, served):
    from selenium.webdriver.support.ui import WebDriverWait

    shots = ROOT / "runs"
    shots.mkdir(exist_ok=True)
    browser.get(served + "/index.html")
    assert "深度学习" in browser.title
    links = browser.execute_script("return [...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    assert sum(h.endswith(".ipynb") for h in links if h) >= len(cli.chapters())
    browser.save_screenshot(str(shots / "book-home.png"))

    browser.get(served + "/03_cnn.html")
    assert "卷积神经网络" in browser.find_element("css selector", "article h1").text
    WebDriverWait(browser, 60).until(lambda b: b.execute_script(MATH_DONE))
    raw = browser.execute_script(
        "return [...document.querySelectorAll('.math')].filter(e => /\\\\\\(|\\$/.test(e.innerText)).length"
    )
    assert raw == 0, f"{raw} formulas left as raw TeX"
    loaded = browser.execute_script("return [...document.images].filter(i => i.complete && i.naturalWidth > 0).length")
    assert loaded >= 1, "no image loaded on the chapter page"
    browser.save_screenshot(str(shots / "book-03_cnn.png"))

    browser.get(served + "/search.html?q=卷积")
    WebDriverWait(browser, 60).until(lambda b: "卷积神经网络" in b.find_element("id", "search-results").text)
