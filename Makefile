# Redress: `make run` (embedded demo) and `make test` (PostgreSQL + Redis) are all a new machine needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed
PORT ?= 8000

export DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/redress
# `make e2e` keeps out of the unit tests' way: its own database (dropped and recreated each run; the name must
# end in "e2e") and its own Redis databases for the broker and the cache.
E2E_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/redress_e2e
E2E_BROKER_URL ?= redis://127.0.0.1:6379/14
E2E_CACHE_URL ?= redis://127.0.0.1:6379/15

.PHONY: install run test lint bench e2e clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(UV) pip install --quiet --python $(PY) -r requirements.txt -r requirements-dev.txt
	@# Council minutes PDFs embed a Korean font (Debian fonts-nanum); REDRESS_PDF_FONT_PATH names another.
	@test -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf || (apt-get update -qq && apt-get install -y -qq fonts-nanum) \
		|| echo "warning: install fonts-nanum for council minutes PDFs" >&2
	@touch $(STAMP)

run: install
	@scripts/run.sh

test: install
	@scripts/test.sh $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

# Each role's day in a real browser: Debian's Chromium (installed if missing) driven by Playwright against a
# real server, Celery worker, SMTP sink and sandbox gateway. Screenshots go to test-artifacts/e2e/.
e2e: install
	@scripts/ensure_browser.sh
	@DATABASE_URL="$(E2E_DATABASE_URL)" CELERY_BROKER_URL="$(E2E_BROKER_URL)" CACHE_URL="$(E2E_CACHE_URL)" \
		scripts/test.sh e2e -m e2e -p no:cacheprovider $(ARGS)

bench: install
	@scripts/bench.sh

clean:
	rm -rf var/ .pytest_cache .mypy_cache
