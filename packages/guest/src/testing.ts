// What tests of the guest agent share: a datastore held in memory, a conductor that records the
// heartbeats and backup updates it is sent, and the guest configuration a compute driver would
// inject.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  defineDatastoreGuest,
  defineDatastoreOptions,
  standardGuestOptions,
  standardServerOptions,
  type DatastoreManagerClass,
} from '@cellar/plugin-api';
import { createPluginRegistry, type InMemoryPlugin, type PluginHost } from '@cellar/plugins';
import {
  conductorArgs,
  CONDUCTOR_TOPIC,
  method,
  serve,
  type BackupUpdate,
  type Heartbeat,
  type Transport,
} from '@cellar/rpc';

/** What a test datastore carries beside its manager: backup strategies, and other plugins. */
export interface InMemoryExtras {
  readonly capabilities?: readonly string[];
  /** The datastore's guest `backup_strategy` default. */
  readonly backupStrategy?: string;
  /** Backup and restore strategies by name, as the package's entry points would export them. */
  readonly backupStrategies?: Readonly<Record<string, unknown>>;
  readonly restoreStrategies?: Readonly<Record<string, unknown>>;
  /** Other plugins installed beside it (a backup storage). */
  readonly plugins?: readonly InMemoryPlugin[];
}

/** Entry points `{name: './<prefix>-<name>'}` and the modules behind them. */
function strategyEntries(prefix: string, strategies: Readonly<Record<string, unknown>> = {}) {
  const names = Object.keys(strategies);
  return {
    entries: Object.fromEntries(names.map((n) => [n, `./${prefix}-${n}`])),
    modules: Object.fromEntries(names.map((n) => [`./${prefix}-${n}`, strategies[n]])),
  };
}

/** A plugin host holding one datastore, `name`, with the standard options and this manager. */
export function inMemoryDatastore<O>(
  name: string,
  manager: DatastoreManagerClass<O>,
  extras: InMemoryExtras = {},
): PluginHost {
  const title = `${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`;
  const backup = strategyEntries('backup', extras.backupStrategies);
  const restore = strategyEntries('restore', extras.restoreStrategies);
  const cellar = {
    plugin: 1,
    kind: 'datastore',
    name,
    capabilities: extras.capabilities ?? [],
    entryPoints: {
      'cellar.datastore.options': './options',
      'cellar.datastore.guest': './guest',
      ...(extras.backupStrategies ? { 'cellar.backup.strategy': backup.entries } : {}),
      ...(extras.restoreStrategies ? { 'cellar.restore.strategy': restore.entries } : {}),
    },
  };
  const options = defineDatastoreOptions({
    name,
    server: standardServerOptions({
      datastore: title,
      tcpPorts: ['1'],
      usageTimeout: 10,
      backupStrategy: '',
      replicationStrategy: '',
    }),
    guest: standardGuestOptions({
      datastore: title,
      mountPoint: `/var/lib/${name}`,
      backupStrategy: extras.backupStrategy ?? '',
      replicationStrategy: '',
    }),
  });
  return createPluginRegistry({
    plugins: [
      {
        package: `cellar-datastore-${name}`,
        cellar,
        modules: {
          './options': options,
          './guest': defineDatastoreGuest({ name, manager }),
          ...backup.modules,
          ...restore.modules,
        },
      },
      ...(extras.plugins ?? []),
    ],
  });
}

export interface RecordingConductor {
  /** Every heartbeat received, oldest first. */
  readonly beats: readonly Heartbeat[];
  /** Every backup update received, oldest first. */
  readonly updates: readonly BackupUpdate[];
  /** Settles at the next heartbeat: ask before the action that should send one. */
  nextBeat(): Promise<void>;
  /** Settles with the first update (received already or later) of this backup in this state. */
  update(backupId: string, state: BackupUpdate['state']): Promise<BackupUpdate>;
  close(): Promise<void>;
}

/** A conductor on `transport` that accepts heartbeats signed by this guest with its key, and keeps them. */
export async function recordingConductor(
  transport: Transport,
  guestId: string,
  key: string,
): Promise<RecordingConductor> {
  const beats: Heartbeat[] = [];
  const updates: BackupUpdate[] = [];
  const waiting = new Set<() => void>();
  let beaten: (() => void) | undefined;
  const listener = await serve({
    transport,
    topic: CONDUCTOR_TOPIC,
    keyFor: (r) => (r.instance === guestId ? key : undefined),
    methods: {
      heartbeat: method(conductorArgs.heartbeat, async (beat) => {
        beats.push(beat);
        beaten?.();
      }),
      update_backup: method(conductorArgs.update_backup, async (update) => {
        updates.push(update);
        for (const wake of waiting) wake();
      }),
    },
  });
  return {
    beats,
    updates,
    nextBeat: () => new Promise((resolve) => (beaten = resolve)),
    update: (backupId, state) =>
      new Promise((resolve) => {
        const check = (): void => {
          const found = updates.find((u) => u.backup_id === backupId && u.state === state);
          if (!found) return;
          waiting.delete(check);
          resolve(found);
        };
        waiting.add(check);
        check();
      }),
    close: () => listener.close(),
  };
}

/**
 * Writes `dir/guest.conf` for a guest of `datastore` with its run, log and volume directories
 * under `dir`, and these `[rpc]` lines besides its key; answers the file's path.
 */
export async function writeGuestConf(o: {
  readonly dir: string;
  readonly guestId: string;
  readonly key: string;
  readonly datastore: string;
  readonly rpc: readonly string[];
  /** More `[DEFAULT]` lines (`project_id = …`, `backup_storage = …`). */
  readonly defaults?: readonly string[];
  /** More sections, header lines included (`[backup_storage_local]`, …). */
  readonly sections?: readonly string[];
}): Promise<string> {
  const file = join(o.dir, 'guest.conf');
  const lines = [
    '[DEFAULT]',
    `guest_id = ${o.guestId}`,
    `datastore_manager = ${o.datastore}`,
    'instance_address = 127.42.0.2',
    'report_interval = 60',
    `run_dir = ${join(o.dir, 'run')}`,
    `log_dir = ${join(o.dir, 'log')}`,
    ...(o.defaults ?? []),
    '[rpc]',
    ...o.rpc,
    `instance_key = ${o.key}`,
    `[${o.datastore}]`,
    `mount_point = ${o.dir}`,
    ...(o.sections ?? []),
    '',
  ];
  await writeFile(file, lines.join('\n'));
  return file;
}
