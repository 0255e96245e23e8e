// Runs the reference JavaScript GraphQL clients against a running eventgraph server:
//   graphql-ws                  the graphql-transport-ws subprotocol (over the `ws` package)
//   subscriptions-transport-ws  the legacy graphql-ws subprotocol (Apollo's deprecated client)
//   graphql-sse                 Server-Sent Events, "distinct connections" mode
//   fetch                       HTTP POST and GET
//   Apollo Client               HttpLink, automatic persisted queries and relayStylePagination (apollo.mjs)
//   graphql-http                the GraphQL over HTTP audit suite (audit.mjs)
// With each subscription client it follows events(afterPosition: 0), restaurantChanged(id) and
// orderChanged(restaurantId) while mutations run over HTTP, and checks what arrives (order, shape,
// no gap), the error paths (validation, parse and resolver errors, each with extensions.code) and a
// clean end (the server releases every subscription and keeps serving). With a bearer token it also
// checks that a wrong or missing token is refused in a way each client surfaces.
// Exits non-zero when any check fails (node:test). The helpers it shares with oplimit.mjs (the
// limit of operations per WebSocket connection) are in common.mjs.
//
// Environment:
//   EVENTGRAPH_URL         the GraphQL endpoint, e.g. http://127.0.0.1:8080/graphql (required)
//   EVENTGRAPH_AUTH_TOKEN  a bearer token the server requires (optional); every client carries it
//                          and the refusal checks run
//   EVENTGRAPH_PERSISTED_QUERIES  0 when the server runs with --persisted-queries 0 (Apollo's
//                          persisted-query link must then fall back to full queries)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createClient as createWsClient } from 'graphql-ws';
import { NetworkError } from 'graphql-sse';
import { apolloTests } from './apollo.mjs';
import { httpAuditTests } from './audit.mjs';
import {
  url, wsUrl, token, authHeaders, wrongToken, TEST, run, post, EVENT, RESTAURANT, ORDER, menu, pasta,
  createRestaurant, changeMenu, placeOrder, markPrepared, waitOrder, openSubscriptions, waitSubscriptions,
  deferred, bound, Sink, describe, clients, checkEvent, checkCodes,
} from './common.mjs';

// ---------------------------------------------------------------------------------------------
// Tests

test('HTTP (fetch): POST, GET and error codes', TEST, async () => {
  const id = `http-${run}`;
  const created = await createRestaurant(id, 'Fetch Place');
  assert.equal(created.id, id);
  assert.equal(created.streamId, `restaurant-${id}`);
  assert.equal(created.version, 1);
  assert.ok(Number.isSafeInteger(created.position), 'position is a JSON number');
  assert.equal(created.duplicate, false);
  assert.equal(created.events.length, 1);
  checkEvent(created.events[0], 'createRestaurant event');
  assert.equal(created.events[0].type, 'RestaurantCreated');
  assert.equal(created.events[0].data.restaurantId, id);

  // GET for a query
  const q = new URL(url);
  q.searchParams.set('query', 'query($id: ID!, $p: Int64) { restaurant(id: $id, minPosition: $p) { id name version } }');
  q.searchParams.set('variables', JSON.stringify({ id, p: created.position }));
  const res = await fetch(q, { headers: authHeaders });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { data: { restaurant: { id, name: 'Fetch Place', version: 1 } } });

  // mutation errors: HTTP 200, data null, extensions.code
  for (const [what, query, variables, code] of [
    ['duplicate restaurant', 'mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }',
      { in: { id, name: 'again', menu: pasta } }, 'ALREADY_EXISTS'],
    ['unknown restaurant', 'mutation { placeOrder(input: {restaurantId: "no-such-restaurant", menuItemIds: ["m1"]}) { id } }',
      undefined, 'NOT_FOUND'],
    ['item not on the menu', 'mutation($r: ID!) { placeOrder(input: {restaurantId: $r, menuItemIds: ["m1", "nope"]}) { id } }',
      { r: id }, 'MENU_ITEMS_NOT_AVAILABLE'],
    ['bad id', 'mutation { placeOrder(input: {restaurantId: "a b", menuItemIds: ["m1"]}) { id } }',
      undefined, 'BAD_USER_INPUT'],
  ]) {
    const { status, body } = await post(query, variables);
    assert.equal(status, 200, `${what}: status`);
    assert.equal(body.data ?? null, null, `${what}: data`);
    checkCodes(body.errors, code, what);
  }
  // request errors
  const unknownField = await post('{ status { nope } }');
  checkCodes(unknownField.body.errors, 'GRAPHQL_VALIDATION_FAILED', 'unknown field');
  const parse = await post('{ status {');
  checkCodes(parse.body.errors, 'GRAPHQL_PARSE_FAILED', 'parse error');
  const getMutation = new URL(url);
  getMutation.searchParams.set('query', 'mutation { markOrderAsPrepared(input: {id: "x"}) { id } }');
  const gm = await fetch(getMutation, { headers: authHeaders });
  assert.equal(gm.status, 405, 'a mutation over GET');
  checkCodes((await gm.json()).errors, 'BAD_REQUEST', 'a mutation over GET');
});

httpAuditTests({ url, authHeaders, TEST });

apolloTests({
  url, authHeaders, token, wrongToken, run, TEST, pasta,
  persistedQueries: process.env.EVENTGRAPH_PERSISTED_QUERIES !== '0',
});

for (const kind of clients) {
  test(`${kind.name}: events, restaurantChanged and orderChanged`, TEST, async () => {
    const base = await openSubscriptions();
    const conn = kind.open();
    try {
      const rid = `${kind.name}-${run}`;
      const other = `${kind.name}-other-${run}`;
      const created = await createRestaurant(rid, 'Pasta Place');
      await createRestaurant(other, 'Elsewhere');

      // events(afterPosition: 0): the whole log in position order (no gap: unfiltered), then live.
      const events = conn.subscribe(`subscription { events(afterPosition: 0) { ${EVENT} } }`);
      const log = [];
      const takeEvent = async (what) => {
        const v = await events.take(what);
        assert.deepEqual(Object.keys(v), ['data'], `events: a result with data only: ${describe(v)}`);
        const e = v.data.events;
        checkEvent(e, `events #${log.length + 1}`);
        assert.equal(e.position, log.length ? log.at(-1).position + 1 : 1, `events: position after ${log.at(-1)?.position ?? 0}`);
        log.push(e);
        return e;
      };
      while (!log.length || log.at(-1).position < created.position) await takeEvent(`history up to ${created.position}`);
      // the subscription and the mutation's result encode the event identically
      assert.deepEqual(log[created.position - 1], created.events[0], 'RestaurantCreated as the subscription sends it');

      // restaurantChanged(id): the current state first
      const restaurant = conn.subscribe(`subscription($id: ID!) { restaurantChanged(id: $id) { ${RESTAURANT} } }`, { id: rid });
      const r1 = (await restaurant.take('the current state')).data.restaurantChanged;
      assert.equal(r1.id, rid);
      assert.equal(r1.name, 'Pasta Place');
      assert.equal(r1.version, 1);
      assert.equal(r1.menu.cuisine, 'ITALIAN');
      assert.deepEqual(r1.menu.menuItems, pasta.menuItems);

      // orderChanged(restaurantId): from the moment of subscribing. The server counts a
      // subscription in its gauge once it has taken its starting point, so the changes from
      // then on are the ones it sends.
      const orders = conn.subscribe(`subscription($r: ID!) { orderChanged(restaurantId: $r) { ${ORDER} } }`, { r: rid });
      await waitSubscriptions(base + 3, 'events, restaurantChanged and orderChanged live');

      // the mutations the three subscriptions follow
      const newMenu = menu(['m1', 'Carbonara', '9.50'], ['m3', 'Panna cotta', '5']);
      const changed = await changeMenu(rid, newMenu);
      await placeOrder(other, `${other}-o1`);
      const mine = await placeOrder(rid, `${rid}-o1`, ['m1', 'm1', 'm3']);
      await waitOrder(`${rid}-o1`, mine.position);
      const prepared = await markPrepared(`${rid}-o1`);

      // events: every event up to the last, in order; the saga's OrderCreated follows its placement
      while (log.at(-1).position < prepared.position) await takeEvent(`events up to ${prepared.position}`);
      const byPos = (p) => log[p - 1];
      assert.equal(byPos(changed.position).type, 'RestaurantMenuChanged');
      assert.deepEqual(byPos(changed.position).data.menu.menuItems, newMenu.menuItems);
      const placedEvent = byPos(mine.position);
      assert.equal(placedEvent.type, 'RestaurantOrderPlaced');
      assert.equal(placedEvent.streamId, `restaurant-${rid}`);
      assert.deepEqual(placedEvent.data.menuItems.map((m) => m.menuItemId), ['m1', 'm1', 'm3']);
      const orderCreated = log.find((e) => e.type === 'OrderCreated' && e.streamId === `order-${rid}-o1`);
      assert.ok(orderCreated, 'OrderCreated arrived');
      assert.ok(orderCreated.position > placedEvent.position, 'OrderCreated after RestaurantOrderPlaced');
      assert.equal(orderCreated.metadata.causationId, placedEvent.id, 'the saga names its cause');
      assert.equal(orderCreated.metadata.correlationId, placedEvent.metadata.correlationId);
      assert.equal(byPos(prepared.position).type, 'OrderPrepared');
      assert.deepEqual(byPos(prepared.position), prepared.events[0]);

      // restaurantChanged: a new version for each restaurant event (the menu, the order)
      const versions = [];
      for (let v = 2; v <= changed.version + 1; v++) {
        const r = (await restaurant.take(`version ${v}`)).data.restaurantChanged;
        assert.equal(r.id, rid);
        versions.push(r.version);
        if (r.version === changed.version) assert.deepEqual(r.menu.menuItems, newMenu.menuItems);
      }
      assert.deepEqual(versions, Array.from(versions, (_, i) => i + 2), 'restaurantChanged: consecutive versions');

      // orderChanged: only this restaurant's orders; o1 created, then prepared
      const seen = [];
      while (seen.length < 2) {
        const o = (await orders.take('o1 changes')).data.orderChanged;
        assert.equal(o.restaurantId, rid, `orderChanged: an order of another restaurant: ${describe(o)}`);
        seen.push(`${o.id}:${o.status}:${o.version}`);
        if (o.status === 'CREATED') {
          assert.deepEqual(o.menuItems, [newMenu.menuItems[0], newMenu.menuItems[0], newMenu.menuItems[1]]);
        }
      }
      assert.deepEqual(seen, [`${rid}-o1:CREATED:1`, `${rid}-o1:PREPARED:2`]);

      // a clean end: unsubscribing completes each operation and the server releases it
      for (const s of [events, restaurant, orders]) {
        s.dispose();
        await s.complete$('complete after unsubscribing');
        assert.equal(s.ended, 'complete');
      }
      await waitSubscriptions(base, 'after unsubscribing');

      // the same client and connection keep working
      const again = conn.subscribe(`subscription($id: ID!) { restaurantChanged(id: $id) { id version } }`, { id: rid });
      const r = (await again.take('the current state, again')).data.restaurantChanged;
      assert.equal(r.id, rid);
      again.dispose();
      await again.complete$();
      for (const s of [events, restaurant, orders, again]) assert.equal(s.late, undefined, s.late);
    } finally {
      await conn.close();
    }
    await waitSubscriptions(base, 'after closing the client');
  });

  test(`${kind.name}: errors`, TEST, async () => {
    const base = await openSubscriptions();
    const conn = kind.open();
    try {
      // a validation error (unknown field) through the client's error path, with extensions.code
      const invalid = conn.subscribe('subscription { events(afterPosition: 0) { position nope } }');
      checkCodes(await kind.requestError(invalid), 'GRAPHQL_VALIDATION_FAILED', 'unknown field');
      const bad = conn.subscribe('subscription { events(afterPosition: 0) { position }');
      checkCodes(await kind.requestError(bad), 'GRAPHQL_PARSE_FAILED', 'parse error');

      // a resolver's error (a bad argument): a result with errors, then complete
      const badArg = conn.subscribe('subscription { orderChanged(restaurantId: "a b") { id } }');
      const result = await badArg.take('the error result');
      assert.equal(result.data ?? null, null, 'no data');
      checkCodes(result.errors, 'BAD_USER_INPUT', 'orderChanged(restaurantId: "a b")');
      await badArg.complete$();

      // a query through the subscription client: its result, then complete
      const query = conn.subscribe('{ status { head } }');
      const status = await query.take('the query result');
      assert.ok(Number.isSafeInteger(status.data.status.head), `status.head: ${describe(status)}`);
      await query.complete$();

      // a mutation error through the subscription client (graphql-ws and SSE carry mutations too)
      const mutation = conn.subscribe('mutation { placeOrder(input: {restaurantId: "no-such-restaurant", menuItemIds: ["m1"]}) { id } }');
      const m = await mutation.take('the mutation result');
      assert.equal(m.data ?? null, null);
      checkCodes(m.errors, 'NOT_FOUND', 'placeOrder at an unknown restaurant');
      await mutation.complete$();

      // and the connection still serves a subscription
      const rid = `${kind.name}-err-${run}`;
      await createRestaurant(rid);
      const ok = conn.subscribe('subscription($id: ID!) { restaurantChanged(id: $id) { id version } }', { id: rid });
      assert.deepEqual((await ok.take('the current state')).data.restaurantChanged, { id: rid, version: 1 });
      ok.dispose();
      await ok.complete$();
      for (const s of [invalid, bad, badArg, query, mutation, ok]) assert.equal(s.late, undefined, s.late);
    } finally {
      await conn.close();
    }
    await waitSubscriptions(base, 'after the error cases');
  });

  test(`${kind.name}: closing the client with live subscriptions`, TEST, async () => {
    const base = await openSubscriptions();
    const rid = `${kind.name}-close-${run}`;
    await createRestaurant(rid);
    const conn = kind.open();
    const subs = [
      conn.subscribe('subscription { events { position } }'),
      conn.subscribe('subscription($r: ID!) { orderChanged(restaurantId: $r) { id } }', { r: rid }),
      conn.subscribe('subscription($id: ID!) { restaurantChanged(id: $id) { id version } }', { id: rid }),
    ];
    await subs[2].take('the current state');
    await waitSubscriptions(base + subs.length, 'with three live subscriptions');
    await conn.close(); // no unsubscribe first: the server must notice the closed connection(s)
    await waitSubscriptions(base, 'after closing the client');
    // and it keeps serving
    await createRestaurant(`${rid}-after`);
  });
}

