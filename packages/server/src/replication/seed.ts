// A replica's seed, as Trove makes it: the source makes room for the replica (its slot, so the WAL
// the replica needs is kept) and answers how to reach it, then a full backup of the source is taken
// through the backup machinery (a record named "Replication snapshot for <replica>") for the
// replica to restore. The backup is removed once the replica streams (serve.ts).

import { randomUUID } from 'node:crypto';
import { BackupStorageNotConfigured, BackupTimedOut, type BackupInfo } from '@cellar/plugin-api';
import { now, type Backup, type Instance } from '../db/schema.js';
import { runningBackupStates } from '../instances/states.js';
import { seal } from '../secrets.js';
import { failBackup, guestReason } from '../taskmanager/backup-failure.js';
import type { Step, StepContext } from '../taskmanager/step-context.js';
import { guestOf, instanceRow } from './guests.js';

/** Trove's agent_replication_snapshot_timeout is for the snapshot and backup together; ours is the call. */
const SNAPSHOT_CALL_SECONDS = 300;

function backupRecord(ctx: StepContext, source: Instance, id: string): Backup {
  const storages = ctx.deps.backups?.storages;
  const strategy = ctx.deps.datastoreSettings(ctx.datastore).backupStrategy;
  if (storages === undefined || strategy === undefined)
    throw new BackupStorageNotConfigured({
      reason:
        'replicas are seeded from a backup of their source, and no backup storage is configured',
    });
  const at = now();
  return {
    ...{ id, tenant_id: source.tenant_id, name: `Replication snapshot for ${ctx.instance.id}` },
    ...{ description: `The seed of replica ${ctx.instance.id}`, instance_id: source.id },
    ...{ datastore: ctx.datastore, datastore_version: ctx.version },
    ...{ datastore_version_id: source.datastore_version_id, parent_id: null, state: 'NEW' },
    ...{ storage: storages.defaultName, object_key: `${source.id}/${id}`, location: null },
    ...{ size: null, progress: null, checksum: null, compression: null, strategy, meta: '{}' },
    ...{ fault_code: null, fault_message: null, created_at: at, updated_at: at, deleted_at: null },
  };
}

/** The snapshot from the source and the seed's record, once: a resumed step finds them. */
async function snapshotAndRecord(ctx: StepContext, source: Instance): Promise<string> {
  const { db } = ctx.deps;
  const replica = await db
    .selectFrom('replicas')
    .selectAll()
    .where('instance_id', '=', ctx.instance.id)
    .executeTakeFirstOrThrow();
  if (replica.backup_id !== null) return replica.backup_id;
  const synchronous = ctx.deps.replication?.synchronous ?? false;
  const snapshot = await guestOf(ctx.deps, source).replicationCall(
    'get_replication_snapshot',
    { snapshot_info: { replicaId: ctx.instance.id, synchronous }, replica_source_config: {} },
    ctx.context,
    SNAPSHOT_CALL_SECONDS,
  );
  const record = backupRecord(ctx, source, randomUUID());
  await db.transaction().execute(async (trx) => {
    await ctx.deps.quotas.consume(trx, source.tenant_id, { backups: 1 });
    await trx.insertInto('backups').values(record).execute();
    await trx
      .updateTable('replicas')
      .set({
        backup_id: record.id,
        synchronous: synchronous ? 1 : 0,
        snapshot: seal(ctx.deps.controlKey, JSON.stringify(snapshot)),
      })
      .where('instance_id', '=', ctx.instance.id)
      .execute();
  });
  return record.id;
}

const backupRow = (ctx: StepContext, id: string): Promise<Backup> =>
  ctx.deps.db.selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

/** Whether an earlier backup of the source still runs: a guest takes one at a time. */
async function queued(ctx: StepContext, row: Backup): Promise<boolean> {
  const earlier = await ctx.deps.db
    .selectFrom('backups')
    .select('id')
    .where('instance_id', '=', row.instance_id)
    .where('state', 'in', runningBackupStates)
    .where('deleted_at', 'is', null)
    .where('id', '!=', row.id)
    .where('created_at', '<=', row.created_at)
    .execute();
  return earlier.length > 0;
}

async function startWhenFree(ctx: StepContext, source: Instance, row: Backup): Promise<void> {
  const info: BackupInfo = {
    ...{ id: row.id, project: row.tenant_id, storage: row.storage, key: row.object_key },
    ...{ type: row.strategy, instanceId: row.instance_id },
  };
  const moved = await ctx.deps.db
    .updateTable('backups')
    .set({ state: 'BUILDING', progress: 0, updated_at: now() })
    .where('id', '=', row.id)
    .where('state', '=', 'NEW')
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) > 0)
    await guestOf(ctx.deps, source).createBackup(info, ctx.context);
}

export const seedBackup: Step = {
  name: 'seed-backup',
  async run(ctx) {
    const sourceId = (
      await ctx.deps.db
        .selectFrom('replicas')
        .select('source_id')
        .where('instance_id', '=', ctx.instance.id)
        .executeTakeFirstOrThrow()
    ).source_id;
    const source = await instanceRow(ctx.deps.db, sourceId);
    const id = await snapshotAndRecord(ctx, source);
    const timeout = ctx.deps.backups?.timeout ?? 7200;
    const poll = (ctx.deps.pollInterval ?? 1) * 1000;
    for (;;) {
      const row = await backupRow(ctx, id);
      if (row.state === 'COMPLETED') return 'succeeded';
      if (row.state === 'FAILED') throw guestReason(row);
      if (Date.now() > Date.parse(row.created_at) + timeout * 1000)
        throw await failBackup(
          ctx.deps,
          row,
          new BackupTimedOut({ backup: row.id, instance: source.id, seconds: timeout }),
        );
      if (row.state === 'NEW' && !(await queued(ctx, row))) await startWhenFree(ctx, source, row);
      await ctx.waits.sleep(source.id, poll);
    }
  },
};
