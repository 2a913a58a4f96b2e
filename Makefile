# Maillage — two commands for a new machine: `make demo` and `make test`.
# Everything below installs what is missing (Debian packages, .venv), starts a private PostGIS
# cluster under .data/ (port 54329, or the next free one, recorded in .data/pgport; PGPORT=...
# chooses it), and never needs a system service.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: help demo test stop system venv db migrate demo-data serve lint check pytest bench clean-db

help:
	@echo "make demo   installe ce qui manque, démarre PostGIS, charge la démo et sert http://$(HOST):$(PORT)"
	@echo "make test   même installation, puis linters et toute la suite de tests contre PostGIS"
	@echo "make stop   arrête le PostGIS privé      make bench   mesures de performance"

system:
	@bash scripts/system-deps.sh $(if $(WITH_BROWSER),--with-browser,) $(if $(WITH_BENCH),--with-bench,) \
		$(if $(WITH_GIS),--with-gis,)

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

venv: system $(VENV)/.installed

db: system
	@bash scripts/pg.sh start

migrate: venv db
	@$(PY) manage.py migrate --noinput -v 0

demo-data: migrate
	@$(PY) manage.py load_demo

demo: demo-data
	@$(PY) manage.py collectstatic --noinput -v 0
	@echo "==> Maillage est servi sur http://$(HOST):$(PORT)/  (Ctrl-C pour arrêter ; 'make stop' arrête PostGIS)"
	@$(VENV)/bin/gunicorn geo_directory.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) \
		--access-logfile - --graceful-timeout 5 --timeout 60

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: migrate
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

pytest: migrate
	DJANGO_SETTINGS_MODULE=geo_directory.settings.test $(VENV)/bin/pytest $(PYTEST_ARGS)

test: WITH_BROWSER=1
test: WITH_GIS=1
test: lint check pytest

bench: WITH_BENCH=1
bench: migrate
	$(PY) bench/run.py

stop:
	@bash scripts/pg.sh stop

clean-db: stop
	rm -rf .data/pg
