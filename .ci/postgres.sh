# shellcheck shell=bash
# Starts a PostgreSQL server owned by this CI run, for the store/postgres tests.
#
# Sourced by .ci/run before `go test`. It installs Debian's postgresql when it is missing,
# creates a cluster in a fresh temporary directory (as the postgres user: initdb refuses to
# run as root), starts it on a free loopback port with its unix socket in that directory,
# creates a database and exports EVENTGRAPH_TEST_POSTGRES_URL. It defines postgres_stop,
# which stops the server and removes the directory; it is also chained onto the EXIT trap
# (keeping any trap already set), so the server never outlives the run.
#
# It can also be run on its own to get a throwaway server for local testing:
#   source .ci/postgres.sh && go test ./store/postgres/ && postgres_stop

postgres_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

if ! postgres_bin >/dev/null; then
  echo "postgres.sh: installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
EVENTGRAPH_PG_BIN=$(postgres_bin)
id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres

# run_as_postgres runs a command as the postgres user (or as ourselves when we are not root).
run_as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")   # from /: the postgres user may not enter our work tree
  else
    "$@"
  fi
}

EVENTGRAPH_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/eventgraph-pg.XXXXXX")
chmod 755 "$EVENTGRAPH_PG_DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$EVENTGRAPH_PG_DIR"

# A free loopback port: ask the kernel for one.
EVENTGRAPH_PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
  echo $((20000 + RANDOM % 20000)))

run_as_postgres "$EVENTGRAPH_PG_BIN/initdb" -D "$EVENTGRAPH_PG_DIR/data" -U postgres \
  --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$EVENTGRAPH_PG_DIR/initdb.log" 2>&1 ||
  { cat "$EVENTGRAPH_PG_DIR/initdb.log" >&2; return 1 2>/dev/null || exit 1; }

# fsync stays on: the tests check durability on acknowledgement.
run_as_postgres "$EVENTGRAPH_PG_BIN/pg_ctl" -D "$EVENTGRAPH_PG_DIR/data" -l "$EVENTGRAPH_PG_DIR/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $EVENTGRAPH_PG_PORT -k $EVENTGRAPH_PG_DIR -c max_connections=300" start >/dev/null ||
  { cat "$EVENTGRAPH_PG_DIR/server.log" >&2; return 1 2>/dev/null || exit 1; }

postgres_stop() {
  if [ -n "${EVENTGRAPH_PG_DIR:-}" ] && [ -d "$EVENTGRAPH_PG_DIR" ]; then
    run_as_postgres "$EVENTGRAPH_PG_BIN/pg_ctl" -D "$EVENTGRAPH_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$EVENTGRAPH_PG_DIR"
  fi
}

# Chain onto whatever EXIT trap is already set instead of replacing it.
EVENTGRAPH_PG_PREV_TRAP=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
# shellcheck disable=SC2064
trap "postgres_stop; ${EVENTGRAPH_PG_PREV_TRAP:-:}" EXIT

"$EVENTGRAPH_PG_BIN/psql" -h 127.0.0.1 -p "$EVENTGRAPH_PG_PORT" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
  -c 'CREATE DATABASE eventgraph_test' >/dev/null
export EVENTGRAPH_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$EVENTGRAPH_PG_PORT/eventgraph_test?sslmode=disable"
echo "postgres.sh: PostgreSQL $("$EVENTGRAPH_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$EVENTGRAPH_PG_PORT (EVENTGRAPH_TEST_POSTGRES_URL set)"
