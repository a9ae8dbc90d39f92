"""Bad inputs and faults of the hardening rounds, each classified as "clear" or "unclear".

    python benchmarks/input_sweep.py [--verbose]

Each case calls the package with one bad input (or a fault of the set-up: a corrupt file, a
mirror that answers with a web page, apt failing on Colab) and is "clear" when the outcome is
the one a student needs: an exception of the expected type whose message names the input and
the fix (short, without the data in it), a report line saying the same, or, where a Keras user
expects the input to work, a result. Everything runs offline (mirrors are local HTTP servers
on 127.0.0.1) in a temporary folder; prints one row per case and the totals.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.server
import io
import os
import sys
import tempfile
import threading
import types
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("DL_COURSE_PROFILE", "fast")

import numpy as np  # noqa: E402

MAX_MESSAGE = 2000  # a longer message is a dump, not an explanation
CASES: list[tuple[str, object, tuple[str, ...], type | tuple | None]] = []


def case(name: str, *words: str, raises=Exception):
    """Register ``fn``: clear when it raises ``raises`` with every word of ``words`` in its message,
    or (``raises=None``) when what it returns (text or True) holds every word."""

    def add(fn):
        CASES.append((name, fn, words, raises))
        return fn

    return add


@contextlib.contextmanager
def env(**values):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if v is not None})
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def served(files: dict[str, bytes], truncate: bool = False, status: int = 200):
    """A local HTTP server answering every path with ``files[path]`` (``status``, or 404)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = files.get(self.path)
            code = status if body is not None else 404
            body = body if body is not None else b"<html><body>404 Not Found</body></html>"
            self.send_response(code)
            self.send_header("Content-Length", str(len(body) * (2 if truncate else 1)))
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            self.wfile.write(body)
            if truncate:
                self.close_connection = True

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


TMP = Path(tempfile.mkdtemp(prefix="sweep-"))
A_FILE = TMP / "a-file"
A_FILE.write_text("not a folder")


# ---- corpus loaders ---------------------------------------------------------------------------
@case("tang_poems.load_data(missing path)", "no-such", "tang_poems", "fortune", "dl-course data")
def _():
    from dl_course.datasets import text

    text.tang_poems.load_data(TMP / "no-such.txt")


@case("tang_poems.load_data(a folder)", str(TMP), "tang_poems", "folder", "fortune")
def _():
    from dl_course.datasets import text

    text.tang_poems.load_data(TMP)


@case("english_poems.load_data(missing path)", "no-such", "english_poems", "fortune")
def _():
    from dl_course.datasets import text

    text.english_poems.load_data(str(TMP / "no-such"))


# ---- prepare ----------------------------------------------------------------------------------
def _fake_images(module):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (40, 28, 28), dtype=np.uint8)
    return (x, np.arange(40) % 10), (x[:20], np.arange(20) % 10)


@case("datasets.prepare('fashion_mnist', 10)", raises=None)
def _():
    from dl_course.datasets import arrays

    module = arrays.IMAGES["fashion_mnist"]
    real = module.load_data
    module.load_data = lambda: _fake_images(module)
    try:
        (x, y), _ = arrays.prepare("fashion_mnist", 10)
    finally:
        module.load_data = real
    return x.shape == (10, 28, 28)


