#!/usr/bin/env bash
# `make load`: start `make serve` (scripts/serve.sh: gunicorn + Celery worker + beat, DEBUG=0) on
# loopback against a scratch database with the demo county, run locust headless for a bounded time
# (LOAD_SECONDS, default 60) with LOAD_USERS (default 20) users, print the figures, stop everything.
# Traffic goes to 127.0.0.1 only. Once the server is healthy, scripts/load_seed.py adds (through the
# apps' services) a session today with LOAD_TRAINEES (default 300) confirmed trainees, every teacher of
# the coordinators' schools among them, for the attendance grid and its save.
# LOAD_DB, LOAD_BROKER_DB / LOAD_CACHE_DB and LOAD_PORT keep parallel runs apart.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

SERVER="${LOAD_DB_SERVER:-postgres://postgres@127.0.0.1:5432}"
DB="${LOAD_DB:-peixun_load}"
PORT="${LOAD_PORT:-8799}"
RUN_SECONDS="${LOAD_SECONDS:-60}"
USERS="${LOAD_USERS:-20}"
TRAINEES="${LOAD_TRAINEES:-300}"
OUT=var/load
mkdir -p "$OUT"

scripts/services-up.sh
psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS ${DB}"

export DATABASE_URL="$SERVER/$DB"
export CELERY_BROKER_URL="redis://127.0.0.1:6379/${LOAD_BROKER_DB:-11}"
export REDIS_URL="redis://127.0.0.1:6379/${LOAD_CACHE_DB:-12}"
export PORT

serve_pid=""
cleanup() {
  if [ -n "$serve_pid" ]; then
    kill -TERM -- "-$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)" || true
}
trap cleanup EXIT

echo "starting make serve (scripts/serve.sh) on 127.0.0.1:${PORT}; its log: ${OUT}/serve.log"
setsid scripts/serve.sh >"$OUT/serve.log" 2>&1 &
serve_pid=$!

# Healthy twice in a row: just after start the worker check can answer once and miss the next ping.
healthy=0 health=""
for _ in $(seq 1 90); do
  if health=$(curl -fsS "http://127.0.0.1:${PORT}/healthz" 2>/dev/null); then
    healthy=$((healthy + 1))
    if [ "$healthy" -ge 2 ]; then break; fi
  else
    healthy=0
  fi
  if ! kill -0 "$serve_pid" 2>/dev/null; then echo "serve.sh exited; see ${OUT}/serve.log" >&2; exit 1; fi
  sleep 1
done
[ "$healthy" -ge 2 ] || { echo "the server never became healthy; see ${OUT}/serve.log" >&2; exit 1; }
echo "$health"

echo "seeding the load data (scripts/load_seed.py, ${TRAINEES} trainees)"
DEBUG=0 SECRET_KEY="$(cat var/secret_key)" $BIN/python scripts/load_seed.py "$TRAINEES" "$OUT/session_id"
export LOAD_SESSION_ID="$(cat "$OUT/session_id")"

echo "locust: ${USERS} users for ${RUN_SECONDS} s against http://127.0.0.1:${PORT}"
status=0
$BIN/locust -f bench/load/locustfile.py --headless --users "$USERS" --spawn-rate 10 --run-time "${RUN_SECONDS}s" \
  --host "http://127.0.0.1:${PORT}" --only-summary --loglevel WARNING --csv "$OUT/locust" 2>"$OUT/locust.log" || status=$?
exit $status
