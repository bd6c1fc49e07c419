// Assembles the control plane from a validated configuration: the state directory, the control
// database (migrated), the identity bootstrap and clouds.yaml on first start, and the API.

import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Configuration } from '@cellar/config';
import type { InstalledPlugin, PluginHost } from '@cellar/plugins';
import { loadDatastores, syncCatalog, type Datastore } from './datastores/catalog.js';
import { buildApi } from './api/app.js';
import {
  migrateToLatest,
  openDatabase,
  parseConnection,
  type ControlDatabase,
} from './db/connect.js';
import { Identity } from './identity/identity.js';
import {
  databaseGroup,
  identityGroup,
  localGroup,
  rpcGroup,
  serverDefaults,
  simulatedGroup,
} from './options.js';
import {
  AmqpTransport,
  CONDUCTOR_TOPIC,
  GuestClient,
  LocalTransport,
  RpcClient,
  type Listener,
  type Transport,
} from '@cellar/rpc';
import { namespaces, type Capability, type PortRange } from '@cellar/plugin-api';
import type { DatastorePolicy } from './api/routes/instances.js';
import { Conductor } from './conductor/conductor.js';
import type { ComputeDriver } from './drivers/compute/compute-driver.js';
import { LocalCompute, localGuestSocket } from './drivers/compute/local/driver.js';
import { guestHome } from './drivers/compute/local/guest-home.js';
import { SimulatedCompute } from './drivers/compute/simulated.js';
import { KeystoneValidator } from './identity/keystone.js';
import { Policy } from './policy/policy.js';
import { Quotas } from './quotas/quotas.js';
import { loadControlKey, unseal } from './secrets.js';
import { TASKMANAGER_TOPIC, TaskManager } from './taskmanager/taskmanager.js';

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

