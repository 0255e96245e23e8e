// Apollo Client (@apollo/client core entry points, no React) against a running eventgraph server,
// with Node's built-in fetch; clients.mjs registers these tests (apolloTests) with its own.
//   HttpLink                  queries, mutations (createRestaurant, placeOrder) and errors, each
//                             surfaced as Apollo's CombinedGraphQLErrors with extensions.code
//   PersistedQueryLink        automatic persisted queries before HttpLink, over POST and with
//                             useGETForHashedQueries (a hash-only GET), queries and mutations: a
//                             fetch wrapper records what goes over the wire. Against a server
//                             started with --persisted-queries 0 the link must get
//                             PERSISTED_QUERY_NOT_SUPPORTED, turn itself off and send queries in full.
//   relayStylePagination      Apollo's Relay type policy over restaurants' edges: fetchMore after
//                             endCursor to the end, an empty page after it, a restaurant created
//                             since, and backward with last and before startCursor.
//   bearer tokens             with EVENTGRAPH_AUTH_TOKEN: mutations carry the Authorization header;
//                             a missing or wrong token is refused in a way Apollo surfaces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache, ServerError, gql, version,
} from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';

const sha256 = (s) => createHash('sha256').update(s).digest('hex');

// recordingFetch wraps fetch and records each request as sent (a POST body or a GET's parameters)
// with the response's status and body.
function recordingFetch() {
  const requests = [];
  async function recorded(input, init = {}) {
    const target = new URL(typeof input === 'string' ? input : input.url ?? String(input));
    const method = (init.method || 'GET').toUpperCase();
    let sent;
    if (method === 'GET') {
      sent = {};
      for (const [k, v] of target.searchParams) sent[k] = k === 'query' || k === 'operationName' ? v : JSON.parse(v);
    } else {
      sent = JSON.parse(init.body);
    }
    const authorization = new Headers(init.headers).get('authorization');
    const res = await fetch(input, init);
    const text = await res.clone().text();
    let received;
    try {
      received = JSON.parse(text);
    } catch {
      received = text;
    }
    requests.push({ method, sent, authorization, status: res.status, contentType: res.headers.get('content-type'), received });
    return res;
  }
  return { fetch: recorded, requests };
}

// wire describes a recorded request in one line: method, what it sent (the query, the hash) and
// the outcome (the first error's code, or data): e.g. "POST hash → PERSISTED_QUERY_NOT_FOUND".
function wire(r) {
  const sent = [];
  if ('query' in r.sent) sent.push('query');
  if (r.sent.extensions?.persistedQuery) sent.push('hash');
  const outcome = Array.isArray(r.received?.errors) ? r.received.errors[0]?.extensions?.code ?? 'an error without code'
    : r.received?.data ? 'data' : `${r.status} ${JSON.stringify(r.received).slice(0, 200)}`;
  return `${r.method} ${sent.join('+') || 'nothing'} → ${outcome}`;
}

// checkHashes checks every recorded hash: version 1, the SHA-256 of the query sent with it, and
// the same for the hash-only requests of that operation.
function checkHashes(requests, where) {
  const full = requests.find((r) => r.sent.query && r.sent.extensions?.persistedQuery);
  for (const r of requests) {
    const pq = r.sent.extensions?.persistedQuery;
    if (!pq) continue;
    assert.equal(pq.version, 1, `${where}: persistedQuery.version`);
    assert.match(pq.sha256Hash, /^[0-9a-f]{64}$/, `${where}: sha256Hash`);
    if (r.sent.query) assert.equal(pq.sha256Hash, sha256(r.sent.query), `${where}: the hash is the SHA-256 of the query sent`);
    else if (full) assert.equal(pq.sha256Hash, full.sent.extensions.persistedQuery.sha256Hash, `${where}: the same hash`);
  }
}

// settle runs an Apollo operation and returns its result, or the error it rejected with.
async function settle(promise) {
  try {
    return { result: await promise };
  } catch (error) {
    return { error };
  }
}

function describeError(e) {
  if (CombinedGraphQLErrors.is(e)) return `CombinedGraphQLErrors ${JSON.stringify(e.errors)}`;
  if (ServerError.is(e)) return `ServerError ${e.statusCode} ${e.bodyText}`;
  return e instanceof Error ? `${e.name}: ${e.message}` : JSON.stringify(e);
}

