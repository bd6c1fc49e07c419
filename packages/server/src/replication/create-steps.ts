// The steps of a replica's create: those of any create, with the seed (snapshot and backup of the
// source) before the server, a prepare that restores the seed and follows the source, and at
// the end the source told to serve its replicas (synchronously when asked) and the seed removed.

import { BackupStorageNotConfigured } from '@cellar/plugin-api';
import { backupChain } from '../backups/records.js';
import { removeObject, forgetBackup } from '../backups/delete.js';
import { unseal } from '../secrets.js';
import { allowedCidrs, flavorRam, network, server, volume } from '../taskmanager/create-steps.js';
import type { Step, StepContext } from '../taskmanager/step-context.js';
import { waitForGuest } from '../taskmanager/wait-for-guest.js';
import { guestOf, instanceRow, replicaRows } from './guests.js';
import { seedBackup } from './seed.js';

async function replicaRecord(ctx: StepContext) {
  return ctx.deps.db
    .selectFrom('replicas')
    .selectAll()
    .where('instance_id', '=', ctx.instance.id)
    .executeTakeFirstOrThrow();
}

const prepareReplica: Step = {
  name: 'prepare',
  async run(ctx) {
    const replica = await replicaRecord(ctx);
    if (replica.backup_id === null || replica.snapshot === null)
      throw new BackupStorageNotConfigured({ reason: 'the replica has no seed' });
    const snapshot = JSON.parse(unseal(ctx.deps.controlKey, replica.snapshot)) as Record<
      string,
      unknown
    >;
    await ctx.guest.prepare(
      {
        memoryMb: await flavorRam(ctx),
        databases: [],
        users: [],
        datastoreVersion: ctx.version,
        allowedCidrs: allowedCidrs(ctx),
        backupInfo: await backupChain(ctx.deps.db, replica.backup_id),
        snapshot,
      },
      ctx.context,
    );
    return 'succeeded';
  },
};

/** The source serves every replica it has; the synchronous ones are waited for from now on. */
export async function serveReplicas(ctx: StepContext, sourceId: string): Promise<void> {
  const source = await instanceRow(ctx.deps.db, sourceId);
  const replicas = await replicaRows(ctx.deps.db, sourceId);
  const flags = await ctx.deps.db
    .selectFrom('replicas')
    .select('synchronous')
    .where('source_id', '=', sourceId)
    .execute();
  await guestOf(ctx.deps, source).replicationCall(
    'enable_as_master',
    {
      replica_source_config: {
        replicaIds: replicas.map((r) => r.id),
        synchronous: flags.some((f) => f.synchronous === 1),
      },
    },
    ctx.context,
  );
}

/** The seed is removed as Trove removes it; one that will not go stays listed, with a warning. */
async function removeSeed(ctx: StepContext, backupId: string): Promise<void> {
  const storages = ctx.deps.backups?.storages;
  const row = await ctx.deps.db
    .selectFrom('backups')
    .selectAll()
    .where('id', '=', backupId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (storages === undefined || row === undefined) return;
  try {
    const storage = await storages.open(row.storage);
    try {
      await removeObject(storage, row);
    } finally {
      await storage.close();
    }
    await forgetBackup(ctx.deps, row);
  } catch (error) {
    ctx.deps.log.warn({ err: error, backup: row.id }, 'the seed of a replica could not be removed');
  }
}

const serve: Step = {
  name: 'serve-replica',
  async run(ctx) {
    const replica = await replicaRecord(ctx);
    await serveReplicas(ctx, replica.source_id);
    if (replica.backup_id !== null) await removeSeed(ctx, replica.backup_id);
    return 'succeeded';
  },
};

export const createReplicaSteps: readonly Step[] = [
  network,
  volume,
  seedBackup,
  server,
  prepareReplica,
  { name: 'wait-for-guest', run: waitForGuest },
  serve,
];