function cloudsYaml(authUrl: string, password: string): string {
  return [
    '# Written by Cellar on first start: `openstack --os-cloud cellar database instance list`.',
    '# Put it in ~/.config/openstack/clouds.yaml, or point OS_CLIENT_CONFIG_FILE at it.',
    'clouds:',
    '  cellar:',
    '    auth:',
    `      auth_url: ${authUrl}`,
    '      username: admin',
    `      password: ${JSON.stringify(password)}`,
    '      project_name: admin',
    '      user_domain_name: Default',
    '      project_domain_name: Default',
    '    region_name: RegionOne',
    '    identity_api_version: 3',
    '',
  ].join('\n');
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

/** A datastore's server options (its `[<name>]` group in cellar.conf), as the API and taskmanager use them. */
function serverSettings(
  config: Configuration,
  name: string,
): Omit<DatastorePolicy, 'capabilities' | 'nameRules'> {
  const v = config.values(name);
  return {
    rootOnCreate: v['root_on_create'] === true,
    passwordLength: Number(v['default_password_length'] ?? 36),
    volumeSupport: v['volume_support'] !== false,
    tcpPorts: (v['tcp_ports'] ?? []) as PortRange[],
    udpPorts: (v['udp_ports'] ?? []) as PortRange[],
    usageTimeout: Number(v['usage_timeout'] ?? 1800),
  };
}

function datastorePolicies(
  config: Configuration,
  datastores: readonly Datastore[],
): Map<string, DatastorePolicy> {
  return new Map(
    datastores.map((ds) => [
      ds.name,
      {
        capabilities: ds.capabilities as Capability[],
        ...(ds.server?.nameRules ? { nameRules: ds.server.nameRules } : {}),
        ...serverSettings(config, ds.name),
      },
    ]),
  );
}

export async function startControlPlane(options: StartOptions): Promise<ControlPlane> {
  const roles = options.roles ?? allRoles;
  const config = options.config;
  const defaults = config.group(serverDefaults);
  const log =
    options.logger ??
    pino(
      { level: config.values('DEFAULT')['debug'] === true ? 'debug' : 'info', base: { roles } },
      pino.destination(2),
    );
  const statePath = statePathOf(config, options.appRoot);
  await mkdir(statePath, { recursive: true, mode: 0o750 });
  let control: ControlDatabase | undefined;
  let app: FastifyInstance | undefined;
  let transport: Transport | undefined;
  let compute: ComputeDriver | undefined;
  let stopWatching: (() => Promise<void>) | undefined;
  const listeners: Listener[] = [];
  const shutdown = async (): Promise<void> => {
    await app?.close();
    for (const l of listeners) await l.close();
    await stopWatching?.();
    await compute?.close();
    await transport?.close();
    await control?.close();
  };
  try {
    control = await openDatabase(
      parseConnection(config.group(databaseGroup).connection, statePath),
    );
    const applied = await migrateToLatest(control.db);
    if (applied.length > 0) log.info({ migrations: applied }, 'control database migrated');
    const datastores = await loadDatastores(options.host, options.enabled);
    await syncCatalog(control.db, datastores);
    const defaultVersions = Object.fromEntries(
      (
        await control.db
          .selectFrom('datastores')
          .innerJoin('datastore_versions', 'datastore_versions.id', 'datastores.default_version_id')
          .select(['datastores.name as datastore', 'datastore_versions.name as version'])
          .execute()
      ).map((v) => [v.datastore, v.version]),
    );
    const rpc = config.group(rpcGroup);
    const controlKey = await loadControlKey(statePath, rpc.control_key);
    const local = defaults.compute_driver === 'local';
    // The guests' directory holds the RPC sockets too: the guests' users must reach the conductor's.
    const guestsIn = local
      ? await guestHome(statePath, config.group(localGroup).guest_path)
      : undefined;
    transport = await openTransport(
      rpc.transport,
      rpc.amqp_url,
      join(guestsIn ?? statePath, 'rpc'),
      guestsIn,
    );
    if (transport instanceof AmqpTransport) {
      transport.onConnectionLost((error) => {
        log.error(
          { err: error },
          'the connection to RabbitMQ was lost; this process cannot work without it',
        );
        options.onFatal?.(error);
      });
    }
    const rpcTransport = transport;
    const policies = datastorePolicies(config, datastores);
    const guestTimeouts = {
      low: defaults.agent_call_low_timeout,
      high: defaults.agent_call_high_timeout,
    };
    const quotaDefaults = {
      instances: defaults.max_instances_per_tenant,
      ram: defaults.max_ram_per_tenant,
      volumes: defaults.max_volumes_per_tenant,
      backups: defaults.max_backups_per_tenant,
    };

    let taskmanager: TaskManager | undefined;
    if (roles.includes('conductor'))
      listeners.push(
        await new Conductor(control.db, controlKey, log, (id) => taskmanager?.wake(id)).serve(
          transport,
        ),
      );

    if (roles.includes('taskmanager')) {
      const localOptions = config.group(localGroup);
      compute = local
        ? await LocalCompute.open({
            home: guestsIn ?? statePath,
            appRoot: options.appRoot,
            transport,
            rpc:
              rpc.transport === 'local'
                ? { transport: 'local', socketDir: join(guestsIn ?? statePath, 'rpc') }
                : { transport: 'amqp', amqpUrl: rpc.amqp_url ?? '' },
            addressPool: localOptions.address_pool,
            userPrefix: localOptions.guest_user_prefix,
            reportInterval: localOptions.report_interval,
            startTimeout: localOptions.guest_start_timeout,
            withGuests: options.enabled
              .filter((p) => p.entryFiles[namespaces.datastoreGuest] !== undefined)
              .map((p) => p.manifest.name),
            defaultVersions,
            standbyAgents: localOptions.standby_agents,
            log,
          })
        : simulatedCompute(transport, config.group(simulatedGroup));
      taskmanager = new TaskManager({
        db: control.db,
        compute,
        transport,
        controlKey,
        quotas: new Quotas(control.db, quotaDefaults),
        // A datastore disabled since its instances were made is no longer in the map, but its group still is.
        datastoreSettings: (name) => policies.get(name) ?? serverSettings(config, name),
        guestTimeouts,
        log,
      });
      listeners.push(await taskmanager.serve());
      await taskmanager.adoptGuests();
      // Simulated guests live in this process and cannot die alone: their driver has nothing to revive.
      if (compute.revive) stopWatching = taskmanager.watchGuests(localOptions.watch_interval);
    }

    let endpoint = '';
    let boot: { created: boolean; generatedPassword?: string } = { created: false };
    let cloudsFile: string | undefined;
    if (roles.includes('api')) {
      const identityOptions = config.group(identityGroup);
      const identity = new Identity(control.db, identityOptions.token_expiration);
      const keystone =
        identityOptions.keystone_url === undefined ? undefined : keystoneValidator(identityOptions);
      if (!keystone) boot = await identity.bootstrap(identityOptions.bootstrap_password);
      const tmClient = new RpcClient({ transport, key: controlKey });
      const runOperation = async (operationId: string): Promise<void> => {
        try {
          await tmClient.cast(
            TASKMANAGER_TOPIC,
            'run_operation',
            { operation_id: operationId },
            { context: { requestId: operationId } },
          );
        } catch (error) {
          log.warn(
            { err: error, operation: operationId },
            'the taskmanager is not reachable; the operation waits for its resume',
          );
        }
      };
      endpoint =
        defaults.public_endpoint?.replace(/\/+$/, '') ??
        `http://${defaults.bind_host.includes(':') ? `[${defaults.bind_host}]` : defaults.bind_host}:${defaults.bind_port}`;
      app = await buildApi({
        db: control.db,
        changeStamp: control.changeStamp,
        identity,
        ...(defaults.public_endpoint === undefined
          ? {}
          : { publicEndpoint: defaults.public_endpoint }),
        log: { error: (fields, message) => log.error(fields, message) },
        version: options.version,
        instances: {
          heartbeatExpiry: defaults.agent_heartbeat_expiry,
          maxVolumeSize: defaults.max_accepted_volume_size,
          controlKey,
          datastores: policies,
          runOperation,
          guest: (instance) =>
            new GuestClient(
              rpcTransport,
              instance.id,
              unseal(controlKey, instance.rpc_key),
              guestTimeouts,
            ),
        },
        quotaDefaults,
        rateLimits: {
          get: defaults.http_get_rate,
          post: defaults.http_post_rate,
          put: defaults.http_put_rate,
          delete: defaults.http_delete_rate,
          mgmtPost: defaults.http_mgmt_post_rate,
        },
        ...(identityOptions.admin_token === undefined
          ? {}
          : { adminToken: identityOptions.admin_token }),
        ...(keystone ? { tokens: keystone } : {}),
        ...(defaults.policy_file === undefined
          ? {}
          : {
              policy: Policy.fromFile(
                isAbsolute(defaults.policy_file)
                  ? defaults.policy_file
                  : resolve(options.appRoot, defaults.policy_file),
              ),
            }),
      });
      await app.listen({ host: defaults.bind_host, port: defaults.bind_port });
      if (boot.created) {
        cloudsFile = join(statePath, 'clouds.yaml');
        await writeFile(
          cloudsFile,
          cloudsYaml(
            `${endpoint}/identity/v3`,
            identityOptions.bootstrap_password ?? boot.generatedPassword ?? '',
          ),
          { mode: 0o600 },
        );
      }
      log.info({ endpoint, database: control.description }, 'Cellar API listening');
    }
    // After everything serves: a resumed operation may need the conductor and the API.
    if (taskmanager) void taskmanager.resume();
    log.info(
      { database: control.description, transport: rpc.transport },
      'Cellar control plane started',
    );
    return {
      endpoint,
      statePath,
      database: control.description,
      roles,
      identityUrl: config.group(identityGroup).keystone_url ?? `${endpoint}/identity/v3`,
      ...(boot.generatedPassword === undefined
        ? {}
        : { generatedAdminPassword: boot.generatedPassword }),
      ...(cloudsFile === undefined ? {} : { cloudsYaml: cloudsFile }),
      defaultVersions,
      computeDriver: defaults.compute_driver,
      ...(guestsIn === undefined ? {} : { instancesPath: join(guestsIn, 'instances') }),
      ...(compute instanceof LocalCompute && compute.unavailable !== undefined
        ? { computeProblem: compute.unavailable }
        : {}),
      close: shutdown,
    };
  } catch (error) {
    await shutdown();
    throw error;
  }
}

function keystoneValidator(o: {
  keystone_url?: string;
  keystone_username: string;
  keystone_password?: string;
  keystone_project_name: string;
  keystone_domain_name: string;
  keystone_cache_time: number;
}): KeystoneValidator {
  if (o.keystone_password === undefined)
    throw new Error(
      '[identity] keystone_url needs [identity] keystone_password for the service user',
    );
  return new KeystoneValidator({
    url: o.keystone_url ?? '',
    username: o.keystone_username,
    password: o.keystone_password,
    projectName: o.keystone_project_name,
    domainName: o.keystone_domain_name,
    cacheSeconds: o.keystone_cache_time,
  });
}

/**
 * The RPC transport. With the local transport and the local compute driver, a guest's socket lives
 * in its instance's run directory, and the conductor's is open to the guest user.
 */
async function openTransport(
  kind: string,
  amqpUrl: string | undefined,
  socketDir: string,
  localGuestsIn: string | undefined,
): Promise<Transport> {
  if (kind === 'local') {
    if (localGuestsIn === undefined) return new LocalTransport(socketDir);
    const prefix = 'guestagent.';
    return new LocalTransport(socketDir, {
      socketFor: (topic) =>
        topic.startsWith(prefix)
          ? localGuestSocket(localGuestsIn, topic.slice(prefix.length))
          : undefined,
      openTopics: process.getuid?.() === 0 ? [CONDUCTOR_TOPIC] : [],
    });
  }
  if (amqpUrl === undefined)
    throw new Error(
      '[rpc] transport = amqp needs [rpc] amqp_url (amqp://user:password@host:5672/)',
    );
  return AmqpTransport.connect(amqpUrl);
}

function simulatedCompute(
  transport: Transport,
  simulated: { prepare_delay: number; report_interval: number; fail_prepare_names: string },
): ComputeDriver {
  return new SimulatedCompute({
    transport,
    prepareDelay: simulated.prepare_delay,
    reportInterval: simulated.report_interval,
    ...(simulated.fail_prepare_names === ''
      ? {}
      : { failPrepare: new RegExp(simulated.fail_prepare_names) }),
  });
}
