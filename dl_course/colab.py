"""What Google Colab lacks for the course, installed by the notebooks' set-up cell.

Colab's image has no CJK font and none of the poem files of chapter 05; ``setup()`` installs
Ubuntu's packages for them (Colab runs as root on Ubuntu), and when apt fails the PyPI font
package ``mplfonts`` (the poems then come from their download route). Off Colab it does nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

#: Ubuntu packages and a file each installs: what ``setup()`` installs when the file is absent.
PACKAGES = {
    "fonts-noto-cjk": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "fortunes-zh": "/usr/share/games/fortunes/tang300",
    "fortunes": "/usr/share/games/fortunes/songs-poems",
}
FONT_PACKAGE = "mplfonts"
#: The data set each poem package holds (without it, the data set comes from its download route).
POEMS = {"fortunes-zh": "tang_poems", "fortunes": "english_poems"}


def on_colab() -> bool:
    """Whether this Python runs in a Colab runtime."""
    return "google.colab" in sys.modules


def _run(command: list[str]) -> bool:
    return subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode == 0


def setup() -> list[str]:
    """On Colab, install the packages of ``PACKAGES`` whose file is absent; return what was installed.

    What could not be installed is printed with what it means for the course and the way round it.
    """
    if not on_colab():
        return []
    wanted = [name for name, path in PACKAGES.items() if not Path(path).exists()]
    installed = []
    if wanted:
        env = ["env", "DEBIAN_FRONTEND=noninteractive"]
        if _run(["apt-get", "update", "-qq"]) and _run([*env, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *wanted]):
            installed += wanted
        elif "fonts-noto-cjk" in wanted and _run([sys.executable, "-m", "pip", "install", "-q", FONT_PACKAGE]):
            installed.append(FONT_PACKAGE)
    if "fonts-noto-cjk" in installed or FONT_PACKAGE in installed:
        _refresh_fonts()
    if installed:
        print(f"Colab: installed {', '.join(installed)} 已安装")
    failed = [name for name in wanted if name not in installed]
    if failed:
        print(_not_installed(failed, font_from_pip=FONT_PACKAGE in installed))
    return installed


def _not_installed(packages: list[str], font_from_pip: bool) -> str:
    """What apt could not install, what that means and the way round it."""
    lines = [f"Colab: apt-get could not install {', '.join(packages)} (apt-get 安装失败):"]
    for name in packages:
        if name == "fonts-noto-cjk" and not font_from_pip:
            lines.append(f"  the CJK font: nor could pip install {FONT_PACKAGE}; Chinese plot labels show as boxes "
                         f"(中文显示为方框). Rerun colab.setup(), or !pip install {FONT_PACKAGE} and restart the runtime.")
        elif name in POEMS:
            lines.append(f"  {POEMS[name]}: downloaded instead when chapter 05 loads it "
                         f"(or now: datasets.text.{POEMS[name]}.load_data()) 诗歌数据将改为下载。")
    return "\n".join(lines)


def _refresh_fonts() -> None:
    """Make matplotlib see fonts installed after it started, and re-pick the CJK font."""
    from matplotlib import font_manager

    font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
    if "dl_course.plot" in sys.modules:
        plot = sys.modules["dl_course.plot"]
        plot.FONT = plot.setup_fonts()
