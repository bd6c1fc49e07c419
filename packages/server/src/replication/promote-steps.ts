// The planned switchover (promote_to_replica_source on replica R of source S), Trove's order: S
// read-only, R waits until it has replayed S's last position, R promoted and serving the set, the
// other replicas re-pointed at R, then S itself follows R. The others show PROMOTE meanwhile.

import type { Step, StepContext } from '../taskmanager/step-context.js';
import { guestOf, instanceRow, replicaRows, requestOf, setTask } from './guests.js';
import { promote, recordNewSource, repointReplicas } from './repoint.js';

/** The old source, as the operation's request names it. */
function oldSourceId(ctx: StepContext): string {
  const id = requestOf(ctx).sourceId;
  if (typeof id !== 'string') throw new Error(`operation ${ctx.operation.id} names no source`);
  return id;
}

/** Runs `work`; a failure leaves the whole set showing PROMOTION_ERROR, as Trove does. */
async function onSet(ctx: StepContext, work: () => Promise<void>): Promise<'succeeded'> {
  try {
    await work();
    return 'succeeded';
  } catch (error) {
    const others = await setIds(ctx);
    await setTask(ctx.deps.db, others, 'PROMOTION_ERROR');
    throw error;
  }
}

/** The old source and the other replicas (the replica promoted is the operation's own). */
async function setIds(ctx: StepContext): Promise<string[]> {
  const sourceId = oldSourceId(ctx);
  const replicas = [
    ...(await replicaRows(ctx.deps.db, sourceId)),
    ...(await replicaRows(ctx.deps.db, ctx.instance.id)),
  ];
  return [sourceId, ...replicas.map((r) => r.id)].filter((id) => id !== ctx.instance.id);
}

const sourceGuest = async (ctx: StepContext) =>
  guestOf(ctx.deps, await instanceRow(ctx.deps.db, oldSourceId(ctx)));

const readOnly: Step = {
  name: 'source-read-only',
  run: (ctx) =>
    onSet(ctx, async () => {
      await setTask(ctx.deps.db, await setIds(ctx), 'PROMOTING');
      await (
        await sourceGuest(ctx)
      ).replicationCall('make_read_only', { read_only: true }, ctx.context);
    }),
};

const catchUp: Step = {
  name: 'catch-up',
  run: (ctx) =>
    onSet(ctx, async () => {
      const txn = await (
        await sourceGuest(ctx)
      ).replicationCall('get_latest_txn_id', {}, ctx.context);
      await ctx.guest.replicationCall('wait_for_txn', { txn }, ctx.context);
    }),
};

const promoteReplica: Step = {
  name: 'promote',
  run: (ctx) =>
    onSet(ctx, async () => {
      const sourceId = oldSourceId(ctx);
      const others = (await replicaRows(ctx.deps.db, sourceId)).map((r) => r.id);
      const served = [sourceId, ...others.filter((id) => id !== ctx.instance.id)];
      await promote(ctx, ctx.instance.id, served);
      await recordNewSource(ctx, sourceId, ctx.instance.id, sourceId);
    }),
};

const repoint: Step = {
  name: 'repoint-replicas',
  run: (ctx) => onSet(ctx, () => repointReplicas(ctx, ctx.instance.id, [oldSourceId(ctx)])),
};

const demoteSource: Step = {
  name: 'demote-source',
  run: (ctx) =>
    onSet(ctx, async () => {
      const context = await ctx.guest.replicationCall('get_replica_context', {}, ctx.context);
      const guest = await sourceGuest(ctx);
      await guest.replicationCall(
        'attach_replica',
        { replica_info: context, slave_config: {}, restart: false },
        ctx.context,
      );
      await guest.replicationCall('demote_replication_master', {}, ctx.context);
      await setTask(ctx.deps.db, await setIds(ctx), 'NONE');
    }),
};

export const promoteSteps: readonly Step[] = [
  readOnly,
  catchUp,
  promoteReplica,
  repoint,
  demoteSource,
];
