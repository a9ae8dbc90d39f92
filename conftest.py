"""pytest set-up shared by unit tests and the notebooks nbval runs (their kernels inherit it)."""

import os
import re

import pytest

os.environ.setdefault("DL_COURSE_PROFILE", "fast")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("DL_COURSE_STRICT", "1")  # a missed bound fails the cell (a student's run goes on)

#: matplotlib's warning when a character has no glyph in the font: Chinese text shows as boxes.
MISSING_GLYPH = re.compile(r"Glyph \d+ .*missing from (current )?font")


def pytest_configure(config):
    config.addinivalue_line("markers", "tensorflow_backend: needs KERAS_BACKEND=tensorflow (TensorFlow itself is the reference)")
    config.addinivalue_line("markers", "backend_neutral: touches no Keras backend, or only in a subprocess that names its own "
                                       "(data, command line, checks, backend comparisons): "
                                       "the other backends' jobs leave it out (Makefile)")


def pytest_collection_modifyitems(config, items):
    """Tests marked ``tensorflow_backend`` skip, with the reason, under another Keras backend."""
    from dl_course.runtime import backends

    backend = backends.name()
    if backend == "tensorflow":
        return
    skip = pytest.mark.skip(reason=f"compares with TensorFlow itself or tf.distribute; KERAS_BACKEND={backend}")
    for item in items:
        if item.get_closest_marker("tensorflow_backend"):
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A notebook cell (nbval) fails when its output holds a missing-glyph warning."""
    result = yield
    streams = [o.get("text", "") for o in getattr(item, "test_outputs", None) or [] if o.get("output_type") == "stream"]
    found = MISSING_GLYPH.search("".join(streams))
    if found:
        raise AssertionError(f"missing-glyph warning in the cell's output (no CJK font?): {found.group(0)}")
    return result
