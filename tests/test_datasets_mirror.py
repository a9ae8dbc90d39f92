"""Downloads without apt: the classroom mirror (DL_COURSE_MIRROR), files unpacked from a Debian
package, the mirror folder `dl-course data --export` writes and the book server's /data/."""

import functools
import hashlib
import http.server
import io
import re
import tarfile
import threading
import urllib.request

import pytest

from dl_course import book, cli
from dl_course.datasets import files, text

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it


@pytest.fixture
def http_dir(tmp_path):
    """Serve a folder on 127.0.0.1; yields (folder, base URL, list of paths requested)."""
    folder, requested = tmp_path / "served", []
    folder.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requested.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}", requested
    server.shutdown()


def fake_deb(member: str, body: bytes) -> bytes:
    """A minimal .deb: an ar archive with debian-binary and a data.tar.xz holding ``member``."""
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w:xz") as t:
        info = tarfile.TarInfo("." + member)
        info.size = len(body)
        t.addfile(info, io.BytesIO(body))
    out = b"!<arch>\n"
    for name, data in ((b"debian-binary", b"2.0\n"), (b"data.tar.xz", tar.getvalue())):
        out += name.ljust(16) + b"0".ljust(12) + b"0".ljust(6) * 2 + b"100644".ljust(8)
        out += str(len(data)).encode().ljust(10) + b"`\n" + data + (b"\n" if len(data) % 2 else b"")
    return out


def spec_for(body: bytes, **kw) -> files.DataFile:
    return files.DataFile(name="poems", sha256=hashlib.sha256(body).hexdigest(), **kw)


def test_mirror_is_tried_before_the_public_address(tmp_path, monkeypatch, http_dir):
    folder, base, requested = http_dir
    body = "静夜思\n%\n".encode()
    (folder / "corpus").mkdir()
    (folder / "corpus" / "poems").write_bytes(body)
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv(files.ENV_MIRROR, base + "/")
    spec = spec_for(body, urls=("http://127.0.0.1:9/unreachable",))
    assert files.download("corpus", spec).read_bytes() == body
    assert requested == ["/corpus/poems"]


def test_bad_mirror_copy_is_refused_and_the_next_address_used(tmp_path, monkeypatch, http_dir):
    folder, base, _ = http_dir
    body = b"good"
    (folder / "corpus").mkdir()
    (folder / "corpus" / "poems").write_bytes(b"tampered")
    (folder / "public").write_bytes(body)
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv(files.ENV_MIRROR, base)
    assert files.download("corpus", spec_for(body, urls=(base + "/public",))).read_bytes() == body


def test_mirror_must_be_a_url(monkeypatch):
    monkeypatch.setenv(files.ENV_MIRROR, "192.168.1.10")
    with pytest.raises(files.DatasetError, match="must be a URL"):
        files.sources("corpus", spec_for(b"x"))


def test_file_is_unpacked_from_a_debian_package_and_checked(tmp_path, monkeypatch, http_dir):
    folder, base, _ = http_dir
    body = "《静夜思》\n作者：李白\n床前明月光\n".encode()
    member = "/usr/share/games/fortunes/poems"
    (folder / "pkg.deb").write_bytes(fake_deb(member, body))
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.delenv(files.ENV_MIRROR, raising=False)
    spec = spec_for(body, system_paths=(member,), debs=(base + "/pkg.deb",))  # not installed here
    assert files.fetch_bytes("corpus", spec) == body
    wrong = spec_for(b"other", system_paths=spec.system_paths, debs=spec.debs)
    with pytest.raises(files.DatasetError, match=r"pkg.deb: the \d+ bytes received are not poems: their SHA-256 is"):
        files.download("corpus2", wrong)


def test_deb_member_errors_are_clear():
    with pytest.raises(ValueError, match="not a Debian package"):
        files.deb_member(b"<html>", "/x")
    with pytest.raises(ValueError, match="holds no /y"):
        files.deb_member(fake_deb("/x", b"1"), "/y")


def test_poem_corpora_have_a_route_without_apt():
    for corpus in (text.tang_poems, text.english_poems):
        spec = corpus.FILES[0]
        assert spec.debs and all(u.startswith(("https://deb.debian.org/", "http://deb.debian.org/")) for u in spec.debs)
        assert spec.system_paths[0].endswith("/" + spec.name)


