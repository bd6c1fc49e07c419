import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadCache } from './read-cache.js';

test('a kept value is served until the change stamp moves, then read again', async () => {
  let stamp = 'a';
  let loads = 0;
  const cache = new ReadCache<number>(async () => stamp);
  const load = async () => ++loads;
  assert.equal(await cache.get('k', load), 1);
  assert.equal(await cache.get('k', load), 1);
  assert.equal(await cache.get('other', load), 2);
  stamp = 'b';
  assert.equal(await cache.get('k', load), 3);
  assert.equal(await cache.get('k', load), 3);
});

test('a value loaded while the stamp moved is not kept under the new stamp', async () => {
  let stamp = 'a';
  let loads = 0;
  const cache = new ReadCache<number>(async () => stamp);
  let release = (): void => undefined;
  const slow = cache.get('k', async () => {
    await new Promise<void>((resolve) => (release = resolve));
    return ++loads;
  });
  await new Promise((resolve) => setImmediate(resolve));
  stamp = 'b';
  assert.equal(await cache.get('other', async () => 0), 0);
  release();
  assert.equal(await slow, 1);
  assert.equal(await cache.get('k', async () => ++loads), 2);
});
