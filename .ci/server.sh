# Shared by the end-to-end scripts (.ci/browser.sh, .ci/clients.sh); source it after setting
# ci_name (the prefix of this script's messages). It installs node and npm if missing, builds
# the server into a temporary directory ($work), chooses $artifacts ($ARTIFACT_DIR, default
# $work), and defines start_server and stop_server; stop_server runs on exit.

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "$ci_name: installing node and npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
echo "node $(node --version)"

work=$(mktemp -d)
artifacts=${ARTIFACT_DIR:-$work}
mkdir -p "$artifacts"
go build -o "$work/eventgraph" ./cmd/api

server=""
# stop_server stops the running server with SIGTERM and waits for it.
stop_server() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  server=""
}
trap stop_server EXIT

# start_server LOG ARGS... starts the server (memory store, a free loopback port) and sets
# addr to where it listens (waiting at most 30 s for its "listening" log line).
start_server() {
  local log=$1
  shift
  "$work/eventgraph" --store memory --addr 127.0.0.1:0 --log-format json "$@" 2>"$log" &
  server=$!
  addr=""
  for _ in $(seq 300); do
    addr=$(sed -n 's/.*"msg":"listening".*"addr":"\([^"]*\)".*/\1/p' "$log" | head -1)
    [ -n "$addr" ] && return 0
    kill -0 "$server" 2>/dev/null || { echo "$ci_name: the server exited:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$ci_name: the server did not start listening in 30 s" >&2
  cat "$log" >&2
  exit 1
}