def test_export_writes_the_mirror_layout_and_the_book_serves_it(tmp_path, monkeypatch):
    body = b"\x1f\x8b" + b"not used"  # a file the catalogue does not know is never served
    data = tmp_path / "data"
    monkeypatch.setenv("DL_COURSE_DATA", str(data))
    monkeypatch.setattr(text.tang_poems, "FILES", (spec_for(b"poems", system_paths=()),))
    (data / "tang_poems").mkdir(parents=True)
    (data / "tang_poems" / "poems").write_bytes(b"poems")
    (data / "secret.txt").write_bytes(body)
    mirror = tmp_path / "mirror"
    missing = cli.export_data(mirror)
    assert (mirror / "tang_poems" / "poems").read_bytes() == b"poems"
    assert missing >= 0
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("book")
    handler = functools.partial(book.BookAndData, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert urllib.request.urlopen(base + "/data/tang_poems/poems").read() == b"poems"
        assert urllib.request.urlopen(base + "/index.html").read() == b"book"
        for path in ("/data/secret.txt", "/data/tang_poems/../secret.txt", "/data/nope/poems"):
            with pytest.raises(urllib.error.HTTPError, match="404"):
                urllib.request.urlopen(base + path)
    finally:
        server.shutdown()


def test_data_download_uses_the_mirror_for_what_the_profile_needs(tmp_path, monkeypatch, http_dir, capsys):
    import types

    from dl_course import datasets

    folder, base, requested = http_dir
    (folder / "tang_poems").mkdir()
    (folder / "tang_poems" / "poems").write_bytes(b"poems")
    fake = types.SimpleNamespace(NAME="tang_poems", DESCRIPTION="poems", PACKAGE=None, FILES=[spec_for(b"poems")])
    unneeded = types.SimpleNamespace(NAME="cifar10", DESCRIPTION="images", PACKAGE=None,
                                     FILES=[spec_for(b"images", urls=(base + "/cifar",))])
    monkeypatch.setattr(datasets, "CATALOG", {"tang_poems": fake, "cifar10": unneeded})
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv(files.ENV_MIRROR, base)
    assert cli.main(["data", "--download", "--profile", "fast"]) == 0  # cifar10 is full-profile only
    assert requested == ["/tang_poems/poems"]
    assert (tmp_path / "data" / "tang_poems" / "poems").read_bytes() == b"poems"


@pytest.mark.parametrize(
    "value, problem",
    [("http://", "no host name after http://"), ("http://127.0.0.1:99999/data", "the port must be a number from 1 to 65535"),
     ("htp://teacher/data", "it must start with http://, https:// or file:")],
)
def test_mirror_address_that_cannot_work_is_named_with_the_reason(monkeypatch, value, problem):
    monkeypatch.setenv(files.ENV_MIRROR, value)
    with pytest.raises(files.DatasetError, match=rf"DL_COURSE_MIRROR must be a URL such as http://192.168.1.10:8000/data, "
                                                 rf"got {re.escape(repr(value))} \({problem}\)"):
        files.sources("corpus", spec_for(b"x"))


@pytest.fixture
def answering(tmp_path, monkeypatch):
    """A local server answering every request with ``reply["body"]`` and a Content-Length of
    ``reply["length"]`` (more than is sent: a truncated transfer); yields (base URL, reply)."""
    reply = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(reply.get("length", len(reply["body"]))))
            self.end_headers()
            self.wfile.write(reply["body"])
            self.close_connection = True

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv(files.ENV_MIRROR, f"http://127.0.0.1:{server.server_address[1]}/data")
    yield f"http://127.0.0.1:{server.server_address[1]}", reply
    server.shutdown()


@pytest.mark.parametrize(
    "body, length, message",
    [(b"<!DOCTYPE html>\n<html><body>Please log in</body></html>", None,
      "the server answered with a web page, not the file (an error or login page?): check the address"),
     (b"<html><body>502 Bad Gateway</body></html>", None, "the server answered with a web page"),
     (b"poe", 6, "incomplete: the connection closed after 3 of 6 bytes; try again"),
     (b"other", None, "the 5 bytes received are not poems: their SHA-256 is")],
    ids=["login-page", "error-page", "truncated", "other-file"],
)
def test_mirror_answering_with_something_else_is_named_and_nothing_is_kept(answering, body, length, message):
    base, reply = answering
    reply.update(body=body, **({"length": length} if length else {}))
    with pytest.raises(files.DatasetError) as caught:
        files.download("corpus", spec_for(b"poems"))
    assert f"mirror (DL_COURSE_MIRROR) {base}/data/corpus/poems: {message}" in str(caught.value)
    assert not any((files.data_dir() / "corpus").iterdir()), "nothing is kept"
