# The two commands a newcomer needs:   make demo   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-servers lint typecheck docs docs-check i18n bench clean screenshots screenshots-calendar screenshots-preview

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: install, then rehearse the example campaign end to end (schedule → daemon → status → report)
demo: $(STAMP)
	$(BIN)/socialpost demo campaigns/coffee-shop-launch.yaml --workdir socialpost-demo

## test: install, then run the whole test suite (lint, types, docs sync and pytest)
test: $(STAMP) lint typecheck docs-check test-servers
	$(BIN)/python -m pytest

## test-servers: start PostgreSQL and Redis, install Prism, the Bluesky dev-env, ajv and Chromium for the
## server tiers. Best effort here (no root, no npm: those tiers are skipped with the reason);
## .ci/run does the same and fails when something cannot be installed.
test-servers:
	-bash scripts/test-services.sh
	-bash scripts/prism/install.sh
	-bash scripts/bluesky-devenv/install.sh
	-bash scripts/ajv/install.sh

## lint: ruff, and the import contracts of pyproject.toml's [tool.importlinter] (the layers, docs/architecture.md)
lint: $(STAMP)
	$(BIN)/ruff check socialpost tests bench scripts
	$(BIN)/ruff format --check socialpost tests bench scripts
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

## docs: regenerate the CLI reference in docs/cli.md from the commands' --help
docs: $(STAMP)
	$(BIN)/cog -r docs/cli.md docs/fr/commandes.md

docs-check: $(STAMP)
	$(BIN)/cog --check docs/cli.md docs/fr/commandes.md

## i18n: extract every user-facing message into the French catalogue and compile it (docs/translating.md)
i18n: $(STAMP)
	$(BIN)/python scripts/i18n.py update

## screenshots: the README's pictures of the pages socialpost writes, taken by headless Chromium into docs/images/
screenshots: screenshots-calendar screenshots-preview

screenshots-calendar: $(STAMP)
	$(BIN)/python scripts/screenshots.py calendar

screenshots-preview: $(STAMP)
	$(BIN)/python scripts/screenshots.py preview

## bench: run every benchmark and print its figures (never fails on time)
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) socialpost-demo .pytest_cache .mypy_cache .ruff_cache
