# CX Hub: `make demo` (install + seeded demo on SQLite) and `make test` (install + whole suite).
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
# Django 6.1 needs Python 3.12+: prefer 3.13, then 3.12, then whatever python3 is.
PYTHON ?= $(shell command -v python3.13 >/dev/null 2>&1 && echo python3.13 || (command -v python3.12 >/dev/null 2>&1 && echo python3.12 || echo python3))
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n 2

.PHONY: install demo run test lint bench worker beat clean

install: $(VENV)/.installed static/vendor/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "CX Hub needs Python 3.12 or newer; found " + sys.version.split()[0] + " (set PYTHON=python3.12)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $@

static/vendor/.installed: package.json package-lock.json scripts/vendor.mjs
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent vendor
	@touch $@

# The embedded default: SQLite file, tasks run in-process, local-memory cache.
demo: install
	DEBUG=true DATABASE_URL= REDIS_URL= $(BIN)/python manage.py migrate --noinput -v 0
	DEBUG=true DATABASE_URL= REDIS_URL= $(BIN)/python manage.py seed_demo --url http://$(HOST):$(PORT)/
	@echo "CX Hub demo: http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	DEBUG=true SHOW_DEMO_LOGINS=true DATABASE_URL= REDIS_URL= $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Runs against whatever DATABASE_URL / REDIS_URL say; unset, service tests skip with a reason.
test: install
	DEBUG=true $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install
	DEBUG=true $(BIN)/python manage.py bench --scale $${SCALE:-small} --json $${JSON:-bench.json}

worker: install
	$(BIN)/celery -A cx_hub worker -l info

beat: install
	$(BIN)/celery -A cx_hub beat -l info -s $${BEAT_SCHEDULE_FILE:-/tmp/cx-hub-celerybeat-schedule}

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles
