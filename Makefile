# The course kit's commands. The first two are all a student needs:
#   make lab    JupyterLab on the notebooks (127.0.0.1, token), set up from nothing
#   make test   unit tests + every notebook under nbval
# Each sets up .venv by itself and reinstalls only when pyproject.toml or
# constraints.txt changed.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.course-installed
NB ?= notebooks/[0-9]*.ipynb
# one Korean notebook under nbval as a smoke run of the generated edition (make test, make notebooks)
NB_KO ?= notebooks/ko/02_*.ipynb
NB_CELL_TIMEOUT ?= 300
PYTEST_WORKERS ?= 2
# torch threads per test worker; unset: the cores shared out among the workers (cli.test_env)
THREADS_PER_WORKER ?=
# make test, unit and notebooks run course_utils.tooling.cli, which holds the pytest command
# line (python -m course_utils.tooling.cli test runs the same without make, e.g. on Windows)
TEST_ARGS = --workers $(PYTEST_WORKERS) $(if $(THREADS_PER_WORKER),--threads $(THREADS_PER_WORKER)) \
	--cell-timeout $(NB_CELL_TIMEOUT) --notebooks $(NB) --notebooks-ko $(NB_KO)

.PHONY: help install lab test test-compat test-browser robust gpu-check unit notebooks execute slides translate lint format thumbnails checkpoints bench clean assignments test-assignments

help:
	@echo "make lab          JupyterLab on the notebooks (127.0.0.1, token auth; RISE for slides)"
	@echo "make test         unit tests and every notebook under nbval"
	@echo "make test-compat  a Colab-like Python 3.12 (Colab's torch, ipywidgets 7, OpenCV): the setup cell and notebooks"
	@echo "make test-browser the slides and the lab in headless Chromium (installs Debian's chromium)"
	@echo "make robust       every notebook's asserts under other CPU kernels, threads and seeds"
	@echo "make gpu-check    every notebook's asserts with COURSE_DEVICE=cuda (needs an NVIDIA GPU)"
	@echo "make execute      re-run notebooks in place (NB=path to pick some)"
	@echo "make slides       static reveal.js slides into build/slides/ and build/slides/ko/ (offline)"
	@echo "make translate    notebooks/ko/ from the English notebooks and i18n/ko/ (ARGS=--check or --allow-untranslated)"
	@echo "make lint         ruff on code and notebooks"
	@echo "make checkpoints  train the minis and the detectors into checkpoints/, store long curves (ONLY=name for one)"
	@echo "make bench        benchmarks: the kit against references"
	@echo "make assignments  graded assignments (otter-grader) from the exercises, English and Korean, into build/assignments/"
	@echo "make test-assignments  grade unmodified, solved and mistaken submissions of every assignment"

LAB_SETTINGS := course_utils/tooling/lab_settings/course-kit.json
$(STAMP): pyproject.toml constraints.txt $(LAB_SETTINGS)
	@# constraints.txt is the exact set resolved and tested on Python 3.11; the kit itself runs on
	@# 3.11-3.13 (pyproject.toml), installed without the pins: pip install -e '.[lab]'
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "make install pins constraints.txt, which is resolved for Python 3.11; set PYTHON=/path/to/python3.11 (on Python 3.12 or 3.13 install without the pins: pip install -e .[lab])")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@# the course's JupyterLab defaults (RISE's reveal theme "white", whose font ships with it)
	$(BIN)/python -m course_utils.tooling.cli lab-settings
	@touch $@

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/python -m course_utils.tooling.cli lab

test: $(STAMP)
	$(BIN)/python -m course_utils.tooling.cli test $(TEST_ARGS)

# The kit as a Colab student gets it: a Python 3.12 venv made afresh with Colab's packages
# (tests/compat/), notebook 00 run through its Colab setup cell against a bare copy of HEAD, then
# pip install -e . without the pins and notebooks 00, 02, 08, 12 and the Korean 02 under nbval.
test-compat: $(STAMP)
	$(BIN)/python -m course_utils.tooling.compat --cell-timeout $(NB_CELL_TIMEOUT)

# Every notebook's asserts (not its stored outputs) under other CPU kernels, thread counts
# and training seeds; ONLY=name for some perturbations (--list shows them). Writes nothing.
robust: $(STAMP)
	$(BIN)/python -m course_utils.tooling.robust $(if $(ONLY),--only $(ONLY)) \
		--timeout $(NB_CELL_TIMEOUT) $(NB)

# Every notebook on the CUDA GPU (COURSE_DEVICE=cuda) through robust's executor: per notebook the
# asserts that held or the first failing cell. Writes nothing to the notebooks (executed copies in
# build/gpu-check/); refuses in one line, exit status 2, where there is no CUDA device.
gpu-check: $(STAMP)
	$(BIN)/python -m course_utils.tooling.gpu_check --timeout $(NB_CELL_TIMEOUT) $(NB)

unit: $(STAMP)
	$(BIN)/python -m course_utils.tooling.cli test --only unit $(TEST_ARGS)

