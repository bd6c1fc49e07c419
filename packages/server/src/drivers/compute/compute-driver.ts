// Where instances run. A compute driver creates a server for an instance (with the guest agent
// beside its database), reports its state, and removes it; every driver is idempotent per
// instance id, so a resumed operation may repeat a step safely.

import type { ServerStatus } from '../../instances/states.js';

export interface InjectedGuest {
  readonly instanceId: string;
  readonly name: string;
  readonly datastore: string;
  readonly datastoreVersion: string;
  /** The instance's project (tenant): the guest keeps its backups under it. */
  readonly project?: string;
  /** The per-instance RPC key the guest signs with and verifies with. */
  readonly instanceKey: string;
  /** The TCP ports the datastore listens on: a driver giving out addresses checks they are free. */
  readonly tcpPorts: readonly number[];
  /** The data volume's size in GB, when the datastore has volumes. */
  readonly volumeSize?: number;
}

export interface ServerInfo {
  readonly status: ServerStatus;
  readonly address: string;
}

/** A guest that died and would not start again: the first failure of a run of them. */
export interface GuestDown {
  readonly instanceId: string;
  readonly error: unknown;
}

export interface ComputeDriver {
  readonly name: string;
  createServer(guest: InjectedGuest): Promise<ServerInfo>;
  getServer(instanceId: string): Promise<ServerInfo | undefined>;
  deleteServer(instanceId: string): Promise<void>;
  /** After a control-plane restart: find the servers of these instances again. */
  adopt(guests: readonly InjectedGuest[]): Promise<readonly GuestDown[]>;
  /**
   * For a driver whose guests can die on their own: called every `[local] watch_interval` with the
   * instances that should be running, it starts again any of their guests that died since, as a
   * server's init system would.
   */
  /**
   * Grows the instance's data volume to `sizeGb` while its database is stopped (the local driver's
   * filesystems grow offline); idempotent, so a repeated step is safe.
   */
  resizeVolume?(instanceId: string, sizeGb: number): Promise<void>;
  revive?(guests: readonly InjectedGuest[]): Promise<readonly GuestDown[]>;
  /**
   * Kills every process of the instance at once (no shutdown), for an automatic failover that
   * must be sure the old source writes no more; answers the PIDs killed. The instance's guest may
   * be started again later (revive), as after any crash.
   */
  fence?(instanceId: string): Promise<readonly number[]>;
  close(): Promise<void>;
}
