import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TokenInfo } from './identity.js';
import { TokenCache } from './token-cache.js';

const info = (project: string, expiresAt = new Date(Date.now() + 3_600_000).toISOString()) =>
  ({
    userId: 'u',
    userName: 'user',
    projectId: project,
    projectName: project,
    roles: ['member'],
    issuedAt: new Date().toISOString(),
    expiresAt,
  }) satisfies TokenInfo;

test('50,000 tokens keep the cache bounded and the token in use cached, not emptied at a threshold', () => {
  const cache = new TokenCache(60);
  cache.set('in-use', info('busy'));
  let largest = 0;
  for (let i = 0; i < 50_000; i++) {
    cache.set(`token-${i}`, info(`project-${i}`));
    largest = Math.max(largest, cache.size);
    if (i % 100 === 0)
      assert.equal(cache.get('in-use')?.projectId, 'busy', `lost after ${i} other tokens`);
  }
  assert.ok(largest <= 10_000, `the cache grew to ${largest} entries`);
  assert.equal(cache.get('in-use')?.projectId, 'busy');
  assert.equal(cache.get('token-49999')?.projectId, 'project-49999');
  assert.equal(cache.get('token-0'), undefined, 'the least recently used went first');
});

test('a cached token is never trusted past its expiry or the cache time', async () => {
  const cache = new TokenCache(60);
  cache.set('expired', info('p', new Date(Date.now() - 1000).toISOString()));
  assert.equal(cache.get('expired'), undefined);
  cache.set('soon', info('p', new Date(Date.now() + 50).toISOString()));
  assert.equal(cache.get('soon')?.projectId, 'p');
  const deadline = Date.now() + 5000;
  while (cache.get('soon') !== undefined && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(cache.get('soon'), undefined, 'still trusted 5 s after its expiry');
  const short = new TokenCache(0.05);
  short.set('brief', info('p'));
  while (short.get('brief') !== undefined && Date.now() < deadline + 5000)
    await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(short.get('brief'), undefined, 'still trusted past the cache time');
});
