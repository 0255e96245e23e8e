// Shared by the client tests (clients.mjs, oplimit.mjs): the server's address and token from the
// environment, HTTP helpers (post, gql and the mutations), the server's subscription gauge, a
// Sink that each client library calls and the tests await, the subscription clients behind one
// interface (clients), and the shape checks. Importing it registers an after hook that fails the
// run when node does not exit once the tests ran.
//
// Environment:
//   EVENTGRAPH_URL         the GraphQL endpoint, e.g. http://127.0.0.1:8080/graphql (required)
//   EVENTGRAPH_AUTH_TOKEN  a bearer token the server requires (optional); every client carries it
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import legacy from 'subscriptions-transport-ws';

const { SubscriptionClient } = legacy;

export const url = process.env.EVENTGRAPH_URL;
if (!url) {
  console.error('clients: EVENTGRAPH_URL is not set');
  process.exit(2);
}
export const wsUrl = url.replace(/^http/, 'ws');
export const metricsUrl = new URL('/metrics', url).href;
export const token = process.env.EVENTGRAPH_AUTH_TOKEN || '';
export const authHeaders = token ? { Authorization: `Bearer ${token}` } : {};
export const wrongToken = `wrong-${randomBytes(12).toString('hex')}`;

export const WAIT = 10_000; // failure bound of every wait
export const TEST = { timeout: 60_000 };
export const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

// ---------------------------------------------------------------------------------------------
// HTTP

export async function post(query, variables, headers = authHeaders) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`POST: ${res.status} ${res.headers.get('content-type')}: not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, body };
}

// gql runs an operation that must succeed and returns its data.
export async function gql(query, variables) {
  const { status, body } = await post(query, variables);
  if (status !== 200 || body.errors) throw new Error(`graphql: ${status} ${JSON.stringify(body)}`);
  return body.data;
}

export const EVENT = 'id position streamId version type time data metadata';
export const RESULT = `id streamId version position duplicate events { ${EVENT} }`;
export const RESTAURANT = 'id name version menu { menuId cuisine menuItems { menuItemId name price } }';
export const ORDER = 'id restaurantId status version menuItems { menuItemId name price }';

export const menu = (...items) => ({
  cuisine: 'ITALIAN',
  menuItems: items.map(([menuItemId, name, price]) => ({ menuItemId, name, price })),
});
export const pasta = menu(['m1', 'Carbonara', '8.99'], ['m2', 'Tiramisu', '4.50']);

export async function createRestaurant(id, name = `Place ${id}`, m = pasta) {
  const d = await gql(`mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { ${RESULT} } }`,
    { in: { id, name, menu: m } });
  return d.createRestaurant;
}
export async function changeMenu(id, m) {
  const d = await gql(`mutation($in: ChangeRestaurantMenuInput!) { changeRestaurantMenu(input: $in) { ${RESULT} } }`,
    { in: { id, menu: m } });
  return d.changeRestaurantMenu;
}
export async function placeOrder(restaurantId, orderId, menuItemIds = ['m1']) {
  const d = await gql(`mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { ${RESULT} } }`,
    { in: { restaurantId, orderId, menuItemIds } });
  return d.placeOrder;
}
export async function markPrepared(id) {
  const d = await gql(`mutation($in: MarkOrderAsPreparedInput!) { markOrderAsPrepared(input: $in) { ${RESULT} } }`,
    { in: { id } });
  return d.markOrderAsPrepared;
}
// waitOrder reads the order with minPosition, so the saga has created it.
export async function waitOrder(id, position) {
  const d = await gql('query($id: ID!, $p: Int64) { order(id: $id, minPosition: $p) { id status version } }',
    { id, p: position });
  assert.ok(d.order, `order ${id} exists at position ${position}`);
  return d.order;
}

// openSubscriptions sums the server's eventgraph_graphql_subscriptions gauge.
export async function openSubscriptions() {
  const text = await (await fetch(metricsUrl)).text();
  let n = 0;
  for (const m of text.matchAll(/^eventgraph_graphql_subscriptions\{[^}]*\} (\S+)$/gm)) n += Number(m[1]);
  return n;
}
// waitSubscriptions polls the gauge (the server has no push signal for it) until it is want.
export async function waitSubscriptions(want, what) {
  const deadline = Date.now() + WAIT;
  let n;
  while ((n = await openSubscriptions()) !== want) {
    if (Date.now() > deadline) assert.fail(`${what}: the server still has ${n} open subscriptions, want ${want}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// ---------------------------------------------------------------------------------------------
