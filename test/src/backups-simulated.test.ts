// Backups through a whole control plane started as a user starts it (configuration, roles, RPC),
// with simulated guests, which take no backups: the request is accepted, the backup ends FAILED
// saying so, the instance is ACTIVE again and the failed backup can be deleted.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { pgInstance, simulatedPlaneOfFile } from './support/simulated-plane.js';
import { waitFor } from './support/wait-for.js';

const storageDir = join(tmpdir(), `cellar-backups-${randomUUID()}`);
after(() => rm(storageDir, { recursive: true, force: true }));
const plane = simulatedPlaneOfFile([
  `backup_storage_local.path=${storageDir}`,
  'postgresql.backup_strategy=pg_basebackup',
]);

test('a backup taken through the configured control plane ends FAILED with the guest reason, and the instance is ACTIVE again', async (t) => {
  const created = await plane.api('POST', '/instances', pgInstance({ name: 'db-backup' }));
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const id = (created.json['instance'] as Json)['id'] as string;
  await plane.until(id, (i) => i['status'] === 'ACTIVE', 'ACTIVE');
  const requested = await plane.api('POST', '/backups', { backup: { name: 'b1', instance: id } });
  if (requested.status === 501)
    return t.skip('the postgresql datastore of this build does not declare backups');
  assert.equal(requested.status, 202, JSON.stringify(requested.json));
  const backup = requested.json['backup'] as Json;
  assert.equal(backup['storage_driver'], 'local');
  const failed = await waitFor(
    async () => {
      const shown = (await plane.api('GET', `/backups/${backup['id'] as string}`)).json;
      const b = shown['backup'] as Json;
      return b['status'] === 'FAILED' && b;
    },
    { timeout: 15_000, what: 'the backup to end FAILED' },
  );
  assert.match(JSON.stringify(failed['fault']), /takes no backups/);
  await plane.until(id, (i) => i['status'] === 'ACTIVE', 'ACTIVE again');
  const listed = await plane.api('GET', `/instances/${id}/backups`);
  assert.deepEqual(
    (listed.json['backups'] as Json[]).map((b) => b['id']),
    [backup['id']],
  );
  assert.equal((await plane.api('DELETE', `/backups/${backup['id'] as string}`)).status, 202);
  assert.equal((await plane.api('GET', `/backups/${backup['id'] as string}`)).status, 404);
});
