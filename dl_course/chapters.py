"""The manifest: every chapter with its files, module, data and CI backends; where notebooks are found.

This is the one list of chapters: the command line, the book, ``dl-course doctor``, the exercise
checks, the benchmarks, the Makefile (through ``dl-course list --notebooks``) and the tests read it.
A new chapter is its notebook, its solution notebook, its module and one row here.
The notebooks ship inside the package (``dl_course/notebooks`` in an installed copy);
``dl-course notebooks DIR`` copies them out for a student to open and edit.
"""

from __future__ import annotations

import importlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

ENV_NOTEBOOKS = "DL_COURSE_NOTEBOOKS"
PATTERN = "[0-9][0-9]_*.ipynb"


#: The Keras backends every chapter is written for (``KERAS_BACKEND``).
BACKENDS = ("tensorflow", "jax", "torch")


@dataclass(frozen=True)
class Chapter:
    """One chapter and everything about it the other parts read.

    ``slug`` names its files: the notebook ``NN_slug.ipynb`` (in ``notebooks/`` and, with the
    reference answers, in ``solutions/``) and its module ``dl_course.lessons.chNN_slug`` (task code,
    the recipes benchmarks share, exercise checks). ``data`` maps a profile (fast, full) to the
    catalogue data sets it loads; ``seconds`` is its fast-profile run on two CPU cores under
    TensorFlow as last measured (``benchmarks/notebooks.py``), by which the nbval passes start the
    longest chapters first; ``ci_skip`` maps a backend that CI leaves the chapter out on to why (the
    chapter still runs there).
    """

    number: str
    slug: str
    title: str
    data: dict
    seconds: int
    ci_skip: dict = field(default_factory=dict)

    @property
    def notebook(self) -> str:
        """The notebook's file name, the same in ``notebooks/`` and ``solutions/``."""
        return f"{self.number}_{self.slug}.ipynb"

    @property
    def module(self) -> str:
        """The chapter's module, e.g. ``dl_course.lessons.ch05_rnn``."""
        return f"dl_course.lessons.ch{self.number}_{self.slug}"

    def lesson(self):
        """The chapter's module, imported."""
        return importlib.import_module(self.module)

    def needs(self, profile: str = "fast") -> tuple[str, ...]:
        """The data sets (``datasets.CATALOG`` names) this chapter loads in ``profile``."""
        return self.data.get(profile, ())

    def ci_backends(self) -> tuple[str, ...]:
        """The backends CI runs this chapter's notebook on."""
        return tuple(b for b in BACKENDS if b not in self.ci_skip)


def _chapter(number, slug, title, seconds, fast=(), full=None, ci_skip=None) -> Chapter:
    data = {"fast": tuple(fast), "full": tuple(fast if full is None else full)}
    return Chapter(number, slug, title, data, seconds, dict(ci_skip or {}))


EAGER_RECURRENT = ("PyTorch runs Keras's recurrent layers step by step in Python: 2-4 minutes on two CPU cores "
                   "(chapter 09 trains chapter 05's GRU and 06's LSTM translator beside its Transformers)")
CHAPTERS: tuple[Chapter, ...] = (
    _chapter("01", "perceptron", "感知机 Perceptron", 23),
    _chapter("02", "backprop", "反向传播与训练 Backpropagation and training", 67, ["fashion_mnist"]),
    _chapter("03", "cnn", "卷积神经网络 Convolutional neural networks", 70, ["mnist5k", "fashion_mnist"], ["mnist", "fashion_mnist"]),
    _chapter("04", "cnn_architectures", "经典卷积网络 Modern CNN architectures", 77, ["fashion_mnist"], ["cifar10"]),
    _chapter("05", "rnn", "循环神经网络 Recurrent Neural Networks", 61, ["tang_poems", "english_poems"], ci_skip={"torch": EAGER_RECURRENT}),
    _chapter("06", "lstm", "长短期记忆网络、GRU 与序列到序列 LSTM, GRU and Sequence-to-Sequence", 82, ci_skip={"torch": EAGER_RECURRENT}),
    _chapter("07", "gan", "生成对抗网络 Generative adversarial networks", 124, ["fashion_mnist", "mnist5k"], ["fashion_mnist", "mnist"]),
    _chapter("08", "autoencoder_rbm_dbn", "自编码器、受限玻尔兹曼机与深度信念网络 Autoencoders, RBM and DBN", 56, ["fashion_mnist"], ["mnist"]),
    _chapter("09", "transformer", "自注意力与 Transformer Self-attention and the Transformer", 180, ["tang_poems"], ci_skip={"torch": EAGER_RECURRENT}),
)  # fmt: skip
BY_NUMBER = {c.number: c for c in CHAPTERS}


