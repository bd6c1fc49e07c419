// Detaching a replica (PUT/PATCH /instances/{id} with replica_of): it stops following its source
// and becomes a standalone instance that accepts writes; its source drops what it kept for it.

import { ReplicationNotPossible } from '@cellar/plugin-api';
import type { Step } from '../taskmanager/step-context.js';
import { serveReplicas } from './create-steps.js';
import { requestOf } from './guests.js';

const detach: Step = {
  name: 'detach',
  async run(ctx) {
    await ctx.guest.replicationCall('detach_replica', { for_failover: false }, ctx.context);
    await ctx.guest.replicationCall(
      'enable_as_master',
      { replica_source_config: { replicaIds: [], synchronous: false } },
      ctx.context,
    );
    await ctx.deps.db.deleteFrom('replicas').where('instance_id', '=', ctx.instance.id).execute();
    return 'succeeded';
  },
};

const releaseSlot: Step = {
  name: 'source-releases',
  async run(ctx) {
    const sourceId = requestOf(ctx).sourceId;
    if (typeof sourceId !== 'string')
      throw new ReplicationNotPossible({ instance: ctx.instance.id, reason: 'no source recorded' });
    // A source that is gone keeps its slot until it serves its replicas again.
    await serveReplicas(ctx, sourceId).catch((error: unknown) =>
      ctx.deps.log.warn(
        { err: error, source: sourceId },
        'the source kept the slot of a detached replica',
      ),
    );
    return 'succeeded';
  },
};

export const detachSteps: readonly Step[] = [detach, releaseSlot];
