#!/usr/bin/env bash
# Browser test of the GraphiQL playground (called by .ci/run; runnable on its own):
# installs Debian's Chromium and the pinned npm package playwright-core, builds and starts the
# server (memory store, a free loopback port), and runs e2e/browser/playground.mjs, which
# drives the playground in headless Chromium: a mutation, a query, a subscription that sees
# another client's event, a screenshot. Fails if any step, asset or request fails.
# The screenshot and the server's log go to $ARTIFACT_DIR (default: a new temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

if ! command -v chromium >/dev/null; then
  echo "browser: installing chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "browser: installing node and npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
chromium --version 2>/dev/null | tail -1
echo "node $(node --version)"

(cd e2e/browser && npm ci --no-audit --no-fund --loglevel=error)

work=$(mktemp -d)
artifacts=${ARTIFACT_DIR:-$work}
mkdir -p "$artifacts"
go build -o "$work/eventgraph" ./cmd/api

server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
}
trap cleanup EXIT

"$work/eventgraph" --store memory --addr 127.0.0.1:0 --log-format json 2>"$artifacts/server.log" &
server=$!

# Wait (at most 30 s) for the server to log the address it listens on.
addr=""
for _ in $(seq 300); do
  addr=$(sed -n 's/.*"msg":"listening".*"addr":"\([^"]*\)".*/\1/p' "$artifacts/server.log" | head -1)
  [ -n "$addr" ] && break
  kill -0 "$server" 2>/dev/null || { echo "browser: the server exited:" >&2; cat "$artifacts/server.log" >&2; exit 1; }
  sleep 0.1
done
if [ -z "$addr" ]; then
  echo "browser: the server did not start listening in 30 s" >&2
  cat "$artifacts/server.log" >&2
  exit 1
fi
echo "browser: server at http://$addr"

status=0
BASE_URL="http://$addr" SCREENSHOT="$artifacts/playground.png" CHROMIUM="$(command -v chromium)" \
  node e2e/browser/playground.mjs || status=$?
if [ "$status" -ne 0 ]; then
  echo "browser: server log:" >&2
  tail -50 "$artifacts/server.log" >&2
fi
echo "browser: artifacts in $artifacts"
exit "$status"