# ---- fit --------------------------------------------------------------------------------------
def _dense(width=32, features=8):
    import keras

    model = keras.Sequential([keras.Input((features,)), keras.layers.Dense(width, activation="relu"),
                              keras.layers.Dense(2)])
    model.compile(keras.optimizers.SGD(0.1), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


@case("train.fit(x=list of lists)", raises=None)
def _():
    from dl_course import train

    x = np.random.default_rng(0).random((16, 8)).round(4).tolist()
    history = train.fit(_dense(), x=x, y=[i % 2 for i in range(16)], epochs=1, verbose=0)
    return len(history.history["loss"]) == 1


@case("train.fit(x=ragged list)", "x", "same length", raises=ValueError)
def _():
    from dl_course import train

    train.fit(_dense(), x=[[0.1257] * 8] * 15 + [[0.1] * 7], y=[0] * 16, epochs=1, verbose=0)


@case("train.fit(x=list of strings)", "x", "numbers", raises=ValueError)
def _():
    from dl_course import train

    train.fit(_dense(), x=[["a"] * 8] * 4, y=[0] * 4, epochs=1, verbose=0)


@case("fit(backup_dir=) from another model's backup", "backup", "different model", "rmtree")
def _():
    from dl_course import train

    folder = TMP / "backup"
    x, y = np.random.default_rng(0).random((16, 8)).astype("float32"), np.arange(16) % 2
    with contextlib.suppress(train.Interrupted):
        train.fit(_dense(32), x, y, epochs=3, backup_dir=folder, callbacks=[train.InterruptAt(1)], verbose=0)
    try:
        train.fit(_dense(16), x, y, epochs=3, backup_dir=folder, verbose=0)
    except train.BackupError as err:
        assert str(folder) in str(err), "the folder is not named"
        raise


# ---- builders ---------------------------------------------------------------------------------
@case("alexnet(num_classes=10)", "alexnet", "num_classes", "classes=", raises=TypeError)
def _():
    from dl_course.models import alexnet

    alexnet.alexnet(num_classes=10)


@case("models.build('vgg16', num_classes=10)", "vgg16", "num_classes", "classes=", raises=TypeError)
def _():
    from dl_course import models

    models.build("vgg16", num_classes=10)


@case("models.build('resnet18', clases=10)", "resnet18", "clases", "classes=", raises=TypeError)
def _():
    from dl_course import models

    models.build("resnet18", clases=10)


# ---- conditional GAN --------------------------------------------------------------------------
@case("cGAN.fit(x, labels of shape (n, 1))", raises=None)
def _():
    from dl_course import models, train

    gan = train.GAN(models.build("cdcgan_generator", filters=(16, 8), latent_dim=8),
                    models.build("cdcgan_discriminator", filters=(8, 16)), seed=0)
    gan.compile()
    x = np.zeros((8, 28, 28, 1), "float32")
    history = gan.fit(x, (np.arange(8) % 10)[:, None], epochs=1, batch_size=8, verbose=0)
    return bool(np.isfinite(history.history["d_loss"][0]))


@case("cGAN.fit(x, labels of shape (n, 2))", "labels", "shape", raises=ValueError)
def _():
    from dl_course import models, train

    gan = train.GAN(models.build("cdcgan_generator", filters=(16, 8), latent_dim=8),
                    models.build("cdcgan_discriminator", filters=(8, 16)), seed=0)
    gan.compile()
    gan.fit(np.zeros((8, 28, 28, 1), "float32"), np.zeros((8, 2), int), epochs=1, verbose=0)


# ---- doctor -----------------------------------------------------------------------------------
def _doctor_data(folder: Path, body: bytes = b"poems"):
    """A data folder holding tang_poems as one small file whose hash is known; returns the spec."""
    from dl_course.datasets import CATALOG, files

    spec = files.DataFile(name="file", sha256=hashlib.sha256(b"poems").hexdigest(), urls=("https://example.org/t",))
    CATALOG["tang_poems"].FILES = [spec]
    (folder / "tang_poems").mkdir(parents=True, exist_ok=True)
    (folder / "tang_poems" / "file").write_bytes(body)


def _doctor_text(*checks) -> str:
    from dl_course import doctor

    return doctor.report([row for check in checks for row in check()])[0]


@case("doctor: data folder not writable", "BAD", "under-a-file", "DL_COURSE_DATA", raises=None)
def _():
    from dl_course import doctor

    with env(DL_COURSE_DATA=str(A_FILE / "under-a-file")):  # root ignores chmod: a path under a file
        return doctor.run()[0]


@case("doctor: corrupt data file", "BAD", "CORRUPT", "delete", "doctor-data/tang_poems/file", raises=None)
def _():
    from dl_course import doctor
    from dl_course.datasets import CATALOG

    folder, saved = TMP / "doctor-data", CATALOG["tang_poems"].FILES
    _doctor_data(folder, b"tampered")
    try:
        with env(DL_COURSE_DATA=str(folder), KERAS_HOME=str(TMP / "keras")):
            text = _doctor_text(doctor.data)
    finally:
        CATALOG["tang_poems"].FILES = saved
    return text


@case("doctor: KERAS_BACKEND=tensorflw", "BAD", "tensorflw", "KERAS_BACKEND", "tensorflow", "jax", raises=None)
def _():
    from dl_course import doctor

    with env(KERAS_BACKEND="tensorflw"):
        return doctor.run()[0]


# ---- mirror -----------------------------------------------------------------------------------
def _download(mirror: str, body: bytes = b"poems") -> None:
    from dl_course.datasets import files

    spec = files.DataFile(name="tang300", sha256=hashlib.sha256(body).hexdigest())
    with env(DL_COURSE_DATA=str(TMP / "mirror-data"), DL_COURSE_MIRROR=mirror):
        files.fetch("tang_poems", spec)


@case("DL_COURSE_MIRROR=192.168.1.10 (no scheme)", "DL_COURSE_MIRROR", "192.168.1.10", "http://")
def _():
    _download("192.168.1.10")


@case("DL_COURSE_MIRROR=http:// (no host)", "DL_COURSE_MIRROR", "http://", "host")
def _():
    _download("http://")


@case("DL_COURSE_MIRROR=http://host:99999/data (bad port)", "DL_COURSE_MIRROR", "99999", "port")
def _():
    _download("http://127.0.0.1:99999/data")


@case("DL_COURSE_MIRROR=http://127.0.0.1:9/data (nothing there)", "mirror (DL_COURSE_MIRROR)", "127.0.0.1:9", "tang300")
def _():
    _download("http://127.0.0.1:9/data")


@case("mirror answers 200 with an HTML page", "mirror (DL_COURSE_MIRROR)", "web page", "tang300")
def _():
    with served({"/data/tang_poems/tang300": b"<!DOCTYPE html><html><body>Login</body></html>"}) as url:
        _download(url + "/data")


@case("mirror answers 404 (HTML error page)", "mirror (DL_COURSE_MIRROR)", "404", "tang300")
def _():
    with served({}) as url:
        _download(url + "/data")


@case("mirror sends a truncated file", "mirror (DL_COURSE_MIRROR)", "3 of 6 bytes", "tang300")
def _():
    with served({"/data/tang_poems/tang300": b"poe"}, truncate=True) as url:
        _download(url + "/data")


@case("mirror sends a different (corrupt) file", "mirror (DL_COURSE_MIRROR)", "SHA-256", "tang300")
def _():
    with served({"/data/tang_poems/tang300": b"other"}) as url:
        _download(url + "/data")


# ---- dl-course notebooks ----------------------------------------------------------------------
def _cli(*argv) -> str:
    from dl_course import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(argv))
        except SystemExit as exit_:
            code, _ = 1, err.write(str(exit_.code))
    return f"exit {code}: {out.getvalue()}{err.getvalue()}" if code else ""


