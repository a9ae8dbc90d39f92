# Front door: `make run` sets up and runs every chapter; `make test` runs the tests.
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PROFILE ?=

APT_FILES ?= apt.txt

.PHONY: setup setup-dev setup-torch run test test-jax test-torch lint book smoke

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

test: lint  ## unit tests, every chapter in full-profile smoke mode, then the notebooks (nbval, fast profile)
	$(PYTHON) -m pytest -n 2 --dist loadfile tests
	$(NOTEBOOK_ENV) $(PYTHON) -m pytest -n 2 --dist loadfile notebooks

# The same chapters on the other Keras backends (JAX ships with requirements.txt; PyTorch: setup-torch).
# Every chapter passes on each (benchmarks/results/cpu-backends.md); CI runs all of them under JAX and
# leaves out 05 and 06 under PyTorch (2 and 3.5 minutes there, eager recurrent loops).
JAX_NOTEBOOKS ?= notebooks
TORCH_NOTEBOOKS ?= notebooks/01_perceptron.ipynb notebooks/02_backprop.ipynb notebooks/03_cnn.ipynb \
	notebooks/04_cnn_architectures.ipynb notebooks/07_gan.ipynb notebooks/08_autoencoder_rbm_dbn.ipynb

setup-torch:  ## PyTorch's CPU build, for KERAS_BACKEND=torch
	$(PYTHON) -m pip install -q torch==2.13.0  # pinned: the CPU build where pip has one locally

test-jax:  ## every chapter (JAX_NOTEBOOKS; nbval, fast profile) under KERAS_BACKEND=jax
	KERAS_BACKEND=jax JAX_PLATFORMS=cpu DL_COURSE_PROFILE=fast $(PYTHON) -m pytest -n 2 --dist loadfile $(JAX_NOTEBOOKS)

# Under PyTorch the unit tests leave out what `make test` already ran elsewhere: the solution notebooks
# (their experiments train for about 20 CPU-minutes under PyTorch, and 04 and 07 use GradientTape)
# and the tests that start a JAX process (their names hold "jax").
test-torch:  ## unit tests and the chapters in TORCH_NOTEBOOKS (nbval) under KERAS_BACKEND=torch
	KERAS_BACKEND=torch DL_COURSE_PROFILE=fast $(PYTHON) -m pytest -n 2 --dist loadfile tests $(TORCH_NOTEBOOKS) \
		--ignore=tests/test_full_profile_smoke.py --ignore=tests/test_book.py -k "not jax" \
		--deselect tests/test_exercises.py::test_solution_notebook_runs_and_passes_its_checks
