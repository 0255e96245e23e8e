// Runs the reference WebSocket clients against an eventgraph server started with
// --keep-alive 100ms (see .ci/clients.sh):
//   graphql-ws                  the graphql-transport-ws subprotocol (the protocol's ping and pong)
//   subscriptions-transport-ws  the legacy graphql-ws subprotocol ("ka" messages, and RFC 6455
//                               pings, which the ws library answers by itself)
// The server cuts a connection whose client answers no ping within two intervals. With each
// client it holds a live subscription idle for 15 intervals, then checks that a mutation run
// over HTTP still reaches it on the same connection: the client answered every ping in time.
// Exits non-zero when any check fails (node:test).
//
// Environment: EVENTGRAPH_URL and EVENTGRAPH_AUTH_TOKEN, as for clients.mjs (see common.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { TEST, run, menu, createRestaurant, changeMenu, clients, openCounted } from './common.mjs';

const INTERVAL = 100; // ms: the server's --keep-alive (.ci/clients.sh)
const RESTAURANT_CHANGED = 'subscription($id: ID!) { restaurantChanged(id: $id) { id version } }';

for (const kind of clients.filter((k) => k.name === 'graphql-ws' || k.name === 'subscriptions-transport-ws')) {
  test(`${kind.name}: a client that answers the server's pings keeps its connection`, TEST, async () => {
    const rid = `${kind.name}-keepalive-${run}`;
    await createRestaurant(rid);
    const counted = openCounted(kind);
    const { conn } = counted;
    try {
      const restaurant = conn.subscribe(RESTAURANT_CHANGED, { id: rid });
      assert.deepEqual((await restaurant.take('the current state')).data.restaurantChanged, { id: rid, version: 1 });
      // The point of the test is the idle time: the server pings 15 times meanwhile.
      await delay(15 * INTERVAL);
      assert.equal(restaurant.ended, null, `the subscription ended while idle (${restaurant.ended})`);
      await changeMenu(rid, menu(['m1', 'Carbonara', '9.50']));
      assert.deepEqual((await restaurant.take('the menu change')).data.restaurantChanged, { id: rid, version: 2 });
      assert.equal(counted.connections, 1, 'the subscription ran on one connection throughout');
      restaurant.dispose();
      await restaurant.complete$();
    } finally {
      await conn.close();
    }
  });
}
