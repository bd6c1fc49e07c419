// The two files injected into an instance's directory for its guest: guest_info.conf (who the
// guest is, its RPC key) and cellar-guest.conf (the guest half of the configuration), both 0600.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InjectedGuest } from '../compute-driver.js';
import type { InstanceRecord } from './instance-records.js';
import { owned } from './os-users.js';

/** How guests reach the control plane, written into each cellar-guest.conf. */
export type GuestRpc =
  | { readonly transport: 'local'; readonly socketDir: string }
  | { readonly transport: 'amqp'; readonly amqpUrl: string };

export async function writeGuestConfig(
  dir: string,
  guest: InjectedGuest,
  record: InstanceRecord,
  settings: { readonly rpc: GuestRpc; readonly reportInterval: number },
): Promise<void> {
  const info = [
    '# Injected by the local compute driver: who this guest is.',
    '[DEFAULT]',
    `guest_id = ${guest.instanceId}`,
    `datastore_manager = ${guest.datastore}`,
    `datastore_version = ${guest.datastoreVersion}`,
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
  const conf = [
    '# Injected by the local compute driver: the guest half of the configuration.',
    '[DEFAULT]',
    `report_interval = ${settings.reportInterval}`,
    `run_dir = ${join(dir, 'run')}`,
    `log_dir = ${join(dir, 'log')}`,
    '',
    '[rpc]',
    ...rpc,
    '',
    `[${guest.datastore}]`,
    `mount_point = ${join(dir, 'volume')}`,
    '',
  ];
  for (const [name, lines] of [
    ['guest_info.conf', info],
    ['cellar-guest.conf', conf],
  ] as const) {
    await writeFile(join(dir, name), lines.join('\n'), { mode: 0o600 });
    await owned(join(dir, name), record.user);
  }
}
