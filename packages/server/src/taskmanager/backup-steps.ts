// The steps of a backup: the guest is told to take it (a cast: it reports through the conductor),
// then the taskmanager waits for the record to end COMPLETED or FAILED, woken by each report, and
// fails it itself when the guest goes silent, reports its database down, or the time budget ends.

import {
  BackupGuestLost,
  BackupStorageNotConfigured,
  BackupTimedOut,
  asCellarError,
  type BackupInfo,
  type CellarError,
} from '@cellar/plugin-api';
import { backupChain, backupIdOf } from '../backups/records.js';
import { now, type Backup } from '../db/schema.js';
import type { ServiceStatus } from '../instances/states.js';
import { failBackup, guestReason } from './backup-failure.js';
import type { BackupSettings, Step, StepContext } from './step-context.js';

/** Database states a guest may report that no backup can go on through. */
const downStatuses: ReadonlySet<ServiceStatus> = new Set<ServiceStatus>([
  'crashed',
  'shutdown',
  'failed to spawn',
]);

function settingsOf(ctx: StepContext): BackupSettings {
  const settings = ctx.deps.backups;
  if (!settings)
    throw new BackupStorageNotConfigured({ reason: 'the taskmanager has no backup storage' });
  return settings;
}

async function backupOf(ctx: StepContext): Promise<Backup> {
  return ctx.deps.db
    .selectFrom('backups')
    .selectAll()
    .where('id', '=', backupIdOf(ctx.operation))
    .executeTakeFirstOrThrow();
}

/** What the guest is told: where to store it, with which strategy, on top of which chain. */
async function backupInfo(ctx: StepContext, row: Backup): Promise<BackupInfo> {
  return {
    id: row.id,
    project: row.tenant_id,
    storage: row.storage,
    key: row.object_key,
    type: row.strategy,
    instanceId: row.instance_id,
    ...(row.parent_id === null ? {} : { parent: await backupChain(ctx.deps.db, row.parent_id) }),
  };
}

const startBackup: Step = {
  name: 'start-backup',
  async run(ctx) {
    const row = await backupOf(ctx);
    try {
      settingsOf(ctx);
      // Only a NEW backup is handed to the guest: a resumed operation must not start it twice.
      const moved = await ctx.deps.db
        .updateTable('backups')
        .set({ state: 'BUILDING', progress: 0, updated_at: now() })
        .where('id', '=', row.id)
        .where('state', '=', 'NEW')
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return 'succeeded';
      await ctx.guest.createBackup(await backupInfo(ctx, row), ctx.context);
      return 'succeeded';
    } catch (error) {
      throw await failBackup(ctx.deps, row, asCellarError(error));
    }
  },
};

/** Why the backup cannot complete any more, or undefined while it may. */
async function lostOrLate(
  ctx: StepContext,
  row: Backup,
  settings: BackupSettings,
): Promise<CellarError | undefined> {
  const at = Date.now();
  if (at > Date.parse(row.created_at) + settings.timeout * 1000)
    return new BackupTimedOut({
      backup: row.id,
      instance: row.instance_id,
      seconds: settings.timeout,
    });
  const silent = Math.round((at - Date.parse(row.updated_at)) / 1000);
  if (silent > settings.silenceLimit)
    return new BackupGuestLost({
      backup: row.id,
      instance: row.instance_id,
      reason: `no report on the backup for ${silent} s (the guest stopped, or its agent restarted)`,
    });
  const status = await ctx.deps.db
    .selectFrom('service_statuses')
    .select(['status', 'updated_at'])
    .where('instance_id', '=', row.instance_id)
    .executeTakeFirst();
  if (status && status.updated_at > row.created_at && downStatuses.has(status.status))
    return new BackupGuestLost({
      backup: row.id,
      instance: row.instance_id,
      reason: `the guest reports its database ${status.status}`,
    });
  return undefined;
}

/** Waits for the backup to end: COMPLETED succeeds, anything else fails it and its operation. */
async function waitForBackup(ctx: StepContext): Promise<'succeeded'> {
  const poll = (ctx.deps.pollInterval ?? 1) * 1000;
  for (;;) {
    const row = await backupOf(ctx);
    if (row.state === 'COMPLETED') return 'succeeded';
    if (row.state !== 'NEW' && row.state !== 'BUILDING' && row.state !== 'SAVING')
      throw await failBackup(ctx.deps, row, guestReason(row));
    const problem = await lostOrLate(ctx, row, settingsOf(ctx));
    if (problem) throw await failBackup(ctx.deps, row, problem);
    await ctx.waits.sleep(ctx.instance.id, poll);
  }
}

export const backupSteps: readonly Step[] = [
  startBackup,
  { name: 'wait-for-backup', run: waitForBackup },
];
