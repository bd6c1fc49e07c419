// The steps of a create: the network rules, the volume, the server with its guest, the guest's
// prepare (databases, users, root password, or the backup to restore), and the wait for its report.

import { overridesOf } from '../configurations/attach.js';
import type { BackupInfo } from '@cellar/plugin-api';
import { backupChain } from '../backups/records.js';
import type { RestoreRequest } from '../backups/restore-point.js';
import { now, type OperationStep } from '../db/schema.js';
import { securityRules } from '../instances/security-rules.js';
import { createArguments } from './create-request.js';
import { injectedGuest } from './injected-guest.js';
import type { Step, StepContext } from './step-context.js';
import { waitForGuest } from './wait-for-guest.js';

/** The RAM of the instance's flavor, which the guest sizes its server's memory by. */
export async function flavorRam(ctx: StepContext): Promise<number> {
  const flavor = await ctx.deps.db
    .selectFrom('flavors')
    .select('ram')
    .where('id', '=', ctx.instance.flavor_id)
    .executeTakeFirstOrThrow();
  return flavor.ram;
}

export const allowedCidrs = (ctx: StepContext): string[] =>
  (JSON.parse(ctx.instance.access) as { allowed_cidrs?: string[] }).allowed_cidrs ?? [];

export const network: Step = {
  name: 'network',
  async run(ctx) {
    const settings = ctx.deps.datastoreSettings(ctx.datastore);
    const rules = securityRules(settings.tcpPorts, settings.udpPorts, allowedCidrs(ctx));
    await ctx.deps.db
      .updateTable('instances')
      .set({ security_rules: JSON.stringify(rules) })
      .where('id', '=', ctx.instance.id)
      .execute();
    return 'succeeded';
  },
};

// The compute driver makes the volume with the server (the local driver: volumes.ts); the size is recorded.
export const volume: Step = { name: 'volume', run: async () => 'succeeded' };

export const server: Step = {
  name: 'server',
  async run(ctx) {
    const created = await ctx.deps.compute.createServer(
      injectedGuest(ctx.deps, {
        id: ctx.instance.id,
        name: ctx.instance.name,
        datastore: ctx.datastore,
        version: ctx.version,
        rpc_key: ctx.instance.rpc_key,
        tenant_id: ctx.instance.tenant_id,
        volume_size: ctx.instance.volume_size,
      }),
    );
    await ctx.deps.db
      .updateTable('instances')
      .set({ address: created.address, server_status: created.status, updated_at: now() })
      .where('id', '=', ctx.instance.id)
      .execute();
    return 'succeeded';
  },
};

/** The chain the guest restores, read when it is handed over, with the time to replay to on top. */
async function restoreInfo(ctx: StepContext, restore: RestoreRequest): Promise<BackupInfo> {
  const chain = await backupChain(ctx.deps.db, restore.backupId);
  return restore.restoreTime === undefined ? chain : { ...chain, restoreTime: restore.restoreTime };
}

const prepare: Step = {
  name: 'prepare',
  async run(ctx) {
    const request = createArguments(ctx.deps.controlKey, ctx.operation);
    await ctx.guest.prepare(
      {
        memoryMb: await flavorRam(ctx),
        databases: request.databases,
        users: request.users,
        datastoreVersion: ctx.version,
        allowedCidrs: allowedCidrs(ctx),
        ...(request.rootPassword === undefined ? {} : { rootPassword: request.rootPassword }),
        ...(ctx.instance.configuration_id === null
          ? {}
          : { overrides: await overridesOf(ctx.deps.db, ctx.instance.configuration_id) }),
        ...(request.restore === undefined
          ? {}
          : { backupInfo: await restoreInfo(ctx, request.restore) }),
      },
      ctx.context,
    );
    return 'succeeded';
  },
};

export const createSteps: readonly Step[] = [
  network,
  volume,
  server,
  prepare,
  { name: 'wait-for-guest', run: waitForGuest },
];

/**
 * A resumed create whose server is gone or not running (its guest died with the process that
 * ran it, or with the machine) starts again from the server step, instead of waiting for a
 * guest that will never report; the driver starts the guest again where the server is left.
 */
export async function rewindLostServer(
  ctx: StepContext,
  steps: readonly OperationStep[],
): Promise<readonly OperationStep[]> {
  const serverStep = steps.find((st) => st.name === server.name);
  const unfinished = steps.some((st) => st.status === 'pending' || st.status === 'running');
  if (
    !serverStep ||
    serverStep.status !== 'succeeded' ||
    !unfinished ||
    (await ctx.deps.compute.getServer(ctx.instance.id))?.status === 'ACTIVE'
  )
    return steps;
  ctx.deps.log.warn(
    { operation: ctx.operation.id, instance: ctx.instance.id },
    'the server of a resumed create is gone; creating it again',
  );
  return steps.map((st) => (st.seq >= serverStep.seq ? { ...st, status: 'pending' } : st));
}
