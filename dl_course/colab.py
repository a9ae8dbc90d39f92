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


def on_colab() -> bool:
    """Whether this Python runs in a Colab runtime."""
    return "google.colab" in sys.modules


def _run(command: list[str]) -> bool:
    return subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode == 0


def setup() -> list[str]:
    """On Colab, install the packages of ``PACKAGES`` whose file is absent; return what was installed."""
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
        print(f"Colab: installed {', '.join(installed)} (中文字体与诗歌数据已安装)")
    return installed


def _refresh_fonts() -> None:
    """Make matplotlib see fonts installed after it started, and re-pick the CJK font."""
    from matplotlib import font_manager

    font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
    if "dl_course.plot" in sys.modules:
        plot = sys.modules["dl_course.plot"]
        plot.FONT = plot.setup_fonts()
