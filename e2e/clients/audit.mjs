// The GraphQL-over-HTTP audit of graphql-http (the reference implementation of the GraphQL over
// HTTP specification): every MUST, SHOULD and MAY it checks against the server's /graphql over
// POST and GET, with both response media types. Any audit that is not "ok" fails the test, a
// SHOULD or MAY as well as a MUST: the server meets them all (README, "HTTP statuses").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAudits } from 'graphql-http';

export function httpAuditTests({ url, authHeaders, TEST }) {
  test('graphql-http: the GraphQL over HTTP audit passes in full', TEST, async () => {
    // The audits send no credentials; the server may require a token.
    const fetchFn = (input, init = {}) =>
      fetch(input, { ...init, headers: { ...(init.headers || {}), ...authHeaders } });
    const failed = [];
    let ran = 0;
    for (const audit of serverAudits({ url, fetchFn })) {
      const result = await audit.fn();
      ran++;
      if (result.status !== 'ok') {
        failed.push(`${result.status} ${audit.id} ${audit.name}: ${result.reason}`);
      }
    }
    assert.ok(ran >= 50, `only ${ran} audits ran`);
    assert.deepEqual(failed, [], `${failed.length} of ${ran} audits are not ok:\n${failed.join('\n')}`);
  });
}
