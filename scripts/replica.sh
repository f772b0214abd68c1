#!/usr/bin/env bash
# A PostgreSQL primary and its streaming replica, both private to DIR (never the machine's own server),
# for trying DATABASE_REPLICA_URL on one machine and for the replica test.
#
#   scripts/replica.sh up DIR PRIMARY_PORT REPLICA_PORT   # initdb, start, pg_basebackup -R, start standby
#   scripts/replica.sh down DIR                           # stop both, remove DIR
#
# Prints the two URLs when up. In production the replica is a second machine set up the same way:
# `pg_basebackup -R` from the primary, `hot_standby = on` (see the README's production section).
set -euo pipefail

cmd=${1:?usage: replica.sh up DIR PRIMARY_PORT REPLICA_PORT | down DIR}
dir=${2:?DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg=()
if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi

stop() {
  for node in replica primary; do
    if [ -f "$dir/$node/postmaster.pid" ]; then
      "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/$node" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  done
}

case "$cmd" in
  up)
    primary_port=${3:?PRIMARY_PORT}
    replica_port=${4:?REPLICA_PORT}
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    "${as_pg[@]}" "$bin/initdb" -D "$dir/primary" -A trust -U postgres --no-sync >/dev/null
    cat >>"$dir/primary/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $primary_port
unix_socket_directories = '$dir'
wal_level = replica
max_wal_senders = 4
fsync = off
EOF
    echo "host replication postgres 127.0.0.1/32 trust" >>"$dir/primary/pg_hba.conf"
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w start >/dev/null
    "${as_pg[@]}" "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$dir/replica" -R -X stream
    cat >>"$dir/replica/postgresql.conf" <<EOF
port = $replica_port
hot_standby = on
EOF
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/replica" -l "$dir/replica.log" -w start >/dev/null
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:$primary_port/postgres"
    echo "DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:$replica_port/postgres"
    ;;
  down)
    stop
    rm -rf "$dir"
    ;;
  *)
    echo "usage: replica.sh up DIR PRIMARY_PORT REPLICA_PORT | down DIR" >&2
    exit 2
    ;;
esac
