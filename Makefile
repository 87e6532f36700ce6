# Set-up and everyday commands. Each target creates the virtual environment on
# first use, so `make demo` and `make test` work on a fresh clone.
#
# TORCH pins the PyTorch build installed before the package. The default takes
# the CPU wheel where one is cached locally; for a CUDA build, install torch
# into the environment first (see README.md) and run `make TORCH= demo`.

VENV ?= .venv
PYTHON ?= python3
TORCH ?= torch==2.13.0
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# OpenMP threads that wait for work by sleeping rather than spinning: on a
# machine whose cores are shared (parallel test workers, other jobs), spinning
# threads slow PyTorch's CPU kernels down many times over.
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: demo test test-slow lint docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(if $(TORCH),$(BIN)/python -m pip install --quiet "$(TORCH)")
	$(BIN)/python -m pip install --quiet -e ".[test,docs]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sklearn-gan fit --output gan-output

test: $(STAMP)
	$(BIN)/python -m pytest

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check sklearn_gan tests benchmarks examples
	$(BIN)/ruff format --check sklearn_gan tests benchmarks examples

docs: $(STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) docs/_build docs/auto_examples docs/generated gan-output