def packaged_dir() -> Path:
    """Where an installed package keeps its copy of the notebooks."""
    return Path(__file__).resolve().parent / "notebooks"


def search_dirs() -> list[Path]:
    """Folders searched for the notebooks, in order: ``DL_COURSE_NOTEBOOKS``, ``./notebooks``,
    the current folder, the checkout's ``notebooks/``, the package's own copy."""
    dirs = [Path(os.environ[ENV_NOTEBOOKS]).expanduser()] if os.environ.get(ENV_NOTEBOOKS) else []
    dirs += [Path.cwd() / "notebooks", Path.cwd(), Path(__file__).resolve().parents[1] / "notebooks", packaged_dir()]
    return list(dict.fromkeys(dirs))


def notebooks_dir() -> Path | None:
    """The first folder of ``search_dirs()`` holding a chapter notebook (``NN_topic.ipynb``)."""
    for folder in search_dirs():
        if any(folder.glob(PATTERN)):
            return folder
    return None


def found(folder: Path | None = None) -> dict[str, Path]:
    """The chapters' notebooks present in ``folder`` (default ``notebooks_dir()``), by number,
    and any further ``NN_topic.ipynb`` there (a teacher's own chapter)."""
    folder = folder if folder is not None else notebooks_dir()
    if folder is None:
        return {}
    listed = {c.number: folder / c.notebook for c in CHAPTERS if (folder / c.notebook).is_file()}
    extra = {p.name[:2]: p for p in sorted(folder.glob(PATTERN)) if p.name[:2] not in BY_NUMBER}
    return {**listed, **extra}


def not_found_help() -> str:
    """Where the notebooks were looked for and how to get them, in English and Chinese."""
    looked = "\n".join(f"  {d}" for d in search_dirs())
    return (
        f"No chapter notebooks found. Looked in:\n{looked}\n"
        f"Get them with `dl-course notebooks DIR` (copies the chapters shipped with the package), "
        f"then run from DIR or set {ENV_NOTEBOOKS}=DIR.\n"
        f"未找到章节笔记本。请运行 `dl-course notebooks 目录` 复制课程笔记本，"
        f"然后在该目录中运行，或设置环境变量 {ENV_NOTEBOOKS}=目录。"
    )


def copy_out(target: Path, overwrite: bool = False) -> list[Path]:
    """Copy every chapter's notebook into ``target``; existing files are kept unless ``overwrite``.

    The source is the package's copy, else the checkout's; returns the files written.
    """
    source = next((d for d in (packaged_dir(), Path(__file__).resolve().parents[1] / "notebooks")
                   if all((d / c.notebook).is_file() for c in CHAPTERS)), None)  # fmt: skip
    if source is None:
        raise FileNotFoundError(
            f"this installation has no notebooks in {packaged_dir()}: reinstall the package "
            "(pip install --force-reinstall dl-course) or download them from the repository."
        )
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for chapter in CHAPTERS:
        out = target / chapter.notebook
        if out.exists() and not overwrite:
            continue
        shutil.copyfile(source / chapter.notebook, out)
        written.append(out)
    return written
