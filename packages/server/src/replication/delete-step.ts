// The last step of every delete: a deleted replica leaves its source's set, and the source drops
// the slot it kept for it (which would otherwise hold WAL for it until the volume fills).

import type { Step } from '../taskmanager/step-context.js';
import { serveReplicas } from './create-steps.js';
import { sourceIdOf } from './guests.js';

export const releaseReplication: Step = {
  name: 'replication',
  async run(ctx) {
    const { db } = ctx.deps;
    const sourceId = await sourceIdOf(db, ctx.instance.id);
    await db.deleteFrom('replication_states').where('instance_id', '=', ctx.instance.id).execute();
    await db.deleteFrom('replication_fences').where('instance_id', '=', ctx.instance.id).execute();
    if (sourceId === undefined) return 'skipped';
    await db.deleteFrom('replicas').where('instance_id', '=', ctx.instance.id).execute();
    // A source that does not answer now drops the slot when it next serves its replicas.
    await serveReplicas(ctx, sourceId).catch((error: unknown) =>
      ctx.deps.log.warn(
        { err: error, source: sourceId },
        'the source kept the slot of a deleted replica',
      ),
    );
    return 'succeeded';
  },
};
