// The two files injected into an instance's directory for its guest: guest_info.conf (who the
// guest is, its project, its RPC key) and cellar-guest.conf (the guest half of the configuration:
// the control plane's address, the datastore's mount point, the backup storage), both 0600 and the
// guest's own, since the storage's section carries its credentials.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GuestStorageSection } from '@cellar/config';
import type { InjectedGuest } from '../compute-driver.js';
import type { InstanceRecord } from './instance-records.js';
import { owned } from './os-users.js';

/** How guests reach the control plane, written into each cellar-guest.conf. */
export type GuestRpc =
  | { readonly transport: 'local'; readonly socketDir: string }
  | { readonly transport: 'amqp'; readonly amqpUrl: string };

export interface GuestSettings {
  readonly rpc: GuestRpc;
  readonly reportInterval: number;
  /** The storage `[DEFAULT] backup_storage` chose, with its section; none when it is not installed. */
  readonly backupStorage?: GuestStorageSection | undefined;
  /** `option = value` lines of a datastore's guest section the server's configuration decides. */
  readonly datastoreLines?: ((datastore: string) => readonly string[]) | undefined;
}

export async function writeGuestConfig(
  dir: string,
  guest: InjectedGuest,
  record: InstanceRecord,
  settings: GuestSettings,
): Promise<void> {
  const info = [
    '# Injected by the local compute driver: who this guest is.',
    '[DEFAULT]',
    `guest_id = ${guest.instanceId}`,
    `datastore_manager = ${guest.datastore}`,
    `datastore_version = ${guest.datastoreVersion}`,
    ...(guest.project === undefined ? [] : [`project_id = ${guest.project}`]),
    `instance_address = ${record.address}`,
    '',
    '[rpc]',
    `instance_key = ${guest.instanceKey}`,
    '',
  ];
  const rpc =
    settings.rpc.transport === 'local'
      ? [`transport = local`, `socket_dir = ${settings.rpc.socketDir}`]
      : [`transport = amqp`, `amqp_url = ${settings.rpc.amqpUrl}`];
  const storage = settings.backupStorage;
  const conf = [
    '# Injected by the local compute driver: the guest half of the configuration.',
    '[DEFAULT]',
    `report_interval = ${settings.reportInterval}`,
    `run_dir = ${join(dir, 'run')}`,
    `log_dir = ${join(dir, 'log')}`,
    ...(storage ? [`backup_storage = ${storage.name}`] : []),
    '',
    '[rpc]',
    ...rpc,
    '',
    `[${guest.datastore}]`,
    `mount_point = ${join(dir, 'volume')}`,
    ...(settings.datastoreLines?.(guest.datastore) ?? []),
    '',
    // Only the chosen storage: a guest carries no other storage's credentials.
    ...(storage ? [...storage.lines, ''] : []),
  ];
  for (const [name, lines] of [
    ['guest_info.conf', info],
    ['cellar-guest.conf', conf],
  ] as const) {
    await writeFile(join(dir, name), lines.join('\n'), { mode: 0o600 });
    await owned(join(dir, name), record.user);
  }
}
