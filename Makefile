# Tongban: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
DEMO_ADDRESS ?= 127.0.0.1:8000

.PHONY: help demo serve test lint format bench messages clean drills scale-test

help:
	@echo "make demo      set up and run the portal with demo data (SQLite, no services needed)"
	@echo "make test      lint, then run the whole test suite against PostgreSQL and Redis"
	@echo "make serve     production mode: gunicorn + Celery worker + beat (needs DATABASE_URL, REDIS_URL)"
	@echo "make lint      ruff check and format check"
	@echo "make messages  extract and compile translations"
	@echo "make bench     benchmark beside a bare Django app (BENCH_QUICK=1: small data, short runs)"
	@echo "make drills    fault drills: Redis, worker and PostgreSQL restarts under load (tests/drills/)"
	@echo "make scale-test  two web nodes behind nginx, two workers, beat; one node and one worker killed (tests/scale/)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Tongban needs Python 3.11: set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.requirements: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.requirements-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip check
	@touch $@ $(VENV)/.requirements

demo: $(VENV)/.requirements
	@mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo "通办 demo: http://$(DEMO_ADDRESS)/  (embedded default: SQLite, in-process tasks)"
	DJANGO_DEBUG=$${DJANGO_DEBUG:-false} $(MANAGE) runserver $(DEMO_ADDRESS)

serve: $(VENV)/.requirements
	@if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ] || [ -z "$$DJANGO_SECRET_KEY" ]; then \
		echo "make serve runs production mode: set DATABASE_URL, REDIS_URL and DJANGO_SECRET_KEY (see README)."; exit 1; fi
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.production $(MANAGE) migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.production $(MANAGE) collectstatic --noinput -v0
	PATH="$(abspath $(BIN)):$$PATH" DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/honcho start

lint: $(VENV)/.requirements-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.requirements-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Each app keeps its own catalogue in <app>/locale/en/ (makemessages files each
# string in the nearest locale/ folder above it); the root locale/ holds the
# shared templates and config.
messages: $(VENV)/.requirements-dev
	$(MANAGE) makemessages -l en --no-obsolete --ignore=.venv --ignore=var
	$(MANAGE) compilemessages --ignore=.venv

test: lint
	@command -v msgfmt >/dev/null || { echo "msgfmt missing: apt-get install gettext (.ci/run does this)"; exit 1; }
	$(MANAGE) compilemessages --ignore=.venv -v0
	@# pytest's exit code 5 means it collected no tests: that is a failure, not a pass.
	$(BIN)/pytest -n 2 --dist loadfile --durations=30; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$status

# Fault drills (tests/drills/, files drill_*.py, which `make test` does not collect): each
# starts private instances of what it kills and prints requests sent, faults injected,
# requests lost and side effects duplicated (both must be 0).
drills: $(VENV)/.requirements-dev
	@# Hypothesis' plugin imports hypothesis lazily at the end of the session; under the drills'
	@# deep retry stacks CPython 3.11 can then fail that import (AST recursion depth mismatch).
	@# The drills use no Hypothesis, so its plugin stays off here.
	$(BIN)/pytest -p no:xdist -p no:hypothesispytest -o python_files="drill_*.py" -s -q tests/drills

# Scale-out on one machine (tests/scale/run.py, not collected by `make test`): its own database
# (SCALE_DATABASE_URL, default tongban_scale) and Redis database (SCALE_REDIS_URL, default db 8,
# flushed); needs the Debian nginx package.
scale-test: $(VENV)/.requirements-dev
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { echo "nginx missing: apt-get install nginx-light"; exit 1; }
	$(BIN)/python -m tests.scale.run

# Tongban beside a bare-Django calibration app under the same gunicorn, PostgreSQL and Redis;
# every figure is a ratio to the calibration measured in the same run (docs/performance.md).
# Needs PostgreSQL and Redis; builds and keeps its own databases tongban_bench_* and uses Redis
# db 5 (BENCH_POSTGRES_URL, BENCH_REDIS_URL). BENCH_QUICK=1: small data, short runs (< 3 min).
bench: $(VENV)/.requirements-dev
	@command -v wrk >/dev/null || { echo "make bench needs wrk, the HTTP load generator: apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
