// The step that waits for a guest to report a healthy server (after a create or a restart), woken
// early by a heartbeat the conductor records in this process, up to the datastore's usage_timeout.

import { fromWire, GuestPrepareFailed, GuestTimeout } from '@cellar/plugin-api';
import type { StepContext } from './step-context.js';

/** The steps waiting for a guest's status in this process, by instance. */
export class GuestWaits {
  readonly #waiting = new Map<string, () => void>();

  /** A heartbeat of this instance was recorded: look at its status now. */
  wake(instanceId: string): void {
    this.#waiting.get(instanceId)?.();
  }

  /** Resolves after `ms`, or sooner when the instance's heartbeat wakes it. */
  async sleep(instanceId: string, ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#waiting.set(instanceId, done);
    });
    this.#waiting.delete(instanceId);
  }
}

/** Why the guest could not start its server: in the catalog's words when the guest used them. */
async function prepareFailure(ctx: StepContext): Promise<Error> {
  const fault = await ctx.deps.db
    .selectFrom('instance_faults')
    .select(['code', 'message'])
    .where('instance_id', '=', ctx.instance.id)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  // A guest that said it in the catalog's words is passed on as it said it, not wrapped again.
  if (fault?.code === GuestPrepareFailed.spec.code)
    return fromWire({
      code: fault.code,
      status: 500,
      fault: '',
      message: fault.message,
      details: {},
    });
  return new GuestPrepareFailed({
    datastore: ctx.datastore,
    instance: ctx.instance.id,
    reason: fault?.message ?? 'the guest gave no reason',
  });
}

/** Waits for the guest to report a healthy server, up to usage_timeout from the operation's start. */
export async function waitForGuest(ctx: StepContext): Promise<'succeeded'> {
  const timeout = ctx.deps.datastoreSettings(ctx.datastore).usageTimeout;
  const deadline = Date.parse(ctx.operation.created_at) + timeout * 1000;
  const poll = (ctx.deps.pollInterval ?? 0.2) * 1000;
  for (;;) {
    const status = await ctx.deps.db
      .selectFrom('service_statuses')
      .select(['status', 'updated_at'])
      .where('instance_id', '=', ctx.instance.id)
      .executeTakeFirst();
    const fresh = status !== undefined && status.updated_at >= ctx.operation.created_at;
    if (fresh && (status.status === 'healthy' || status.status === 'running')) return 'succeeded';
    if (fresh && status.status === 'failed to spawn') throw await prepareFailure(ctx);
    if (Date.now() > deadline)
      throw new GuestTimeout({ instance: ctx.instance.id, operation: 'prepare', seconds: timeout });
    await ctx.waits.sleep(ctx.instance.id, poll);
  }
}