// A sink that every client library calls (next / error / complete) and the tests await.

export function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}
export function bound(promise, what, ms = WAIT) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class Sink {
  constructor(label) {
    this.label = label;
    this.queue = [];
    this.waiter = null;
    this.errored = deferred();
    this.completed = deferred();
    this.ended = null; // 'error' or 'complete' once the library ended the operation
    this.next = (v) => {
      if (this.ended) this.late = `${this.label}: next after ${this.ended}: ${JSON.stringify(v)}`;
      this.queue.push(v);
      this.wake();
    };
    this.error = (e) => {
      if (this.ended) this.late = `${this.label}: error after ${this.ended}`;
      this.ended ??= 'error';
      this.errorValue = e;
      this.errored.resolve(e);
      this.wake();
    };
    this.complete = () => {
      if (this.ended) this.late = `${this.label}: complete after ${this.ended}`;
      this.ended ??= 'complete';
      this.completed.resolve();
      this.wake();
    };
  }
  wake() {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
  // take returns the next value; it fails if the operation ended first or nothing came in time.
  async take(what = 'a value') {
    const deadline = Date.now() + WAIT;
    for (;;) {
      if (this.queue.length) return this.queue.shift();
      if (this.ended) {
        assert.fail(`${this.label}: ended (${this.ended}${this.ended === 'error' ? `: ${describe(this.errorValue)}` : ''}) while waiting for ${what}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`${this.label}: no ${what} within ${WAIT} ms`);
      const { promise, resolve } = deferred();
      this.waiter = resolve;
      await bound(promise, `${this.label}: ${what}`, left).catch(() => {});
    }
  }
  error$(what = 'an error') {
    return bound(this.errored.promise, `${this.label}: ${what}`);
  }
  complete$(what = 'complete') {
    return bound(this.completed.promise, `${this.label}: ${what}`);
  }
}

export function describe(e) {
  if (e === undefined) return 'undefined';
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  if (e && e.type === 'error' && typeof e.message === 'string') return `ErrorEvent: ${e.message}`;
  if (e && typeof e === 'object' && 'code' in e && 'reason' in e) return `close ${e.code} ${e.reason}`;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}

// ---------------------------------------------------------------------------------------------
// The three subscription clients behind one interface:
//   open(options) → { subscribe(query, variables) → Sink (with .dispose()), close() }
// and, per client, how it delivers a GraphQL error that ends an operation before it starts.

export const clients = [
  {
    name: 'graphql-ws',
    open({ connectionParams = token ? { Authorization: `Bearer ${token}` } : undefined, on } = {}) {
      const client = createWsClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams,
        on,
      });
      return {
        client,
        subscribe(query, variables) {
          const sink = new Sink(`graphql-ws ${query.slice(0, 60)}`);
          sink.dispose = client.subscribe({ query, variables }, sink);
          return sink;
        },
        close: () => client.dispose(),
      };
    },
    // graphql-transport-ws: a validation or parse error is an `error` message, which the client
    // passes to sink.error as the array of GraphQL errors; the operation ends there.
    async requestError(sink) {
      const errors = await sink.error$();
      assert.ok(Array.isArray(errors), `error is the array of GraphQL errors: ${describe(errors)}`);
      return errors;
    },
  },
  {
    name: 'subscriptions-transport-ws',
    open({ connectionParams = token ? { Authorization: `Bearer ${token}` } : undefined, connectionCallback } = {}) {
      const client = new SubscriptionClient(wsUrl, {
        reconnect: false,
        lazy: true,
        connectionParams,
        connectionCallback,
      }, WebSocket);
      return {
        client,
        subscribe(query, variables) {
          const sink = new Sink(`subscriptions-transport-ws ${query.slice(0, 60)}`);
          const sub = client.request({ query, variables }).subscribe({
            next: sink.next, error: sink.error, complete: sink.complete,
          });
          // unsubscribe sends `stop`; the observable API calls no complete for that, so the sink
          // records it itself.
          sink.dispose = () => { sub.unsubscribe(); sink.complete(); };
          return sink;
        },
        close: () => {
          client.close();
          // When the server closed the socket, close() does nothing and the client's keep-alive
          // check (a 30 s interval started by the server's `ka`) would run forever and keep node
          // alive: a bug of the library, so clear it here.
          client.clearCheckConnectionInterval();
        },
      };
    },
    // legacy graphql-ws: a validation error is a GQL_ERROR message; the client calls
    // observer.error with the first GraphQL error.
    async requestError(sink) {
      const e = await sink.error$();
      assert.ok(e && typeof e === 'object' && !Array.isArray(e), `error is one GraphQL error: ${describe(e)}`);
      return [e];
    },
  },
  {
    name: 'graphql-sse',
    open({ headers = authHeaders } = {}) {
      const client = createSseClient({ url, retryAttempts: 0, headers });
      return {
        client,
        subscribe(query, variables) {
          const sink = new Sink(`graphql-sse ${query.slice(0, 60)}`);
          sink.dispose = client.subscribe({ query, variables }, sink);
          return sink;
        },
        close: () => client.dispose(),
      };
    },
    // GraphQL over SSE (distinct connections): a request accepted as an event stream reports its
    // validation errors as a `next` event ({errors}) followed by `complete` (graphql-sse's own
    // server does the same, see its handler), so the client calls sink.next, then sink.complete.
    async requestError(sink) {
      const result = await sink.take('the error result');
      assert.equal(result.data ?? null, null, 'no data');
      assert.ok(Array.isArray(result.errors) && result.errors.length, `errors: ${describe(result)}`);
      await sink.complete$();
      return result.errors;
    },
  },
];

// openCounted opens a connection with a WebSocket client kind (graphql-ws or
// subscriptions-transport-ws) that counts the connections the client makes (each acknowledged
// connection_init) in counted.connections; counted.conn is the connection.
export function openCounted(kind) {
  const counted = { connections: 0 };
  counted.conn = kind.open(kind.name === 'graphql-ws'
    ? { on: { connected: () => counted.connections++ } }
    : { connectionCallback: (err) => { if (!err) counted.connections++; } });
  return counted;
}

// ---------------------------------------------------------------------------------------------
// Shape checks

export const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

export function checkEvent(e, where) {
  assert.ok(isObject(e), `${where}: event is an object`);
  assert.equal(typeof e.id, 'string', `${where}: id is a string`);
  assert.ok(Number.isSafeInteger(e.position) && e.position > 0, `${where}: position is a JSON number: ${JSON.stringify(e.position)}`);
  assert.ok(Number.isSafeInteger(e.version) && e.version > 0, `${where}: version is a JSON number: ${JSON.stringify(e.version)}`);
  assert.equal(typeof e.streamId, 'string', `${where}: streamId`);
  assert.equal(typeof e.type, 'string', `${where}: type`);
  assert.ok(typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time)), `${where}: time is RFC 3339: ${e.time}`);
  assert.ok(isObject(e.data), `${where}: data is a JSON object: ${JSON.stringify(e.data)}`);
  assert.ok(isObject(e.metadata), `${where}: metadata is a JSON object: ${JSON.stringify(e.metadata)}`);
}

export function checkCodes(errors, code, where) {
  assert.ok(Array.isArray(errors) && errors.length, `${where}: errors: ${describe(errors)}`);
  for (const e of errors) {
    assert.equal(typeof e.message, 'string', `${where}: message`);
    assert.ok(isObject(e.extensions), `${where}: extensions: ${describe(e)}`);
  }
  assert.equal(errors[0].extensions.code, code, `${where}: extensions.code of ${describe(errors)}`);
}

// Once every test ran, node should exit; if a client library left a socket or a timer running,
// fail rather than hang the CI job.
after(() => {
  setTimeout(() => {
    console.error('clients: node did not exit 10 s after the tests: a client left something running');
    process.exit(1);
  }, 10_000).unref();
});
