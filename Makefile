# nnbench: `make bench` runs the main job, `make test` the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: bench bench-quick bench-tuned bench-micro bench-perf test test-slow lint docs docs-serve screenshots \
	check-core-py313 install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[all,dev,docs]"
	touch $(STAMP)

bench: $(STAMP)
	$(BIN)/python -m bench run --suite suites/default.toml

bench-quick: $(STAMP)
	$(BIN)/python -m bench run --suite suites/quick.toml

# The tuned division against the open one: the same random search for every library (docs/tuned.md).
bench-tuned: $(STAMP)
	$(BIN)/python -m bench run --suite suites/tuned.toml

# Published results rerun (docs/reproductions.md): Fashion-MNIST's MLPClassifier; Debian's
# dataset-fashion-mnist package (or --data-dir) holds the images. Several minutes a seed.
.PHONY: bench-reproduce
bench-reproduce: $(STAMP)
	$(BIN)/python -m bench run --suite suites/reproduce-fashion-mnist.toml

# Ratios against matmul-only, scikit-learn, PyTorch, Keras and the harness overhead, PASS/MISS.
bench-perf: $(STAMP)
	$(BIN)/python -m bench perf

# One training step and one prediction per backend (pytest-benchmark); compare two saved
# runs with `.venv/bin/pytest-benchmark --storage results/micro compare 0001 0002`.
bench-micro: $(STAMP)
	$(BIN)/python -m pytest tests/micro -m micro --benchmark-only --benchmark-autosave \
		--benchmark-storage=results/micro --benchmark-columns=min,median,iqr,ops,rounds

test: $(STAMP)
	$(BIN)/python -m pytest

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check .

# The documentation site into site/ (git-ignored); any warning (a broken link, a page missing from
# the nav) fails the build. `make docs-serve` previews it at http://127.0.0.1:8000.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

docs-serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

# docs/img/report.png: a short suite's HTML page rendered by headless Chromium (/usr/bin/chromium).
screenshots: $(STAMP)
	$(BIN)/python docs/screenshots.py

# The core install (no extra) on Python 3.13 in a fresh venv: a numpy and a scikit-learn cell run, a
# torch cell is skipped naming `pip install 'nnbench[torch]'`; SKIPPED without a 3.13 interpreter.
check-core-py313:
	bash .ci/python313-core.sh

clean:
	rm -rf $(VENV) build site *.egg-info .pytest_cache .ruff_cache
