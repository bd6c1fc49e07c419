import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GuestClient } from '@cellar/rpc';
import { VolumeUsage } from './volume-usage.js';
import type { InstanceRow } from './views.js';

const row = { id: 'i1', rpc_key: 'sealed' } as InstanceRow;

test("shows ask an instance's guest for its volume's use at most once every few seconds", async () => {
  let asked = 0;
  const usage = new VolumeUsage(
    () =>
      ({
        filesystemStats: async () => {
          asked += 1;
          return { used: asked, total: 10 };
        },
      }) as unknown as GuestClient,
  );
  const together = await Promise.all([usage.used(row, 0), usage.used(row, 1), usage.used(row, 2)]);
  assert.deepEqual(together, [1, 1, 1]);
  assert.equal(await usage.used(row, 4999), 1);
  assert.equal(await usage.used(row, 5000), 2, 'asked again once the value is old');
  assert.equal(asked, 2);
});

test('a guest that cannot answer leaves the use out instead of failing the show', async () => {
  const usage = new VolumeUsage(() => {
    throw new Error('no key');
  });
  assert.equal(await usage.used(row, 0), undefined);
});
