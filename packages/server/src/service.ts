// Assembles the control plane from a validated configuration: the state directory, the control
// database (migrated), the RPC transport, and the roles this process runs (conductor,
// taskmanager, API), each started by its own module under control-plane/.

import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Configuration } from '@cellar/config';
import type { InstalledPlugin, PluginHost } from '@cellar/plugins';
import type { Transport } from '@cellar/rpc';
import type { Kysely } from 'kysely';
import { configuredStorages } from './backups/storages.js';
import { Conductor } from './conductor/conductor.js';
import { startApi, type StartedApi } from './control-plane/api-role.js';
import { datastorePolicies, serverSettings } from './control-plane/datastore-settings.js';
import { OpenParts } from './control-plane/open-parts.js';
import type { RoleBase } from './control-plane/role-base.js';
import { startTaskManager } from './control-plane/taskmanager-role.js';
import { openTransport } from './control-plane/transport.js';
import { loadDatastores, syncCatalog } from './datastores/catalog.js';
import {
  migrateToLatest,
  openDatabase,
  parseConnection,
  type ControlDatabase,
} from './db/connect.js';
import type { Database } from './db/schema.js';
import { LocalCompute } from './drivers/compute/local/driver.js';
import { guestHome } from './drivers/compute/local/guest-home.js';
import { Identity } from './identity/identity.js';
import { databaseGroup, identityGroup, localGroup, rpcGroup, serverDefaults } from './options.js';
import { loadControlKey } from './secrets.js';
import type { TaskManager } from './taskmanager/taskmanager.js';

/** The parts of the control plane; `cellar up` runs all three in one process. */
export type Role = 'api' | 'taskmanager' | 'conductor';
export const allRoles: readonly Role[] = ['api', 'taskmanager', 'conductor'];

export interface StartOptions {
  readonly config: Configuration;
  /** The installed plugins and the datastores enabled among them. */
  readonly host: PluginHost;
  readonly enabled: readonly InstalledPlugin[];
  readonly appRoot: string;
  readonly version: string;
  /** What this process runs; all of it when absent. */
  readonly roles?: readonly Role[];
  /** Where structured logs go; standard error when absent. */
  readonly logger?: Logger;
  /** Told when the process can no longer work (the broker connection is gone). */
  readonly onFatal?: (error: Error) => void;
}

export interface ControlPlane {
  /** The URL the API answers on (when this process runs the API). */
  readonly endpoint: string;
  readonly statePath: string;
  readonly database: string;
  readonly roles: readonly Role[];
  /** Where clients get tokens: the built-in identity endpoint, or the external Keystone. */
  readonly identityUrl: string;
  /** Set on first start only: the generated admin password, to be shown once. */
  readonly generatedAdminPassword?: string;
  readonly cloudsYaml?: string;
  /** Each datastore's default version (the newest this host has), as `datastore show` gives it. */
  readonly defaultVersions: Readonly<Record<string, string>>;
  /** The compute driver in use, and why it cannot start instances when it cannot. */
  readonly computeDriver: string;
  /** Where the local compute driver keeps instances (under `[local] guest_path`). */
  readonly instancesPath?: string;
  readonly computeProblem?: string;
  close(): Promise<void>;
}

const statePathOf = (config: Configuration, appRoot: string): string => {
  const path = config.group(serverDefaults).state_path;
  return isAbsolute(path) ? path : resolve(appRoot, path);
};

/** The control database of a configuration, opened and migrated: for the operator's tools. */
export async function openControlDatabase(
  config: Configuration,
  appRoot: string,
): Promise<{ control: ControlDatabase; identity: Identity }> {
  const control = await openDatabase(
    parseConnection(config.group(databaseGroup).connection, statePathOf(config, appRoot)),
  );
  await migrateToLatest(control.db);
  return {
    control,
    identity: new Identity(control.db, config.group(identityGroup).token_expiration),
  };
}

/**
 * Each enabled datastore's default version (the newest this host has), as `datastore show` gives
 * it. The table keeps the rows of datastores disabled since: those are not offered.
 */
async function defaultVersionsOf(
  db: Kysely<Database>,
  enabled: readonly string[],
): Promise<Record<string, string>> {
  if (enabled.length === 0) return {};
  const rows = await db
    .selectFrom('datastores')
    .innerJoin('datastore_versions', 'datastore_versions.id', 'datastores.default_version_id')
    .select(['datastores.name as datastore', 'datastore_versions.name as version'])
    .where('datastores.name', 'in', enabled)
    .execute();
  return Object.fromEntries(rows.map((v) => [v.datastore, v.version]));
}

function loggerOf(options: StartOptions, roles: readonly Role[]): Logger {
  return (
    options.logger ??
    pino(
      {
        level: options.config.values('DEFAULT')['debug'] === true ? 'debug' : 'info',
        base: { roles },
      },
      pino.destination(2),
    )
  );
}

/** Opens the control database and applies the migrations it lacks. */
async function openControl(
  options: StartOptions,
  statePath: string,
  log: Logger,
  parts: OpenParts,
): Promise<ControlDatabase> {
  const control = await openDatabase(
    parseConnection(options.config.group(databaseGroup).connection, statePath),
  );
  parts.control = control;
  const applied = await migrateToLatest(control.db);
  if (applied.length > 0) log.info({ migrations: applied }, 'control database migrated');
  return control;
}