// graphQLError expects an operation to fail with a GraphQL error of that code, which Apollo
// surfaces as CombinedGraphQLErrors (the error type of Apollo Client 4; 3.x had ApolloError).
async function graphQLError(promise, code, where) {
  const { result, error } = await settle(promise);
  assert.ok(error, `${where}: the operation must fail with ${code}, got ${JSON.stringify(result)}`);
  assert.ok(CombinedGraphQLErrors.is(error), `${where}: a CombinedGraphQLErrors: ${describeError(error)}`);
  assert.ok(error.errors.length > 0, `${where}: errors`);
  assert.equal(error.errors[0].extensions?.code, code, `${where}: extensions.code of ${describeError(error)}`);
  assert.equal(typeof error.errors[0].message, 'string');
  return error;
}

// apolloTests registers the tests. ctx: url, authHeaders ({} or the bearer token's header), token,
// wrongToken, run (unique per run), TEST (node:test options), pasta (a menu), persistedQueries
// (false when the server runs with --persisted-queries 0).
export function apolloTests({ url, authHeaders, token, wrongToken, run, TEST, pasta, persistedQueries }) {
  const clients = [];
  // client makes an ApolloClient over a recording fetch; apq: undefined (plain HttpLink), 'POST'
  // or 'GET' (useGETForHashedQueries).
  function client({ apq, headers = authHeaders } = {}) {
    const rec = recordingFetch();
    let link = new HttpLink({ uri: url, fetch: rec.fetch, headers });
    if (apq) {
      link = ApolloLink.from([new PersistedQueryLink({ sha256, useGETForHashedQueries: apq === 'GET' }), link]);
    }
    const c = new ApolloClient({ link, cache: new InMemoryCache() });
    clients.push(c);
    return { client: c, requests: rec.requests };
  }
  const stopAll = () => {
    for (const c of clients.splice(0)) c.stop();
  };

  // Documents per label: every test uses its own operation names, so its hashes are new to the
  // server whatever ran before.
  const docs = (label) => ({
    create: gql(`mutation Create${label}($in: CreateRestaurantInput!) {
      createRestaurant(input: $in) { id streamId version position duplicate events { id position type data metadata } } }`),
    place: gql(`mutation Place${label}($in: PlaceOrderInput!) { placeOrder(input: $in) { id streamId version position } }`),
    order: gql(`query Order${label}($id: ID!, $p: Int64) {
      order(id: $id, minPosition: $p) { id restaurantId status version menuItems { menuItemId name price } } }`),
    restaurant: gql(`query Restaurant${label}($id: ID!) { restaurant(id: $id) { id name version menu { cuisine menuItems { menuItemId name price } } } }`),
    invalid: gql(`query Invalid${label} { status { head nope } }`),
  });
  const restaurantInput = (id, name = `Apollo ${id}`) => ({ in: { id, name, menu: pasta, commandId: `c-${id}` } });

  // a restaurant, an order at it, and the order read back (minPosition: read your own write)
  async function scenario(c, d, id) {
    const created = (await c.mutate({ mutation: d.create, variables: restaurantInput(id) })).data.createRestaurant;
    assert.equal(created.id, id);
    assert.equal(created.streamId, `restaurant-${id}`);
    assert.equal(created.version, 1);
    assert.equal(created.duplicate, false);
    assert.ok(Number.isSafeInteger(created.position), `position is a JSON number: ${created.position}`);
    assert.equal(created.events[0].type, 'RestaurantCreated');
    assert.equal(created.events[0].data.restaurantId, id);
    const placed = (await c.mutate({
      mutation: d.place, variables: { in: { restaurantId: id, orderId: `${id}-o1`, menuItemIds: ['m1', 'm1', 'm2'] } },
    })).data.placeOrder;
    assert.equal(placed.id, `${id}-o1`);
    assert.equal(placed.streamId, `restaurant-${id}`);
    assert.ok(placed.position > created.position, 'placeOrder after createRestaurant');
    const { data } = await c.query({ query: d.order, variables: { id: placed.id, p: placed.position }, fetchPolicy: 'network-only' });
    assert.equal(data.order.id, placed.id);
    assert.equal(data.order.restaurantId, id);
    assert.equal(data.order.status, 'CREATED');
    assert.equal(data.order.version, 1);
    assert.deepEqual(data.order.menuItems.map((m) => m.menuItemId), ['m1', 'm1', 'm2']);
    return { created, placed };
  }

  test(`Apollo Client ${version}: HttpLink queries, mutations and errors`, TEST, async () => {
    try {
      const { client: c, requests } = client();
      const d = docs('Plain');
      const id = `apollo-${run}`;
      await scenario(c, d, id);
      for (const r of requests) {
        assert.equal(r.method, 'POST');
        assert.equal(typeof r.sent.query, 'string', 'HttpLink sends the query');
        assert.equal(r.status, 200, `${wire(r)}: status`);
      }
      // the same command again (its commandId): the first result, duplicate
      const again = (await c.mutate({ mutation: d.create, variables: restaurantInput(id) })).data.createRestaurant;
      assert.equal(again.duplicate, true);

      // errors: a resolver's (HTTP 200, data null) and a validation error (HTTP 400 with
      // application/graphql-response+json, which Apollo reads as a GraphQL response)
      await graphQLError(c.mutate({ mutation: d.create, variables: { in: { id, name: 'again', menu: pasta } } }),
        'ALREADY_EXISTS', 'createRestaurant of an existing id');
      await graphQLError(c.mutate({ mutation: d.place, variables: { in: { restaurantId: `none-${run}`, menuItemIds: ['m1'] } } }),
        'NOT_FOUND', 'placeOrder at an unknown restaurant');
      await graphQLError(c.mutate({ mutation: d.place, variables: { in: { restaurantId: id, menuItemIds: ['m1', 'nope'] } } }),
        'MENU_ITEMS_NOT_AVAILABLE', 'placeOrder of an item not on the menu');
      await graphQLError(c.mutate({ mutation: d.place, variables: { in: { restaurantId: 'a b', menuItemIds: ['m1'] } } }),
        'BAD_USER_INPUT', 'placeOrder with a bad id');
      await graphQLError(c.query({ query: d.invalid, fetchPolicy: 'network-only' }), 'GRAPHQL_VALIDATION_FAILED', 'an unknown field');

      // errorPolicy 'all': the error comes with the result instead
      const all = await c.mutate({
        mutation: d.place, variables: { in: { restaurantId: `none-${run}`, menuItemIds: ['m1'] } }, errorPolicy: 'all',
      });
      assert.ok(CombinedGraphQLErrors.is(all.error), `errorPolicy all: ${describeError(all.error)}`);
      assert.equal(all.error.errors[0].extensions.code, 'NOT_FOUND');
    } finally {
      stopAll();
    }
  });

  // relayStylePagination() keeps one list of edges per field (keyArgs false: every restaurants
  // page is one list), appends a page read with after to the edge whose cursor it was, and
  // prepends one read with before: each edge's cursor must be the one the server pages from.
  test('Apollo Client: relayStylePagination pages restaurants by their edges', TEST, async () => {
    try {
      const c = new ApolloClient({
        link: new HttpLink({ uri: url, headers: authHeaders }),
        cache: new InMemoryCache({ typePolicies: { Query: { fields: { restaurants: relayStylePagination() } } } }),
      });
      clients.push(c);
      const d = docs('Relay');
      const create = async (id) => (await c.mutate({ mutation: d.create, variables: restaurantInput(id) })).data.createRestaurant.position;
      const mine = [];
      let p;
      for (let i = 0; i < 5; i++) {
        mine.push(`apollo-relay-${run}-${i}`);
        p = await create(mine[i]);
      }
      const fields = 'edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount';
      const forward = gql(`query RelayForward($first: Int, $after: String, $p: Int64) {
        restaurants(first: $first, after: $after, minPosition: $p) { ${fields} } }`);
      const backward = gql(`query RelayBackward($last: Int, $before: String, $p: Int64) {
        restaurants(last: $last, before: $before, minPosition: $p) { ${fields} } }`);
      const ids = (conn) => conn.edges.map((e) => e.node.id);
      const firstResult = (obs) => new Promise((resolve, reject) => {
        const sub = obs.subscribe({
          next: (r) => { if (r.data && !r.loading) { resolve(r.data.restaurants); queueMicrotask(() => sub.unsubscribe()); } },
          error: reject,
        });
      });
      // What the cache holds now: the pages merged (an ObservableQuery's current result lags
      // behind fetchMore in Apollo Client 4).
      const cached = (query, variables) => c.readQuery({ query, variables }).restaurants;

      // Forward: the first page, then fetchMore after endCursor until no page follows.
      const vars = { first: 3, p };
      const obs = c.watchQuery({ query: forward, variables: vars });
      let list = await firstResult(obs);
      assert.equal(list.edges.length, Math.min(3, list.totalCount));
      assert.equal(list.pageInfo.hasPreviousPage, false, 'the first page has none before it');
      for (let pages = 1; list.pageInfo.hasNextPage; pages++) {
        assert.ok(pages <= list.totalCount, 'too many pages');
        const { data } = await obs.fetchMore({ variables: { after: list.pageInfo.endCursor } });
        assert.ok(data.restaurants.edges.length > 0 && data.restaurants.edges.length <= 3, `page ${pages}: ${data.restaurants.edges.length} edges`);
        const merged = cached(forward, vars);
        assert.deepEqual(ids(merged), [...ids(list), ...ids(data.restaurants)], `page ${pages} appended after the edges before it`);
        list = merged;
      }
      const all = ids(list);
      assert.equal(all.length, list.totalCount, 'every restaurant');
      assert.equal(new Set(all).size, all.length, 'none twice');
      assert.deepEqual(all.slice(-5), mine, 'in creation order');
      assert.equal(list.pageInfo.startCursor, list.edges[0].cursor);
      assert.equal(list.pageInfo.endCursor, list.edges.at(-1).cursor);
      assert.equal(list.pageInfo.hasNextPage, false);

      // An empty page after the end (endCursor null) keeps the edges, and relayStylePagination
      // reads the last edge's cursor as endCursor: the cursor to poll for new restaurants with.
      const empty = (await obs.fetchMore({ variables: { after: list.pageInfo.endCursor } })).data.restaurants;
      assert.deepEqual({ edges: empty.edges, endCursor: empty.pageInfo.endCursor, startCursor: empty.pageInfo.startCursor },
        { edges: [], endCursor: null, startCursor: null }, 'an empty page');
      const polled = cached(forward, vars);
      assert.deepEqual(ids(polled), all);
      assert.equal(polled.pageInfo.endCursor, list.pageInfo.endCursor, 'the last edge\'s cursor');
      const late = `apollo-relay-${run}-late`;
      const lateAt = await create(late);
      await obs.fetchMore({ variables: { after: polled.pageInfo.endCursor, p: lateAt } });
      assert.deepEqual(ids(cached(forward, vars)), [...all, late], 'a restaurant created since is appended');
      const cursors = cached(forward, vars).edges.map((e) => e.cursor);

      // Backward: the last page, then fetchMore before startCursor until no page precedes
      // (another client: one cache per direction, as keyArgs false keeps one list).
      const back = new ApolloClient({
        link: new HttpLink({ uri: url, headers: authHeaders }),
        cache: new InMemoryCache({ typePolicies: { Query: { fields: { restaurants: relayStylePagination() } } } }),
      });
      clients.push(back);
      const backVars = { last: 2, p: lateAt };
      const obsBack = back.watchQuery({ query: backward, variables: backVars });
      let tail = await firstResult(obsBack);
      assert.deepEqual(ids(tail), [mine[4], late], 'the last two');
      assert.equal(tail.pageInfo.hasNextPage, false, 'the last page has none after it');
      for (let pages = 1; tail.pageInfo.hasPreviousPage; pages++) {
        assert.ok(pages <= tail.totalCount, 'too many pages');
        await obsBack.fetchMore({ variables: { before: tail.pageInfo.startCursor } });
        tail = back.readQuery({ query: backward, variables: backVars }).restaurants;
      }
      assert.deepEqual(ids(tail), [...all, late], 'read backward, the whole list in creation order');
      assert.deepEqual(tail.edges.map((e) => e.cursor), cursors, 'the same cursors either way');

      // A page read after an edge inside the list replaces what follows that edge: the edge's
      // cursor (not only a page's endCursor, which the policy copies onto its last edge) must
      // page on right after its node.
      await obs.fetchMore({ variables: { after: cursors[1] } });
      assert.deepEqual(ids(cached(forward, vars)), [...all, late].slice(0, 2 + 3), 'the page after the second edge');
    } finally {
      stopAll();
    }
  });

  if (persistedQueries) {
    for (const method of ['POST', 'GET']) {
      const label = method === 'GET' ? 'ApqGet' : 'ApqPost';
      test(`Apollo Client: automatic persisted queries (${method === 'GET' ? 'useGETForHashedQueries' : 'POST'})`, TEST, async () => {
        try {
          const { client: c, requests } = client({ apq: method });
          const d = docs(label);
          const id = `apollo-${label.toLowerCase()}-${run}`;
          const take = () => requests.splice(0);

          // mutations: always POST; the first of a document sends the hash, gets
          // PERSISTED_QUERY_NOT_FOUND and is sent again with the query; from then on the hash alone
          const created = (await c.mutate({ mutation: d.create, variables: restaurantInput(id) })).data.createRestaurant;
          assert.equal(created.id, id);
          let sent = take();
          assert.deepEqual(sent.map(wire), ['POST hash → PERSISTED_QUERY_NOT_FOUND', 'POST query+hash → data'], 'createRestaurant, first');
          checkHashes(sent, 'createRestaurant');
          const other = (await c.mutate({ mutation: d.create, variables: restaurantInput(`${id}-2`) })).data.createRestaurant;
          assert.equal(other.id, `${id}-2`);
          assert.equal(other.duplicate, false);
          const sentAgain = take();
          assert.deepEqual(sentAgain.map(wire), ['POST hash → data'], 'createRestaurant, second');
          checkHashes([...sent, ...sentAgain], 'createRestaurant');
          const placed = (await c.mutate({
            mutation: d.place, variables: { in: { restaurantId: id, orderId: `${id}-o1`, menuItemIds: ['m1', 'm2'] } },
          })).data.placeOrder;
          assert.deepEqual(take().map(wire), ['POST hash → PERSISTED_QUERY_NOT_FOUND', 'POST query+hash → data'], 'placeOrder');

          // a query: the hash (GET with useGETForHashedQueries), the query in full (always POST), then
          // a second execution of the same query with the hash alone
          const vars = { id: placed.id, p: placed.position };
          const first = await c.query({ query: d.order, variables: vars, fetchPolicy: 'network-only' });
          assert.equal(first.data.order.status, 'CREATED');
          sent = take();
          assert.deepEqual(sent.map(wire), [`${method} hash → PERSISTED_QUERY_NOT_FOUND`, 'POST query+hash → data'], 'order, first');
          const second = await c.query({ query: d.order, variables: vars, fetchPolicy: 'network-only' });
          assert.deepEqual(second.data, first.data);
          const hashOnly = take();
          assert.deepEqual(hashOnly.map(wire), [`${method} hash → data`], 'order, second');
          checkHashes([...sent, ...hashOnly], 'order');
          if (method === 'GET') {
            assert.deepEqual(Object.keys(hashOnly[0].sent).sort(), ['extensions', 'operationName', 'variables'], 'the GET carries no query');
            assert.deepEqual(hashOnly[0].sent.variables, vars);
          }
          for (const r of [...sent, ...hashOnly]) assert.equal(r.status, 200, `${wire(r)}: status`);

          // a query that fails validation is not kept: each time the hash, then the query, whose
          // own error Apollo surfaces
          for (const time of ['first', 'second']) {
            await graphQLError(c.query({ query: d.invalid, fetchPolicy: 'network-only' }), 'GRAPHQL_VALIDATION_FAILED', `invalid query, ${time}`);
            assert.deepEqual(take().map(wire), [`${method} hash → PERSISTED_QUERY_NOT_FOUND`, 'POST query+hash → GRAPHQL_VALIDATION_FAILED'],
              `invalid query, ${time}`);
          }
          // a resolver's error on a persisted mutation: the hash alone, and the error
          await graphQLError(c.mutate({ mutation: d.place, variables: { in: { restaurantId: `none-${run}`, menuItemIds: ['m1'] } } }),
            'NOT_FOUND', 'placeOrder at an unknown restaurant');
          assert.deepEqual(take().map(wire), ['POST hash → NOT_FOUND'], 'placeOrder at an unknown restaurant');
        } finally {
          stopAll();
        }
      });
    }
  } else {
    for (const method of ['POST', 'GET']) {
      const label = method === 'GET' ? 'NoApqGet' : 'NoApqPost';
      test(`Apollo Client: persisted queries off (--persisted-queries 0), ${method === 'GET' ? 'useGETForHashedQueries' : 'POST'}`, TEST, async () => {
        try {
          const { client: c, requests } = client({ apq: method });
          const d = docs(label);
          const id = `apollo-${label.toLowerCase()}-${run}`;
          const take = () => requests.splice(0);
          // the first operation sends the hash, gets PERSISTED_QUERY_NOT_SUPPORTED, and the link
          // turns itself off: the query in full, without a hash, then and from then on
          const { data } = await c.query({ query: d.restaurant, variables: { id }, fetchPolicy: 'network-only' });
          assert.equal(data.restaurant, null);
          const sent = take();
          assert.deepEqual(sent.map(wire), [`${method} hash → PERSISTED_QUERY_NOT_SUPPORTED`, 'POST query → data'], 'the first query');
          checkHashes(sent, 'the first query');
          await scenario(c, d, id);
          const later = take();
          assert.deepEqual(later.map(wire), ['POST query → data', 'POST query → data', 'POST query → data'],
            'after PERSISTED_QUERY_NOT_SUPPORTED: every operation in full');
          const again = await c.query({ query: d.restaurant, variables: { id }, fetchPolicy: 'network-only' });
          assert.equal(again.data.restaurant.id, id);
          assert.deepEqual(take().map(wire), ['POST query → data'], 'the first query again');
        } finally {
          stopAll();
        }
      });
    }
  }

  if (token) {
    test('Apollo Client: bearer tokens', TEST, async () => {
      try {
        // with the Authorization header: mutations work, plain and with persisted queries
        const plain = client();
        await scenario(plain.client, docs('Auth'), `apollo-auth-${run}`);
        assert.ok(plain.requests.length >= 3);
        for (const r of plain.requests) assert.equal(r.authorization, `Bearer ${token}`);
        const apq = client({ apq: persistedQueries ? 'GET' : 'POST' });
        await scenario(apq.client, docs('AuthApq'), `apollo-auth-apq-${run}`);
        for (const r of apq.requests) assert.equal(r.authorization, `Bearer ${token}`);
        if (persistedQueries) {
          assert.deepEqual(apq.requests.map(wire), [
            'POST hash → PERSISTED_QUERY_NOT_FOUND', 'POST query+hash → data',
            'POST hash → PERSISTED_QUERY_NOT_FOUND', 'POST query+hash → data',
            'GET hash → PERSISTED_QUERY_NOT_FOUND', 'POST query+hash → data',
          ]);
        }

        // without a token: 401 with an application/graphql-response+json body, which Apollo reads
        // as a GraphQL response: CombinedGraphQLErrors, UNAUTHENTICATED. A mutation already
        // persisted is refused too when only its hash comes without a token.
        const d = docs('AuthApq');
        for (const [what, opts] of [['HttpLink', {}], ['PersistedQueryLink', { apq: 'POST' }]]) {
          const none = client({ ...opts, headers: {} });
          await graphQLError(none.client.mutate({ mutation: d.create, variables: restaurantInput(`apollo-noauth-${run}`) }),
            'UNAUTHENTICATED', `${what}, no token`);
          const last = none.requests.at(-1);
          assert.equal(last.status, 401, `${what}, no token: status`);
          if (opts.apq && persistedQueries) assert.deepEqual(none.requests.map(wire), ['POST hash → UNAUTHENTICATED']);
        }
        // a wrong token: 401 with an application/json body, which Apollo does not read as a
        // GraphQL response (parseAndCheckHttpResponse: status >= 300 and not
        // application/graphql-response+json): a ServerError with the status and the body
        for (const [what, opts] of [['HttpLink', {}], ['PersistedQueryLink', { apq: 'POST' }]]) {
          const wrong = client({ ...opts, headers: { Authorization: `Bearer ${wrongToken}` } });
          const { error } = await settle(wrong.client.mutate({ mutation: d.create, variables: restaurantInput(`apollo-wrong-${run}`) }));
          if (CombinedGraphQLErrors.is(error)) {
            assert.equal(error.errors[0].extensions?.code, 'UNAUTHENTICATED', `${what}, a wrong token: ${describeError(error)}`);
          } else {
            assert.ok(ServerError.is(error), `${what}, a wrong token: a ServerError: ${describeError(error)}`);
            assert.equal(error.statusCode, 401, `${what}, a wrong token: status`);
            assert.equal(JSON.parse(error.bodyText).errors[0].extensions.code, 'UNAUTHENTICATED', `${what}, a wrong token: body`);
          }
          assert.equal(wrong.requests.length, 1, `${what}, a wrong token: one request`);
        }
      } finally {
        stopAll();
      }
    });
  }
}
