#!/usr/bin/env bash
# The whole suite against PostgreSQL (DATABASE_URL) and a real broker (CELERY_BROKER_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings.test
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/redress}"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}"
export CACHE_URL="${CACHE_URL:-redis://127.0.0.1:6379/1}"
scripts/ensure_services.sh
exec .venv/bin/pytest "$@"
