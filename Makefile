# Front door: `make run` sets up and runs every chapter; `make test` runs the tests.
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PROFILE ?=

APT_FILES ?= apt.txt

.PHONY: setup setup-dev setup-torch run test test-jax test-torch test-floor lint book smoke

setup:  ## system packages (offline data, CJK font, MathJax) where apt exists, then the Python packages
	@if command -v apt-get >/dev/null; then \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$(cat $(APT_FILES)); \
	else echo "no apt-get: install the packages in $(APT_FILES) yourself, or put data files in data/ (see data/README.md)"; fi
	$(PYTHON) -m pip install -q -r requirements.txt -e .

setup-dev:  ## setup, plus Chromium and its driver for the book's browser test
	$(MAKE) setup APT_FILES="apt.txt apt-test.txt"

run: setup  ## execute every chapter notebook into runs/ (PROFILE=fast|full, default: auto)
	dl-course data
	dl-course run all $(if $(PROFILE),--profile $(PROFILE))

book:  ## build the offline HTML book into site/ and serve it on http://127.0.0.1:8000
	dl-course book --serve

lint:
	ruff check dl_course tests benchmarks

smoke:  ## every chapter with its full-profile settings, loops cut to a few steps (pytest runs this too)
	dl-course run all --profile full --smoke --out runs/smoke

# NOTEBOOK_ENV: a command the notebooks' pass runs under; CI sets .ci/hidden-packages (no apt data or font).
NOTEBOOK_ENV ?=

# Unit tests go to whichever worker is free (worksteal: the chapters' smoke runs and solution notebooks
# are minutes each); a notebook's cells must stay in one kernel, so nbval runs go file by file.
UNIT = -m pytest -n 2 --dist worksteal
NBVAL = -m pytest -n 2 --dist loadfile

test: lint  ## unit tests, every chapter in full-profile smoke mode, then the notebooks (nbval, fast profile)
	$(PYTHON) $(UNIT) tests
	notebooks=$$($(LIST_NOTEBOOKS) tensorflow) && $(NOTEBOOK_ENV) $(PYTHON) $(NBVAL) $$notebooks

# The chapters CI runs on each backend come from the manifest (dl_course/chapters.py: every chapter
# passes on each; a chapter CI leaves out on one says why there). JAX ships with requirements.txt.
# (the longest first, so that no long chapter starts last on an otherwise idle machine).
LIST_NOTEBOOKS = $(PYTHON) -m dl_course.cli list --notebooks --longest-first --backend
# What only `make test` runs (TensorFlow, newest releases), left out of the PyTorch and floor jobs:
# the notebooks' own runs (full-profile smoke, the solution notebooks' experiments) and the web book.
ONCE_ONLY = --ignore=tests/test_full_profile_smoke.py --ignore=tests/test_book.py \
	--deselect tests/test_exercises.py::test_solution_notebook_runs_and_passes_its_checks

setup-torch:  ## PyTorch's CPU build, for KERAS_BACKEND=torch
	$(PYTHON) -m pip install -q torch==2.13.0  # pinned: the CPU build where pip has one locally

test-jax:  ## the chapters the manifest runs under JAX (nbval, fast profile)
	notebooks=$$($(LIST_NOTEBOOKS) jax) && KERAS_BACKEND=jax JAX_PLATFORMS=cpu DL_COURSE_PROFILE=fast \
		$(PYTHON) $(NBVAL) $$notebooks

# Under PyTorch: the unit tests that touch the Keras backend (tests marked backend_neutral, such as the
# data loaders and the command line, ran in `make test`; tests whose names hold "jax" start a JAX
# process) and the chapters the manifest runs under PyTorch.
test-torch:  ## backend unit tests and the manifest's PyTorch chapters (nbval) under KERAS_BACKEND=torch
	KERAS_BACKEND=torch $(PYTHON) $(UNIT) tests $(ONCE_ONLY) -m "not backend_neutral" -k "not jax"
	notebooks=$$($(LIST_NOTEBOOKS) torch) && KERAS_BACKEND=torch DL_COURSE_PROFILE=fast $(PYTHON) $(NBVAL) $$notebooks

FLOOR_VENV ?= .venv-oldest
test-floor:  ## the unit tests again with the oldest supported releases (constraints/oldest.txt) in FLOOR_VENV
	rm -rf $(FLOOR_VENV)
	$(PYTHON) -m venv $(FLOOR_VENV) || { $(SUDO) apt-get install -y -qq --no-install-recommends python3-venv \
		&& rm -rf $(FLOOR_VENV) && $(PYTHON) -m venv $(FLOOR_VENV); }  # Debian's python3 needs python3-venv
	$(FLOOR_VENV)/bin/python -m pip install -q -c constraints/oldest.txt -r requirements.txt
	$(FLOOR_VENV)/bin/python -m pip list 2>/dev/null | grep -iE '^(tensorflow|keras|numpy|jax) '
	$(FLOOR_VENV)/bin/ruff check dl_course tests benchmarks
	$(FLOOR_VENV)/bin/python $(UNIT) tests $(ONCE_ONLY)
