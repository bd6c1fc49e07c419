// What a compute driver writes into a guest's cellar-guest.conf about backups: the storage the
// server chose and that storage's section, with the server's values, and no other storage's.

import {
  backupStorageGroupName,
  namespaces,
  type AnyOption,
  type BackupStorageOptions,
} from '@cellar/plugin-api';
import type { PluginHost } from '@cellar/plugins';
import { backupStorageDefaults } from './bootstrap-storages.js';
import type { Configuration } from './load.js';

export interface GuestStorageSection {
  /** `[DEFAULT] backup_storage` for the guest. */
  readonly name: string;
  /** The `[backup_storage_<name>]` section's header and `key = value` lines (secrets in clear: the file is the guest's alone). */
  readonly lines: readonly string[];
}

/**
 * The chosen storage's section as a guest reads it, from the server's validated values; undefined
 * when the chosen storage is not installed (the server then refuses backups itself).
 */
export async function guestStorageSection(
  config: Configuration,
  host: PluginHost,
): Promise<GuestStorageSection | undefined> {
  const name = config.group(backupStorageDefaults).backup_storage;
  const plugin = host.find('backup-storage', name);
  if (!plugin) return undefined;
  const options = (await host.load({
    plugin,
    namespace: namespaces.backupStorageOptions,
    name,
  })) as BackupStorageOptions;
  const group = backupStorageGroupName(name);
  const values = config.values(group);
  const lines = [`[${group}]`];
  for (const [key, option] of Object.entries<AnyOption>(options.guest.options)) {
    const value = values[key];
    if (value !== undefined) lines.push(`${key} = ${option.type.format(value)}`);
  }
  return { name, lines };
}
