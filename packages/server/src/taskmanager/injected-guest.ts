// What the compute driver is handed to start an instance's guest: its identity, its datastore,
// its RPC key unsealed, and the ports its datastore will listen on.

import type { InjectedGuest } from '../drivers/compute/compute-driver.js';
import { unseal } from '../secrets.js';
import type { TaskManagerDeps } from './step-context.js';

export interface GuestOf {
  readonly id: string;
  readonly name: string;
  readonly datastore: string;
  readonly version: string;
  /** Sealed with the control key, as the instances table keeps it. */
  readonly rpc_key: string;
  /** The instance's project, for the guest's backups. */
  readonly tenant_id?: string;
  /** The data volume's size in GB; null without a volume. */
  readonly volume_size?: number | null;
}

export function injectedGuest(deps: TaskManagerDeps, instance: GuestOf): InjectedGuest {
  // A range is probed port by port; a few suffice to find an address the datastore can use.
  const tcpPorts = deps
    .datastoreSettings(instance.datastore)
    .tcpPorts.flatMap((r) =>
      Array.from({ length: Math.min(r.to - r.from + 1, 16) }, (_, k) => r.from + k),
    );
  return {
    instanceId: instance.id,
    name: instance.name,
    datastore: instance.datastore,
    datastoreVersion: instance.version,
    ...(instance.tenant_id === undefined ? {} : { project: instance.tenant_id }),
    instanceKey: unseal(deps.controlKey, instance.rpc_key),
    tcpPorts,
    ...(instance.volume_size == null ? {} : { volumeSize: instance.volume_size }),
  };
}
