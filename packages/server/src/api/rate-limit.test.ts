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

test('50,000 projects keep the rate-limit buckets bounded: idle buckets are pruned, busy ones kept', () => {
  const limiter = new RateLimiter({ get: 200, post: 10, put: 200, delete: 200, mgmtPost: 200 });
  const t0 = 1_000_000;
  let largest = 0;
  for (let i = 0; i < 50_000; i++) {
    assert.equal(limiter.take(`project-${i}`, 'GET', '/instances', t0 + i * 10), undefined);
    largest = Math.max(largest, limiter.size);
  }
  assert.ok(largest <= 1024, `the limiter grew to ${largest} buckets`);
  const busy = t0 + 50_000 * 10;
  for (let i = 0; i < 10; i++) limiter.take('busy', 'POST', '/instances', busy);
  for (let i = 0; i < 2000; i++) limiter.take(`late-${i}`, 'GET', '/instances', busy + i);
  assert.ok(limiter.size <= 1024, `the limiter grew to ${limiter.size} buckets`);
  assert.equal(
    limiter.take('busy', 'POST', '/instances', busy + 2000)?.retryAfter,
    4,
    'a project still over its limit keeps its bucket through the pruning',
  );
  assert.equal(
    limiter.entries('busy', busy + 2000).find((e) => e.verb === 'POST' && e.uri === '*')?.remaining,
    0,
  );
});
