// The steps of a delete: stop the database through its guest if one still answers, remove the
// server, then mark the instance deleted and give its quota back, once.

import { now } from '../db/schema.js';
import { releaseReplication } from '../replication/delete-step.js';
import type { Step } from './step-context.js';

const stopDatabase: Step = {
  name: 'stop-database',
  async run(ctx) {
    // Without a running guest nobody can stop the database; removing the server ends it.
    if ((await ctx.deps.compute.getServer(ctx.instance.id))?.status !== 'ACTIVE') return 'skipped';
    try {
      await ctx.guest.stopDb(ctx.context);
      return 'succeeded';
    } catch (error) {
      // A dead guest cannot stop its database; removing the server ends both.
      ctx.deps.log.warn(
        { instance: ctx.instance.id, err: error },
        'the guest did not stop its database; removing the server anyway',
      );
      return 'skipped';
    }
  },
};

const server: Step = {
  name: 'server',
  async run(ctx) {
    await ctx.deps.compute.deleteServer(ctx.instance.id);
    return 'succeeded';
  },
};

const records: Step = {
  name: 'records',
  async run(ctx) {
    const flavor = await ctx.deps.db
      .selectFrom('flavors')
      .select('ram')
      .where('id', '=', ctx.instance.flavor_id)
      .executeTakeFirst();
    await ctx.deps.db.transaction().execute(async (trx) => {
      const marked = await trx
        .updateTable('instances')
        .set({
          deleted_at: now(),
          task_status: 'NONE',
          server_status: 'DELETED',
          updated_at: now(),
        })
        .where('id', '=', ctx.instance.id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      // Released once, even when this step runs again after a restart.
      if (Number(marked.numUpdatedRows) > 0) {
        await ctx.deps.quotas.release(trx, ctx.instance.tenant_id, {
          instances: 1,
          ram: flavor?.ram ?? 0,
          volumes: ctx.instance.volume_size ?? 0,
        });
      }
    });
    return 'succeeded';
  },
};

export const deleteSteps: readonly Step[] = [stopDatabase, server, records, releaseReplication];
