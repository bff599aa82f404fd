# The two commands a newcomer needs:   make demo   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-servers lint typecheck docs docs-check i18n bench clean install uninstall dist install-check \
	screenshots screenshots-report screenshots-calendar screenshots-preview

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: install, then rehearse the example campaign end to end (schedule → daemon → status → report)
demo: $(STAMP)
	$(BIN)/socialpost demo campaigns/coffee-shop-launch.yaml --workdir socialpost-demo

## install: put the socialpost command on your PATH with pipx or uv (whichever is present), from this
## clone; EXTRAS=postgres,s3 adds optional dependencies. Needs no .venv.
install:
	bash scripts/install.sh install $(EXTRAS)

## uninstall: remove what make install installed
uninstall:
	bash scripts/install.sh uninstall

## dist: build the wheel and the sdist into dist/ (install the wheel with: pipx install dist/socialpost_cli-*.whl)
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

## install-check: from a fresh clone of this repository's HEAD, make install with pipx in a scratch folder,
## run socialpost from outside the clone, make uninstall (scripts/install-check.sh; CI runs it)
install-check:
	bash scripts/install-check.sh

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

## screenshots: every picture of the README, taken in headless Chromium into docs/images/ (apt-get install chromium)
screenshots: screenshots-report screenshots-calendar screenshots-preview

## screenshots-report: the HTML report of a sample campaign at 1280 and 400 px and in French (docs/images/report*.png)
screenshots-report: $(STAMP)
	$(BIN)/python scripts/screenshots_report.py docs/images

screenshots-calendar: $(STAMP)
	$(BIN)/python scripts/screenshots.py calendar

screenshots-preview: $(STAMP)
	$(BIN)/python scripts/screenshots.py preview

## bench: run every benchmark and print its figures (never fails on time)
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) socialpost-demo .pytest_cache .mypy_cache .ruff_cache dist
