import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from './rate-limit.js';

test('a project gets its per-minute allowance per verb, then a Retry-After; the bucket leaks back', () => {
  const limiter = new RateLimiter({ get: 3, post: 2, put: 2, delete: 2, mgmtPost: 1 });
  const t0 = 1_000_000;
  for (let i = 0; i < 3; i++) assert.equal(limiter.take('p1', 'GET', '/instances', t0), undefined);
  const over = limiter.take('p1', 'GET', '/instances', t0);
  assert.deepEqual(over, {
    retryAfter: 20,
    rule: 'Only 3 GET request(s) can be made to * every minute.',
  });
  assert.equal(
    limiter.take('p2', 'GET', '/instances', t0),
    undefined,
    'other projects are not affected',
  );
  assert.equal(
    limiter.take('p1', 'POST', '/instances', t0),
    undefined,
    'other verbs are not affected',
  );
  assert.equal(
    limiter.take('p1', 'GET', '/instances', t0 + 20_000),
    undefined,
    'a third of a minute later one more fits',
  );
  assert.equal(limiter.take('p3', 'POST', '/mgmt/quotas/x', t0), undefined);
  assert.match(
    limiter.take('p3', 'POST', '/mgmt/quotas/x', t0)?.rule ?? '',
    /Only 1 POST request\(s\) can be made to \*\/mgmt every minute/,
  );
  assert.equal(
    limiter.take('p3', 'POST', '/instances', t0),
    undefined,
    'the refused /mgmt POST took nothing from the general POST limit',
  );
  const get = limiter.entries('p1', t0 + 20_000).find((e) => e.verb === 'GET');
  assert.equal(get?.remaining, 0);
});
