// Runs the reference WebSocket clients against an eventgraph server started with
// --max-operations-per-connection 2 (see .ci/clients.sh):
//   graphql-ws                  the graphql-transport-ws subprotocol
//   subscriptions-transport-ws  the legacy graphql-ws subprotocol
// With each client, on one connection, it holds two live subscriptions (restaurantChanged and
// orderChanged), starts a third operation (a subscription, then a query) and checks that the
// client surfaces its refusal as an error with extensions.code OPERATION_LIMIT_EXCEEDED (the
// server answers an `error` message under the operation's id; the connection stays open), that
// the two live subscriptions still get the changes of mutations run over HTTP afterwards, and
// that once the client completes (stops) one of them a new operation on the same connection runs
// at once, while one more is refused again. The server counts each refusal in
// graphql_operations_total{type="unknown",outcome="OPERATION_LIMIT_EXCEEDED"}.
// Exits non-zero when any check fails (node:test).
//
// Environment: EVENTGRAPH_URL and EVENTGRAPH_AUTH_TOKEN, as for clients.mjs (see common.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  metricsUrl, TEST, run, menu, createRestaurant, changeMenu, placeOrder, openSubscriptions,
  waitSubscriptions, describe, clients, checkCodes, openCounted,
} from './common.mjs';

const LIMIT = 2; // the server's --max-operations-per-connection (.ci/clients.sh)
const CODE = 'OPERATION_LIMIT_EXCEEDED';

// refusedOperations reads the server's count of operations refused over the limit.
async function refusedOperations() {
  const text = await (await fetch(metricsUrl)).text();
  let n = 0;
  for (const m of text.matchAll(/^eventgraph_graphql_operations_total\{([^}]*)\} (\S+)$/gm)) {
    if (m[1].includes(`outcome="${CODE}"`) && m[1].includes('type="unknown"')) n += Number(m[2]);
  }
  return n;
}

// refusal waits for the client to end an operation sent while LIMIT run on its connection and
// returns the GraphQL errors it surfaced (kind.requestError: the client's error path for an
// operation the server ends before it runs), checked for OPERATION_LIMIT_EXCEEDED. An operation
// the server runs instead (no limit) fails at its first result rather than at the wait's end.
async function refusal(kind, sink, what) {
  const result = await sink.take(`the refusal of ${what}`).then((v) => v, () => undefined);
  assert.equal(result, undefined, `${what}: the server ran it instead of refusing it: ${describe(result)}`);
  assert.equal(sink.ended, 'error', `${what}: the client ends it with an error, not ${sink.ended ?? 'nothing within the wait'}`);
  const errors = await kind.requestError(sink);
  assert.equal(errors.length, 1, `${what}: one GraphQL error: ${describe(errors)}`);
  checkCodes(errors, CODE, what);
  assert.match(errors[0].message, new RegExp(`at most ${LIMIT} operations`), `${what}: the message names the limit`);
  return errors;
}

const RESTAURANT_CHANGED = 'subscription($id: ID!) { restaurantChanged(id: $id) { id version } }';
const ORDER_CHANGED = 'subscription($r: ID!) { orderChanged(restaurantId: $r) { id status } }';

for (const kind of clients.filter((k) => k.name === 'graphql-ws' || k.name === 'subscriptions-transport-ws')) {
  test(`${kind.name}: at most ${LIMIT} operations at once on one connection`, TEST, async (t) => {
    const base = await openSubscriptions();
    const refusedBefore = await refusedOperations();
    const rid = `${kind.name}-oplimit-${run}`;
    await createRestaurant(rid);
    // count the connections the client makes (acknowledged connection_init): all of this runs on one
    const counted = openCounted(kind);
    const { conn } = counted;
    try {
      // LIMIT live subscriptions
      const restaurant = conn.subscribe(RESTAURANT_CHANGED, { id: rid });
      const orders = conn.subscribe(ORDER_CHANGED, { r: rid });
      assert.deepEqual((await restaurant.take('the current state')).data.restaurantChanged, { id: rid, version: 1 });
      await waitSubscriptions(base + LIMIT, `${LIMIT} live subscriptions`);

      // one more operation, a subscription, then a query: each refused, through the client's
      // error path
      const third = conn.subscribe('subscription($id: ID!) { restaurantChanged(id: $id) { name } }', { id: rid });
      const errors = await refusal(kind, third, 'a third subscription');
      // graphql-ws calls sink.error with the error message's payload, the list of GraphQL errors;
      // subscriptions-transport-ws calls observer.error with its first GraphQL error
      t.diagnostic(kind.name === 'graphql-ws' ? `graphql-ws: sink.error(${describe(errors)})`
        : `subscriptions-transport-ws: observer.error(${describe(errors[0])})`);
      const query = conn.subscribe('{ status { head } }');
      await refusal(kind, query, 'a query while two subscriptions run');
      assert.equal(await refusedOperations(), refusedBefore + 2, 'graphql_operations_total counts the refusals');

      // the connection stays open and the two subscriptions go on: mutations over HTTP reach both
      await changeMenu(rid, menu(['m1', 'Carbonara', '9.50']));
      assert.deepEqual((await restaurant.take('the menu change')).data.restaurantChanged, { id: rid, version: 2 });
      await placeOrder(rid, `${rid}-o1`);
      assert.deepEqual((await orders.take('the order')).data.orderChanged, { id: `${rid}-o1`, status: 'CREATED' });
      assert.deepEqual((await restaurant.take('the order placed')).data.restaurantChanged, { id: rid, version: 3 });

      // completing (stopping) one subscription frees its place at once: a new operation sent right
      // after it runs; one more after that is refused again
      orders.dispose();
      const again = conn.subscribe(RESTAURANT_CHANGED, { id: rid });
      assert.deepEqual((await again.take('the current state')).data.restaurantChanged, { id: rid, version: 3 },
        'a new subscription after completing one');
      await orders.complete$();
      const fourth = conn.subscribe('{ status { head } }');
      await refusal(kind, fourth, 'a query once the freed place is taken');
      await changeMenu(rid, menu(['m1', 'Carbonara', '10']));
      for (const s of [restaurant, again]) {
        assert.deepEqual((await s.take('the second menu change')).data.restaurantChanged, { id: rid, version: 4 });
      }
      assert.equal(await refusedOperations(), refusedBefore + 3, 'graphql_operations_total counts the refusals');

      for (const s of [restaurant, again]) {
        s.dispose();
        await s.complete$();
      }
      await waitSubscriptions(base, 'after unsubscribing');
      assert.equal(counted.connections, 1, 'every operation ran on one connection');
      for (const s of [restaurant, orders, third, query, again, fourth]) assert.equal(s.late, undefined, s.late);
    } finally {
      await conn.close();
    }
  });
}
