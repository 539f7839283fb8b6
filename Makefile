# The two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Django 6 needs Python 3.12+. Use $(PYTHON) if given, else the first 3.12+ on PATH, else pyenv's.
PYTHON ?= $(shell for p in python3.15 python3.14 python3.13 python3.12 python3 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV); do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install run soak test bench messages check clean

help:
	@echo "make run    - install, migrate, load demo data, start web + worker + beat at http://127.0.0.1:8000"
	@echo "make test   - run the whole test suite (SQLite + embedded broker unless DATABASE_URL/CELERY_BROKER_URL say otherwise)"
	@echo "make bench  - benchmarks on PostgreSQL (BENCH_DATABASE_URL), not part of make test"
	@echo "make soak   - make run's processes for SOAK_SECONDS (2 h) with a trickle of tasks: sent, run, lost"

$(STAMP): requirements.txt constraints.txt
	@if [ -z "$(PYTHON)" ]; then \
		echo "ERROR: Python 3.12 or newer is required (Django 6) and none was found on PATH or under ~/.pyenv/versions."; \
		echo "       Install one (e.g. 'pyenv install 3.13') or run: make PYTHON=/path/to/python3.12 $(MAKECMDGOALS)"; \
		exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	@# Reuse .venv only if it is whole (a failed `python -m venv` can leave a python without pip behind).
	@[ -x $(BIN)/python ] && $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' \
		&& $(BIN)/python -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet pip==26.3
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	@touch $(STAMP)

install: $(STAMP)

# Worker and beat log warnings only (CELERY_LOG_LEVEL=INFO for more): their periodic lines would bury the staff
# login and links printed above. A worker or beat that dies is restarted (bin/keep-running), not the site stopped;
# Ctrl-C stops them within honcho's 5 s (a warm shutdown, then a cold one).
run: install
	@mkdir -p staticfiles
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Site: http://127.0.0.1:8000/  Admin: http://127.0.0.1:8000/admin/  (Ctrl-C stops web, worker and beat)"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

# The soak (issue: `make run` must not fall over): make run's processes on their own SQLite database and embedded
# broker under var/soak/, for SOAK_SECONDS, with SOAK_PER_MINUTE tasks a minute; web on SOAK_PORT.
SOAK_SECONDS ?= 7200
SOAK_PER_MINUTE ?= 30
SOAK_PORT ?= 8020
SOAK_ENV = DATABASE_URL=sqlite:///$(CURDIR)/var/soak/db.sqlite3 \
	CELERY_BROKER_URL=$${SOAK_BROKER_URL:-sqla+sqlite:///$(CURDIR)/var/soak/broker.sqlite3}

soak: install
	@mkdir -p staticfiles var/soak
	$(SOAK_ENV) $(BIN)/python manage.py migrate --noinput
	$(SOAK_ENV) $(BIN)/python manage.py load_demo
	$(SOAK_ENV) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python manage.py soak --seconds $(SOAK_SECONDS) \
		--per-minute $(SOAK_PER_MINUTE) --port $(SOAK_PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

BENCH_ENV = BENCHMARKS=True DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/prakerja_bench} \
	CELERY_BROKER_URL=$${BENCH_BROKER_URL:-redis://127.0.0.1:6379/15} \
	CACHE_URL=$${BENCH_CACHE_URL:-rediscache://127.0.0.1:6379/14}

bench: install
	@psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'prakerja_bench'" | grep -q 1 \
	  || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE prakerja_bench" >/dev/null || true
	$(BENCH_ENV) $(BIN)/python manage.py migrate --noinput
	$(BENCH_ENV) $(BIN)/python manage.py run_benchmarks $(BENCH_ARGS)

# Regenerate the translation catalogs (needs GNU gettext) after changing user-facing text.
messages: install
	$(BIN)/python manage.py makemessages -l id --ignore='.venv/*' --ignore='registration/*' --ignore='eligibility/*' --ignore='reports/*' --ignore='complaints/*'
	for app in registration eligibility reports complaints; do (cd $$app && ../$(BIN)/python ../manage.py makemessages -l id); done
	$(BIN)/python manage.py compilemessages --ignore='.venv/*'

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var staticfiles
