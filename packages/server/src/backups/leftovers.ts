// What a backup leaves in its storage and how it goes: its recorded object, then everything under
// its key (segments or parts of an upload cut off), and the mark a backup keeps while some of it
// could not be removed, which the taskmanager's sweeper works from until nothing is left.

import type { Kysely } from 'kysely';
import { asCellarError, type BackupStorage } from '@cellar/plugin-api';
import { now, type Backup, type Database } from '../db/schema.js';
import { withStorage, type BackupStorages } from './storages.js';

/** How long a claim on a backup's leftovers holds: far longer than one removal takes. */
export const SWEEP_CLAIM_SECONDS = 600;

type Stored = Pick<Backup, 'id' | 'tenant_id' | 'object_key' | 'location' | 'storage'>;

/**
 * Removes the backup's object and whatever else is under its key (its key names the backup
 * alone, so nothing else is touched); fails while anything stays. An object already gone is no error.
 */
export async function purgeBackup(storage: BackupStorage, row: Stored): Promise<void> {
  if (row.location !== null) await storage.delete(row.location);
  if (storage.purge) return storage.purge(row.tenant_id, row.object_key);
  const listed = await storage.list(row.tenant_id, row.object_key);
  for (const object of listed) await storage.delete(object.location);
}

/**
 * Marks the backup as having stored parts left, for the sweeper to take from here, and lets go
 * of any claim on it (a failed removal is retried by whichever sweeper comes next).
 */
export async function markLeftovers(
  db: Kysely<Database>,
  backupId: string,
  error: unknown,
): Promise<void> {
  const last_error = asCellarError(error).message;
  await db
    .insertInto('backup_leftovers')
    .values({ backup_id: backupId, since: now(), last_error, swept_by: null, sweep_until: null })
    .onConflict((oc) =>
      oc.column('backup_id').doUpdateSet((eb) => ({
        last_error: eb.ref('excluded.last_error'),
        attempts: eb('backup_leftovers.attempts', '+', 1),
        swept_by: null,
        sweep_until: null,
      })),
    )
    .execute();
}

/** Nothing is left of the backup in its storage. */
export async function clearLeftovers(db: Kysely<Database>, backupId: string): Promise<void> {
  await db.deleteFrom('backup_leftovers').where('backup_id', '=', backupId).execute();
}

/**
 * Removes what a failed backup stored, marked beforehand so that a removal the storage refuses
 * (or a taskmanager that dies half way) is taken up by the sweeper.
 */
export async function removeOrMark(
  db: Kysely<Database>,
  storages: BackupStorages,
  row: Stored,
): Promise<void> {
  // Marked (and held, so no sweeper removes it at the same time) before the storage is touched:
  // a taskmanager that dies half way leaves a mark whose claim lapses.
  await db
    .insertInto('backup_leftovers')
    .values({
      backup_id: row.id,
      since: now(),
      last_error: null,
      swept_by: 'backup-failure',
      sweep_until: new Date(Date.now() + SWEEP_CLAIM_SECONDS * 1000).toISOString(),
    })
    .onConflict((oc) => oc.column('backup_id').doNothing())
    .execute();
  try {
    await withStorage(storages, row.storage, (storage) => purgeBackup(storage, row));
  } catch (error) {
    await markLeftovers(db, row.id, error);
    throw error;
  }
  await clearLeftovers(db, row.id);
}
