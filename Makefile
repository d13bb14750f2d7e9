# Companion — set-up and everyday commands. Every target creates .venv and installs what it
# needs, so a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch is installed first and on its own: the plain `torch` requirement would pull several GB
# of CUDA packages. Override for another build, e.g.
#   make demo TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cpu"
TORCH_SPEC ?= torch==2.13.0
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test lint typecheck serve eval bench clean install install-dev topology topology-down

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.torch: | $(BIN)/python
	$(BIN)/python -c "import torch" 2>/dev/null || $(PIP) install $(TORCH_SPEC)
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP) install -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install  ## set up and run the main job end to end on the embedded defaults
	$(BIN)/companion demo

test: install-dev  ## set up and run lint, type checks and the test suite
	$(BIN)/ruff check companion tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

typecheck: install-dev
	$(BIN)/mypy

serve: install
	$(BIN)/companion serve

topology: install  ## the scale-out layout without Docker: API x2, workers x2, Chroma server, PostgreSQL
	deploy/topology.sh up

topology-down:
	deploy/topology.sh down

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-dev
	$(PIP) install -e '.[dev,bench]'
	touch $@

bench: install-dev $(VENV)/.installed-bench
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .companion .pytest_cache .mypy_cache .ruff_cache
