#!/usr/bin/env bash
# `make restore FILE=var/backups/peixun-....dump`: restore a pg_dump file into the DATABASE_URL
# database, replacing what is there. It asks to type the database's name first; non-interactive
# runs (scripts, tests) pass CONFIRM=<database name> instead. The restore is one transaction:
# if anything fails, the database is left as it was.
set -euo pipefail
cd "$(dirname "$0")/.."

FILE="${1:-${FILE:-}}"
if [ -z "$FILE" ] || [ ! -f "$FILE" ]; then
  echo "usage: make restore FILE=var/backups/peixun-YYYYmmdd-HHMMSS.dump (file not found: '${FILE}')" >&2
  exit 2
fi
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/peixun}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "restore: DATABASE_URL is not PostgreSQL" >&2; exit 2 ;;
esac
db_name="${DATABASE_URL##*/}"; db_name="${db_name%%\?*}"
server="${DATABASE_URL%/*}"

pg_restore --list "$FILE" >/dev/null  # refuse anything that is not a readable dump before touching the database

if [ "${CONFIRM:-}" != "$db_name" ]; then
  if [ ! -t 0 ]; then
    echo "restore: this replaces every table of '${db_name}'. Run with CONFIRM=${db_name} to proceed." >&2
    exit 3
  fi
  echo "This replaces every table of database '${db_name}' (${server%%@*}@...) with the contents of ${FILE}."
  read -r -p "Type the database name to continue: " answer
  if [ "$answer" != "$db_name" ]; then
    echo "restore: not confirmed, nothing changed" >&2
    exit 3
  fi
fi

psql "$server/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='${db_name}'" | grep -q 1 \
  || psql "$server/postgres" -qc "CREATE DATABASE \"${db_name}\""
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
  --dbname="$DATABASE_URL" "$FILE"
echo "restored ${FILE} into ${db_name}"
