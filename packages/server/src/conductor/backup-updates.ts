// What the conductor does with a guest's update_backup: accepted only for a backup of the instance
// whose key signed it and only while the backup runs (a backup the taskmanager already failed stays
// failed); progress only grows; COMPLETED keeps what the restore will need.

import type { Kysely } from 'kysely';
import { BackupFailed } from '@cellar/plugin-api';
import type { BackupUpdate } from '@cellar/rpc';
import { now, type Backup, type BackupTable, type Database } from '../db/schema.js';
import { runningBackupStates } from '../instances/states.js';
import type { Updateable } from 'kysely';

/** Why an update is refused, for the log; undefined when it was recorded. */
export type Refusal = string | undefined;

/** The record's changes for an update that may be recorded. */
function changesOf(
  update: BackupUpdate,
  instanceId: string,
  progress: number | null,
): Updateable<BackupTable> {
  const at = now();
  if (update.state === 'BUILDING')
    return {
      state: 'BUILDING',
      progress: Math.max(progress ?? 0, update.size ?? 0),
      updated_at: at,
    };
  if (update.state === 'FAILED')
    return {
      state: 'FAILED',
      fault_code: update.fault?.code ?? BackupFailed.spec.code,
      fault_message: update.fault?.message ?? 'the guest gave no reason',
      updated_at: at,
    };
  const { location, checksum, size } = update;
  // A completion without what a restore needs cannot be used: it is a failure, said so.
  if (location === undefined || checksum === undefined || size === undefined)
    return {
      state: 'FAILED',
      fault_code: BackupFailed.spec.code,
      fault_message: new BackupFailed({
        backup: update.backup_id,
        reason: 'the guest reported it COMPLETED without its location, checksum and size',
      }).message,
      updated_at: at,
    };
  return {
    state: 'COMPLETED',
    location,
    checksum,
    size,
    progress: size,
    compression: update.compression ?? null,
    meta: JSON.stringify(update.meta ?? {}),
    updated_at: at,
  };
}

/** Records the update; returns why it was refused, or undefined when it was recorded. */
export async function recordBackupUpdate(
  db: Kysely<Database>,
  instanceId: string,
  update: BackupUpdate,
): Promise<Refusal> {
  const row = await db
    .selectFrom('backups')
    .select(['instance_id', 'state', 'progress'])
    .where('id', '=', update.backup_id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row || row.instance_id !== instanceId)
    return `backup ${update.backup_id} is not a backup of instance ${instanceId}`;
  if (!runningBackupStates.includes(row.state))
    return `backup ${update.backup_id} has already ended ${row.state}`;
  const written = await db
    .updateTable('backups')
    .set(changesOf(update, instanceId, row.progress))
    .where('id', '=', update.backup_id)
    .where('state', 'in', runningBackupStates)
    .executeTakeFirst();
  return Number(written.numUpdatedRows) > 0
    ? undefined
    : `backup ${update.backup_id} ended while the update was recorded`;
}

/**
 * A completion reported for a backup that had already been failed (its time ran out while the
 * guest was still storing): the object it stored is not wanted, and is always at the backup's own
 * key, whatever location the report names.
 */
export async function lateCompletion(
  db: Kysely<Database>,
  instanceId: string,
  update: BackupUpdate,
): Promise<Backup | undefined> {
  if (update.state !== 'COMPLETED') return undefined;
  const row = await db
    .selectFrom('backups')
    .selectAll()
    .where('id', '=', update.backup_id)
    .where('instance_id', '=', instanceId)
    .where('state', '=', 'FAILED')
    .executeTakeFirst();
  return row && { ...row, location: null };
}
