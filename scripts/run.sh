#!/usr/bin/env bash
# `make run`: the embedded demo on one machine. SQLite under var/, the filesystem Celery transport (a real,
# separate worker process, no broker server), an SMTP sink, and the Django server; Ctrl-C stops them all.
# DATABASE_URL / CELERY_BROKER_URL / CACHE_URL are left to the environment: unset, the embedded defaults apply.
set -euo pipefail
cd "$(dirname "$0")/.."

export DJANGO_SETTINGS_MODULE=config.settings.local
export PYTHONUNBUFFERED=1
PORT="${PORT:-8000}"
export EMAIL_PORT="${EMAIL_PORT:-1025}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:${PORT}}"
VAR_DIR="${REDRESS_VAR_DIR:-var}"
LOG_DIR="$VAR_DIR/log"
PY=.venv/bin/python
BASE="http://127.0.0.1:${PORT}"

mkdir -p "$LOG_DIR" "$VAR_DIR/celery/queue" "$VAR_DIR/celery/processed" "$VAR_DIR/celery/control"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if port_busy "$PORT"; then
  echo "Port $PORT is already in use (another 'make run'?). Stop it or choose another: PORT=8001 make run" >&2
  exit 1
fi

echo "== migrate"
$PY manage.py migrate --noinput -v 0
echo "== demo data"
SEED_OUT=$($PY manage.py seed_demo --claims "${DEMO_CLAIMS:-200}")
echo "$SEED_OUT"

PIDS=()
# Process groups of the children, for whoever must clean up if this script itself is killed (.ci/run does).
PIDS_FILE="$VAR_DIR/run.pids"
: >"$PIDS_FILE"
started() { PIDS+=("$1"); echo "$1" >>"$PIDS_FILE"; }
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "== stopping"
  # Each child leads its own process group (setsid), so its own children (worker pool, ...) go too.
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  rm -f "$PIDS_FILE"
}
trap cleanup EXIT
trap 'cleanup; exit 0' INT TERM

SMTP_NOTE=""
if $PY manage.py help run_smtp_sink >/dev/null 2>&1; then
  if port_busy "$EMAIL_PORT"; then
    SMTP_NOTE="port $EMAIL_PORT is busy: using the SMTP server already listening there"
  else
    setsid $PY manage.py run_smtp_sink --port "$EMAIL_PORT" >"$LOG_DIR/smtp.log" 2>&1 &
    started $!
    SMTP_NOTE="127.0.0.1:$EMAIL_PORT, messages logged to $LOG_DIR/smtp.log"
  fi
else
  SMTP_NOTE="not started (manage.py run_smtp_sink does not exist yet): mail to 127.0.0.1:$EMAIL_PORT will fail"
fi

# One worker consumes every queue (default, notifications, bulk, imports, settlement) and runs beat too.
setsid .venv/bin/celery -A config worker --beat --scheduler django_celery_beat.schedulers:DatabaseScheduler \
  --concurrency 2 --loglevel INFO --hostname "redress-demo-$$@%h" >"$LOG_DIR/worker.log" 2>&1 &
WORKER_PID=$!
started "$WORKER_PID"

setsid $PY manage.py runserver --noreload "127.0.0.1:$PORT" >"$LOG_DIR/server.log" 2>&1 &
SERVER_PID=$!
started "$SERVER_PID"

ready=0
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "$BASE/admin/login/" 2>/dev/null; then ready=1; break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.5
done
if [ "$ready" != 1 ]; then
  echo "The server did not come up; last lines of $LOG_DIR/server.log:" >&2
  tail -n 30 "$LOG_DIR/server.log" >&2
  exit 1
fi
for _ in $(seq 1 120); do
  grep -q "ready\." "$LOG_DIR/worker.log" 2>/dev/null && break
  if ! kill -0 "$WORKER_PID" 2>/dev/null; then
    echo "The Celery worker stopped; last lines of $LOG_DIR/worker.log:" >&2
    tail -n 30 "$LOG_DIR/worker.log" >&2
    exit 1
  fi
  sleep 0.5
done
# Server access log to the console from here on.
tail -n +1 -f "$LOG_DIR/server.log" --pid "$SERVER_PID" &

cat <<EOF

==============================================================================
 Redress is running at $BASE   (Ctrl-C stops everything)

   Claim form (public)   $BASE/claims/new/
   Claim status (public) $BASE/claims/status/
   Back office (admin)   $BASE/admin/
   API docs              $BASE/api/docs/
   Claims statistics     $BASE/api/v1/stats/claims/   (log in to the admin first)

 Celery worker + beat    log: $LOG_DIR/worker.log
 SMTP sink               $SMTP_NOTE
 Database                ${DATABASE_URL:-SQLite file $VAR_DIR/redress.sqlite3}
EOF
# From seed_demo's output above: nothing slow may run between the banner and `wait`, or Ctrl-C would wait for it.
sed -n '/^Demo logins/,$p' <<<"$SEED_OUT" | sed 's/^/ /'
echo "=============================================================================="

# Stop everything as soon as any one of them dies.
set +e
wait -n "${PIDS[@]}"
echo "A process stopped; see $LOG_DIR/ for its log." >&2
exit 1
