#!/usr/bin/env bash
# A private PostGIS cluster for this checkout: no system service, its own port and socket.
# Usage: scripts/pg.sh start | stop | status
#   PGPORT      port to listen on (default: the one recorded in .data/pgport, else 54329;
#               if that port is taken by another server, the next free one, recorded there)
#   MAILLAGE_PGDATA  data folder (default <project>/.data/pg)
# With DATABASE_URL set, the project uses that database and this script does nothing.
set -euo pipefail

project=$(cd "$(dirname "$0")/.." && pwd)
portfile=$project/.data/pgport
if [ -n "${PGPORT:-}" ]; then
  port=$PGPORT
elif [ -s "$portfile" ]; then
  port=$(cat "$portfile")
else
  port=54329
fi
dbname=${MAILLAGE_DB_NAME:-maillage}

if [ -n "${DATABASE_URL:-}" ]; then
  echo "DATABASE_URL is set: using that database, not the private cluster."
  exit 0
fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
  echo "PostgreSQL is not installed (run: make system)." >&2
  exit 1
fi

# As root, PostgreSQL runs as the 'postgres' user, who must be able to reach the data folder.
as_pg=()
data=${MAILLAGE_PGDATA:-$project/.data/pg}
if [ "$(id -u)" = 0 ]; then
  as_pg=(runuser -u postgres --)
  mkdir -p "$project/.data"
  if ! runuser -u postgres -- test -x "$project/.data" 2>/dev/null && [ -z "${MAILLAGE_PGDATA:-}" ]; then
    # A parent folder is private to root (e.g. a mktemp clone): keep the cluster in /var/tmp.
    data=/var/tmp/maillage-pg-$(printf '%s' "$project" | md5sum | cut -c1-10)
  fi
fi
sock=$data/sock
pgctl() { "${as_pg[@]}" env -u PGPORT "$bindir/pg_ctl" -D "$data" "$@"; }
psql_su() { PGOPTIONS="-c client_min_messages=warning" "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }

init_cluster() {
  echo "==> Creating a private PostGIS cluster in $data (port $port)"
  if [ "$(id -u)" = 0 ]; then
    install -d -o postgres -g postgres -m 700 "$data"
  else
    install -d -m 700 "$data"
  fi
  "${as_pg[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${as_pg[@]}" install -d -m 700 "$sock"
  cat >>"$data/postgresql.conf" <<CONF

# Maillage private cluster
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sock'
jit = off
synchronous_commit = off
shared_buffers = 256MB
work_mem = 32MB
maintenance_work_mem = 256MB
max_connections = 100
CONF
}

# Streaming replicas (DATABASE_REPLICA_URLS, tests/scaling: pg_basebackup -R from this cluster):
# WAL for replicas, a few WAL senders, WAL kept for a replica stopped a moment, at most 2 GB held
# for a replication slot (an abandoned one cannot fill the disk), replication connections from
# 127.0.0.1. Idempotent, for new and existing clusters: each missing line is added and a reload
# applies it; only a cluster with wal_level = minimal needs one restart.
ensure_replication() {
  local conf=$data/postgresql.conf hba=$data/pg_hba.conf changed="" line
  for line in "wal_level = replica" "max_wal_senders = 10" "wal_keep_size = 128MB" \
    "max_slot_wal_keep_size = 2GB" "hot_standby = on"; do
    if ! "${as_pg[@]}" grep -q "^${line%% *} " "$conf"; then
      "${as_pg[@]}" grep -q "^# Maillage streaming replicas" "$conf" ||
        echo "# Maillage streaming replicas" | "${as_pg[@]}" tee -a "$conf" >/dev/null
      echo "$line" | "${as_pg[@]}" tee -a "$conf" >/dev/null
      changed=1
    fi
  done
  if ! "${as_pg[@]}" grep -Eq "^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32" "$hba"; then
    echo "host    replication     all             127.0.0.1/32            trust" | "${as_pg[@]}" tee -a "$hba" >/dev/null
    changed=1
  fi
  [ -n "$changed" ] || return 0
  if [ "$(psql_su -d postgres -tAc "SHOW wal_level")" = minimal ]; then
    echo "==> wal_level was minimal: restarting PostgreSQL once for streaming replicas"
    pgctl -m fast -w restart -o "-p $port" >/dev/null
  else
    pgctl reload >/dev/null
  fi
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Tries to start the cluster on $1; returns 2 when the port cannot be bound (taken, or held by a
# closing connection), 1 on any other failure.
start_on() {
  local before
  before=0
  [ -f "$data/server.log" ] && before=$(wc -l <"$data/server.log")
  if pgctl -l "$data/server.log" -w -t 30 -o "-p $1" start >/dev/null 2>&1; then
    return 0
  fi
  local log
  log=$(tail -n +"$((before + 1))" "$data/server.log" 2>/dev/null || true)
  if grep -q "could not create any TCP/IP sockets" <<<"$log"; then
    return 2
  fi
  return 1
}

start() {
  [ -f "$data/PG_VERSION" ] || init_cluster
  if ! pgctl status >/dev/null 2>&1; then
    # Ports below 32768 stay clear of the ephemeral ports that outgoing connections use.
    local candidates=("$port")
    [ -n "${PGPORT:-}" ] || candidates+=($(seq 25432 25499))
    local started=""
    for candidate in "${candidates[@]}"; do
      if port_taken "$candidate"; then
        continue
      fi
      [ "$candidate" = "$port" ] || echo "==> Port $port is not available: using $candidate"
      echo "==> Starting PostGIS on 127.0.0.1:$candidate"
      local status=0
      start_on "$candidate" || status=$?
      if [ "$status" = 0 ]; then
        port=$candidate
        started=1
        break
      elif [ "$status" = 1 ]; then
        echo "PostgreSQL did not start; its log says:" >&2
        tail -n 20 "$data/server.log" >&2
        exit 1
      fi
    done
    if [ -z "$started" ]; then
      echo "No free port for PostgreSQL (tried ${candidates[*]:0:3}...): set PGPORT to a free port." >&2
      exit 1
    fi
  fi
  echo "$port" >"$portfile"
  ensure_replication
  # PostGIS, unaccent and pg_trgm in template1 so that test databases get them; the app database itself.
  psql_su -d template1 -c "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS unaccent; CREATE EXTENSION IF NOT EXISTS pg_trgm;"
  if [ "$(psql_su -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$dbname'")" != 1 ]; then
    echo "==> Creating database $dbname"
    psql_su -d postgres -c "CREATE DATABASE $dbname"
  fi
}

stop() {
  if [ -f "$data/PG_VERSION" ] && pgctl status >/dev/null 2>&1; then
    pgctl -m fast stop >/dev/null
    echo "PostGIS stopped."
  else
    echo "PostGIS is not running."
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) pgctl status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
