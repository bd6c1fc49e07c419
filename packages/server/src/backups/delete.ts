// Deleting a backup, as Trove does: the incrementals built on it first, each object removed from
// its storage (one already gone is no error), then the record marked deleted and its quota given
// back. Done at once and safe to repeat: a storage that refuses leaves the backup DELETE_FAILED,
// and deleting it again tries again.

import type { ProjectScope } from '../policy/admin-context.js';
import type { Kysely } from 'kysely';
import {
  asCellarError,
  BackupBusy,
  BackupDeleteFailed,
  BackupStorageNotConfigured,
  type BackupStorage,
} from '@cellar/plugin-api';
import { now, type Backup, type Database } from '../db/schema.js';
import type { InstanceDeps } from '../instances/deps.js';
import { runningBackupStates } from '../instances/states.js';
import { purgeBackup, removeOrMark } from './leftovers.js';
import { descendantsFirst, loadBackup } from './records.js';
import { withStorage, type BackupStorages } from './storages.js';

/**
 * Removes the backup's object: the one recorded when it completed, and whatever else a guest
 * stored under its key before it failed (segments or parts of an upload cut off included). An
 * object already gone is no error.
 */
export const removeObject = purgeBackup;

/**
 * Removes what failed backups may have stored, as far as the storage lets it: with the control
 * database, a leftover that stays is marked for the taskmanager's sweeper.
 */
export async function removeLeftovers(
  storages: BackupStorages | undefined,
  rows: readonly Backup[],
  db?: Kysely<Database>,
): Promise<void> {
  for (const row of rows)
    await (
      db
        ? removeOrMark(db, storages ?? noStorages, row)
        : withStorage(storages ?? noStorages, row.storage, (storage) => removeObject(storage, row))
    ).catch(() => undefined);
}

const noStorages: BackupStorages = {
  defaultName: '',
  open: () => Promise.reject(new Error('no backup storage is configured')),
};

/** Deletes backup `id` within `tenant` (every project for an admin) and its incrementals. */
export async function deleteBackup(
  deps: InstanceDeps,
  tenant: ProjectScope,
  id: string,
): Promise<void> {
  const backup = await loadBackup(deps.db, tenant, id);
  const order = await descendantsFirst(deps.db, backup);
  const running = order.find((b) => runningBackupStates.includes(b.state));
  if (running) throw new BackupBusy({ id: running.id, state: running.state });
  const storages = deps.storages;
  if (!storages)
    throw new BackupStorageNotConfigured({ reason: 'no backup storage is configured' });
  const opened = new Map<string, BackupStorage>();
  try {
    for (const row of order) {
      let storage = opened.get(row.storage);
      if (!storage) {
        storage = await storages.open(row.storage);
        opened.set(row.storage, storage);
      }
      await removeOne(deps, storage, row);
    }
  } finally {
    for (const storage of opened.values()) await storage.close();
  }
}

/** Removes one backup's object, then its record; a refusal is kept on the record as its fault. */
async function removeOne(deps: InstanceDeps, storage: BackupStorage, row: Backup): Promise<void> {
  try {
    await removeObject(storage, row);
  } catch (error) {
    const reason = asCellarError(error);
    await deps.db
      .updateTable('backups')
      .set({
        state: 'DELETE_FAILED',
        fault_code: reason.code,
        fault_message: reason.message,
        updated_at: now(),
      })
      .where('id', '=', row.id)
      .execute();
    throw new BackupDeleteFailed({ id: row.id, storage: storage.name, reason: reason.message });
  }
  await forgetBackup(deps, row);
}

/** The backup's storage holds nothing of it any more: its record is marked deleted, its quota given back. */
export async function forgetBackup(
  deps: Pick<InstanceDeps, 'db' | 'quotas'>,
  row: Pick<Backup, 'id' | 'tenant_id'>,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const at = now();
    const marked = await trx
      .updateTable('backups')
      .set({ deleted_at: at, updated_at: at })
      .where('id', '=', row.id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    await trx.deleteFrom('backup_leftovers').where('backup_id', '=', row.id).execute();
    // A delete that raced this one gave the quota back already.
    if (Number(marked.numUpdatedRows) > 0)
      await deps.quotas.release(trx, row.tenant_id, { backups: 1 });
  });
}
