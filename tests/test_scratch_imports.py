"""``dl_course.scratch`` is read next to the slides: it imports NumPy and the standard
library, and from the package only its own modules (conversions to Keras live in ``models``)."""

import ast
import sys
from pathlib import Path

import pytest

import dl_course.scratch

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it

SCRATCH = Path(dl_course.scratch.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):  # `from a.b import c` imports a.b.c or a name in a.b
            base = node.module
            if node.level:  # relative: resolve against dl_course.scratch
                base = ".".join(["dl_course", "scratch"][: 3 - node.level] + ([base] if base else []))
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _allowed(module: str) -> bool:
    top = module.split(".")[0]
    if top == "dl_course":
        return module == "dl_course.scratch" or module.startswith("dl_course.scratch.")
    return top == "numpy" or top in sys.stdlib_module_names


def test_scratch_imports_only_numpy_the_standard_library_and_itself():
    files = sorted(SCRATCH.glob("*.py"))
    assert len(files) > 5
    outside = {f.name: sorted(m for m in _imports(f) if not _allowed(m)) for f in files}
    assert not any(outside.values()), {name: bad for name, bad in outside.items() if bad}


def test_the_check_sees_lazy_and_relative_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import numpy as np\n\ndef f():\n    from dl_course.models import autoencoder\n    from .. import train\n")
    assert sorted(m for m in _imports(sample) if not _allowed(m)) == ["dl_course.models.autoencoder", "dl_course.train"]
