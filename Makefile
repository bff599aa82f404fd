# The two commands a newcomer needs:   make demo   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck docs docs-check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: install, then rehearse the example campaign end to end (schedule → daemon → status → report)
demo: $(STAMP)
	$(BIN)/socialpost demo campaigns/coffee-shop-launch.yaml --workdir socialpost-demo

## test: install, then run the whole test suite (lint, types, docs sync and pytest)
test: $(STAMP) lint typecheck docs-check
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check socialpost tests bench
	$(BIN)/ruff format --check socialpost tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

## docs: regenerate the CLI reference in docs/cli.md from the commands' --help
docs: $(STAMP)
	$(BIN)/cog -r docs/cli.md

docs-check: $(STAMP)
	$(BIN)/cog --check docs/cli.md

## bench: run every benchmark and print its figures (never fails on time)
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) socialpost-demo .pytest_cache .mypy_cache .ruff_cache
