// A source an automatic failover fenced, back (its guest agent started again): it follows the
// replica promoted in its place. Its successor makes room for it first (its slot), then it is
// attached; one whose data cannot follow (ReplicaDiverged) fails the operation and stays fenced.

import { now } from '../db/schema.js';
import type { Step } from '../taskmanager/step-context.js';
import { serveReplicas } from './create-steps.js';
import { guestOf, instanceRow } from './guests.js';
import { recordNewSource } from './repoint.js';

const rejoin: Step = {
  name: 'rejoin',
  async run(ctx) {
    const fence = await ctx.deps.db
      .selectFrom('replication_fences')
      .selectAll()
      .where('instance_id', '=', ctx.instance.id)
      .executeTakeFirstOrThrow();
    const successor = await instanceRow(ctx.deps.db, fence.successor_id);
    await recordNewSource(ctx, ctx.instance.id, successor.id, ctx.instance.id);
    await serveReplicas(ctx, successor.id);
    const context = await guestOf(ctx.deps, successor).replicationCall(
      'get_replica_context',
      {},
      ctx.context,
    );
    await ctx.guest.replicationCall(
      'attach_replica',
      { replica_info: context, slave_config: {}, restart: true },
      ctx.context,
    );
    await ctx.guest.replicationCall('demote_replication_master', {}, ctx.context);
    await ctx.deps.db
      .updateTable('replication_fences')
      .set({ rejoined_at: now() })
      .where('instance_id', '=', ctx.instance.id)
      .execute();
    return 'succeeded';
  },
};

export const rejoinSteps: readonly Step[] = [rejoin];
