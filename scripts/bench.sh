#!/usr/bin/env bash
# `make bench`: every benchmark prints its figures and ratios against a named baseline. Nothing here fails a build.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings.test
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/redress_bench}"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/10}"
export CACHE_URL="${CACHE_URL:-redis://127.0.0.1:6379/11}"
scripts/ensure_services.sh
mkdir -p var/bench
# Each benchmark: one line below.
.venv/bin/python -m bench.bench_settlement "${BENCH_SETTLEMENT_N:-100000}"
.venv/bin/python -m bench.bench_import --rows "${BENCH_IMPORT_N:-105116}"
.venv/bin/python -m bench.bench_simulator --size "${BENCH_SIMULATOR_N:-1000000}"
.venv/bin/python -m bench.bench_queries --size "${BENCH_QUERIES_N:-1000000}" --runs "${BENCH_QUERIES_RUNS:-15}"
.venv/bin/python -m bench.bench_notifications "${BENCH_NOTIFICATIONS_N:-100000}"
.venv/bin/python -m bench.bench_casework --size "${BENCH_CASEWORK_N:-2000}"
