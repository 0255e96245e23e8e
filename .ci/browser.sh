#!/usr/bin/env bash
# Browser test of the GraphiQL playground (called by .ci/run; runnable on its own):
# installs Debian's Chromium and the pinned npm package playwright-core, builds and starts the
# server (memory store, a free loopback port), and runs e2e/browser/playground.mjs, which
# drives the playground in headless Chromium: a mutation, a query, a subscription that sees
# another client's event, an EventSource that sees the events' positions as SSE ids, a
# screenshot; then again against a server that requires a bearer
# token, which the page carries in GraphiQL's Headers tab (for its subscriptions too). Fails if
# any step, asset or request fails.
# The screenshot and the server's log go to $ARTIFACT_DIR (default: a new temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

if ! command -v chromium >/dev/null; then
  echo "browser: installing chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

ci_name=browser
# shellcheck source=server.sh
source .ci/server.sh
(cd e2e/browser && npm ci --no-audit --no-fund --loglevel=error)

# run_page LOG [AUTH_TOKEN] drives the playground of the running server.
run_page() {
  local log=$1 token=${2:-} shot=playground.png status=0
  [ -n "$token" ] && shot=playground-auth.png
  echo "browser: server at http://$addr${token:+ (bearer tokens required)}"
  BASE_URL="http://$addr" AUTH_TOKEN="$token" SCREENSHOT="$artifacts/$shot" CHROMIUM="$(command -v chromium)" \
    node e2e/browser/playground.mjs || status=$?
  if [ "$status" -ne 0 ]; then
    echo "browser: server log:" >&2
    tail -50 "$log" >&2
    echo "browser: artifacts in $artifacts"
    exit "$status"
  fi
}

# Without authentication, then with a bearer token that the page carries in its Headers tab
# (for subscriptions too: GraphiQL sends the headers as the WebSocket's connection_init payload).
start_server "$artifacts/server.log"
run_page "$artifacts/server.log"
stop_server
token="browser-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
start_server "$artifacts/server-auth.log" --auth-tokens "$token"
run_page "$artifacts/server-auth.log" "$token"
echo "browser: artifacts in $artifacts"
