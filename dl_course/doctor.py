"""``dl-course doctor``: what a student's set-up lacks and how to fix it, in Chinese and English.

Each check returns ``Finding`` rows; a finding with ``blocks`` names the chapters it stops, and
the command exits non-zero when any chapter cannot run.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

MIN_FREE_GB = 2.0


@dataclass
class Finding:
    """One line of the report: ``ok`` or not, what was found, and the fix when not ok."""

    topic: str
    ok: bool
    text: str
    fix: str = ""
    blocks: list[str] = field(default_factory=list)  # chapter numbers this stops


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


#: The framework each Keras backend needs: (distribution name, label, how to install it).
FRAMEWORKS = {
    "tensorflow": ("tensorflow", "TensorFlow", "pip install tensorflow"),
    "jax": ("jax", "JAX", "pip install jax"),
    "torch": ("torch", "PyTorch", "pip install torch"),
}


def versions() -> list[Finding]:
    """Python, Keras and the active backend's framework, and the known bad combinations.

    Only the active backend's framework is needed: with ``KERAS_BACKEND=jax`` or ``torch`` a set-up
    without TensorFlow runs every chapter.
    """
    from dl_course.chapters import CHAPTERS
    from dl_course.runtime import backends

    every = [c.number for c in CHAPTERS]
    py = platform.python_version()
    good = sys.version_info >= (3, 10)
    rows = [Finding("Python", good, py, "" if good else "需要 Python ≥ 3.10 / install Python 3.10 or newer", [] if good else every)]
    backend = backends.name()
    if backend not in FRAMEWORKS:
        rows.append(Finding("Keras backend 后端", False, f"KERAS_BACKEND={backend!r} is not a backend the course runs on",
                            "export KERAS_BACKEND=tensorflow (or jax, torch), or unset it / 请设为 tensorflow、jax 或 torch", every))
    else:
        dist, label, install = FRAMEWORKS[backend]
        version = _version(dist)
        rows.append(Finding(f"{label} (Keras backend 后端)", version is not None, version or "not installed 未安装",
                            "" if version else f"{install}, or choose an installed backend with KERAS_BACKEND",
                            [] if version else every))
    keras = _version("keras")
    if keras is None or int(keras.split(".")[0]) < 3:
        rows.append(Finding("Keras", False, keras or "not installed 未安装",
                            'Keras 3 is required: pip install -U "keras>=3.8" / 需要 Keras 3', every))
    else:
        rows.append(Finding("Keras", True, keras))
    if backend == "tensorflow":
        rows += _legacy_keras(every)
    return rows


def _legacy_keras(every: list[str]) -> list[Finding]:
    """``TF_USE_LEGACY_KERAS`` makes ``tf.keras`` Keras 2: every chapter breaks."""
    if os.environ.get("TF_USE_LEGACY_KERAS", "").strip().lower() in ("1", "true", "yes"):
        return [Finding("TF_USE_LEGACY_KERAS", False, "set: tf.keras is Keras 2 (tf_keras)",
                        "unset TF_USE_LEGACY_KERAS / 删除该环境变量", every)]
    legacy = _version("tf_keras")
    return [Finding("tf_keras", True, f"{legacy} installed (unused unless TF_USE_LEGACY_KERAS is set)")] if legacy else []


def _cuda_elsewhere() -> str:
    """Which other installed framework has CUDA: the likely home of the GPU drivers."""
    for dist, label in (("torch", "PyTorch"), ("jax-cuda12-plugin", "JAX"), ("jaxlib", "JAX")):
        version = _version(dist)
        if version and ("cu" in version or dist.startswith("jax-cuda")):
            return label
    return ""


def gpu(system: str | None = None, visible: list | None = None) -> list[Finding]:
    """Whether the active backend sees a GPU (``visible``: the kinds it sees), and if not the
    likely reason. Imports only the active backend's framework."""
    from dl_course.runtime import backends

    system = system or platform.system()
    visible = backends.accelerators() if visible is None else visible
    if visible:
        return [Finding("GPU", True, f"{', '.join(visible)} visible 可用")]
    backend = backends.name()
    if backend in ("jax", "torch"):
        why = (f"no GPU visible to {FRAMEWORKS[backend][1]}: install its CUDA build (pip install 'jax[cuda12]' or the CUDA "
               f"wheel of torch), or run on Colab with a GPU / 未检测到 GPU：请安装 {FRAMEWORKS[backend][1]} 的 CUDA 版本")
    elif system == "Windows":
        why = ("TensorFlow has no GPU support on native Windows since 2.11: use WSL2 "
               "(https://www.tensorflow.org/install/pip#windows-wsl2) / Windows 原生环境不支持 GPU，请使用 WSL2")
    elif _cuda_elsewhere():
        other = _cuda_elsewhere()
        why = (f"{other} with CUDA is installed: try KERAS_BACKEND={'torch' if other == 'PyTorch' else 'jax'}, "
               f"or pip install 'tensorflow[and-cuda]' / 可改用 {other} 后端或安装 tensorflow[and-cuda]")
    elif system == "Darwin":
        why = "macOS: TensorFlow uses the CPU (the fast profile is sized for it) / macOS 上使用 CPU 即可"
    else:
        why = ("no GPU visible: on Colab choose Runtime → Change runtime type → GPU; elsewhere "
               "pip install 'tensorflow[and-cuda]' / 未检测到 GPU：Colab 请在“代码执行程序”中选择 GPU")
    return [Finding("GPU", True, "none; the CPU runs the fast profile 无 GPU，使用 CPU（快速档）", why)]


