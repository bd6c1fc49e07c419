// Moving a replication set to a new source, in the control database and on the guests: the
// promoted replica detached and serving the others, each other replica re-pointed at it. Shared
// by the planned switchover (promote), the eject and the automatic failover.

import type { Json } from '@cellar/plugin-api';
import { now } from '../db/schema.js';
import type { StepContext } from '../taskmanager/step-context.js';
import { guestOf, instanceRow, replicaRows } from './guests.js';

/** The rows of the set: the new source no longer a replica, the others (and `follower`) its replicas. */
export async function recordNewSource(
  ctx: StepContext,
  oldSourceId: string,
  newSourceId: string,
  follower: string | undefined,
): Promise<void> {
  await ctx.deps.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('replicas').where('instance_id', '=', newSourceId).execute();
    await trx
      .updateTable('replicas')
      .set({ source_id: newSourceId })
      .where('source_id', '=', oldSourceId)
      .execute();
    if (follower !== undefined)
      await trx
        .insertInto('replicas')
        .values({
          instance_id: follower,
          source_id: newSourceId,
          synchronous: ctx.deps.replication?.synchronous ? 1 : 0,
          backup_id: null,
          snapshot: null,
          created_at: now(),
        })
        .onConflict((oc) => oc.column('instance_id').doUpdateSet({ source_id: newSourceId }))
        .execute();
  });
}

/** The new source stops following and serves `replicaIds` (their slots made before they attach). */
export async function promote(
  ctx: StepContext,
  newSourceId: string,
  replicaIds: readonly string[],
): Promise<Json> {
  const guest = guestOf(ctx.deps, await instanceRow(ctx.deps.db, newSourceId));
  const final = await guest.replicationCall('detach_replica', { for_failover: true }, ctx.context);
  await guest.replicationCall(
    'enable_as_master',
    {
      replica_source_config: {
        replicaIds: [...replicaIds],
        synchronous: ctx.deps.replication?.synchronous ?? false,
      },
    },
    ctx.context,
  );
  return final;
}

/** Every replica the control database gives the new source, but `except`, follows it. */
export async function repointReplicas(
  ctx: StepContext,
  newSourceId: string,
  except: readonly string[] = [],
): Promise<void> {
  const source = await instanceRow(ctx.deps.db, newSourceId);
  const context = await guestOf(ctx.deps, source).replicationCall(
    'get_replica_context',
    {},
    ctx.context,
  );
  for (const replica of await replicaRows(ctx.deps.db, newSourceId)) {
    if (except.includes(replica.id)) continue;
    await guestOf(ctx.deps, replica).replicationCall(
      'attach_replica',
      { replica_info: context, slave_config: {}, restart: true },
      ctx.context,
    );
  }
}
