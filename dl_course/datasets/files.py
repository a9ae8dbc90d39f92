"""Finding, checking and downloading data files, offline sources first.

Sources, in order: the folder in ``DL_COURSE_DATA`` (default: the project's ``data/``), the
Keras cache (``~/.keras/datasets``), system packages (Debian's ``dataset-fashion-mnist``…),
then the download addresses. Every file is checked against its SHA-256 before use; a file
that does not match is never used: the error names it, the expected hash and the fix.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ENV_DATA = "DL_COURSE_DATA"
ENV_OFFLINE = "DL_COURSE_OFFLINE"


class DatasetError(OSError):
    """A data file is missing or corrupt; the message says how to fix it."""


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset.

    ``sha256`` is of the file's bytes, or of its decompressed bytes when ``gunzipped_hash``
    (IDX files are packaged with different gzip settings by different sources).
    ``aliases`` are other names the same file has in the Keras cache.
    """

    name: str
    sha256: str
    urls: tuple[str, ...] = ()
    system_paths: tuple[str, ...] = ()
    keras_cache: tuple[str, ...] = ()
    gunzipped_hash: bool = False
    size_hint: str = ""
    extra: dict = field(default_factory=dict, compare=False)


def data_dir() -> Path:
    """The folder searched first and where downloads go (``DL_COURSE_DATA`` or ``data/``)."""
    if os.environ.get(ENV_DATA):
        return Path(os.environ[ENV_DATA]).expanduser()
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
    digest = hashlib.sha256()
    opener = gzip.open if gunzipped and _is_gzip(path) else open
    try:
        with opener(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except (OSError, EOFError) as err:  # truncated or damaged gzip stream
        return f"unreadable ({err})"
    return digest.hexdigest()


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def candidates(dataset: str, spec: DataFile) -> list[tuple[str, Path]]:
    """Where ``spec`` may already be on this machine, as (source label, path), in search order."""
    places = [("data folder", data_dir() / dataset / spec.name), ("data folder", data_dir() / spec.name)]
    places += [("Keras cache", keras_cache_dir() / name) for name in spec.keras_cache]
    places += [("system package", Path(p)) for p in spec.system_paths]
    return places


def verify(path: Path, spec: DataFile) -> None:
    """Raise ``DatasetError`` unless ``path`` has the expected SHA-256."""
    actual = sha256(path, spec.gunzipped_hash)
    if actual != spec.sha256:
        what = "decompressed content of " if spec.gunzipped_hash else ""
        raise DatasetError(
            f"{path} is corrupt or incomplete: SHA-256 of the {what}file is {actual}, expected "
            f"{spec.sha256}. It was not used. Delete it and download it again "
            f"(`dl-course data --download`), or copy a good copy there. "
            f"文件损坏或不完整，已拒绝使用：请删除后重新下载或放入正确的文件。"
        )


def find(dataset: str, spec: DataFile) -> tuple[Path, str] | None:
    """The first local copy of ``spec``, checked, as (path, source); ``None`` when absent."""
    for source, path in candidates(dataset, spec):
        if path.is_file():
            verify(path, spec)
            return path, source
    return None


def offline_help(dataset: str, specs: list[DataFile], package: str | None = None) -> str:
    """How to make ``dataset`` available without internet, in English and Chinese."""
    target = data_dir() / dataset
    names = "\n".join(
        f"    {s.name}  ({s.size_hint + ', ' if s.size_hint else ''}sha256 {s.sha256[:16]}…)"
        + (f"\n      from {s.urls[0]}" if s.urls else "")
        for s in specs
    )
    apt = f"\n  or install the Debian/Ubuntu package: sudo apt-get install {package}" if package else ""
    apt_zh = f"\n  或安装 Debian/Ubuntu 软件包：sudo apt-get install {package}" if package else ""
    return (
        f"To use {dataset} offline, copy these files into {target}/ (or set {ENV_DATA}):\n"
        f"{names}{apt}\n"
        f"离线使用 {dataset}：在能联网的电脑上下载以上文件，复制到 {target}/ 目录"
        f"（或用环境变量 {ENV_DATA} 指定目录），再运行 `dl-course data` 检查。{apt_zh}"
    )


def download(dataset: str, spec: DataFile) -> Path:
    """Download ``spec`` into the data folder from its addresses, checking the hash."""
    target = data_dir() / dataset / spec.name
    target.parent.mkdir(parents=True, exist_ok=True)
    errors = []
    for url in spec.urls:
        partial = target.with_name(target.name + ".part")
        try:
            with urllib.request.urlopen(url, timeout=30) as response, open(partial, "wb") as out:
                shutil.copyfileobj(response, out)
            verify(partial, spec)
        except (OSError, ValueError) as err:
            errors.append(f"{url}: {err}")
            partial.unlink(missing_ok=True)
            continue
        partial.replace(target)
        return target
    raise DatasetError(f"could not download {spec.name}:\n  " + "\n  ".join(errors))


def fetch(dataset: str, spec: DataFile, package: str | None = None) -> Path:
    """A checked local path for ``spec``: found locally, else downloaded (unless offline)."""
    found = find(dataset, spec)
    if found:
        return found[0]
    if os.environ.get(ENV_OFFLINE) or not spec.urls:
        raise DatasetError(f"{dataset}: {spec.name} is not on this machine.\n" + offline_help(dataset, [spec], package))
    try:
        return download(dataset, spec)
    except DatasetError as err:
        raise DatasetError(f"{err}\n" + offline_help(dataset, [spec], package)) from None
