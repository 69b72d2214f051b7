# Music Journal — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# make test also runs the suite on PostgreSQL when one answers here.
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/music_journal
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-sqlite test-postgres install install-dev browser lint bench worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: set up on first use, then serve http://$(HOST):$(PORT) with one background worker (Ctrl-C stops both)
run: install
	@echo "Preparing the database…"
	@$(BIN)/python manage.py migrate --noinput -v 0
	@$(BIN)/python manage.py bootstrap
	@echo "Music Journal on http://$(HOST):$(PORT)/ — Ctrl-C stops the web server and the worker."
	@# Both run in the background of one shell: Ctrl-C reaches the trap, which stops them both.
	@trap 'trap - INT TERM; kill 0' INT TERM; \
	  $(BIN)/python manage.py qcluster --skip-checks & \
	  $(BIN)/python manage.py runserver --noreload $(HOST):$(PORT) & \
	  wait

## worker: one more django-q2 worker process (run as many as you like)
worker: install
	$(BIN)/python manage.py qcluster --skip-checks

## browser: Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium)
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }

## test: the whole suite on SQLite, then again on PostgreSQL when one answers on localhost
test: install-dev browser lint test-sqlite test-postgres

test-sqlite:
	$(BIN)/pytest -q

test-postgres:
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_TEST_URL:music_journal=postgres)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "PostgreSQL answers: running the suite again on it"; \
	  DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q; \
	else echo "PostgreSQL not reachable at $(PG_TEST_URL): suite ran on SQLite only"; fi

lint: install-dev
	$(BIN)/ruff check .

## bench: the speed and memory figures (see bench/)
bench: install-dev
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) staticfiles test-artifacts
