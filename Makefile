# OppHub — the two commands: `make run` and `make test`. Everything else is a helper for them.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
ADDR ?= 127.0.0.1
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
VENDOR := build/vendor

.PHONY: run test lint bench bench-scan install install-dev assets demo migrate clean messages screenshots

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(DEVSTAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(STAMP) assets
install-dev: $(DEVSTAMP) assets

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Front-end libraries come from npm at setup; only the files the pages use are served.
assets: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/sortablejs/Sortable.min.js $(VENDOR)/Sortable.min.js
	cp node_modules/alpinejs/dist/cdn.min.js $(VENDOR)/alpine.min.js

migrate: install
	$(BIN)/opphub migrate --noinput
	$(BIN)/opphub playbooks_sync

demo: migrate
	$(BIN)/opphub demo

# Install, migrate SQLite, load demo data into an empty database, serve (prints URL and logins).
run: install
	$(BIN)/opphub run $(ADDR):$(PORT)

test: install-dev
	$(BIN)/pytest -q $(PYTEST_ARGS)

# Ruff; mypy over all of src (strict on methodology/); the import contracts in pyproject.toml
# ([tool.importlinter]: methodology/ free of Django, no cycles between the apps); migrations up to date.
lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src
	cd src && ../$(BIN)/lint-imports ../pyproject.toml --no-cache --no-logo
	$(BIN)/opphub makemigrations --check --dry-run

# Page timings (bench.run), then the cadence + risk scan (bench.scan; issue 4: `make bench-scan
# BENCH_SCAN_ARGS="--db postgres --open 1000000"` for the 1M PostgreSQL run). See docs/benchmarks.md.
BENCH_SCAN_ARGS ?= --db sqlite --open 100000
bench: install-dev
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.scan $(BENCH_SCAN_ARGS)

bench-scan: install-dev
	$(BIN)/python -m bench.scan $(BENCH_SCAN_ARGS)

# Refresh the catalogues: makemessages, zh_Hant from zh_Hans (OpenCC + hand edits kept), compilemessages.
messages: install-dev
	$(BIN)/python scripts/i18n_hant.py --all

# Refresh the README pictures from the browser test that makes them.
screenshots: install-dev
	$(BIN)/pytest -q -p no:cacheprovider tests/e2e/test_rep_day.py tests/e2e/test_gates.py tests/e2e/test_escalation.py \
	   tests/e2e/test_my_day_morning.py tests/e2e/test_refusal_links.py tests/e2e/test_team_pages.py
	mkdir -p docs/screenshots
	cp build/screenshots/my-day-morning.png build/screenshots/board.png build/screenshots/card.png \
	   build/screenshots/board-refusal-links.png build/screenshots/gate-checklist.png \
	   build/screenshots/stage-work.png build/screenshots/team-health-director.png \
	   build/screenshots/board-phone.png docs/screenshots/

clean:
	rm -rf $(VENV) node_modules build
