# The portal's dev loop. `make run` and `make test` work from a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# Python 3.12+ is required; 3.13 is what .python-version (pyenv) selects.
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
	done)
# `PORT=8701 make run` serves on another port; SITE_URL (links in emails) and the Wagtail Site
# (canonical links, feeds, sitemap) follow it unless SITE_URL is set. Exported to manage.py.
PORT ?= 8000
export PORT
TEST_SQLITE_URL ?= sqlite:///$(CURDIR)/var/test.sqlite3
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/portal_ci

TEMPLATE_DIRS := $(wildcard */templates)

.PHONY: help run test test-sqlite test-postgres pytest-sqlite pytest-postgres lint format worker beat messages setup setup-dev demo clean bench bench-pages bench-storm bench-fanout tools

help:
	@echo "make run      set up (venv, requirements, migrations, translations, demo content) and serve on http://127.0.0.1:$(PORT) (PORT=8701 make run: another port)"
	@echo "make test     set up and run the whole suite, on SQLite and on PostgreSQL at once (make test-sqlite, make test-postgres: one)"
	@echo "make lint     ruff (lint and format), the layers (import-linter, scripts/check_template_layers.py), djlint"
	@echo "make worker   a Celery worker (needs REDIS_URL)"
	@echo "make beat     the Celery beat scheduler (needs REDIS_URL)"
	@echo "make messages refresh the translation catalogues in site/locale"
	@echo "make tools    the HTML validator that tests/test_html_validity.py runs (vnu-jar, into var/tools; needs npm and java)"
	@echo "make bench        all three benchmarks below, one after the other, then a summary of ratios against issue 16's"
	@echo "                  targets (needs PostgreSQL and Redis on 127.0.0.1, and wrk; about 15 minutes on 2 cores;"
	@echo "                  figures in bench/RESULTS.md)"
	@echo "make bench-pages  req/s of each page, anonymous and as a logged-in member, against a static file (wrk, gunicorn,"
	@echo "                  production settings); then every cache off on SQLite, this tree against BENCH_BASELINE_REF"
	@echo "make bench-storm  1,000 members (logged in over HTTP) enrolling at once for 30 seats, exactness checked,"
	@echo "                  against the ceiling of a no-op member POST on the same server"
	@echo "make bench-fanout time the announcement fan-out of 10,000 emails"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "Python 3.12 or newer is needed and none was found."; \
		echo "Install one (e.g. 'pyenv install 3.13' or your system's python3.13 package), or run: make PYTHON=/path/to/python3.13 ..."; \
		exit 1; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.requirements: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.requirements-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.requirements

setup: $(VENV)/.requirements
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0
	$(BIN)/python manage.py migrate --no-input -v0

setup-dev: $(VENV)/.requirements-dev
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0

demo: setup
	$(BIN)/python manage.py seed_demo --accounts

