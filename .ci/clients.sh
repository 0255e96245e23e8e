#!/usr/bin/env bash
# Interoperability test with the reference JavaScript GraphQL clients (runnable on its own):
# installs node and npm if missing and the pinned npm packages of e2e/clients (graphql-ws,
# subscriptions-transport-ws, graphql-sse, ws, @apollo/client), builds and starts the server
# (memory store, a free loopback port), and runs e2e/clients/clients.mjs, which follows
# events(afterPosition: 0), restaurantChanged and orderChanged with each subscription client while
# mutations run over HTTP, and checks the error paths and a clean end, and runs Apollo Client's
# HttpLink, persisted-query link and relayStylePagination (e2e/clients/apollo.mjs) and graphql-http's GraphQL over HTTP
# audit, every audit of which must pass (e2e/clients/audit.mjs); then again against a server that
# requires a bearer token, which every client carries (graphql-ws and the legacy client in the
# connection_init payload, graphql-sse and Apollo in the Authorization header), checking that a
# wrong or missing token is refused in a way each client surfaces; then against a server with
# --persisted-queries 0, where Apollo's persisted-query link must fall back to full queries. Each
# of these runs ends by stopping the server with SIGTERM while every client holds a live
# subscription. Last, against a server with --max-operations-per-connection 2,
# e2e/clients/oplimit.mjs checks how graphql-ws and subscriptions-transport-ws surface an operation
# refused over the limit (OPERATION_LIMIT_EXCEEDED), that the connection and its live subscriptions
# go on, and that an operation the client completes frees its place. Then, against a server with
# --keep-alive 100ms, e2e/clients/keepalive.mjs checks that graphql-ws and
# subscriptions-transport-ws answer the server's pings, so that an idle subscription keeps its
# connection (the server cuts a peer that answers none within two intervals). Fails if any check fails or
# the server does not exit 0 after SIGTERM (every run goes; the script fails at the end).
# The server's logs go to $ARTIFACT_DIR (default: a new temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

ci_name=clients
# shellcheck source=server.sh
source .ci/server.sh
(cd e2e/clients && npm ci --no-audit --no-fund --loglevel=error)

# run_clients LOG [AUTH_TOKEN] runs the client tests ($CLIENT_TESTS, default e2e/clients/clients.mjs)
# against the running server. The last test of clients.mjs stops the server with SIGTERM
# (EVENTGRAPH_SERVER_PID), which must then exit with status 0 within 30 s; after tests that do
# not, the server is stopped here. $SERVER_FLAGS describes the server's flags in the messages. A
# failure is reported and remembered in failed; the next run still goes.
failed=0
run_clients() {
  local log=$1 token=${2:-} tests=${CLIENT_TESTS:-e2e/clients/clients.mjs} status=0 exit_status=0
  local what="${token:+ (bearer tokens required)}${EVENTGRAPH_PERSISTED_QUERIES:+ (--persisted-queries $EVENTGRAPH_PERSISTED_QUERIES)}${SERVER_FLAGS:+ ($SERVER_FLAGS)}"
  echo "clients: $tests, server at http://$addr$what"
  EVENTGRAPH_URL="http://$addr/graphql" EVENTGRAPH_AUTH_TOKEN="$token" EVENTGRAPH_SERVER_PID="$server" \
    node "$tests" || status=$?
  if grep -q '"msg":"shutting down"' "$log"; then
    for _ in $(seq 300); do
      kill -0 "$server" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$server" 2>/dev/null; then
      echo "clients: the server did not exit within 30 s of SIGTERM" >&2
      kill -KILL "$server" 2>/dev/null || true
    fi
    wait "$server" || exit_status=$?
    server=""
    if [ "$exit_status" -ne 0 ]; then
      echo "clients: the server exited with status $exit_status after SIGTERM" >&2
      [ "$status" -ne 0 ] || status=1
    fi
  else
    stop_server
  fi
  if [ "$status" -ne 0 ]; then
    echo "clients: $tests FAILED$what; the server's log:" >&2
    tail -50 "$log" >&2
    failed=$status
  fi
}

# Without authentication, then with a bearer token, then without persisted queries, then with
# at most 2 operations at once per WebSocket connection (the limit oplimit.mjs is written for),
# then with a keep-alive interval of 100 ms (the one keepalive.mjs is written for).
start_server "$artifacts/server.log"
run_clients "$artifacts/server.log"
token="clients-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
start_server "$artifacts/server-auth.log" --auth-tokens "$token"
run_clients "$artifacts/server-auth.log" "$token"
start_server "$artifacts/server-no-apq.log" --persisted-queries 0
EVENTGRAPH_PERSISTED_QUERIES=0 run_clients "$artifacts/server-no-apq.log"
oplimit=(--max-operations-per-connection 2)
start_server "$artifacts/server-oplimit.log" "${oplimit[@]}"
SERVER_FLAGS="${oplimit[*]}" CLIENT_TESTS=e2e/clients/oplimit.mjs run_clients "$artifacts/server-oplimit.log"
keepalive=(--keep-alive 100ms)
start_server "$artifacts/server-keepalive.log" "${keepalive[@]}"
SERVER_FLAGS="${keepalive[*]}" CLIENT_TESTS=e2e/clients/keepalive.mjs run_clients "$artifacts/server-keepalive.log"
echo "clients: artifacts in $artifacts"
exit "$failed"