@case("dl-course notebooks FILE", "exit 1", "a-file", "folder", raises=None)
def _():
    return _cli("notebooks", str(A_FILE))


@case("dl-course notebooks UNWRITABLE", "exit 1", "inside", "folder you can write", raises=None)
def _():
    return _cli("notebooks", str(A_FILE / "inside"))  # root ignores chmod: a path under a file


# ---- exercises.check --------------------------------------------------------------------------
def _check(key, answer, **kw) -> str:
    from dl_course.exercises import check

    result = check(key, answer, quiet=True, **kw)
    return result.message if not result and len(result.message) < MAX_MESSAGE else ""


@case("check('03.1', 'kernel') (a string for an array)", "03.1", "array", raises=None)
def _():
    return _check("03.1", "kernel")


@case("check('03.1', None)", "03.1", "array", raises=None)
def _():
    return _check("03.1", None)


@case("check('06.2', fn returning a string)", "06.2", "int", raises=None)
def _():
    return _check("06.2", lambda n, m: "12")


@case("check('08.2', fn returning an array)", "08.2", "number", raises=None)
def _():
    return _check("08.2", lambda rho, rho_hat: np.ones(3))


@case("check('03.5', a list of a million numbers)", "03.5", "number", raises=None)
def _():
    return _check("03.5", list(range(1_000_000)))


