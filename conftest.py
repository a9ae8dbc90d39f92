"""pytest set-up shared by unit tests and the notebooks nbval runs (their kernels inherit it)."""

import os

os.environ.setdefault("DL_COURSE_PROFILE", "fast")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