test('graphql-ws: the server answers a ping with a pong', TEST, async () => {
  const pong = deferred();
  // keepAlive: the client pings every 50 ms and waits for the pong
  const client = createWsClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    keepAlive: 50,
    connectionParams: token ? { Authorization: `Bearer ${token}` } : undefined,
    on: { pong: (received) => received && pong.resolve() },
  });
  const s = new Sink('graphql-ws ping');
  s.dispose = client.subscribe({ query: 'subscription { events { position } }' }, s);
  try {
    await bound(pong.promise, 'a pong');
    assert.equal(s.ended, null, `the subscription lives on: ${describe(s.errorValue)}`);
  } finally {
    s.dispose();
    await client.dispose();
  }
});

if (token) {
  test('auth: mutations over HTTP need the token', TEST, async () => {
    const q = 'mutation { markOrderAsPrepared(input: {id: "x"}) { id } }';
    for (const [what, headers] of [['no token', {}], ['a wrong token', { Authorization: `Bearer ${wrongToken}` }]]) {
      const { status, headers: h, body } = await post(q, undefined, headers);
      assert.equal(status, 401, `${what}: status`);
      assert.match(h.get('www-authenticate') || '', /^Bearer/, `${what}: WWW-Authenticate`);
      checkCodes(body.errors, 'UNAUTHENTICATED', what);
    }
  });

  test('auth: graphql-ws connectionParams', TEST, async () => {
    const sub = 'subscription { events { position } }';
    // the right token, in either form the server accepts: an acknowledged connection
    for (const connectionParams of [{ Authorization: `Bearer ${token}` }, { authToken: token }]) {
      const acked = deferred();
      const conn = clients[0].open({ connectionParams, on: { connected: () => acked.resolve() } });
      const s = conn.subscribe(sub);
      await bound(acked.promise, `connection_ack for ${Object.keys(connectionParams)}`);
      s.dispose();
      await s.complete$();
      await conn.close();
    }
    // a wrong or missing token: the server closes the socket (4403 / 4401) and the client hands
    // the close event to the subscription's error callback
    for (const [what, connectionParams, code] of [
      ['a wrong token', { Authorization: `Bearer ${wrongToken}` }, 4403],
      ['a wrong authToken', { authToken: wrongToken }, 4403],
      ['no token', {}, 4401],
    ]) {
      const conn = clients[0].open({ connectionParams });
      try {
        const s = conn.subscribe(sub);
        const e = await s.error$(`refusal of ${what}`);
        assert.equal(e?.code, code, `${what}: close code of ${describe(e)}`);
        assert.match(e.reason, code === 4403 ? /^Forbidden/ : /^Unauthorized/, `${what}: close reason`);
        assert.equal(s.queue.length, 0, `${what}: no data`);
      } finally {
        await conn.close();
      }
    }
  });

  test('auth: subscriptions-transport-ws connectionParams', TEST, async () => {
    const sub = 'subscription { events { position } }';
    for (const connectionParams of [{ Authorization: `Bearer ${token}` }, { authToken: token }]) {
      const connected = deferred();
      const conn = clients[1].open({ connectionParams, connectionCallback: (err) => connected.resolve(err) });
      const s = conn.subscribe(sub);
      assert.equal(await bound(connected.promise, 'connection_ack'), undefined, 'no connection error');
      s.dispose();
      conn.close();
    }
    // a wrong or missing token: connection_error, which the client passes to connectionCallback
    // (it does not notify the operations: a library limitation), then the server closes
    for (const [what, connectionParams] of [
      ['a wrong token', { Authorization: `Bearer ${wrongToken}` }],
      ['a wrong authToken', { authToken: wrongToken }],
      ['no token', {}],
    ]) {
      const refused = deferred();
      const conn = clients[1].open({ connectionParams, connectionCallback: (err) => refused.resolve(err) });
      const disconnected = deferred();
      conn.client.onDisconnected(() => disconnected.resolve());
      try {
        const s = conn.subscribe(sub);
        const err = await bound(refused.promise, `refusal of ${what}`);
        assert.ok(err && typeof err.message === 'string', `${what}: connection error: ${describe(err)}`);
        assert.match(err.message, /UNAUTHENTICATED/, `${what}: the error names the code`);
        await bound(disconnected.promise, `${what}: the server closes the connection`);
        assert.equal(s.queue.length, 0, `${what}: no data`);
      } finally {
        conn.client.unsubscribeAll();
        conn.close();
      }
    }
  });

  test('auth: graphql-sse headers', TEST, async () => {
    const rid = `sse-auth-${run}`;
    await createRestaurant(rid);
    const conn = clients[2].open(); // carries the right token
    const ok = conn.subscribe('subscription($id: ID!) { restaurantChanged(id: $id) { id } }', { id: rid });
    assert.equal((await ok.take('the current state')).data.restaurantChanged.id, rid);
    ok.dispose();
    await ok.complete$();
    conn.close();
    for (const [what, headers] of [['a wrong token', { Authorization: `Bearer ${wrongToken}` }], ['no token', {}]]) {
      const c = clients[2].open({ headers });
      const s = c.subscribe('subscription($id: ID!) { restaurantChanged(id: $id) { id } }', { id: rid });
      const e = await s.error$(`refusal of ${what}`);
      assert.ok(e instanceof NetworkError, `${what}: a NetworkError: ${describe(e)}`);
      assert.equal(e.response?.status, 401, `${what}: HTTP status`);
      // The client hands over the refused response; its body must say why in a form it can read:
      // a GraphQL response in JSON, as the server answers a wrong token. (An event stream behind a
      // 401 is never read by an SSE client: graphql-sse and EventSource fail on the status.)
      const type = e.response.headers.get('content-type') || '';
      const body = await e.response.text();
      assert.match(type, /^application\/(graphql-response\+)?json/,
        `${what}: the 401 body is ${type}, not JSON: ${JSON.stringify(body.slice(0, 300))}`);
      checkCodes(JSON.parse(body).errors, 'UNAUTHENTICATED', what);
      c.close();
    }
  });
}

