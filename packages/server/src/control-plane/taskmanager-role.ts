// The taskmanager's part of a control-plane process: the compute driver `compute_driver` names,
// the taskmanager serving its topic, the guests of live instances adopted again after a
// restart, and the watch that starts again guests that die.

import { join } from 'node:path';
import { guestStorageSection } from '@cellar/config';
import { namespaces, type ArchiveRetention, type DatastoreServer } from '@cellar/plugin-api';
import { namedExtensionManager, type InstalledPlugin, type PluginHost } from '@cellar/plugins';
import { openBackupStorage } from '../backups/storage.js';
import type { ComputeDriver } from '../drivers/compute/compute-driver.js';
import { LocalCompute } from '../drivers/compute/local/driver.js';
import { guestHome } from '../drivers/compute/local/guest-home.js';
import { SimulatedCompute } from '../drivers/compute/simulated.js';
import { localGroup, rpcGroup, serverDefaults, simulatedGroup } from '../options.js';
import { Quotas } from '../quotas/quotas.js';
import { ownerName } from '../taskmanager/owner-name.js';
import { TaskManager, type DatastoreSettings } from '../taskmanager/taskmanager.js';
import { guestDatastoreLines } from './datastore-settings.js';
import type { OpenParts } from './open-parts.js';
import type { RoleBase } from './role-base.js';

export interface TaskManagerRoleOptions extends RoleBase {
  /** The installed plugins: the chosen backup storage's options are written into guests' files. */
  readonly host: PluginHost;
  readonly enabled: readonly InstalledPlugin[];
  readonly datastoreSettings: (datastore: string) => DatastoreSettings;
}

async function openCompute(o: TaskManagerRoleOptions): Promise<ComputeDriver> {
  const { config, statePath } = o;
  if (config.group(serverDefaults).compute_driver !== 'local') {
    const simulated = config.group(simulatedGroup);
    return new SimulatedCompute({
      transport: o.transport,
      prepareDelay: simulated.prepare_delay,
      reportInterval: simulated.report_interval,
      ...(simulated.fail_prepare_names === ''
        ? {}
        : { failPrepare: new RegExp(simulated.fail_prepare_names) }),
    });
  }
  const local = config.group(localGroup);
  const rpc = config.group(rpcGroup);
  const home = await guestHome(statePath, local.guest_path);
  return LocalCompute.open({
    home,
    appRoot: o.appRoot,
    transport: o.transport,
    rpc:
      rpc.transport === 'local'
        ? { transport: 'local', socketDir: join(home, 'rpc') }
        : { transport: 'amqp', amqpUrl: rpc.amqp_url ?? '' },
    backupStorage: await guestStorageSection(config, o.host),
    openBackupStorage: () => openBackupStorage(config, o.host),
    datastoreLines: (name) => guestDatastoreLines(config, name),
    addressPool: local.address_pool,
    userPrefix: local.guest_user_prefix,
    reportInterval: local.report_interval,
    startTimeout: local.guest_start_timeout,
    withGuests: o.enabled
      .filter((p) => p.entryFiles[namespaces.datastoreGuest] !== undefined)
      .map((p) => p.manifest.name),
    defaultVersions: o.defaultVersions,
    standbyAgents: local.standby_agents,
    log: o.log,
  });
}

/** The enabled datastores' archive retentions (their server halves, imported without guest code). */
async function archiveRetentions(
  o: TaskManagerRoleOptions,
): Promise<ReadonlyMap<string, ArchiveRetention>> {
  const names = o.enabled
    .filter((p) => p.manifest.entryPoints.some((e) => e.namespace === namespaces.datastoreServer))
    .map((p) => p.manifest.name);
  const servers = await namedExtensionManager<DatastoreServer>(
    o.host,
    namespaces.datastoreServer,
    names,
  );
  const found = new Map<string, ArchiveRetention>();
  for (const { name, obj } of servers)
    if (obj.archiveRetention) found.set(name, obj.archiveRetention);
  return found;
}

/** Starts the taskmanager; its open operations are resumed by the caller once everything serves. */
export async function startTaskManager(
  o: TaskManagerRoleOptions,
  parts: OpenParts,
): Promise<TaskManager> {
  const compute = await openCompute(o);
  parts.compute = compute;
  const retentions = await archiveRetentions(o);
  const taskmanager = new TaskManager({
    db: o.control.db,
    compute,
    transport: o.transport,
    controlKey: o.controlKey,
    quotas: new Quotas(o.control.db, o.quotaDefaults),
    datastoreSettings: o.datastoreSettings,
    guestTimeouts: o.guestTimeouts,
    log: o.log,
    owner: await ownerName(o.statePath),
    archiveRetention: (datastore) => retentions.get(datastore),
    replication: {
      synchronous: o.config.group(serverDefaults).replication_synchronous,
      automaticFailover: o.config.group(serverDefaults).automatic_failover,
      failoverTimeout: o.config.group(serverDefaults).failover_timeout,
    },
    ...(o.storages === undefined
      ? {}
      : {
          backups: {
            storages: o.storages,
            timeout: o.config.group(serverDefaults).backup_timeout,
            silenceLimit: o.config.group(serverDefaults).agent_heartbeat_expiry,
          },
        }),
  });
  parts.listeners.push(await taskmanager.serve());
  if (o.storages !== undefined) {
    const stop = taskmanager.watchLeftovers(o.config.group(serverDefaults).backup_sweep_interval);
    parts.listeners.push({ close: stop });
  }
  parts.listeners.push({ close: taskmanager.watchFailover() });
  await taskmanager.adoptGuests();
  // Simulated guests live in this process and cannot die alone: their driver has nothing to revive.
  if (compute.revive)
    parts.stopWatching = taskmanager.watchGuests(o.config.group(localGroup).watch_interval);
  return taskmanager;
}
