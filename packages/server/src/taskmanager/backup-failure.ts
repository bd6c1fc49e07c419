// How a backup that cannot complete ends: FAILED with its reason (the guest's own when it gave
// one), and whatever part of its object reached the storage removed, so a failed backup leaves
// nothing behind; the instance itself is left as it was.

import { BackupFailed, fromWire, type CellarError } from '@cellar/plugin-api';
import { removeOrMark } from '../backups/leftovers.js';
import { backupIdOf } from '../backups/records.js';
import { now, type Backup, type Operation } from '../db/schema.js';
import { runningBackupStates } from '../instances/states.js';
import type { TaskManagerDeps } from './step-context.js';

/** Why a backup the guest reported FAILED failed, in the guest's words when it gave them. */
export function guestReason(row: Backup): CellarError {
  if (row.fault_code !== null && row.fault_code !== BackupFailed.spec.code)
    return fromWire({
      code: row.fault_code,
      status: 500,
      fault: '',
      message: row.fault_message ?? '',
      details: {},
    });
  return new BackupFailed({
    backup: row.id,
    reason: row.fault_message ?? 'the guest gave no reason',
  });
}

/**
 * Marks the backup FAILED with `reason` unless it already ended (a guest's FAILED keeps its own
 * reason), then removes its object. Returns the reason, for the operation to fail with.
 */
export async function failBackup(
  deps: TaskManagerDeps,
  row: Backup,
  reason: CellarError,
): Promise<CellarError> {
  await deps.db
    .updateTable('backups')
    .set({
      state: 'FAILED',
      fault_code: reason.code,
      fault_message: reason.message,
      updated_at: now(),
    })
    .where('id', '=', row.id)
    .where('state', 'in', runningBackupStates)
    .execute();
  await removeStored(deps, row);
  deps.log.warn(
    { backup: row.id, instance: row.instance_id, code: reason.code, reason: reason.message },
    'backup failed',
  );
  return reason;
}

/**
 * Removes what a failed backup stored; a storage that cannot (it is unreachable, or died with the
 * upload) leaves the backup marked, and the leftovers sweeper removes the rest once it answers.
 */
async function removeStored(deps: TaskManagerDeps, row: Backup): Promise<void> {
  const storages = deps.backups?.storages;
  if (!storages) return;
  try {
    await removeOrMark(deps.db, storages, row);
  } catch (error) {
    deps.log.warn(
      { err: error, backup: row.id, storage: row.storage },
      'the object of a failed backup could not be removed; the leftovers sweeper tries again',
    );
  }
}

/** Fails the backup a backup operation was taking, when the operation itself ended abnormally. */
export async function failOperationBackup(
  deps: TaskManagerDeps,
  operation: Pick<Operation, 'id' | 'kind' | 'request'>,
  reason: CellarError,
): Promise<void> {
  if (operation.kind !== 'backup') return;
  const row = await deps.db
    .selectFrom('backups')
    .selectAll()
    .where('id', '=', backupIdOf(operation))
    .executeTakeFirst();
  if (row) await failBackup(deps, row, reason);
}
