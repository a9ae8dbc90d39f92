# Front door: `make run` sets up and runs every chapter; `make test` runs the tests.
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PROFILE ?=

APT_FILES ?= apt.txt

.PHONY: setup setup-dev run test lint book smoke

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
