// The shapes a source and its replicas exchange through the control plane. Trove's guest
// operations carry them as opaque JSON; Cellar names them so the server's orchestration and each
// datastore's guest agree, and the server can compare replicas without knowing the datastore.

import type { Json } from '../manager/guest-types.js';

/**
 * How a replica reaches its source: what `getReplicationSnapshot` (before the seeding backup) and
 * `getReplicaContext` (for re-pointing an existing replica) answer on the source, and what
 * `prepare` (as `request.snapshot`) and `attachReplica` (as `replicaInfo`) take on the replica.
 */
export interface ReplicationSource {
  /** The source instance's id; the replica names it in its own state. */
  readonly sourceId: string;
  readonly host: string;
  readonly port: number;
  /** The replication account the source made for its replicas. */
  readonly user: string;
  readonly password: string;
  /** True when the source waits for one replica to acknowledge each commit. */
  readonly synchronous: boolean;
  /** Datastore-specific facts (PostgreSQL: the slot name; MariaDB: the GTID position). */
  readonly extra?: Readonly<Record<string, Json>>;
}

/**
 * What `getReplicationSnapshot`'s `snapshotInfo` carries: the replica being made (the source makes
 * what it keeps per replica, such as a PostgreSQL slot) and whether replication is synchronous.
 */
export interface ReplicationSnapshotRequest {
  readonly replicaId: string;
  readonly synchronous: boolean;
}

/**
 * A guest's replication state, carried in its heartbeat (BaseDatastoreManager.replicationState):
 * the control plane keeps the last one per instance, shows the lag, picks the most caught-up
 * replica to promote and records the lag at promotion.
 */
export interface ReplicationState {
  readonly role: 'source' | 'replica' | 'standalone';
  /** On a replica: the source it follows and whether it is receiving from it now. */
  readonly sourceId?: string;
  readonly streaming?: boolean;
  /**
   * How far this server's data goes, as a number that only grows and compares across a source
   * and its replicas (PostgreSQL: the replayed LSN in bytes; MariaDB: the GTID sequence number).
   */
  readonly progress: number;
  /** The same position as the datastore writes it (`0/3000148`, `0-1-42`). */
  readonly position: string;
  /** On a replica: how far behind its source it is, where the datastore can tell. */
  readonly lagBytes?: number;
  readonly lagSeconds?: number;
  /** On a source: its replicas as it sees them connected. */
  readonly replicas?: readonly { readonly id: string; readonly synchronous: boolean }[];
}
