#!/bin/sh
# A throwaway PostgreSQL for `make test`, from Debian's packages:
#   tests/support/postgres.sh start   installs postgresql if missing, starts a
#                                     cluster on 127.0.0.1:$CRENEAU_PG_PORT
#                                     (default 55432), prints its URL
#   tests/support/postgres.sh stop    stops it and deletes its files
#   tests/support/postgres.sh kill    SIGKILL to the server (a crash; the
#                                     files stay)
#   tests/support/postgres.sh restart starts it again on the same files
#                                     (crash recovery)
# The cluster runs as the `postgres` user when started by root (PostgreSQL
# refuses to run as root), trusts local connections and skips fsync: it only
# ever holds test data.
set -eu
PORT=${CRENEAU_PG_PORT:-55432}
DIR=${TMPDIR:-/tmp}/creneau-pg-test
SUDO=$(if [ "$(id -u)" = 0 ]; then echo; else echo sudo; fi)
bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
start)
  if [ -z "$(bin)" ]; then
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
  fi
  BIN=$(bin)
  [ -d "$DIR" ] && "$0" stop
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$DIR"
  as_owner "$BIN/initdb" -D "$DIR/data" -A trust -U postgres >/dev/null
  "$0" restart
  echo "postgres://postgres@127.0.0.1:$PORT/postgres"
  ;;
restart)
  as_owner "$(bin)/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w start \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" >/dev/null
  ;;
kill)
  # The server and every process it started, all at once: a crash.
  PID=$(head -1 "$DIR/data/postmaster.pid")
  pkill -9 -P "$PID" || true
  kill -9 "$PID"
  for _ in $(seq 50); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  ;;
stop)
  BIN=$(bin)
  if [ -n "$BIN" ] && [ -d "$DIR/data" ]; then
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
  ;;
*)
  echo "usage: $0 start|stop|kill|restart" >&2
  exit 2
  ;;
esac
