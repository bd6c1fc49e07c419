// What tests of the guest agent share: a datastore held in memory, a conductor that records the
// heartbeats it is sent, and the guest configuration a compute driver would inject.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  defineDatastoreGuest,
  defineDatastoreOptions,
  standardGuestOptions,
  standardServerOptions,
  type DatastoreManagerClass,
} from '@cellar/plugin-api';
import { createPluginRegistry, type PluginHost } from '@cellar/plugins';
import {
  conductorArgs,
  CONDUCTOR_TOPIC,
  method,
  serve,
  type Heartbeat,
  type Transport,
} from '@cellar/rpc';

/** A plugin host holding one datastore, `name`, with the standard options and this manager. */
export function inMemoryDatastore<O>(name: string, manager: DatastoreManagerClass<O>): PluginHost {
  const title = `${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`;
  const cellar = {
    plugin: 1,
    kind: 'datastore',
    name,
    capabilities: [],
    entryPoints: { 'cellar.datastore.options': './options', 'cellar.datastore.guest': './guest' },
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
      backupStrategy: '',
      replicationStrategy: '',
    }),
  });
  return createPluginRegistry({
    plugins: [
      {
        package: `cellar-datastore-${name}`,
        cellar,
        modules: { './options': options, './guest': defineDatastoreGuest({ name, manager }) },
      },
    ],
  });
}

export interface RecordingConductor {
  /** Every heartbeat received, oldest first. */
  readonly beats: readonly Heartbeat[];
  /** Settles at the next heartbeat: ask before the action that should send one. */
  nextBeat(): Promise<void>;
  close(): Promise<void>;
}

/** A conductor on `transport` that accepts heartbeats signed by this guest with its key, and keeps them. */
export async function recordingConductor(
  transport: Transport,
  guestId: string,
  key: string,
): Promise<RecordingConductor> {
  const beats: Heartbeat[] = [];
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
    },
  });
  return {
    beats,
    nextBeat: () => new Promise((resolve) => (beaten = resolve)),
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
    '[rpc]',
    ...o.rpc,
    `instance_key = ${o.key}`,
    `[${o.datastore}]`,
    `mount_point = ${o.dir}`,
    '',
  ];
  await writeFile(file, lines.join('\n'));
  return file;
}
