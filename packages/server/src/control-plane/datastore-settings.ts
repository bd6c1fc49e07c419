// Each datastore's server options (its `[<name>]` group in cellar.conf) as the API and the
// taskmanager use them: what it can do, its naming rules, ports, root, timeouts and PITR.

import type { Configuration } from '@cellar/config';
import type { Capability, PortRange } from '@cellar/plugin-api';
import type { DatastorePolicy } from '../api/routes/instances.js';
import type { Datastore } from '../datastores/catalog.js';

/** A datastore's server options, read from its group. */
export function serverSettings(
  config: Configuration,
  name: string,
): Omit<DatastorePolicy, 'capabilities' | 'nameRules' | 'unavailable' | 'configuration'> {
  const v = config.values(name);
  return {
    rootOnCreate: v['root_on_create'] === true,
    passwordLength: Number(v['default_password_length'] ?? 36),
    volumeSupport: v['volume_support'] !== false,
    tcpPorts: (v['tcp_ports'] ?? []) as PortRange[],
    udpPorts: (v['udp_ports'] ?? []) as PortRange[],
    usageTimeout: Number(v['usage_timeout'] ?? 1800),
    ...(typeof v['backup_strategy'] === 'string' && v['backup_strategy'] !== ''
      ? { backupStrategy: v['backup_strategy'] }
      : {}),
  };
}

/** The enabled datastores' policies, by name. */
export function datastorePolicies(
  config: Configuration,
  datastores: readonly Datastore[],
): Map<string, DatastorePolicy> {
  return new Map(
    datastores.map((ds) => [
      ds.name,
      {
        capabilities: ds.capabilities as Capability[],
        ...(ds.server?.nameRules ? { nameRules: ds.server.nameRules } : {}),
        ...(ds.unavailable ? { unavailable: ds.unavailable } : {}),
        ...(ds.server?.configuration ? { configuration: ds.server.configuration } : {}),
        ...(ds.server?.pointInTime && config.values(ds.name)['wal_archiving'] === true
          ? { pointInTime: ds.server.pointInTime }
          : {}),
        ...serverSettings(config, ds.name),
      },
    ]),
  );
}

/**
 * What a guest's `[<name>]` section takes from the server's: a datastore archiving for
 * point-in-time recovery (`wal_archiving`) has every instance archive, so its guests are told.
 */
export function guestDatastoreLines(config: Configuration, name: string): string[] {
  return config.values(name)['wal_archiving'] === true ? ['wal_archiving = true'] : [];
}
