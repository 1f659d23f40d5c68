# Redress: `make run` (embedded demo) and `make test` (PostgreSQL + Redis) are all a new machine needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed
PORT ?= 8000

export DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/redress

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

bench: install
	@scripts/bench.sh

clean:
	rm -rf var/ .pytest_cache .mypy_cache
