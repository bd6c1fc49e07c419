// The replication records on a real control database: who follows whom as the views show it, and
// which sources the driver's watch leaves dead for the automatic failover.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Kysely } from 'kysely';
import { migrateToLatest, openDatabase } from '../db/connect.js';
import { now, type Database } from '../db/schema.js';
import { insertInstance } from '../testing/instance-fixture.js';
import { heldForFailover } from './failover-monitor.js';
import { replicationFields, replicationLinks } from './views.js';

async function controlDb(t: TestContext): Promise<Kysely<Database>> {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-replication-'));
  const control = await openDatabase({ dialect: 'sqlite', path: join(dir, 'control.sqlite') });
  t.after(async () => {
    await control.close();
    await rm(dir, { recursive: true, force: true });
  });
  await migrateToLatest(control.db);
  return control.db;
}

/** A source with two replicas, the first reporting healthy `ageSeconds` ago. */
async function set(db: Kysely<Database>, ageSeconds: number) {
  const source = await insertInstance(db);
  const replicas = [await insertInstance(db), await insertInstance(db)];
  for (const [i, id] of replicas.entries()) {
    // Made a second apart, as two creates are: inserted within one millisecond, their order
    // by creation time would be a tie.
    await db
      .updateTable('instances')
      .set({ created_at: new Date(Date.now() + i * 1000).toISOString() })
      .where('id', '=', id)
      .execute();
    await db
      .insertInto('replicas')
      .values({
        instance_id: id,
        source_id: source,
        synchronous: 0,
        backup_id: null,
        snapshot: null,
        created_at: now(),
      })
      .execute();
    const at = new Date(Date.now() - (i === 0 ? ageSeconds : 3600) * 1000).toISOString();
    await db
      .insertInto('service_statuses')
      .values({ instance_id: id, status: 'healthy', updated_at: at })
      .execute();
  }
  return { source, replicas };
}

test('a source lists its replicas and each replica names its source', async (t) => {
  const db = await controlDb(t);
  const { source, replicas } = await set(db, 1);
  const other = await insertInstance(db);
  const links = await replicationLinks(db, [source, ...replicas, other]);
  assert.deepEqual(links.get(source)?.replicas, replicas);
  assert.equal(links.get(replicas[0] ?? '')?.replicaOf, source);
  assert.equal(links.get(other), undefined);
  const fields = replicationFields(links.get(source), 'http://x', 'p1');
  assert.deepEqual(
    fields.replicas?.map((r) => [r.id, r.links[0]?.href]),
    replicas.map((id) => [id, `http://x/v1.0/p1/instances/${id}`]),
  );
  assert.equal(fields.replica_of, undefined);
  // A deleted replica is no longer shown.
  await db
    .updateTable('instances')
    .set({ deleted_at: now() })
    .where('id', '=', replicas[1] ?? '')
    .execute();
  assert.deepEqual((await replicationLinks(db, [source])).get(source)?.replicas, [replicas[0]]);
});

test('with automatic failover, a source with a healthy replica is not revived in place', async (t) => {
  const db = await controlDb(t);
  const fresh = await set(db, 1);
  const stale = await set(db, 600);
  const deps = (automaticFailover: boolean) => ({
    db,
    replication: { synchronous: false, automaticFailover, failoverTimeout: 30 },
  });
  assert.deepEqual([...(await heldForFailover(deps(true)))], [fresh.source]);
  assert.deepEqual([...(await heldForFailover(deps(false)))], []);
  assert.ok(!(await heldForFailover(deps(true))).has(stale.source));
});
