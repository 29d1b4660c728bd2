# CSM workbench. `make demo` and `make test` set everything up on a fresh machine
# (Python 3.11 and pip are all they need) and are safe to run again.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KERNEL := $(VENV)/share/jupyter/kernels/csm/kernel.json
WAVES   = $(sort $(wildcard params/20*.yaml))

.PHONY: help env demo test test-fast lint lab bench bench-quick clean

help:
	@echo "make demo   - create .venv, generate the demo waves, render reports/index.html"
	@echo "make test   - run the whole test suite"
	@echo "make lint   - ruff checks"
	@echo "make lab    - JupyterLab on the csm kernel"
	@echo "make bench  - speed and memory benchmarks (make bench-quick: small sizes, goals not checked)"

env: $(STAMP) $(KERNEL)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(KERNEL): $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name csm --display-name "CSM workbench" >/dev/null

demo: env
	$(BIN)/csm demo --root .
	$(BIN)/csm run --jobs 2 $(sort $(wildcard params/20*.yaml))
	@echo
	@echo "Reports: $(CURDIR)/reports/index.html"

test: env
	$(BIN)/python -m pytest -n 2

lint: env
	$(BIN)/ruff check csmlib tests benchmarks tools
	$(BIN)/ruff format --check csmlib tests benchmarks tools
	$(BIN)/mypy csmlib/stats

test-fast: env
	$(BIN)/python -m pytest -n 2 -m "not slow"

lab: env
	test -f data/demo/GROUND_TRUTH.md || $(BIN)/csm demo --root .
	$(BIN)/jupyter lab --notebook-dir=notebooks --MappingKernelManager.default_kernel_name=csm \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root )

bench-quick: env
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b --quick || exit 1; done

bench: env
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf reports/20* reports/index.html data/demo .pytest_cache
