#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the outbox tests and benchmarks, on a loopback port with a
# fresh data directory, and prints the lines to export (so: eval "$(bash scripts/start-postgres.sh)").
# Installs Debian's postgresql package when it is missing (needs root). Stop the server with the
# printed command, or: bash scripts/start-postgres.sh --stop
#
#   PGPORT_TEST   port (default 54329)     PGDATA_TEST   data directory (default /tmp/digilocker-pg-$PGPORT_TEST)
set -euo pipefail

port="${PGPORT_TEST:-54329}"
data="${PGDATA_TEST:-/tmp/digilocker-pg-$port}"

log() { printf '%s\n' "$*" >&2; }

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if ! bin="$(find_bin)"; then
  log "PostgreSQL is not installed: installing Debian's postgresql package"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bin="$(find_bin)"
fi

if [ "${1:-}" = "--stop" ]; then
  as_postgres "$bin/pg_ctl" -D "$data" stop -m fast >&2 || true
  rm -rf "$data"
  exit 0
fi

# A server already answering on this data directory is reused; anything else starts from scratch.
if [ -f "$data/postmaster.pid" ] && as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  log "PostgreSQL already running on 127.0.0.1:$port ($data)"
else
  rm -rf "$data"
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
  chmod 700 "$data"
  as_postgres "$bin/initdb" -D "$data" -A trust -U postgres >/dev/null
  as_postgres "$bin/pg_ctl" -D "$data" -w -t 60 -l "$data/log" \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" start >&2
fi

for _ in $(seq 1 60); do
  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then break; fi
  sleep 0.5
done
"$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || { log "PostgreSQL did not answer on port $port"; exit 1; }

echo "export DIGILOCKER_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
echo "# stop with: bash scripts/start-postgres.sh --stop   (PGPORT_TEST=$port)"
