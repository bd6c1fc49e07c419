// What simulated guests do with create_backup in the backup tests, as a real guest would: report
// BUILDING with the bytes so far, store the object under the key it was given, then report
// COMPLETED, FAILED, or nothing more (a guest that died or lost the backup).

import { Readable } from 'node:stream';
import type { BackupInfo } from '@cellar/plugin-api';
import type { ConductorClient } from '@cellar/rpc';
import type { BackupStorages } from '../backups/storages.js';
import { withStorage } from '../backups/storages.js';

export type TakeBackup = (backup: BackupInfo, conductor: ConductorClient) => Promise<void>;

/** The bytes every simulated backup stores: its own id, so each object is told apart. */
export const backupBytes = (backup: BackupInfo): string => `rows of backup ${backup.id}\n`;

/** Stores the backup's object where it was told to; returns what the record keeps. */
export async function storeObject(storages: BackupStorages, backup: BackupInfo) {
  return withStorage(storages, backup.storage ?? 'local', (storage) =>
    storage.put(Readable.from([backupBytes(backup)]), {
      project: backup.project ?? '',
      key: backup.key ?? '',
    }),
  );
}

/**
 * A guest that reports `progress` bytes, waits for `gate` (the test looks at the running backup
 * meanwhile), stores the object and reports it COMPLETED with its strategy's facts.
 */
export function completes(storages: BackupStorages, gate?: Promise<void>): TakeBackup {
  return async (backup, conductor) => {
    await conductor.updateBackup({ backup_id: backup.id, state: 'BUILDING', size: 1000 });
    await gate;
    const stored = await storeObject(storages, backup);
    await conductor.updateBackup({
      backup_id: backup.id,
      state: 'COMPLETED',
      size: stored.size,
      location: stored.location,
      checksum: stored.sha256,
      compression: 'gzip',
      meta: { lsn: `0/${backup.id.slice(0, 4)}`, parent: backup.parent?.id ?? null },
    });
  };
}

/** A guest whose strategy fails, saying why. */
export const failsWith =
  (code: string, message: string): TakeBackup =>
  async (backup, conductor) => {
    await conductor.updateBackup({ backup_id: backup.id, state: 'BUILDING', size: 10 });
    await conductor.updateBackup({
      backup_id: backup.id,
      state: 'FAILED',
      fault: { code, message },
    });
  };

/** A guest that stores the object, reports once, and is never heard of about the backup again. */
export const goesSilent =
  (storages: BackupStorages): TakeBackup =>
  async (backup, conductor) => {
    await storeObject(storages, backup);
    await conductor.updateBackup({ backup_id: backup.id, state: 'BUILDING', size: 10 });
  };

/**
 * A guest that stores the object and keeps reporting progress until `stop` resolves, without
 * ever finishing: a backup that overruns its time budget.
 */
export const neverFinishes =
  (storages: BackupStorages, stop: Promise<void>): TakeBackup =>
  async (backup, conductor) => {
    await storeObject(storages, backup);
    let stopped = false;
    void stop.then(() => (stopped = true));
    for (let bytes = 10; !stopped; bytes += 10) {
      await conductor.updateBackup({ backup_id: backup.id, state: 'BUILDING', size: bytes });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

/** The keys of the project's objects under `prefix` in the storage. */
export async function storedKeys(
  storages: BackupStorages,
  project: string,
  prefix: string,
): Promise<string[]> {
  const objects = await withStorage(storages, 'local', (storage) => storage.list(project, prefix));
  return objects.map((o) => o.key);
}
