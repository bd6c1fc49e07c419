// MariaDB replication between real servers on loopback: replicas seeded from a mariabackup backup
// follow their source by GTID, refuse tenants' writes, are promoted and re-pointed as the control
// plane does it, a former source with writes its replicas never got is refused, and semi-sync waits.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readPid } from '@cellar/plugin-api/processes';
import { findTool } from './backup-tools.js';
import { BackupFiles } from './testing/backup-files.js';
import { code } from './testing/live-client.js';
import { whyNoServer } from './testing/live-server.js';
import {
  context,
  count,
  replicaOf,
  source,
  sql,
  until,
  write,
} from './testing/replication-servers.js';

const noTools = ((): string | undefined => {
  try {
    findTool('mariabackup');
    findTool('mbstream');
    return whyNoServer();
  } catch (error) {
    return (error as Error).message;
  }
})();

const rows = (n: number) => async (s: Parameters<typeof count>[0]) => (await count(s)) === n;

test(
  'a replica seeded from an incremental backup follows its source by GTID and refuses tenant writes',
  { skip: noTools },
  async (t) => {
    const files = await BackupFiles.create();
    t.after(() => files.dispose());
    const primary = await source(t);
    await write(primary, 1, 100);
    const full = await files.take(primary.manager, 'full');
    await write(primary, 101, 200);
    const replica = await replicaOf(t, files, primary, { parent: full });
    // Written after the seeding backup: only replication brings these.
    await write(primary, 201, 300);
    await until('the replica has all 300 rows', () => rows(300)(replica));

    await assert.rejects(write(replica, 301, 301), /read-only|read_only/i);
    const txn = await primary.manager.getLatestTxnId();
    await replica.manager.waitForTxn(txn);
    assert.deepEqual(await replica.manager.getLastTxn(), [primary.id, txn]);

    const state = await replica.manager.replicationState();
    assert.equal(state?.role, 'replica');
    assert.equal(state?.sourceId, primary.id);
    assert.equal(state?.streaming, true);
    assert.equal(state?.position, txn);
    assert.equal(state?.lagSeconds, 0);
    const sourceState = await primary.manager.replicationState();
    assert.equal(sourceState?.role, 'source');
    assert.equal(sourceState?.progress, state?.progress, 'caught up: the same GTID sequence');
    assert.deepEqual(sourceState?.replicas, [{ id: replica.id, synchronous: false }]);
    // The replication account is the guest's own: not listed among the tenant's users.
    const users = (await primary.manager.listUsers({})).items.map((u) => u.name);
    assert.deepEqual(users, ['alice']);
  },
);

test(
  'a promoted replica takes writes, another replica is re-pointed to it, and a former source with writes it never got is refused',
  { skip: noTools },
  async (t) => {
    const files = await BackupFiles.create();
    t.after(() => files.dispose());
    const primary = await source(t);
    await write(primary, 1, 100);
    const promoted = await replicaOf(t, files, primary);
    const other = await replicaOf(t, files, primary);
    await write(primary, 101, 200);
    await until('both replicas have 200 rows', async () => {
      return (await rows(200)(promoted)) && (await rows(200)(other));
    });

    // Promotion as the control plane does it.
    await primary.manager.makeReadOnly(true);
    await promoted.manager.waitForTxn(await primary.manager.getLatestTxnId());
    const detached = (await promoted.manager.detachReplica(true)) as Record<string, unknown>;
    assert.equal(detached['sourceId'], primary.id);
    await promoted.manager.enableAsMaster({ replicaIds: [other.id], synchronous: false });
    await write(promoted, 201, 250);
    assert.equal(await count(promoted), 250);
    assert.equal((await promoted.manager.replicationState())?.role, 'source');

    await other.manager.attachReplica(await context(promoted), {}, true);
    await write(promoted, 251, 300);
    await until('the re-pointed replica has the new source rows', () => rows(300)(other));
    assert.equal((await other.manager.replicationState())?.sourceId, promoted.id);

    // The former source took a write its replicas never got: it cannot follow the new source.
    await primary.manager.makeReadOnly(false);
    await sql(primary, 'INSERT INTO t VALUES (100000, "lost")');
    await assert.rejects(
      primary.manager.attachReplica(await context(promoted), {}, false),
      code('CELLAR_REPLICA_DIVERGED'),
    );
    await assert.rejects(write(primary, 400, 400), /read-only|read_only/i, 'left read-only');
  },
);

