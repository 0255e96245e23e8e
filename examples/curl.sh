#!/usr/bin/env bash
# Every eventgraph mutation and query with curl, against a running server:
#
#   go run ./cmd/api --store memory &      # or with the default JSONL store
#   examples/curl.sh                       # URL=http://host:port/graphql examples/curl.sh
#
# Against a server started with --auth-tokens, set EVENTGRAPH_TOKEN to one of its
# tokens: every request then carries "Authorization: Bearer $EVENTGRAPH_TOKEN".
#
# Each step prints the GraphQL response (pretty-printed when jq is installed).
# Ids are suffixed with the process id, so the script can run again on the same
# server. Mutations return `position`; queries pass it as minPosition to read
# their own writes.
set -euo pipefail

URL=${URL:-http://127.0.0.1:8080/graphql}
R="napoli-$$"   # restaurant id
O="order-$$"    # order id

# api ARGS...: curl, with the bearer token of EVENTGRAPH_TOKEN when it is set (read
# from a file descriptor, so that the token does not show in the process list).
api() {
  if [[ -n "${EVENTGRAPH_TOKEN:-}" ]]; then
    curl -H @<(printf 'Authorization: Bearer %s\n' "$EVENTGRAPH_TOKEN") "$@"
  else
    curl "$@"
  fi
}

# gql_raw QUERY [VARIABLES_JSON]: POST a GraphQL request, print the response as it came.
gql_raw() {
  local body
  body=$(printf '{"query":%s,"variables":%s}' "$(printf '%s' "$1" | json_string)" "${2:-{\}}")
  api -sS --fail-with-body -H 'Content-Type: application/json' --data "$body" "$URL"
}

# gql QUERY [VARIABLES_JSON]: POST a GraphQL request, print the response.
gql() {
  gql_raw "$@" | pretty
  echo
}

# json_string: stdin as a JSON string literal.
json_string() {
  if command -v jq >/dev/null; then jq -Rs .; else python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))'; fi
}

pretty() {
  if command -v jq >/dev/null; then jq .; else cat; fi
}

step() { printf '\n== %s\n' "$*"; }

step "createRestaurant $R"
gql 'mutation($in: CreateRestaurantInput!) {
  createRestaurant(input: $in) { id streamId version position duplicate events { type data } }
}' '{"in": {"id": "'"$R"'", "name": "Pizzeria Napoli", "commandId": "create-'"$R"'",
  "menu": {"cuisine": "ITALIAN", "menuItems": [
    {"menuItemId": "margherita", "name": "Pizza Margherita", "price": "8.99"},
    {"menuItemId": "tiramisu", "name": "Tiramisu", "price": "4.50"}]}}}'

step "the same createRestaurant again: same commandId, so duplicate: true and nothing written"
gql 'mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id version position duplicate } }' \
  '{"in": {"id": "'"$R"'", "name": "Pizzeria Napoli", "commandId": "create-'"$R"'",
  "menu": {"cuisine": "ITALIAN", "menuItems": [
    {"menuItemId": "margherita", "name": "Pizza Margherita", "price": "8.99"},
    {"menuItemId": "tiramisu", "name": "Tiramisu", "price": "4.50"}]}}}'

step "changeRestaurantMenu $R (expectedVersion 1)"
gql 'mutation($in: ChangeRestaurantMenuInput!) { changeRestaurantMenu(input: $in) { id version position } }' \
  '{"in": {"id": "'"$R"'", "expectedVersion": 1, "menu": {"cuisine": "ITALIAN", "menuItems": [
    {"menuItemId": "margherita", "name": "Pizza Margherita", "price": "9.50"},
    {"menuItemId": "diavola", "name": "Pizza Diavola", "price": "10.50"},
    {"menuItemId": "tiramisu", "name": "Tiramisu", "price": "4.50"}]}}}'

step "placeOrder $O at $R"
PLACED=$(gql_raw 'mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id streamId version position } }' \
  '{"in": {"restaurantId": "'"$R"'", "orderId": "'"$O"'", "menuItemIds": ["margherita", "diavola", "margherita"]}}')
printf '%s\n' "$PLACED" | pretty
echo
POS=$(printf '%s' "$PLACED" | sed -n 's/.*"position":\([0-9]*\).*/\1/p')

step "placeOrder with an item not on the menu: MENU_ITEMS_NOT_AVAILABLE"
gql 'mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id } }' \
  '{"in": {"restaurantId": "'"$R"'", "menuItemIds": ["calzone"]}}'

step "order $O with minPosition $POS (placeOrder's position): the query waits for the read models and for the order the saga creates because of it"
gql 'query($id: ID!, $pos: Int64) { order(id: $id, minPosition: $pos) { id restaurantId status version menuItems { name price } } }' \
  '{"id": "'"$O"'", "pos": '"${POS:?placeOrder returned no position}"'}'

step "markOrderAsPrepared $O"
gql 'mutation($in: MarkOrderAsPreparedInput!) { markOrderAsPrepared(input: $in) { id streamId version position } }' \
  '{"in": {"id": "'"$O"'"}}'

step "markOrderAsPrepared $O again: ORDER_ALREADY_PREPARED"
gql 'mutation($in: MarkOrderAsPreparedInput!) { markOrderAsPrepared(input: $in) { id } }' '{"in": {"id": "'"$O"'"}}'

step "restaurant $R"
gql 'query($id: ID!) { restaurant(id: $id) { id name version menu { cuisine menuItems { menuItemId name price } } } }' \
  '{"id": "'"$R"'"}'

step "restaurants (first page)"
gql '{ restaurants(first: 5) { totalCount pageInfo { hasNextPage endCursor } nodes { id name version } } }'

step "orders of $R"
gql 'query($r: ID!) { orders(restaurantId: $r) { totalCount nodes { id status version } } }' '{"r": "'"$R"'"}'

step "events of stream order-$O"
gql 'query($s: ID!) { events(streamId: $s) { position version type data metadata } }' '{"s": "order-'"$O"'"}'

step "status"
gql '{ status { head projections { name position } } }'

step "a query with GET"
api -sS -G --data-urlencode 'query={ status { head } }' "$URL" | pretty
echo

step "a subscription over Server-Sent Events: the order's events so far (ends after 2 s)"
api -s -N --max-time 2 -H 'Content-Type: application/json' -H 'Accept: text/event-stream' \
  --data '{"query":"subscription { events(afterPosition: 0, streamId: \"order-'"$O"'\") { position type } }"}' \
  "$URL" || true
echo
