# ecommerce-service: `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8080
# `make run` listens here only (the demo logins are well known); HOST=0.0.0.0 to serve other machines
# (then list their host names in DJANGO_ALLOWED_HOSTS).
HOST ?= 127.0.0.1

# A Python 3.12+: python3.13/python3.12 on PATH (only if they really run: pyenv shims may
# refuse), then pyenv's own builds, then python3 if it is new enough.
define find_python
for c in python3.13 python3.12 \
  $$(ls -d "$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)"/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV) \
  python3; do \
  if "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo "$$c"; exit 0; fi; \
done; exit 1
endef

.PHONY: help venv run test coverage lint format migrate worker bench clean

help:
	@echo "make run       venv, install, migrate, seed demo data, serve on http://$(HOST):$(PORT) (HOST=, PORT=)"
	@echo "make test      the whole suite (SQLite; MySQL/MariaDB when DATABASE_URL says so)"
	@echo "make coverage  the suite with branch coverage and an HTML report (fails under 90%)"
	@echo "make lint      ruff check + format check, import layers, mypy, makemigrations --check"
	@echo "make migrate   apply migrations"
	@echo "make worker    the background task worker, WORKER_THREADS threads (TASKS_BACKEND=database)"
	@echo "make bench     load benchmark against MySQL/MariaDB (see bench/README.md)"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@py=$$($(find_python)) || { echo "error: no Python 3.12+ found (tried python3.13, python3.12, pyenv's versions, python3). Install one, or run: make VENV=... PYTHON=..." >&2; exit 1; }; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$py ($$($$py --version))"; "$$py" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

# Debug on unless DJANGO_DEBUG says otherwise (then the production settings' requirements apply: a secret key,
# allowed hosts, the demo passwords). Every step fails loudly: `set -e`, nothing hidden.
run: venv
	@set -e; export DJANGO_DEBUG="$${DJANGO_DEBUG:-true}"; \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py seed_demo_data --banner "http://$(if $(filter 0.0.0.0,$(HOST)),localhost,$(HOST)):$(PORT)"; \
	exec $(PY) manage.py runserver "$(HOST):$(PORT)"

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

coverage: venv
	$(PY) -m pytest --cov --cov-branch --cov-report=term-missing:skip-covered --cov-report=html --cov-fail-under=90 $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DJANGO_DEBUG=true $(VENV)/bin/mypy
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: venv
	$(PY) manage.py migrate --noinput

worker: venv
	$(PY) manage.py task_worker

bench: venv
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache htmlcov .coverage staticfiles
