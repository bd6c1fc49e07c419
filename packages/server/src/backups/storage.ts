// Opens a backup storage from the validated server configuration: the one `[DEFAULT]
// backup_storage` chooses, or another installed one by name (where an older backup was kept).

import { backupStorageDefaults, type Configuration } from '@cellar/config';
import {
  namespaces,
  type BackupStorage,
  type BackupStorageDriver,
  type BackupStorageValues,
  type Options,
} from '@cellar/plugin-api';
import { driverManager, type PluginHost } from '@cellar/plugins';

/**
 * The storage's driver is imported only now (its SDK is not loaded at start-up); its option
 * values are the `[backup_storage_<name>]` group bootstrap registered and validated. Nothing
 * remote is contacted until the first call. The caller closes what it opened.
 */
export async function openBackupStorage(
  config: Configuration,
  host: PluginHost,
  name: string = config.group(backupStorageDefaults).backup_storage,
): Promise<BackupStorage> {
  const { obj: driver } = await driverManager<BackupStorageDriver>(
    host,
    namespaces.backupStorage,
    name,
  );
  const values = config.group(driver.options.server) as BackupStorageValues<Options>;
  return driver.open(values);
}
