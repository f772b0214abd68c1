#!/usr/bin/env bash
# The production shape on one machine: gunicorn + Celery workers + Celery beat against PostgreSQL and
# Redis, static files through whitenoise. Stops them all on Ctrl+C.
# One worker per queue group (SERVE_WORKER_GROUPS, default in config/queues.py: "notices,default
# imports,tallies exports"), so a long export or tally never delays a notice.
# SERVE_WORKER=0 leaves the workers out; `scripts/serve.sh worker [QUEUES]` then runs one alone with the
# same environment, consuming QUEUES (default: every queue; what `make faults` kills and starts again).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

export DEBUG=0
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/peixun}"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/1}"
export SECRET_KEY="${SECRET_KEY:-$(cat var/secret_key 2>/dev/null || (mkdir -p var && $BIN/python -c 'import secrets;print(secrets.token_urlsafe(50))' | tee var/secret_key))}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export HTTPS="${HTTPS:-0}"  # plain HTTP on loopback; put a TLS proxy in front and set HTTPS=1 for real use
PORT="${PORT:-8000}"
WORKER=($BIN/celery -A config worker --loglevel=INFO --concurrency="${WORKER_CONCURRENCY:-2}")
ALL_QUEUES=$($BIN/python -c 'from config.queues import QUEUES; print(",".join(QUEUES))')
if [ "${1:-}" = worker ]; then exec "${WORKER[@]}" -Q "${2:-$ALL_QUEUES}" -n "worker-$$@%h"; fi
GROUPS_DEFAULT=$($BIN/python -c 'from config.queues import DEFAULT_WORKER_GROUPS; print(DEFAULT_WORKER_GROUPS)')

db_name="${DATABASE_URL##*/}"; db_name="${db_name%%\?*}"
psql "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='${db_name}'" | grep -q 1 \
  || psql "${DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE ${db_name}"

$BIN/python manage.py migrate --noinput
$BIN/python manage.py collectstatic --noinput -v0
$BIN/python manage.py load_demo

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
if [ "${SERVE_WORKER:-1}" != 0 ]; then
  for group in ${SERVE_WORKER_GROUPS:-$GROUPS_DEFAULT}; do
    "${WORKER[@]}" -Q "$group" -n "${group//,/-}@%h" & pids+=($!)
  done
fi
$BIN/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule & pids+=($!)
$BIN/gunicorn config.wsgi:application --bind "127.0.0.1:${PORT}" --workers "${WEB_WORKERS:-3}" --access-logfile - & pids+=($!)
echo "Peixun 生产模式已启动：http://127.0.0.1:${PORT}"
wait -n
