// Drives the eventgraph GraphiQL playground in a real Chromium: runs a mutation and a query
// through the UI, starts a subscription and sees an event arrive from a mutation made by
// another client, checks that an EventSource sees SSE event ids and a query's complete, and saves a screenshot. It fails (exit status 1) if any step, asset or
// request fails, or the page logs an error.
//
// Environment:
//   BASE_URL    the server, e.g. http://127.0.0.1:8080 (required)
//   SCREENSHOT  where to save the screenshot (default: playground.png in the OS temp dir)
//   CHROMIUM    the browser executable (default /usr/bin/chromium)
//   AUTH_TOKEN  a bearer token the server requires (optional): the page gets it in GraphiQL's
//               Headers tab (through the URL), which GraphiQL sends with queries and
//               mutations and, for subscriptions, as the WebSocket's connection_init payload
import { chromium } from 'playwright-core';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = process.env.BASE_URL;
if (!base) {
  console.error('browser: BASE_URL is not set');
  process.exit(2);
}
const screenshot = process.env.SCREENSHOT || join(tmpdir(), 'playground.png');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const stepTimeout = 20_000;
const token = process.env.AUTH_TOKEN || '';
const authHeaders = token ? { Authorization: `Bearer ${token}` } : {};

const problems = [];
const problem = (what) => {
  problems.push(what);
  console.error(`browser: ${what}`);
};

// graphql sends an operation as another client would (not through the page).
async function graphql(query, variables) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...authHeaders },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (!res.ok || body.errors) throw new Error(`graphql: ${res.status} ${JSON.stringify(body)}`);
  return body.data;
}

// edit puts the operation, named name, into GraphiQL's editor and waits until GraphiQL has
// parsed it (its tab takes the operation's name), so the run button runs it with the right
// transport (a subscription goes over the WebSocket only once GraphiQL knows it is one).
async function edit(page, name, operation) {
  await page.evaluate((op) => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(op);
  }, operation);
  await page.waitForFunction((name) => [...document.querySelectorAll('.graphiql-tab')]
    .some((t) => t.textContent.includes(name)), name, { timeout: stepTimeout, polling: 50 });
}

