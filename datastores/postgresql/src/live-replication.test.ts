// Streaming replication between two real servers through the guest operations, as the control
// plane drives them: a replica seeded from a backup follows its source, a switchover swaps them,
// and a former source that wrote on after its replica was promoted is rewound to follow it.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Json, ReplicationSource } from '@cellar/plugin-api';
import { asUser, waitFor } from './testing/live-client.js';
import { backupBench, SOURCE_ID, type BackupBench } from './testing/backup-harness.js';
import { liveInstance, whyNoPostgres, type LiveServer } from './testing/live-server.js';

const noPostgres = whyNoPostgres();
const REPLICA_ID = '00000000-0000-4000-8000-0000000000r1'.replace('r1', 'a1');
const PASSWORD = 'alice-Secret-1';

const asAlice = (server: LiveServer, sql: string): Promise<Record<string, unknown>[]> =>
  asUser(server, 'alice', PASSWORD, 'shop', sql);
const rows = async (server: LiveServer): Promise<number> =>
  Number((await asAlice(server, 'SELECT count(*)::int AS n FROM t'))[0]?.n);

interface Pair {
  readonly source: LiveServer;
  readonly replica: LiveServer;
  readonly bench: BackupBench;
  readonly snapshot: ReplicationSource;
}

/** A source with table t of 10 rows and a replica seeded from its backup, as replica create does. */
async function pair(t: TestContext, synchronous = false): Promise<Pair> {
  const bench = await backupBench();
  const source = await liveInstance({ guestId: SOURCE_ID });
  t.after(async () => {
    await source.dispose();
    await bench.dispose();
  });
  await source.manager.prepare({
    memoryMb: 256,
    databases: [{ name: 'shop' }],
    users: [{ name: 'alice', password: PASSWORD, databases: [{ name: 'shop' }] }],
  });
  await asAlice(
    source,
    'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 10)',
  );
  const snapshot = (await source.manager.getReplicationSnapshot(
    { replicaId: REPLICA_ID, synchronous },
    {},
  )) as unknown as ReplicationSource;
  const backup = await bench.backup(source.manager);
  // Written after the backup: only streaming brings these to the replica.
  await asAlice(source, 'INSERT INTO t SELECT generate_series(11, 20)');
  const replica = await bench.restoredInstance(backup, { guestId: REPLICA_ID });
  t.after(() => replica.dispose());
  await replica.manager.prepare({
    memoryMb: 256,
    databases: [],
    users: [],
    backupInfo: backup,
    snapshot: snapshot as unknown as Record<string, Json>,
  });
  return { source, replica, bench, snapshot };
}

test(
  'a replica seeded from a backup streams what its source writes, read-only, and reports its lag',
  { skip: noPostgres },
  async (t) => {
    const { source, replica, snapshot } = await pair(t);
    assert.equal(snapshot.sourceId, SOURCE_ID);
    assert.equal(snapshot.user, 'cellar_replicator');
    await waitFor(async () => (await rows(replica)) === 20);
    await asAlice(source, 'INSERT INTO t SELECT generate_series(21, 30)');
    await waitFor(async () => (await rows(replica)) === 30);
    await assert.rejects(asAlice(replica, 'INSERT INTO t VALUES (99)'), /read-only/);
    const state = await replica.manager.replicationState();
    assert.equal(state?.role, 'replica');
    assert.equal(state?.sourceId, SOURCE_ID);
    assert.equal(state?.streaming, true);
    const sourceState = await source.manager.replicationState();
    assert.equal(sourceState?.role, 'source');
    assert.deepEqual(sourceState?.replicas, [{ id: REPLICA_ID, synchronous: false }]);
    await waitFor(async () => {
      const [s, r] = [
        await source.manager.getLatestTxnId(),
        await replica.manager.getLatestTxnId(),
      ];
      return s === r;
    });
    // The replication role is the guest's: never listed among the tenant's users.
    const users = await source.manager.listUsers({});
    assert.ok(!users.items.some((u) => u.name === 'cellar_replicator'));
  },
);

test(
  'a switchover promotes the replica, and the old source follows it',
  { skip: noPostgres },
  async (t) => {
    const { source, replica } = await pair(t);
    await source.manager.makeReadOnly(true);
    await assert.rejects(asAlice(source, 'INSERT INTO t VALUES (98)'), /read-only/);
    await replica.manager.waitForTxn(await source.manager.getLatestTxnId());
    await replica.manager.detachReplica(true);
    await replica.manager.enableAsMaster({ replicaIds: [SOURCE_ID], synchronous: false });
    await source.manager.attachReplica(await replica.manager.getReplicaContext(), {}, true);
    await source.manager.demoteReplicationMaster();
    await asAlice(replica, 'INSERT INTO t SELECT generate_series(21, 25)');
    await waitFor(async () => (await rows(source)) === 25, 30_000);
    assert.equal((await source.manager.replicationState())?.role, 'replica');
    assert.equal((await replica.manager.replicationState())?.role, 'source');
    await assert.rejects(asAlice(source, 'INSERT INTO t VALUES (97)'), /read-only/);
  },
);

test(
  'a former source that wrote on after its replica was promoted is rewound to follow it',
  { skip: noPostgres },
  async (t) => {
    const { source, replica } = await pair(t);
    await waitFor(async () => (await rows(replica)) === 20);
    await replica.manager.detachReplica(true);
    await replica.manager.enableAsMaster({ replicaIds: [SOURCE_ID], synchronous: false });
    // Writes the promoted replica never got: pg_rewind undoes them.
    await asAlice(source, 'INSERT INTO t SELECT generate_series(1000, 1009)');
    await asAlice(replica, 'INSERT INTO t SELECT generate_series(21, 22)');
    await source.manager.attachReplica(await replica.manager.getReplicaContext(), {}, true);
    await waitFor(async () => (await rows(source)) === 22, 30_000);
    const [{ high } = {}] = await asAlice(source, 'SELECT max(id) AS high FROM t');
    assert.equal(high, 22);
  },
);

test(
  'a synchronous source waits for its replica once told to serve it',
  { skip: noPostgres },
  async (t) => {
    const { source, replica } = await pair(t, true);
    await source.manager.enableAsMaster({ replicaIds: [REPLICA_ID], synchronous: true });
    await waitFor(async () => {
      const state = await source.manager.replicationState();
      return state?.replicas?.[0]?.synchronous === true;
    }, 15_000);
    await asAlice(source, 'INSERT INTO t VALUES (500)');
    // Acknowledged means on the replica already (remote_flush), and soon replayed there.
    await waitFor(async () => (await rows(replica)) === 21);
  },
);