def data_folder() -> list[Finding]:
    """The data folder: a folder (or one that can be created) that downloads can be written to."""
    from dl_course.chapters import CHAPTERS
    from dl_course.datasets import files

    topic, fix = "Data folder 数据目录", f"set {files.ENV_DATA} to a folder you can write to, e.g. $HOME/dl_course_data"
    try:
        folder = files.check_data_dir()
    except files.DatasetError as err:
        return [Finding(topic, False, str(err), fix, [c.number for c in CHAPTERS])]
    probe = next(p for p in (folder, *folder.parents) if p.exists())
    if probe.is_dir() and os.access(probe, os.W_OK | os.X_OK):
        return [Finding(topic, True, str(folder))]
    why = f"{probe} is a file" if not probe.is_dir() else f"no write permission on {probe}"
    return [Finding(topic, False, f"{folder}: downloads cannot be saved ({why}) 无法写入", fix)]


def data(profile: str = "fast") -> list[Finding]:
    """Each chapter's data sets: present and from where, or the command/URL that gets them."""
    from dl_course.chapters import CHAPTERS
    from dl_course.datasets import CATALOG, files, status

    rows = []
    for chapter in CHAPTERS:
        for name in chapter.needs(profile):
            states = status(name)
            ok = all(s["state"].startswith("ok") for s in states)
            where = "; ".join(f"{s['file']}: {s['state']}" for s in states if not ok or s is states[0])
            where += f" (+{len(states) - 1} files)" if ok and len(states) > 1 else ""
            fix = ""
            if not ok:
                urls = [u for spec in CATALOG[name].FILES for u in files.sources(name, spec)[:1]]
                fix = f"dl-course data --download   (from {urls[0] if urls else 'a copy: see dl-course data'})"
                corrupt = [str(e.path) for s in CATALOG[name].FILES for e in files.survey(name, s)[1]]
                fix = f"delete {', '.join(corrupt)} (corrupt 已损坏), then {fix}" if corrupt else fix
            rows.append(Finding(f"{chapter.number} {name}", ok, where if ok else f"missing 缺少: {where}", fix,
                                [] if ok else [chapter.number]))
    return rows


def font() -> list[Finding]:
    """The CJK font Chinese plot text renders with."""
    from dl_course import plot

    if plot.FONT:
        return [Finding("CJK font 中文字体", True, plot.FONT)]
    return [Finding("CJK font 中文字体", False, "none: Chinese labels render as boxes 中文显示为方框",
                    'pip install "dl-course[cjk]"  (or apt-get install fonts-noto-cjk)')]


def disk(folder: Path | None = None) -> list[Finding]:
    """Free space where data files are downloaded."""
    from dl_course.datasets import files

    folder = folder or files.data_dir()
    probe = next((p for p in (folder, *folder.parents) if p.exists()), Path.cwd())
    free = shutil.disk_usage(probe).free / 1e9
    ok = free >= MIN_FREE_GB
    return [Finding("Free disk 剩余空间", ok, f"{free:.1f} GB at {probe}",
                    "" if ok else f"free at least {MIN_FREE_GB:g} GB for data and runs 请至少留出 {MIN_FREE_GB:g} GB")]


def notebooks() -> list[Finding]:
    """Where the chapter notebooks are."""
    from dl_course.chapters import notebooks_dir

    folder = notebooks_dir()
    return [Finding("Notebooks 笔记本", True, str(folder))] if folder else [
        Finding("Notebooks 笔记本", False, "not found 未找到", "dl-course notebooks DIR")]


def report(findings: list[Finding]) -> tuple[str, int]:
    """The printed report and the exit code (1 when any chapter cannot run)."""
    lines = ["dl-course doctor — 环境诊断 / set-up check", ""]
    for f in findings:
        lines.append(f"  {'ok ' if f.ok else 'BAD'}  {f.topic:<26} {f.text}")
        if f.fix:
            lines.append(f"       → {f.fix}")
    blocked = sorted({c for f in findings for c in f.blocks})
    lines.append("")
    lines.append(f"Chapters that cannot run 无法运行的章节: {', '.join(blocked)}" if blocked
                 else "Every chapter can run. 所有章节均可运行。")
    return "\n".join(lines), 1 if blocked else 0


def run(profile: str = "fast") -> tuple[str, int]:
    """Every check; what ``dl-course doctor`` prints and returns."""
    findings = versions()
    if not any(f.blocks for f in findings):
        findings += gpu()
    folder = data_folder()
    if not any(f.blocks for f in folder):  # a data folder that cannot even be named
        folder += data(profile) + disk()
    return report(findings + folder + font() + notebooks())
