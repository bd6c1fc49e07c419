// The backup storages as the API and the taskmanager reach them: the one new backups go to, and
// any installed one opened by name (the one an older backup's record names).

import { backupStorageDefaults, type Configuration } from '@cellar/config';
import type { BackupStorage } from '@cellar/plugin-api';
import type { PluginHost } from '@cellar/plugins';
import { openBackupStorage } from './storage.js';

export interface BackupStorages {
  /** `[DEFAULT] backup_storage`: the storage new backups are written to. */
  readonly defaultName: string;
  /** Opens an installed storage by name; the caller closes it. */
  open(name: string): Promise<BackupStorage>;
}

/**
 * The storages of a deployment, from its validated configuration and installed plugins; undefined
 * when the chosen one is not installed (start-up said so): backups are refused then.
 */
export function configuredStorages(
  config: Configuration,
  host: PluginHost,
): BackupStorages | undefined {
  const defaultName = config.group(backupStorageDefaults).backup_storage;
  if (!host.ofKind('backup-storage').some((p) => p.manifest.name === defaultName)) return undefined;
  return { defaultName, open: (name) => openBackupStorage(config, host, name) };
}

/** Runs `use` on the storage of that name and closes it whatever happens. */
export async function withStorage<T>(
  storages: BackupStorages,
  name: string,
  use: (storage: BackupStorage) => Promise<T>,
): Promise<T> {
  const storage = await storages.open(name);
  try {
    return await use(storage);
  } finally {
    await storage.close();
  }
}
