#!/usr/bin/env bash
# `make backup`: a pg_dump (custom format) of the DATABASE_URL database into
# var/backups/peixun-YYYYmmdd-HHMMSS.dump (BACKUP_DIR overrides the folder). The dump is written
# under a temporary name and renamed when complete, so a dated file is never a partial one.
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/peixun}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "backup: DATABASE_URL is not PostgreSQL (backups are pg_dump files)" >&2; exit 2 ;;
esac
BACKUP_DIR="${BACKUP_DIR:-var/backups}"
mkdir -p "$BACKUP_DIR"
target="$BACKUP_DIR/peixun-$(date +%Y%m%d-%H%M%S).dump"
partial="$target.partial"
trap 'rm -f "$partial"' EXIT

pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$partial"
mv "$partial" "$target"
echo "backup written: $target ($(du -h "$target" | cut -f1))"
