# Navarch developer entry points. Everything a target needs, it installs itself:
# Python dependencies into .venv, the pinned Kubernetes/etcd/helm binaries into the cache
# (~/.cache/navarch, or $NAVARCH_CACHE_DIR).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

.PHONY: help
help:
	@echo "make demo    start a local fleet (mgmt + 3 managed clusters) and show how to use it"
	@echo "make test    install everything, then run the unit, integration and e2e tests"
	@echo "make lint    ruff, mypy --strict on src/, import-linter layer contracts"
	@echo "make bench   run the benchmarks in bench/"
	@echo "make install install Python dependencies and build the pinned binaries"
	@echo "make clean   remove .venv (the binary cache is kept; see README)"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

.PHONY: venv
venv: $(STAMP)

.PHONY: binaries
binaries: $(STAMP)
	$(BIN)/navarch local install

.PHONY: install
install: venv binaries

.PHONY: lint
lint: $(STAMP)
	$(BIN)/ruff check src tests bench hack
	$(BIN)/ruff format --check src tests bench hack
	$(BIN)/mypy
	$(BIN)/lint-imports

.PHONY: test
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

.PHONY: test-unit
test-unit: $(STAMP)
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

.PHONY: demo
demo: install
	$(BIN)/navarch demo

.PHONY: bench
bench: install
	$(BIN)/python -m bench

.PHONY: clean
clean:
	rm -rf $(VENV)