// run edits the operation, presses the run button and waits until the response pane shows
// every string of want; it returns the pane's text.
async function run(page, name, operation, want) {
  await edit(page, name, operation);
  await page.click('.graphiql-execute-button');
  const handle = await page.waitForFunction((want) => {
    const cm = document.querySelector('.graphiql-response .CodeMirror');
    const text = cm ? cm.CodeMirror.getValue() : '';
    return want.every((w) => text.includes(w)) ? text : false;
  }, want, { timeout: stepTimeout, polling: 100 });
  return handle.jsonValue();
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-default-apps',
    '--disable-sync',
    '--no-first-run',
    '--metrics-recording-only',
  ],
});
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('requestfailed', (r) => {
    // A WebSocket or stream (an EventSource's) the page closes itself shows as aborted;
    // anything else is a failure.
    if (r.failure()?.errorText === 'net::ERR_ABORTED' && new URL(r.url()).pathname === '/graphql') return;
    problem(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
  });
  // Every response is a success: the page names its own (empty) icon, so the browser does not
  // ask for /favicon.ico either.
  page.on('response', (r) => {
    if (r.status() >= 400) problem(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problem(`console error: ${m.text()} (${m.location()?.url || 'no location'})`);
  });
  page.on('pageerror', (e) => problem(`page error: ${e.message}`));
  let eventOverWebSocket = false;
  let ackWS;
  const wsAcked = new Promise((resolve) => { ackWS = resolve; });
  page.on('websocket', (ws) => {
    ws.on('socketerror', (e) => problem(`websocket error: ${e}`));
    ws.on('framereceived', ({ payload }) => {
      const text = String(payload);
      if (text.includes('"connection_ack"')) ackWS();
      if (text.includes('restaurant-browser-r2')) eventOverWebSocket = true;
    });
  });

  const page0 = token ? `${base}/?headers=${encodeURIComponent(JSON.stringify(authHeaders))}` : `${base}/`;
  const res = await page.goto(page0, { waitUntil: 'load' });
  if (!res || res.status() !== 200) throw new Error(`GET /: ${res && res.status()}`);
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: stepTimeout });
  await page.waitForSelector('.graphiql-execute-button', { timeout: stepTimeout });
  console.log(`browser: the playground loaded${token ? ' (with a bearer token in its Headers tab)' : ''}`);

  // A mutation through the UI.
  const created = await run(page, 'BrowserCreate', `mutation BrowserCreate {
  createRestaurant(input: {
    id: "browser-r1", name: "Browser Bistro", commandId: "browser-c1",
    menu: {cuisine: FRENCH, menuItems: [{menuItemId: "m1", name: "Soupe", price: "6.50"}]}
  }) { id streamId version position }
}`, ['"streamId": "restaurant-browser-r1"']);
  const position = JSON.parse(created).data.createRestaurant.position;
  console.log(`browser: mutation ran in the UI (position ${position})`);

  // A query through the UI, reading its own write.
  await run(page, 'BrowserRead', `query BrowserRead { restaurant(id: "browser-r1", minPosition: ${position}) { name version menu { menuItems { name price } } } }`,
    ['"name": "Browser Bistro"', '"price": "6.50"']);
  console.log('browser: query ran in the UI');

  // A subscription through the UI (from the current position: no race with the mutation
  // below), and a mutation by another client that it must show.
  const { status } = await graphql('{ status { head } }');
  await edit(page, 'BrowserEvents', `subscription BrowserEvents { events(afterPosition: ${status.head}) { position type streamId } }`);
  await page.click('.graphiql-execute-button');
  // Wait until the server has acknowledged the subscription's WebSocket.
  await wsAcked;
  await graphql(`mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }`, {
    in: { id: 'browser-r2', name: 'Other Client', menu: { cuisine: 'ITALIAN', menuItems: [{ menuItemId: 'm1', name: 'Pizza', price: '9.00' }] } },
  });
  await page.waitForFunction(() => {
    const cm = document.querySelector('.graphiql-response .CodeMirror');
    return cm && cm.CodeMirror.getValue().includes('"streamId": "restaurant-browser-r2"');
  }, null, { timeout: stepTimeout, polling: 100 });
  if (!eventOverWebSocket) throw new Error('the event reached the page, but not over the subscription\'s WebSocket');
  console.log('browser: the subscription in the UI showed the other client\'s event');

  // A browser's EventSource over SSE (without a token: it cannot send headers): each event
  // carries its log position as its id, which the browser keeps (lastEventId) and sends back
  // as Last-Event-ID when it reconnects.
  if (!token) {
    const ids = await page.evaluate(async ({ after, timeout }) => {
      const url = new URL('/graphql', location.href);
      url.searchParams.set('query', `subscription { events(afterPosition: ${after}) { position } }`);
      const source = new EventSource(url);
      try {
        return await new Promise((resolve, reject) => {
          const got = [];
          setTimeout(() => reject(new Error(`EventSource: ${got.length} events in ${timeout} ms`)), timeout);
          source.addEventListener('next', (e) => {
            got.push({ id: e.lastEventId, position: JSON.parse(e.data).data.events.position });
            if (got.length === 2) resolve(got);
          });
        });
      } finally {
        source.close();
      }
    }, { after: position - 1, timeout: stepTimeout });
    for (const { id, position: p } of ids) {
      if (id !== String(p)) throw new Error(`EventSource: an event of position ${p} has the id ${JSON.stringify(id)}`);
    }
    console.log(`browser: an EventSource saw the events' positions as their ids (${ids.map((e) => e.id).join(', ')})`);

    // A finished operation's "complete" reaches an EventSource, which can then close: one
    // without data is never dispatched, and the EventSource reconnected, running the
    // operation again every few seconds.
    const seen = await page.evaluate(async (timeout) => {
      const url = new URL('/graphql', location.href);
      url.searchParams.set('query', '{ status { head } }');
      const source = new EventSource(url);
      try {
        return await new Promise((resolve, reject) => {
          const got = [];
          setTimeout(() => reject(new Error(`EventSource: saw ${JSON.stringify(got)} in ${timeout} ms, no complete`)), timeout);
          source.addEventListener('next', () => got.push('next'));
          source.addEventListener('complete', () => { got.push('complete'); resolve(got); });
        });
      } finally {
        source.close();
      }
    }, stepTimeout);
    if (seen.join(' ') !== 'next complete') throw new Error(`EventSource: a query's stream dispatched ${JSON.stringify(seen)}, want next, complete`);
    console.log('browser: an EventSource saw a query\'s next and complete');
  }

  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`browser: screenshot saved to ${screenshot}`);
  // Stop the subscription (the run button is its stop button now) before closing.
  await page.click('.graphiql-execute-button');
} catch (e) {
  failed = true;
  console.error(`browser: ${e.stack || e}`);
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages.length) await pages[0].screenshot({ path: screenshot, fullPage: true });
    console.error(`browser: screenshot of the failure saved to ${screenshot}`);
  } catch { /* the browser is gone */ }
} finally {
  await browser.close();
}
if (failed || problems.length) {
  console.error(`browser: FAILED (${problems.length} problem(s) on the page)`);
  process.exit(1);
}
console.log('browser: ok');
