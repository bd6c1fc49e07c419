// The steps of a resize. A volume grows with its database stopped (the local driver's filesystems
// cannot grow mounted): stop, grow, start. A flavor's memory settings are derived again by the
// guest, which restarts its server. A failed step gives back the quota the resize took, starts
// the database again, and the fault says what the instance keeps.

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { asCellarError, ResizeFailed } from '@cellar/plugin-api';
import { now } from '../db/schema.js';
import type { QuotaResource } from '../quotas/quotas.js';
import type { Step, StepContext } from './step-context.js';
import { waitForGuest } from './wait-for-guest.js';

/** What a volume resize's operation records: the sizes in GB. */
export const VolumeResizeRequest = Type.Object({
  oldSize: Type.Integer({ minimum: 1 }),
  newSize: Type.Integer({ minimum: 1 }),
});
export type VolumeResizeRequest = Static<typeof VolumeResizeRequest>;

/** What a flavor resize's operation records: both flavors and their RAM in MB. */
export const FlavorResizeRequest = Type.Object({
  oldFlavorId: Type.String(),
  oldRamMb: Type.Integer({ minimum: 1 }),
  newFlavorId: Type.String(),
  newRamMb: Type.Integer({ minimum: 1 }),
});
export type FlavorResizeRequest = Static<typeof FlavorResizeRequest>;

function requestOf<S extends TSchema>(schema: S, ctx: StepContext): Static<S> {
  const parsed: unknown = JSON.parse(ctx.operation.request);
  if (!Value.Check(schema, parsed))
    throw new Error(`operation ${ctx.operation.id} does not record its resize`);
  return parsed;
}

/** Gives back quota the resize took (the resize failed, or the instance needs less now). */
async function giveBack(ctx: StepContext, resource: QuotaResource, amount: number): Promise<void> {
  if (amount <= 0) return;
  await ctx.deps.db
    .transaction()
    .execute((trx) => ctx.deps.quotas.release(trx, ctx.instance.tenant_id, { [resource]: amount }));
}

/** Runs `work`, logging rather than throwing: what a failed resize does to recover must all be tried. */
async function tried(ctx: StepContext, what: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    ctx.deps.log.warn({ instance: ctx.instance.id, err: error }, what);
  }
}

interface Recovery {
  /** What the instance keeps when this step fails, as the fault says it. */
  readonly kept: (ctx: StepContext) => string;
  /** The quota to give back when this step fails. */
  readonly quota?: (ctx: StepContext) => { resource: QuotaResource; amount: number };
  /** Whether the database is started again after this step failed. */
  readonly restart: boolean;
}

/** A step whose failure gives back the resize's quota, starts the database again, and says what the instance keeps. */
function recovering(step: Step, recovery: Recovery): Step {
  return {
    name: step.name,
    async run(ctx) {
      try {
        return await step.run(ctx);
      } catch (error) {
        const quota = recovery.quota?.(ctx);
        if (quota)
          await tried(ctx, 'the quota taken for a failed resize was not given back', () =>
            giveBack(ctx, quota.resource, quota.amount),
          );
        if (recovery.restart)
          await tried(ctx, 'the database did not start again after a failed resize', () =>
            ctx.guest.restart(ctx.context),
          );
        const reason = asCellarError(error).message;
        throw new ResizeFailed(
          { instance: ctx.instance.id, kept: recovery.kept(ctx), reason },
          { cause: error },
        );
      }
    },
  };
}

const volumeOf = (ctx: StepContext): VolumeResizeRequest => requestOf(VolumeResizeRequest, ctx);
const volumeRecovery: Recovery = {
  kept: (ctx) => `its volume of ${volumeOf(ctx).oldSize} GB`,
  quota: (ctx) => ({ resource: 'volumes', amount: volumeOf(ctx).newSize - volumeOf(ctx).oldSize }),
  restart: true,
};

const stopDatabase: Step = {
  name: 'stop-database',
  async run(ctx) {
    await ctx.guest.stopDb(ctx.context);
    return 'succeeded';
  },
};

const growVolume: Step = {
  name: 'grow-volume',
  async run(ctx) {
    const { newSize } = volumeOf(ctx);
    const compute = ctx.deps.compute;
    if (!compute.resizeVolume)
      throw new Error(`the ${compute.name} compute driver cannot resize volumes`);
    await compute.resizeVolume(ctx.instance.id, newSize);
    await ctx.deps.db
      .updateTable('instances')
      .set({ volume_size: newSize, updated_at: now() })
      .where('id', '=', ctx.instance.id)
      .execute();
    return 'succeeded';
  },
};

const startDatabase: Step = {
  name: 'start-database',
  async run(ctx) {
    await ctx.guest.restart(ctx.context);
    return 'succeeded';
  },
};

export const resizeVolumeSteps: readonly Step[] = [
  recovering(stopDatabase, volumeRecovery),
  recovering(growVolume, volumeRecovery),
  // The volume has grown (and is recorded so): a database that does not start keeps it.
  recovering(startDatabase, {
    kept: (ctx) => `its volume grown to ${volumeOf(ctx).newSize} GB, its database not started`,
    restart: false,
  }),
  { name: 'wait-for-guest', run: waitForGuest },
];

const flavorOf = (ctx: StepContext): FlavorResizeRequest => requestOf(FlavorResizeRequest, ctx);

/**
 * The guest derives its memory settings again from the new RAM and restarts its server (it puts
 * the old ones back itself when the server does not start with them); then the flavor is recorded.
 */
const applyFlavor: Step = {
  name: 'apply-flavor',
  async run(ctx) {
    const request = flavorOf(ctx);
    await ctx.guest.startDbWithConfChanges('', request.newRamMb, ctx.context);
    await ctx.deps.db
      .updateTable('instances')
      .set({ flavor_id: request.newFlavorId, updated_at: now() })
      .where('id', '=', ctx.instance.id)
      .execute();
    // A smaller flavor took nothing at the start: the RAM it frees is given back now.
    await giveBack(ctx, 'ram', request.oldRamMb - request.newRamMb);
    return 'succeeded';
  },
};

export const resizeFlavorSteps: readonly Step[] = [
  recovering(applyFlavor, {
    kept: (ctx) => `its flavor ${flavorOf(ctx).oldFlavorId} (${flavorOf(ctx).oldRamMb} MB of RAM)`,
    quota: (ctx) => ({ resource: 'ram', amount: flavorOf(ctx).newRamMb - flavorOf(ctx).oldRamMb }),
    restart: true,
  }),
  { name: 'wait-for-guest', run: waitForGuest },
];