/** The transport; a lost broker connection is fatal to the process, for its supervisor to see. */
async function openRpc(
  options: StartOptions,
  statePath: string,
  log: Logger,
  parts: OpenParts,
): Promise<Transport> {
  const rpc = options.config.group(rpcGroup);
  // The guests' directory holds the RPC sockets too: the guests' users must reach the conductor's.
  const guestsIn =
    options.config.group(serverDefaults).compute_driver === 'local'
      ? await guestHome(statePath, options.config.group(localGroup).guest_path)
      : undefined;
  parts.transport = await openTransport({
    kind: rpc.transport,
    amqpUrl: rpc.amqp_url,
    socketDir: join(guestsIn ?? statePath, 'rpc'),
    localGuestsIn: guestsIn,
    onConnectionLost: (error) => {
      log.error(
        { err: error },
        'the connection to RabbitMQ was lost; this process cannot work without it',
      );
      options.onFatal?.(error);
    },
  });
  return parts.transport;
}

/** What every role is built from. */
async function sharedParts(
  options: StartOptions,
  statePath: string,
  log: Logger,
  parts: OpenParts,
): Promise<RoleBase> {
  const config = options.config;
  const defaults = config.group(serverDefaults);
  const control = await openControl(options, statePath, log, parts);
  const datastores = await loadDatastores(options.host, options.enabled);
  await syncCatalog(control.db, datastores);
  const defaultVersions = await defaultVersionsOf(
    control.db,
    datastores.map((d) => d.name),
  );
  const controlKey = await loadControlKey(statePath, config.group(rpcGroup).control_key);
  return {
    config,
    control,
    transport: await openRpc(options, statePath, log, parts),
    controlKey,
    statePath,
    appRoot: options.appRoot,
    guestTimeouts: {
      low: defaults.agent_call_low_timeout,
      high: defaults.agent_call_high_timeout,
    },
    quotaDefaults: {
      instances: defaults.max_instances_per_tenant,
      ram: defaults.max_ram_per_tenant,
      volumes: defaults.max_volumes_per_tenant,
      backups: defaults.max_backups_per_tenant,
    },
    log,
    storages: configuredStorages(config, options.host),
    policies: datastorePolicies(config, datastores),
    defaultVersions,
  };
}

/** Starts the roles this process runs, the conductor first: the others need its heartbeats. */
async function startRoles(
  options: StartOptions,
  roles: readonly Role[],
  shared: RoleBase,
  parts: OpenParts,
): Promise<StartedApi> {
  const { control, controlKey, policies, config } = shared;
  let taskmanager: TaskManager | undefined;
  if (roles.includes('conductor'))
    parts.listeners.push(
      await new Conductor(
        control.db,
        controlKey,
        shared.log,
        (id) => taskmanager?.wake(id),
        shared.storages,
      ).serve(shared.transport),
    );
  if (roles.includes('taskmanager'))
    taskmanager = await startTaskManager(
      {
        ...shared,
        host: options.host,
        enabled: options.enabled,
        // A datastore disabled since its instances were made is no longer in the map, but its group still is.
        datastoreSettings: (name) => policies.get(name) ?? serverSettings(config, name),
      },
      parts,
    );
  const api: StartedApi = roles.includes('api')
    ? await startApi({ ...shared, version: options.version }, parts)
    : { endpoint: '' };
  // After everything serves: a resumed operation may need the conductor and the API.
  if (taskmanager) void taskmanager.resume();
  return api;
}

export async function startControlPlane(options: StartOptions): Promise<ControlPlane> {
  const roles = options.roles ?? allRoles;
  const log = loggerOf(options, roles);
  const statePath = statePathOf(options.config, options.appRoot);
  await mkdir(statePath, { recursive: true, mode: 0o750 });
  const parts = new OpenParts();
  try {
    const shared = await sharedParts(options, statePath, log, parts);
    const api = await startRoles(options, roles, shared, parts);
    const { config, control } = shared;
    log.info(
      { database: control.description, transport: config.group(rpcGroup).transport },
      'Cellar control plane started',
    );
    return {
      endpoint: api.endpoint,
      statePath,
      database: control.description,
      roles,
      identityUrl: config.group(identityGroup).keystone_url ?? `${api.endpoint}/identity/v3`,
      ...(api.generatedPassword === undefined
        ? {}
        : { generatedAdminPassword: api.generatedPassword }),
      ...(api.cloudsYaml === undefined ? {} : { cloudsYaml: api.cloudsYaml }),
      defaultVersions: shared.defaultVersions,
      computeDriver: config.group(serverDefaults).compute_driver,
      ...(parts.compute instanceof LocalCompute
        ? { instancesPath: join(parts.compute.home, 'instances') }
        : {}),
      ...(parts.compute instanceof LocalCompute && parts.compute.unavailable !== undefined
        ? { computeProblem: parts.compute.unavailable }
        : {}),
      close: () => parts.close(),
    };
  } catch (error) {
    await parts.close();
    throw error;
  }
}
