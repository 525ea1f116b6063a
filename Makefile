# Two commands set everything up on a fresh machine:
#   make run    virtualenv, dependencies, migrations, demo data; serves :8000
#   make test   the whole suite on SQLite with Celery in-process
# and, where PostgreSQL and Redis run on 127.0.0.1 (CI):
#   make test-services

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/jiedu
REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: setup run migrate demo test test-services test-postgres lint messages check-migrations browser clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

# Debian's chromium for the end-to-end tests; Playwright never downloads a browser.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "The browser tests need Debian's chromium: sudo apt-get install chromium fonts-noto-cjk"; exit 1; \
	  fi; }

test: setup browser
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL, plus the tests that need a real Redis broker.
test-services: setup browser
	DATABASE_URL=$(PG_URL) CELERY_TEST_BROKER_URL=$(REDIS_URL) TEST_SERVICES=1 \
	  $(VENV)/bin/pytest --services $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .

check-migrations: setup
	$(PY) manage.py makemigrations --check --dry-run

# One catalogue for the project (cms/locale); source strings are Chinese.
messages: setup
	$(PY) manage.py makemessages -l en --no-obsolete --no-location \
	  --ignore=.venv --ignore=tests --ignore=static --ignore=media
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 static artifacts
