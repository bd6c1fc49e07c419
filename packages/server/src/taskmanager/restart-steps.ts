// The steps of a restart: the guest restarts its database, then the taskmanager waits for the
// guest to report it healthy again.

import { now } from '../db/schema.js';
import type { Step } from './step-context.js';
import { waitForGuest } from './wait-for-guest.js';

const restartDatabase: Step = {
  name: 'restart-database',
  async run(ctx) {
    await ctx.deps.db
      .updateTable('service_statuses')
      .set({ status: 'restarting', updated_at: now() })
      .where('instance_id', '=', ctx.instance.id)
      .execute();
    await ctx.guest.restart(ctx.context);
    // The server has read its configuration again: a change that waited for this has taken effect.
    await ctx.deps.db
      .updateTable('instances')
      .set({ restart_required: 0 })
      .where('id', '=', ctx.instance.id)
      .execute();
    return 'succeeded';
  },
};

export const restartSteps: readonly Step[] = [
  restartDatabase,
  { name: 'wait-for-guest', run: waitForGuest },
];