run: demo
	@echo
	@echo "  Site:   http://127.0.0.1:$(PORT)/"
	@echo "  Admin:  http://127.0.0.1:$(PORT)/admin/"
	@echo "  Log in as admin@ansor-batubara.test with the password demo-admin-batubara"
	@echo "  Emails: written as readable files under var/mail/; the console prints which file"
	@echo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The two passes run at once (about 1.5 times quicker on 2 cores than one after the other: much of
# the suite waits on servers, workers and browsers), each with its own Redis database and media
# folders; each pass's output is printed when both are done, and kept in var/test-<pass>.log.
test: setup-dev
	@mkdir -p var
	@echo "Running the SQLite and the PostgreSQL passes at once (output in var/test-sqlite.log and var/test-postgres.log)..."
	@( TEST_REDIS_URL=redis://127.0.0.1:6379/15 $(MAKE) --no-print-directory pytest-sqlite >var/test-sqlite.log 2>&1; echo $$? >var/test-sqlite.status ) & \
	( TEST_REDIS_URL=redis://127.0.0.1:6379/12 $(MAKE) --no-print-directory pytest-postgres >var/test-postgres.log 2>&1; echo $$? >var/test-postgres.status ) & \
	wait; status=0; \
	for pass in sqlite postgres; do echo; echo "== the $$pass pass"; cat var/test-$$pass.log; [ "$$(cat var/test-$$pass.status)" = 0 ] || status=1; done; \
	exit $$status

test-sqlite: setup-dev pytest-sqlite
test-postgres: setup-dev pytest-postgres

# The Nu HTML Checker (vnu-jar, MIT licence, https://github.com/validator/validator), pinned, from
# the npm registry into var/tools (gitignored). It runs on the machine's Java (11+; Debian's
# default-jre-headless): --ignore-scripts skips the package's own download of a Java runtime.
VNU_VERSION := 26.9.27
VNU_JAR := var/tools/node_modules/vnu-jar/build/dist/vnu.jar

tools: $(VNU_JAR)

$(VNU_JAR):
	@mkdir -p var/tools
	npm install --prefix var/tools --no-save --no-audit --no-fund --ignore-scripts vnu-jar@$(VNU_VERSION)
	@test -f $@

# The browser tests (tests/e2e, about a minute) run in the PostgreSQL pass only: they check
# pages, scripts and emails, which do not depend on the database, and PostgreSQL is what
# production runs (its search backend too). On SQLite: make test-sqlite PYTEST_ARGS="-m e2e".
pytest-sqlite:
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=$(TEST_SQLITE_URL) $(BIN)/pytest -m "not e2e" $(PYTEST_ARGS)

# Skipped when PostgreSQL is not reachable, unless REQUIRE_SERVICES=1 (CI), where that fails.
pytest-postgres:
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(TEST_POSTGRES_URL)'.rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest --create-db $(PYTEST_ARGS); \
	elif [ "$$REQUIRE_SERVICES" = "1" ]; then \
		echo "PostgreSQL is not reachable at $(TEST_POSTGRES_URL) and REQUIRE_SERVICES=1"; exit 1; \
	else \
		echo "PostgreSQL is not reachable: the PostgreSQL run of the suite is skipped."; \
	fi

# Python style, the layers of docs/architecture.md (imports, then templates), and template mistakes.
lint: $(VENV)/.requirements-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/check_template_layers.py
	$(BIN)/djlint --lint $(TEMPLATE_DIRS)

format: $(VENV)/.requirements-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: setup
	$(BIN)/celery -A tasks worker --loglevel=INFO

beat: setup
	@mkdir -p var
	$(BIN)/celery -A tasks beat --loglevel=INFO --schedule var/celerybeat-schedule

messages: $(VENV)/.requirements-dev
	$(BIN)/python manage.py makemessages --locale=id --locale=en --ignore=.venv --ignore=tests --ignore=bench --no-location
	$(BIN)/python manage.py compilemessages --ignore=.venv

# The benchmarks need PostgreSQL and Redis on 127.0.0.1 (their own databases portal_bench_*
# and Redis db 9, recreated each run) and wrk (Debian's package); see bench/README.md.
# `make bench` runs all three even when one fails, and fails at the end if any did.
# One run's figures go to var/bench/run-<time>/ (BENCH_RUN_DIR), which bench/summary.py reads last.
bench: setup-dev
	@run=$(CURDIR)/var/bench/run-$$(date -u +%Y%m%dT%H%M%SZ); mkdir -p $$run; status=0; \
	BENCH_RUN_DIR=$$run $(BIN)/python bench/pages.py || status=1; \
	BENCH_RUN_DIR=$$run $(BIN)/python bench/storm.py || status=1; \
	set -o pipefail; BENCH_RUN_DIR=$$run $(BIN)/python bench/fanout.py 2>&1 | tee $$run/fanout.txt || status=1; \
	BENCH_RUN_DIR=$$run $(BIN)/python bench/summary.py || status=1; \
	exit $$status

bench-pages: setup-dev
	$(BIN)/python bench/pages.py

bench-storm: setup-dev
	$(BIN)/python bench/storm.py

bench-fanout: setup-dev
	$(BIN)/python bench/fanout.py

clean:
	rm -rf $(VENV) var static .pytest_cache .ruff_cache
