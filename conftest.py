"""pytest set-up shared by unit tests and the notebooks nbval runs (their kernels inherit it)."""

import os

os.environ.setdefault("DL_COURSE_PROFILE", "fast")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pytest_configure(config):
    config.addinivalue_line("markers", "tensorflow_backend: needs KERAS_BACKEND=tensorflow (TensorFlow itself is the reference)")


def pytest_collection_modifyitems(config, items):
    """Tests marked ``tensorflow_backend`` skip, with the reason, under another Keras backend."""
    import pytest

    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend == "tensorflow":
        return
    skip = pytest.mark.skip(reason=f"compares with TensorFlow itself or tf.distribute; KERAS_BACKEND={backend}")
    for item in items:
        if item.get_closest_marker("tensorflow_backend"):
            item.add_marker(skip)