@case("check('01.1', a tuple of a million numbers)", "01.1", "tuple", raises=None)
def _():
    return _check("01.1", tuple(range(1_000_000)))


@case("check('03.2', fn returning a huge array)", "03.2", "shape", raises=None)
def _():
    return _check("03.2", lambda d, k, n: np.zeros((3000, 3000)))


@case("check('06.2', fn that calls os.chdir)", "06.2", raises=None)
def _():
    here = os.getcwd()

    def wanders(n, m):
        os.chdir(TMP)
        return 4 * (n * m + n * n + n) + 3 * n

    _check("06.2", wanders)
    moved = os.getcwd() != here
    os.chdir(here)
    return not moved


@case("check('06.2', fn that calls sys.exit)", "06.2", "your code", "SystemExit", raises=None)
def _():
    return _check("06.2", lambda n, m: sys.exit(1))


# ---- colab.setup ------------------------------------------------------------------------------
def _colab(codes: dict[str, int]) -> str:
    import subprocess

    from dl_course import colab

    def run(command, **kwargs):
        tool = command[2] if command[0] == "env" else command[0]
        return subprocess.CompletedProcess(command, codes.get(tool, 0))

    saved = colab.subprocess.run, colab.PACKAGES, colab._refresh_fonts, sys.modules.get("google.colab")
    colab.subprocess.run, colab._refresh_fonts = run, lambda: None
    colab.PACKAGES = {name: str(TMP / "absent" / name) for name in colab.PACKAGES}
    sys.modules["google.colab"] = types.ModuleType("google.colab")
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            colab.setup()
    finally:
        colab.subprocess.run, colab.PACKAGES, colab._refresh_fonts = saved[:3]
        sys.modules.pop("google.colab")
    return out.getvalue()


@case("colab.setup() when apt fails", "apt", "tang_poems", "download", raises=None)
def _():
    return _colab({"apt-get": 100})


@case("colab.setup() when apt and pip fail", "apt", "font", "mplfonts", raises=None)
def _():
    return _colab({"apt-get": 100, sys.executable: 1})


def classify(fn, words, raises) -> tuple[bool, str]:
    try:
        result = fn()
    except Exception as err:  # noqa: BLE001 - the outcome is what is measured
        message = f"{type(err).__name__}: {err}"
        good = raises is not None and isinstance(err, raises) and len(message) < MAX_MESSAGE
        return good and all(w.lower() in message.lower() for w in words), message
    if raises is not None:
        return False, f"no error (returned {result!r:.80})"
    text = result if isinstance(result, str) else ""
    good = result is True or (bool(text) and all(w.lower() in text.lower() for w in words))
    return good, text or repr(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verbose", action="store_true", help="print each outcome's message")
    args = parser.parse_args()
    clear = 0
    for name, fn, words, raises in CASES:
        good, message = classify(fn, words, raises)
        clear += good
        print(f"{'clear  ' if good else 'UNCLEAR'}  {name}")
        if args.verbose or not good:
            print("         " + message[:400].replace("\n", "\n         "))
    print(f"\n{clear} clear, {len(CASES) - clear} unclear, of {len(CASES)} cases")


if __name__ == "__main__":
    main()
