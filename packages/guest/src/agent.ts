// The guest agent: loads the one datastore `datastore_manager` names, serves its manager on
// guestagent.<id>, and reports to the conductor every report_interval and the moment a prepare,
// a restart or a stop ends. Backups are its own (backups/): create_backup is served here; so are
// guest logs (logs/), over the logs the datastore's manager declares.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bootstrap } from '@cellar/config';
import {
  asCellarError,
  namespaces,
  type BaseDatastoreManager,
  type DatastoreGuest,
  type GuestLogger,
  type PrepareRequest,
} from '@cellar/plugin-api';
import type { InstalledPlugin, PluginHost } from '@cellar/plugins';
import {
  AmqpTransport,
  ConductorClient,
  guestArgs,
  guestMethods,
  guestTopic,
  LocalTransport,
  method,
  serve,
  type AnyMethod,
  type Listener,
  type Transport,
} from '@cellar/rpc';
import { parseAgentArgv } from './agent-argv.js';
import { GuestBackups } from './backups/guest-backups.js';
import { agentLogs, guestLogMethods } from './logs/agent-logs.js';
import type { GuestLogs } from './logs/guest-logs.js';
import { Reporter } from './reporter.js';
import { fileLogger } from './log.js';
import { keepLogsBounded } from './log-rotation.js';
import { agentSocket, guestAgentDefaults, guestGroups, guestRpc } from './options.js';

export interface GuestStart {
  /** `--config-file F` (repeatable) and `--set group.option=value`, as the compute driver passes them. */
  readonly argv: readonly string[];
  /** The datastore opened in advance (a guest artifact); discovered from the deployment otherwise. */
  readonly plugins?: PluginHost;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Work in the run directory, as soon as the configuration is read: a compute driver tells its
   * guests by their working directory, whatever command line started them (a standby's names no
   * instance). The agent's process sets it; a test running agents in its own process does not.
   */
  readonly chdir?: boolean;
  /** What the agent did ahead while it waited as a standby, for the manager (`GuestContext.standby`). */
  readonly standby?: { readonly dir: string; readonly done: Promise<void> };
}

