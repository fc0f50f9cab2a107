# nnbench: `make bench` runs the main job, `make test` the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: bench bench-quick bench-micro bench-perf test test-slow lint check-core-py313 install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[all,dev]"
	touch $(STAMP)

bench: $(STAMP)
	$(BIN)/python -m bench run --suite suites/default.toml

bench-quick: $(STAMP)
	$(BIN)/python -m bench run --suite suites/quick.toml

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

# The core install (no extra) on Python 3.13 in a fresh venv: a numpy and a scikit-learn cell run, a
# torch cell is skipped naming `pip install 'nnbench[torch]'`; SKIPPED without a 3.13 interpreter.
check-core-py313:
	bash .ci/python313-core.sh

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