// The last test, when the server's process id is given: SIGTERM with a live subscription on each
// client. The server drains and exits (the script checks its exit status); each client must learn
// that its subscription ended.
const serverPid = Number(process.env.EVENTGRAPH_SERVER_PID || 0);
if (serverPid) {
  test('shutdown (SIGTERM) ends every live subscription', TEST, async () => {
    const rid = `shutdown-${run}`;
    await createRestaurant(rid);
    const query = 'subscription($id: ID!) { restaurantChanged(id: $id) { id version } }';

    const closes = [];
    const ws = clients[0].open({ on: { closed: (e) => closes.push(e) } });
    const wsSub = ws.subscribe(query, { id: rid });
    const legacyDown = deferred();
    const lg = clients[1].open();
    lg.client.onDisconnected(() => legacyDown.resolve());
    const lgSub = lg.subscribe(query, { id: rid });
    const sse = clients[2].open();
    const sseSub = sse.subscribe(query, { id: rid });
    for (const s of [wsSub, lgSub, sseSub]) await s.take('the current state');

    process.kill(serverPid, 'SIGTERM');
    try {
      // graphql-ws: the server's close reaches the subscription's error callback. RFC 6455 §7.4.1:
      // 1001 "indicates that an endpoint is 'going away', such as a server going down"; graphql-ws's
      // own server closes its sockets with 1001 "Going away" on dispose. A 1000 (Normal Closure)
      // with subscriptions still active makes the client reconnect at once, whatever retryAttempts
      // says, and report that attempt's failure instead of the server's close.
      await bound(Promise.race([wsSub.errored.promise, wsSub.completed.promise]), 'graphql-ws: the subscription ends');
      assert.ok(closes.length, 'graphql-ws: the socket closed');
      assert.equal(closes[0].code, 1001,
        `graphql-ws: the server closed with ${closes[0].code} "${closes[0].reason}" (want 1001 Going Away); then the client saw ${closes.slice(1).map((e) => `${e.code} ${e.reason}`).join(', ') || 'nothing'} and its subscription got ${wsSub.ended}: ${describe(wsSub.errorValue)}`);
      assert.equal(wsSub.ended, 'error', 'graphql-ws: the subscription ends with an error, not complete');
      assert.equal(wsSub.errorValue?.code, 1001, `graphql-ws: the error is the server's close: ${describe(wsSub.errorValue)}`);
      // subscriptions-transport-ws tells only its connection listeners (it does not end the
      // operations when the socket closes: a library limitation)
      await bound(legacyDown.promise, 'subscriptions-transport-ws: disconnected');
      // graphql-sse: the stream ends (gqlgen ends it with a `complete` event)
      await bound(Promise.race([sseSub.errored.promise, sseSub.completed.promise]), 'graphql-sse: the stream ends');
    } finally {
      ws.close();
      lg.close();
      sse.close();
    }
  });
}