export interface RunningGuest {
  readonly log: GuestLogger;
  readonly guestId: string;
  readonly runDir: string;
  /**
   * Settles when the agent's connection to the control plane is lost for good (a RabbitMQ
   * connection; the local transport has none to lose): the process exits for its host to start
   * it again, as the control-plane services do.
   */
  readonly lost: Promise<Error>;
  /** Stops the database, for an agent whose instance is gone. */
  stopDatabase(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown when the agent cannot start: every line says what is wrong and what would be right. */
export class GuestStartFailure extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the guest agent did not start:\n  ${problems.join('\n  ')}`);
  }
}

/** The datastore's `./guest` entry through the plugin host; undefined when its plugin declares none. */
export async function loadGuestHalf(
  host: PluginHost,
  plugin: InstalledPlugin,
  datastore: string,
): Promise<DatastoreGuest<unknown> | undefined> {
  if (!plugin.entryFiles[namespaces.datastoreGuest]?.[datastore]) return undefined;
  return (await host.load({
    plugin,
    namespace: namespaces.datastoreGuest,
    name: datastore,
  })) as DatastoreGuest<unknown>;
}

async function openTransport(
  rpc: {
    readonly transport: string;
    readonly socket_dir: string;
    readonly amqp_url?: string | undefined;
  },
  guestId: string,
  runDir: string,
): Promise<Transport> {
  if (rpc.transport === 'amqp') {
    if (rpc.amqp_url === undefined)
      throw new GuestStartFailure(['[rpc] transport = amqp needs [rpc] amqp_url']);
    return AmqpTransport.connect(rpc.amqp_url);
  }
  const own = guestTopic(guestId);
  return new LocalTransport(rpc.socket_dir, {
    socketFor: (topic) => (topic === own ? agentSocket(runDir) : undefined),
  });
}

/** The agent's configuration read, its datastore loaded and its manager made, not yet serving. */
async function openAgent(start: GuestStart) {
  const argv = parseAgentArgv(start.argv);
  if ('problem' in argv) throw new GuestStartFailure([argv.problem]);
  const { configFiles, overrides } = argv;
  const booted = await bootstrap({
    side: 'guest',
    groups: guestGroups,
    configFiles,
    overrides,
    env: start.env ?? process.env,
    ...(start.plugins ? { plugins: start.plugins } : {}),
  });
  if (!booted.ok) throw new GuestStartFailure(booted.problems);
  const { config, host } = booted;
  const core = config.values('DEFAULT');
  const agent = config.group(guestAgentDefaults);
  const rpc = config.group(guestRpc);
  const guestId = String(core['guest_id']);
  const datastore = String(core['datastore_manager']);
  const plugin = booted.enabled[0];
  if (!plugin)
    throw new GuestStartFailure([
      `datastore_manager names '${datastore}', which is not installed in this guest`,
    ]);
  const entry = await loadGuestHalf(host, plugin, datastore);
  if (!entry) {
    throw new GuestStartFailure([
      `the ${datastore} datastore (${plugin.package}) has no guest half: its package.json declares no ${namespaces.datastoreGuest} entry point`,
    ]);
  }

  await mkdir(agent.run_dir, { recursive: true, mode: 0o700 });
  if (start.chdir === true) process.chdir(agent.run_dir);
  await mkdir(agent.log_dir, { recursive: true, mode: 0o750 });
  const log = fileLogger(join(agent.log_dir, 'guest.log'), core['debug'] === true);
  const options = config.values(datastore);
  const version = core['datastore_version'];
  const backups = await GuestBackups.open({
    config,
    host,
    plugin,
    guestId,
    runDir: agent.run_dir,
    progressSeconds: agent.backup_progress_interval,
    path: (start.env ?? process.env)['PATH'],
    log,
  });
  const manager = new entry.manager({
    datastore,
    guestId,
    options,
    mountPoint: String(options['mount_point']),
    address: agent.instance_address,
    runDir: agent.run_dir,
    logDir: agent.log_dir,
    ...(typeof version === 'string' ? { datastoreVersion: version } : {}),
    ...(start.standby ? { standby: start.standby } : {}),
    ...(backups.storage ? { backupObjects: backups.storage } : {}),
    restore: backups.restore,
    log,
  });
  backups.attach(manager);
  const logs = agentLogs({
    manager,
    instanceId: guestId,
    datastore,
    options,
    objects: backups.storage,
    logDir: agent.log_dir,
    runDir: agent.run_dir,
    log,
  });
  const mountPoint = String(options['mount_point']);
  return { agent, rpc, guestId, datastore, log, manager, backups, logs, mountPoint };
}

/**
 * The manager's methods as the agent serves them. prepare is cast, and reports its outcome in a
 * heartbeat; restart and stop_db report theirs before they answer, so the control plane, which
 * waits for a fresh status after them, learns it at once instead of a report_interval later.
 */
function agentMethods(
  manager: BaseDatastoreManager<unknown>,
  reporter: Reporter,
  log: GuestLogger,
  backups: GuestBackups,
  logs: GuestLogs,
): Record<string, AnyMethod> {
  const prepare = async (request: PrepareRequest): Promise<void> => {
    log.info('prepare started', {
      databases: request.databases.length,
      users: request.users.length,
      memoryMb: request.memoryMb,
    });
    reporter.failed(undefined);
    backups.takeRestoreFailure();
    try {
      await manager.prepare(request);
      log.info('prepare finished');
    } catch (error) {
      // A restore's own failure (a checksum mismatch naming the object) is the reason, whatever
      // the manager made of it.
      const reason = asCellarError(backups.takeRestoreFailure() ?? error);
      log.error('prepare failed', { code: reason.code, reason: reason.message, err: error });
      reporter.failed({ code: reason.code, message: reason.message });
    }
    // At once, so the control plane learns of the outcome without waiting a period.
    await reporter.beat();
  };
  const reporting = (operation: () => Promise<void>) => async (): Promise<void> => {
    try {
      await operation();
    } finally {
      await reporter.beat();
    }
  };
  let preparing: Promise<void> | undefined;
  return {
    ...guestMethods(manager),
    ...guestLogMethods(logs),
    // A resumed create may send prepare again while the first still runs: both wait for one.
    prepare: method(guestArgs.prepare, async (a) => {
      preparing ??= prepare(a.request).finally(() => (preparing = undefined));
      await preparing;
    }),
    restart: method(
      guestArgs.restart,
      reporting(() => manager.restart()),
    ),
    stop_db: method(
      guestArgs.stop_db,
      reporting(() => manager.stopDb()),
    ),
    // A cast: accepted at once, its progress and outcome reported as update_backup.
    create_backup: method(guestArgs.create_backup, async (a) => backups.startBackup(a.backup_info)),
  };
}

/**
 * A new instance's slow part (initdb) begins at once, while the agent connects and the control
 * plane sends the prepare; prepare waits for it. A failure here is prepare's to report.
 */
function beginAhead(manager: BaseDatastoreManager<unknown>, log: GuestLogger): void {
  manager
    .prepareAhead()
    .catch((error: unknown) =>
      log.warn('the work ahead of prepare failed; prepare will try again', { err: error }),
    );
}

export async function runGuest(start: GuestStart): Promise<RunningGuest> {
  const { agent, rpc, guestId, datastore, log, manager, backups, logs, mountPoint } =
    await openAgent(start);

  const status = await manager.getServiceStatus();
  const unprepared = status === 'building' || status === 'new';
  if (unprepared) beginAhead(manager, log);

  const transport = await openTransport(rpc, guestId, agent.run_dir);
  const lost = new Promise<Error>((resolve) => {
    if (transport instanceof AmqpTransport) transport.onConnectionLost(resolve);
  });
  const conductor = new ConductorClient(transport, guestId, rpc.instance_key);
  const reporter = new Reporter(conductor, manager, log, mountPoint);
  backups.serve((update) => conductor.updateBackup(update));
  let listener: Listener;
  try {
    listener = await serve({
      transport,
      topic: guestTopic(guestId),
      keyFor: () => rpc.instance_key,
      methods: agentMethods(manager, reporter, log, backups, logs),
      onError: (error, request) =>
        log.warn('a message was refused or failed', { err: error, method: request?.method }),
    });
  } catch (error) {
    await backups.close();
    await transport.close();
    throw error;
  }

  // A restarted agent on a prepared instance brings its database back, as a rebooted server would.
  if (!unprepared) {
    try {
      await manager.resume();
    } catch (error) {
      log.error('the database did not come back after the agent started', { err: error });
    }
  }
  log.info('guest agent serving', {
    guest: guestId,
    datastore,
    topic: guestTopic(guestId),
    transport: rpc.transport,
    status,
  });
  await reporter.beat();
  reporter.every(agent.report_interval);
  const stopRotation = keepLogsBounded(
    {
      logDir: agent.log_dir,
      maxMb: agent.log_rotate_mb,
      keep: agent.log_rotate_keep,
      everySeconds: agent.report_interval,
    },
    log,
  );

  return {
    log,
    guestId,
    runDir: agent.run_dir,
    lost,
    stopDatabase: () => manager.stopDb(),
    close: async () => {
      reporter.stop();
      stopRotation();
      await listener.close();
      // A backup still running ends FAILED, its object removed, while the conductor can hear it.
      await backups.close();
      await transport.close();
    },
  };
}
