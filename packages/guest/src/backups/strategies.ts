// Finds the datastore's backup and restore strategies by name, through the plugin host: the
// datastore's guest options name them (`backup_strategy`) and the namespaces they are in.

import {
  BackupNotConfigured,
  DatastoreOperationNotSupported,
  type BackupStrategy,
  type BaseDatastoreManager,
  type RestoreStrategy,
} from '@cellar/plugin-api';
import { driverManager, type InstalledPlugin, type PluginHost } from '@cellar/plugins';

type Manager = BaseDatastoreManager<unknown>;

export interface StrategySource {
  readonly host: PluginHost;
  /** The datastore's plugin: its declared capabilities say whether it backs up at all. */
  readonly plugin: InstalledPlugin;
  readonly guestId: string;
  /** The datastore's guest option group (`backup_strategy`, `backup_namespace`, `restore_namespace`). */
  readonly options: Readonly<Record<string, unknown>>;
}

/** A string option of the datastore's guest group; empty when unset. */
const option = (source: StrategySource, key: string): string => {
  const value = source.options[key];
  return typeof value === 'string' ? value : '';
};

async function find<T extends { readonly datastore: string }>(
  source: StrategySource,
  what: { capability: 'backup' | 'restore'; operation: string; namespace: string; name: string },
): Promise<T> {
  const datastore = source.plugin.manifest.name;
  if (!source.plugin.manifest.capabilities.includes(what.capability))
    throw new DatastoreOperationNotSupported({
      operation: what.capability === 'backup' ? 'create_backup' : 'perform_restore',
      datastore,
    });
  const refuse = (reason: string) =>
    new BackupNotConfigured({ instance: source.guestId, operation: what.operation, reason });
  if (what.name === '')
    throw refuse(`[${datastore}] backup_strategy is empty, so the guest has no strategy to run`);
  let strategy: T;
  try {
    strategy = (await driverManager<T>(source.host, what.namespace, what.name)).obj;
  } catch (error) {
    throw refuse(
      `no ${what.capability} strategy '${what.name}' can be loaded from ${what.namespace}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (strategy.datastore !== datastore)
    throw refuse(
      `the ${what.capability} strategy '${what.name}' in ${what.namespace} is ${strategy.datastore}'s, not ${datastore}'s`,
    );
  return strategy;
}

/** The strategy `backup_strategy` names, in `backup_namespace`. */
export function backupStrategy(source: StrategySource): Promise<BackupStrategy<Manager>> {
  return find(source, {
    capability: 'backup',
    operation: 'take backups',
    namespace: option(source, 'backup_namespace'),
    name: option(source, 'backup_strategy'),
  });
}

/** The restore strategy of the backups' type (the backup strategy that made them), in `restore_namespace`. */
export function restoreStrategy(
  source: StrategySource,
  type: string | undefined,
): Promise<RestoreStrategy<Manager>> {
  return find(source, {
    capability: 'restore',
    operation: 'restore backups',
    namespace: option(source, 'restore_namespace'),
    name: type ?? option(source, 'backup_strategy'),
  });
}