notebooks: $(STAMP)
	$(BIN)/python -m course_utils.tooling.cli test --only notebooks $(TEST_ARGS)

execute: $(STAMP)
	$(BIN)/python -m course_utils.tooling.execute --timeout $(NB_CELL_TIMEOUT) $(NB)

SLIDES_VENDOR := build/slides/vendor
$(SLIDES_VENDOR)/.installed:
	mkdir -p $(SLIDES_VENDOR)
	cd $(SLIDES_VENDOR) && npm install --no-audit --no-fund --silent \
		reveal.js@4.6.1 requirejs@2.3.7 katex@0.16.22
	@touch $@

slides: $(STAMP) $(SLIDES_VENDOR)/.installed
	$(BIN)/python -m course_utils.tooling.slides --out build/slides $(NB)
	$(BIN)/python -m course_utils.tooling.slides --out build/slides/ko --vendor ../vendor/node_modules \
		$(patsubst notebooks/%,notebooks/ko/%,$(wildcard $(NB)))
	@echo "open build/slides/<notebook>.slides.html in a browser (works offline)"

# The slides (English and Korean) and the lab in headless Chromium, driven by Playwright from
# .venv with the system browser (never `playwright install`): every deck at 1366x768 (1024x768
# reported), the conv explorer live in the lab and on a RISE slide. Debian's chromium package is
# installed when no Chromium is found (COURSE_CHROMIUM=/path/to/chrome to use another), and
# fonts-nanum when no Korean font is (the Korean decks are measured with real glyphs).
CHROMIUM_FOUND = test -n "$$COURSE_CHROMIUM" || command -v chromium || command -v chromium-browser \
	|| command -v google-chrome
test-browser: $(STAMP) $(SLIDES_VENDOR)/.installed
	@missing=; { $(CHROMIUM_FOUND); } >/dev/null || missing=chromium; \
		fc-list :lang=ko 2>/dev/null | grep -q . || missing="$$missing fonts-nanum"; \
		if [ -n "$$missing" ]; then \
			if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo=sudo; \
			else sudo=false; fi; \
			echo "installing Debian's $$missing (apt-get install -y $$missing)"; \
			export DEBIAN_FRONTEND=noninteractive; \
			$$sudo apt-get install -y $$missing || { $$sudo apt-get update && $$sudo apt-get install -y $$missing; } \
			|| echo "make test-browser: could not install $$missing (needs root or sudo)" >&2; \
		fi; \
		{ $(CHROMIUM_FOUND); } >/dev/null || { echo "make test-browser: no Chromium; install Debian's chromium package or set COURSE_CHROMIUM=/path/to/chromium" >&2; exit 1; }
	$(BIN)/python -m course_utils.tooling.browser $(NB) \
		$(wildcard $(patsubst notebooks/%,notebooks/ko/%,$(wildcard $(NB))))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

thumbnails: $(STAMP)
	$(BIN)/python -m course_utils.tooling.thumbnails --out docs/thumbnails $(NB)

# The Korean edition notebooks/ko/ from the English notebooks and the catalogues i18n/ko/NN.yml;
# fails with a list of missing or stale translations (ARGS=--allow-untranslated builds anyway).
translate: $(STAMP)
	$(BIN)/python -m course_utils.tooling.translate $(ARGS)

checkpoints: $(STAMP)
	$(BIN)/python -m course_utils.tooling.checkpoints $(if $(ONLY),--only $(ONLY))

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_fit.py
	@for b in benchmarks/bench_*.py; do [ "$$b" = benchmarks/bench_fit.py ] || $(BIN)/python $$b; done

# The lecturer's grading environment: otter-grader beside the kit, in its own venv (its widget
# pins differ from the lab's; constraints-grader.txt). ASSIGNMENT_SEED=secret picks the hidden
# tests' inputs; ONLY="00 08" some notebooks; LANGS="en" one language.
GRADER_VENV ?= .venv-grader
GRADER_STAMP := $(GRADER_VENV)/.grader-installed
ASSIGNMENTS ?= build/assignments
$(GRADER_STAMP): pyproject.toml constraints-grader.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "constraints-grader.txt is resolved for Python 3.11; set PYTHON=/path/to/python3.11")'
	@test -x $(GRADER_VENV)/bin/python || $(PYTHON) -m venv $(GRADER_VENV)
	$(GRADER_VENV)/bin/python -m pip install --quiet -c constraints-grader.txt -e '.[grading]'
	@touch $@

assignments: $(GRADER_STAMP)
	$(GRADER_VENV)/bin/python -m course_utils.tooling.assignments --out $(ASSIGNMENTS) \
		$(if $(ONLY),--only $(ONLY)) $(if $(LANGS),--lang $(LANGS))

test-assignments: assignments
	ASSIGNMENTS=$(ASSIGNMENTS) $(GRADER_VENV)/bin/python -m pytest -q -p no:cacheprovider \
		tests/test_grading.py

clean:
	rm -rf build .pytest_cache .ruff_cache
