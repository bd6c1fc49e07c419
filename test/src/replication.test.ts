// PostgreSQL replication through the API on real instances of the local compute driver: a replica
// made without a flavor follows its source, a planned switchover promotes it and the old source
// follows it, and a detached replica takes writes of its own.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { localCellarOfFile, settled } from './support/local-cellar.js';
import { noPostgresql } from './support/local-postgresql.js';
import {
  deleteInOrder,
  pgSource,
  replicasOf,
  rowsOn,
  sql,
  switchover,
  untilRows,
} from './support/replication.js';
import { waitFor } from './support/wait-for.js';

const local = localCellarOfFile(noPostgresql, ['DEFAULT.backup_storage=local']);

/** `openstack --os-cloud cellar …` with the clouds.yaml this Cellar wrote; JSON answers parsed. */
async function cli(...args: string[]): Promise<Json> {
  const { stdout } = await promisify(execFile)('openstack', ['--os-cloud', 'cellar', ...args], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: local.state,
      OS_CLIENT_CONFIG_FILE: join(local.state, 'clouds.yaml'),
    },
  });
  return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Json);
}

const shown = async (id: string): Promise<Json> =>
  (await local.api('GET', `/instances/${id}`)).json['instance'] as Json;

test(
  'a replica made without a flavor follows its source, and a switchover promotes it',
  { skip: noPostgresql },
  async () => {
    const source = await pgSource(local, 'repl-source');
    await sql(source.address, 'INSERT INTO items SELECT generate_series(1, 10)');
    const [replica] = await replicasOf(local, source.id, 'repl-replica');
    assert.ok(replica);
    // Its source's flavor and volume, as Trove.
    assert.equal((replica.view['flavor'] as Json)['id'], '2');
    assert.deepEqual((replica.view['volume'] as Json)['size'], 1);
    assert.equal((replica.view['replica_of'] as Json)['id'], source.id);
    const replicas = (await shown(source.id))['replicas'] as Json[];
    assert.deepEqual(
      replicas.map((r) => r['id']),
      [replica.id],
    );
    await untilRows(replica.address, 10);
    // The backup the replica was seeded from is removed once it streams, as Trove does.
    const seeds = (await local.api('GET', `/instances/${source.id}/backups`)).json['backups'];
    assert.deepEqual(seeds, []);
    await sql(source.address, 'INSERT INTO items SELECT generate_series(11, 20)');
    await untilRows(replica.address, 20);
    await assert.rejects(sql(replica.address, 'INSERT INTO items VALUES (99)'), /read-only/);
    // The lag the replica's heartbeat reported shows in its detail.
    const detail = await waitFor(
      async () => {
        const d = await shown(replica.id);
        return (d['replication'] as Json | undefined)?.['role'] === 'replica' ? d : undefined;
      },
      { what: 'the replica to report its replication state', timeout: 20_000 },
    );
    assert.equal(typeof (detail['replication'] as Json)['lag_bytes'], 'number');

    await switchover(local, replica.id, source.id);
    await sql(replica.address, 'INSERT INTO items SELECT generate_series(21, 25)');
    await untilRows(source.address, 25);
    assert.equal(await rowsOn(replica.address), 25);
    await assert.rejects(sql(source.address, 'INSERT INTO items VALUES (98)'), /read-only/);

    // The old source, now a replica, detached: it takes writes of its own.
    const detached = await local.api('PATCH', `/instances/${source.id}`, {
      instance: { replica_of: null },
    });
    assert.equal(detached.status, 202, JSON.stringify(detached.json));
    await waitFor(
      async () => {
        const d = await shown(source.id);
        return settled(d) && d['replica_of'] === undefined ? d : undefined;
      },
      { what: 'the detached replica to stand alone', timeout: 60_000, interval: 250 },
    );
    await sql(source.address, 'INSERT INTO items VALUES (1000)');
    assert.equal(await rowsOn(source.address), 26);
    assert.equal(await rowsOn(replica.address), 25);
    // Its former source keeps no slot for it: no WAL is held for a replica that is gone.
    assert.equal(await sql(replica.address, 'SELECT count(*) FROM pg_replication_slots'), '0');
  },
);

test(
  'openstack database instance create --replica-of, promote and detach, as an operator would',
  { skip: noPostgresql },
  async () => {
    const source = await pgSource(local, 'cli-source');
    await sql(source.address, 'INSERT INTO items SELECT generate_series(1, 5)');
    const id = String(
      (
        await cli(
          'database',
          'instance',
          'create',
          'cli-replica',
          '--replica-of',
          source.id,
          '-f',
          'json',
        )
      )['id'],
    );
    const view = await local.session.untilInstance(id, settled, 'ACTIVE', 300, 250);
    assert.equal(view['status'], 'ACTIVE', JSON.stringify(view['fault'] ?? view));
    assert.equal((view['replica_of'] as Json)['id'], source.id);
    const address = (view['ip'] as string[])[0] ?? '';
    await untilRows(address, 5);
    await cli('database', 'instance', 'promote', id);
    await local.session.untilInstance(
      source.id,
      (i) => settled(i) && (i['replica_of'] as Json | undefined)?.['id'] === id,
      'the old source to follow the promoted replica',
      120,
      250,
    );
    await cli('database', 'instance', 'detach', source.id);
    await local.session.untilInstance(
      source.id,
      (i) => settled(i) && i['replica_of'] === undefined,
      'the old source to be detached',
      60,
      250,
    );
    await sql(address, 'INSERT INTO items VALUES (6)');
    await sql(source.address, 'INSERT INTO items VALUES (7)');
    await deleteInOrder(local, [id, source.id]);
  },
);

test('replica_of refuses what a replica cannot be', { skip: noPostgresql }, async () => {
  const missing = await local.api('POST', '/instances', {
    instance: { name: 'r', replica_of: '00000000-0000-4000-8000-000000000000' },
  });
  assert.equal(missing.status, 404, JSON.stringify(missing.json));
  const noFlavor = await local.api('POST', '/instances', {
    instance: { name: 'r', volume: { size: 1 }, datastore: { type: 'postgresql' } },
  });
  assert.equal(noFlavor.status, 400, JSON.stringify(noFlavor.json));
  assert.match(JSON.stringify(noFlavor.json), /flavorRef/);
  const count = await local.api('POST', '/instances', {
    instance: { name: 'r', flavorRef: '2', volume: { size: 1 }, replica_count: 2 },
  });
  assert.equal(count.status, 400, JSON.stringify(count.json));
});