test(
  'a former synchronous source without writes of its own rejoins as a replica of the promoted one',
  { skip: noTools },
  async (t) => {
    const files = await BackupFiles.create();
    t.after(() => files.dispose());
    const primary = await source(t);
    await write(primary, 1, 100);
    const promoted = await replicaOf(t, files, primary, { synchronous: true });
    await primary.manager.enableAsMaster({ replicaIds: [promoted.id], synchronous: true });
    await write(primary, 101, 150);
    await primary.manager.makeReadOnly(true);
    await promoted.manager.waitForTxn(await primary.manager.getLatestTxnId());
    await promoted.manager.detachReplica(true);
    await promoted.manager.enableAsMaster({ replicaIds: [primary.id], synchronous: false });
    await write(promoted, 151, 200);
    await primary.manager.attachReplica(await context(promoted), {}, false);
    await primary.manager.demoteReplicationMaster();
    await until('the former source has the new source rows', () => rows(200)(primary));
    await assert.rejects(write(primary, 201, 201), /read-only|read_only/i);
    const state = await primary.manager.replicationState();
    assert.deepEqual(
      [state?.role, state?.sourceId, state?.streaming],
      ['replica', promoted.id, true],
    );
  },
);

test(
  'with semi-synchronous replication a commit waits while the only replica is stopped',
  { skip: noTools },
  async (t) => {
    const files = await BackupFiles.create();
    t.after(() => files.dispose());
    const primary = await source(t);
    await write(primary, 1, 10);
    const replica = await replicaOf(t, files, primary, { synchronous: true });
    // The next heartbeat's state read sees the replica connected and makes waiting for one final.
    await until('the source sees its synchronous replica', async () => {
      const state = await primary.manager.replicationState();
      return state?.replicas?.[0]?.synchronous === true;
    });
    await write(primary, 11, 20);
    await until('the replica has the synchronous rows', () => rows(20)(replica));

    await replica.manager.stopDb();
    let committed = false;
    const commit = write(primary, 21, 21).then(() => {
      committed = true;
    });
    // Nothing to wait for: what is checked is that nothing happens in these seconds.
    await sleep(3_000);
    assert.equal(committed, false, 'the commit waits for a replica to acknowledge it');
    await replica.manager.restart();
    await commit;
    await until('the replica has the row it acknowledged', () => rows(21)(replica));
  },
);

test(
  'with its source killed, a semi-synchronous replica is promoted with every acknowledged commit',
  { skip: noTools },
  async (t) => {
    const files = await BackupFiles.create();
    t.after(() => files.dispose());
    const primary = await source(t);
    const replica = await replicaOf(t, files, primary, { synchronous: true });
    await primary.manager.enableAsMaster({ replicaIds: [replica.id], synchronous: true });
    let acknowledged = 0;
    for (let i = 1; i <= 50; i++) {
      await write(primary, i, i);
      acknowledged = i;
    }
    const pid = readPid(join(primary.runDir, 'mysqld.pid'));
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGKILL');
    await until('the replica no longer streams', async () => {
      return (await replica.manager.replicationState())?.streaming === false;
    });

    const detached = (await replica.manager.detachReplica(true)) as Record<string, unknown>;
    assert.equal(detached['sourceId'], primary.id);
    assert.equal(await count(replica), acknowledged, 'no acknowledged commit is lost');
    assert.equal(detached['progress'], (await replica.manager.replicationState())?.progress);
    await write(replica, 51, 51);
    assert.equal((await replica.manager.replicationState())?.role, 'standalone');
  },
);
