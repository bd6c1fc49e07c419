// One real PostgreSQL instance's whole life through the API, as a user's first session goes:
// created, reached with psql, restarted (its server really starts again), and deleted.

import assert from 'node:assert/strict';
import type { ApiSession, Json } from '@cellar/server/testing';
import { processesNaming, psql } from './local-postgresql.js';
import { waitFor } from './wait-for.js';

const healthy = (i: Json): boolean =>
  i['status'] === 'ACTIVE' && i['operating_status'] === 'HEALTHY';

/** When the instance's PostgreSQL last started, as its user sees it. */
async function serverStart(address: string): Promise<string> {
  const answer = await psql(
    address,
    'app',
    'app-Secret-1',
    'appdb',
    'SELECT pg_postmaster_start_time()',
  );
  return answer.ok ? answer.out : '';
}

/** Creates, restarts and deletes one PostgreSQL instance, asserting each step as a user sees it. */
export async function instanceLifecycle(session: ApiSession, name: string): Promise<void> {
  const versions = (await session.call('GET', '/datastores/postgresql/versions')).json;
  const version = String(((versions['versions'] as Json[])[0] ?? {})['name']);
  const created = await session.call('POST', '/instances', {
    instance: {
      name,
      flavorRef: '1',
      volume: { size: 1 },
      datastore: { type: 'postgresql', version },
      databases: [{ name: 'appdb' }],
      users: [{ name: 'app', password: 'app-Secret-1', databases: [{ name: 'appdb' }] }],
    },
  });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const id = String((created.json['instance'] as Json)['id']);
  const active = await session.untilInstance(
    id,
    (i) => healthy(i) || i['status'] === 'ERROR',
    'ACTIVE',
    120,
    200,
  );
  assert.equal(active['status'], 'ACTIVE', JSON.stringify(active['fault'] ?? active));
  const address = (active['ip'] as string[])[0] ?? '';
  const started = await serverStart(address);
  assert.notEqual(started, '', `psql could not reach ${address}`);

  assert.equal(
    (await session.call('POST', `/instances/${id}/action`, { restart: {} })).status,
    202,
  );
  await waitFor(
    async () =>
      healthy((await session.call('GET', `/instances/${id}`)).json['instance'] as Json) &&
      ![started, ''].includes(await serverStart(address)),
    {
      timeout: 120_000,
      what: `instance ${id} to be ACTIVE with its server started again`,
      interval: 200,
    },
  );

  assert.equal((await session.call('DELETE', `/instances/${id}`)).status, 202);
  await session.untilInstance(id, (i) => 'gone' in i, 'deleted', 60, 200);
  assert.deepEqual(await processesNaming(id), [], 'nothing of the instance runs any more');
}
