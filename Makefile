# Thin wrapper over the project's own commands; `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help install demo test test-browser lint format nightly backfill export health serve bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev tools

demo: $(STAMP) ## crawl the bundled offline portal copy into data/breaches.db
	BREACH_LOG_LEVEL=WARNING $(BIN)/scrapy demo

test: $(STAMP) ## ruff (lint + format check) and the whole test suite, offline
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

lint: $(STAMP) ## ruff check only
	$(BIN)/ruff check .

format: $(STAMP) ## ruff format and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

nightly: $(STAMP) ## the nightly crawl of every live source
	$(BIN)/scrapy nightly

backfill: $(STAMP) ## backfill one source: make backfill s=ca_ag
	$(BIN)/scrapy backfill $(s)

export: $(STAMP) ## CSV of incidents first seen since the last export, to data/exports/
	$(BIN)/scrapy export -o data/exports/incidents.csv

health: $(STAMP) ## per-source health from the crawl log
	$(BIN)/scrapy health

serve: $(STAMP) ## browse data/breaches.db with Datasette at http://127.0.0.1:8001 (read-only)
	$(BIN)/pip install --quiet -e '.[datasette]'
	@# Brings the schema up to date (the breaches view, search indexes) before serving.
	$(BIN)/python -c "import sys; from crawler.store.db import connect; connect(sys.argv[1])" $(or $(BREACH_DB_PATH),data/breaches.db)
	$(BIN)/datasette serve $(or $(BREACH_DB_PATH),data/breaches.db) -m metadata.yml \
		--plugins-dir datasette-plugins -h 127.0.0.1 -p 8001

test-browser: $(STAMP) ## headless Chromium browses Datasette; screenshots to data/screenshots/
	$(BIN)/pytest -q tests/test_browser.py -rs

bench: $(STAMP) ## the benchmark suite; writes bench/RESULTS.md
	bench/run
