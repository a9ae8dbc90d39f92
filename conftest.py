"""pytest set-up shared by unit tests and the notebooks nbval runs (their kernels inherit it)."""

import os

os.environ.setdefault("DL_COURSE_PROFILE", "fast")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


import re  # noqa: E402

import pytest  # noqa: E402

#: matplotlib's warning when a character has no glyph in the font: Chinese text shows as boxes.
MISSING_GLYPH = re.compile(r"Glyph \d+ .*missing from (current )?font")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A notebook cell (nbval) fails when its output holds a missing-glyph warning."""
    result = yield
    streams = [o.get("text", "") for o in getattr(item, "test_outputs", None) or [] if o.get("output_type") == "stream"]
    found = MISSING_GLYPH.search("".join(streams))
    if found:
        raise AssertionError(f"missing-glyph warning in the cell's output (no CJK font?): {found.group(0)}")
    return result
