"""Plots used across chapters: training curves, image grids, decision boundaries, attention maps.

Importing this module sets up a CJK font when one is installed (Debian's ``fonts-noto-cjk``,
Windows' Microsoft YaHei, macOS' PingFang, or Noto Sans CJK SC from the PyPI package
``mplfonts``: ``pip install "dl-course[cjk]"``) so Chinese titles and labels render; it says so
once when none is.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
)


def pip_font() -> Path | None:
    """Noto Sans CJK SC as shipped by the PyPI package ``mplfonts``, when it is installed."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "NotoSansCJKsc-Regular.otf"
    return path if path.is_file() else None


def setup_fonts() -> str | None:
    """Put the first installed CJK font first in matplotlib's sans-serif list; return its name.

    A system font comes first; else the ``mplfonts`` package's Noto Sans CJK SC is registered.
    """
    installed = {f.name for f in font_manager.fontManager.ttflist}
    if not installed.intersection(CJK_FONTS) and pip_font():
        font_manager.fontManager.addfont(str(pip_font()))
        installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            plt.rcParams["font.sans-serif"] = [name, *plt.rcParams["font.sans-serif"]]
            plt.rcParams["axes.unicode_minus"] = False
            return name
    print(
        "No CJK font found: Chinese labels will show as boxes. "
        'Install one: pip install "dl-course[cjk]" (any system), or apt-get install fonts-noto-cjk '
        '(未找到中文字体：请运行 pip install "dl-course[cjk]")'

    )
    return None


FONT = setup_fonts()


def _finish(ax, title: str | None, xlabel: str | None, ylabel: str | None) -> None:
    if title:
        ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)


def curves(
    series: dict,
    xlabel: str = "epoch",
    ylabel: str = "",
    title: str = "",
    logy: bool = False,
    ax=None,
    x=None,
):
    """Line plot of named series (``{"train": [...], "val": [...]}``) on one axis."""
    ax = ax or plt.figure(figsize=(6, 4)).gca()
    for label, values in series.items():
        values = np.asarray(values, dtype=float)
        xs = np.arange(1, len(values) + 1) if x is None else x
        ax.plot(xs, values, marker="o" if len(values) <= 30 else None, label=label)
    if logy:
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    _finish(ax, title, xlabel, ylabel)
    return ax


def history(h, metrics=("loss",), title: str = "训练曲线 Training curves"):
    """One panel per metric from a Keras ``History`` (or its ``.history`` dict), train vs val."""
    logs = getattr(h, "history", h)
    missing = [m for m in metrics if m not in logs]
    if missing:
        raise ValueError(f"history has no {missing}; it has {sorted(logs)}.")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.6), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        series = {"train": logs[metric]}
        if f"val_{metric}" in logs:
            series["val"] = logs[f"val_{metric}"]
        curves(series, ylabel=metric, title=metric, ax=ax)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def image_grid(images, labels=None, ncols: int = 8, title: str = "", cmap: str = "gray", size: float = 1.3):
    """Show images (N, H, W) or (N, H, W, C) in a grid, with optional per-image labels."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4):
        raise ValueError(f"images must be (N, H, W) or (N, H, W, C), got shape {images.shape}.")
    n = len(images)
    nrows = max(1, -(-n // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.4), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap=cmap if images.ndim == 3 else None)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def feature_maps(maps, ncols: int = 8, title: str = "", cmap: str = "viridis", size: float = 1.3):
    """Show the channels of one feature map (H, W, C), or 2-D kernels (kh, kw, C), side by side."""
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(f"feature_maps needs (height, width, channels), got shape {maps.shape}.")
    channels = np.moveaxis(maps, -1, 0)
    labels = range(len(channels))
    return image_grid(channels, labels, ncols=ncols, title=title, cmap=cmap, size=size)


def decision_boundary(predict, X, y, ax=None, title: str = "", resolution: int = 200, margin: float = 0.5):
    """Colour the plane by ``predict`` (maps (n, 2) points to labels or scores) and scatter ``X``."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary needs 2-D points of shape (n, 2), got {X.shape}.")
    ax = ax or plt.figure(figsize=(4.5, 4)).gca()
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.c_[gx.ravel(), gy.ravel()].astype("float32")
    z = np.asarray(predict(grid)).reshape(gx.shape)
    ax.contourf(gx, gy, z, levels=20 if z.dtype.kind == "f" else None, cmap="RdBu_r", alpha=0.35)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", edgecolors="k", s=30)
    _finish(ax, title, "$x_1$", "$x_2$")
    return ax


def attention_map(weights, source, target, ax=None, title: str = "注意力权重 Attention weights"):
    """Heat-map of attention weights (target steps × source steps), tokens on the axes."""
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (len(target), len(source)):
        raise ValueError(
            f"weights must be (len(target), len(source)) = {(len(target), len(source))}, got {weights.shape}."
        )
    ax = ax or plt.figure(figsize=(0.35 * len(source) + 2, 0.35 * len(target) + 1.5)).gca()
    image = ax.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(source)), list(source))
    ax.set_yticks(range(len(target)), list(target))
    ax.figure.colorbar(image, ax=ax, fraction=0.046)
    _finish(ax, title, "输入 source", "输出 target")
    return ax


def sample_clouds(
    snapshots, titles, reference=None, title: str = "", size: float = 2.6, limit: float = 3.0
):
    """Scatter plots of 2-D samples side by side (a GAN's samples as training goes on).

    ``reference`` (e.g. the real data) is drawn in grey behind every panel.
    """
    width = size * len(snapshots)
    fig, axes = plt.subplots(1, len(snapshots), figsize=(width, size + 0.5), squeeze=False)
    for ax, points, name in zip(axes[0], snapshots, titles):
        if reference is not None:
            ax.scatter(*np.asarray(reference)[:, :2].T, s=2, c="lightgrey")
        ax.scatter(*np.asarray(points)[:, :2].T, s=2, c="tab:blue")
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
        ax.set_aspect("equal")
        _finish(ax, name, "x1", "x2")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
