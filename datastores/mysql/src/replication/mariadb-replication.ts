// MariaDB's guest replication as the manager's operations call it (GTID-based, semi-sync on
// request): each operation's JSON checked into the contract's shapes, then done by source/replica.

import {
  BadRequest,
  type Json,
  type ReplicationSource,
  type ReplicationState,
} from '@cellar/plugin-api';
import { parseGtids, progressOf } from './gtid.js';
import { attachToSource, detachFromSource, seedReplica } from './replica.js';
import { readRole } from './settings.js';
import {
  checkMariadb,
  demoteSource,
  enableAsSource,
  replicaContext,
  replicationSnapshot,
  type ReplicationHost,
} from './source.js';
import { replicationState } from './state.js';
import { positions, waitApplied } from './status.js';

/** How long waitForTxn waits for a replica to apply up to a position. */
const WAIT_FOR_TXN_S = 120;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A ReplicationSource from the control plane, or a 400 naming the field that is wrong. */
export function asReplicationSource(value: unknown, field: string): ReplicationSource {
  const bad = (what: string): never => {
    throw new BadRequest({ reason: `${field} must be a ReplicationSource: ${what}` });
  };
  if (!isRecord(value)) return bad('an object is expected');
  for (const key of ['sourceId', 'host', 'user', 'password'])
    if (typeof value[key] !== 'string' || value[key] === '') bad(`${key} must be a string`);
  if (typeof value['port'] !== 'number' || !Number.isInteger(value['port']))
    bad('port must be an integer');
  if (typeof value['synchronous'] !== 'boolean') bad('synchronous must be true or false');
  if (value['extra'] !== undefined && !isRecord(value['extra'])) bad('extra must be an object');
  return value as unknown as ReplicationSource;
}

export class MariadbReplication {
  constructor(private readonly host: () => ReplicationHost) {}

  async snapshot(snapshotInfo: Json, config: Json): Promise<ReplicationSource> {
    const info = isRecord(snapshotInfo) ? snapshotInfo : {};
    if (typeof info['replicaId'] !== 'string' || typeof info['synchronous'] !== 'boolean')
      throw new BadRequest({
        reason: 'snapshot_info must be {replicaId: string, synchronous: boolean}',
      });
    return replicationSnapshot(
      this.host(),
      { replicaId: info['replicaId'], synchronous: info['synchronous'] },
      config,
    );
  }

  /** prepare's last step on a replica seeded from a backup: follow the source in the snapshot. */
  async seed(snapshot: unknown): Promise<void> {
    await seedReplica(this.host(), asReplicationSource(snapshot, 'snapshot'));
  }

  async attach(replicaInfo: Json): Promise<void> {
    await attachToSource(this.host(), asReplicationSource(replicaInfo, 'replica_info'));
  }

  async detach(): Promise<Json> {
    const { sourceId, position } = await detachFromSource(this.host());
    return {
      ...(sourceId !== undefined ? { sourceId } : {}),
      position,
      progress: progressOf(parseGtids(position)),
    };
  }

  async context(): Promise<ReplicationSource> {
    return replicaContext(this.host());
  }

  async makeReadOnly(readOnly: boolean): Promise<void> {
    const host = this.host();
    checkMariadb(host);
    await host.sql.query(`SET GLOBAL read_only = ${readOnly ? 1 : 0}`);
  }

  async enableAsSource(config: Json): Promise<void> {
    const c = isRecord(config) ? config : {};
    const ids = Array.isArray(c['replicaIds']) ? c['replicaIds'].map(String) : [];
    await enableAsSource(this.host(), { replicaIds: ids, synchronous: c['synchronous'] === true });
  }

  async demote(): Promise<void> {
    await demoteSource(this.host());
  }

  /** The source followed (or this instance, when none) and the last position applied. */
  async lastTxn(): Promise<readonly [string, string]> {
    const host = this.host();
    checkMariadb(host);
    const role = await readRole(host.mountPoint);
    const now = await positions(host.sql);
    return [role?.role === 'replica' ? role.sourceId : host.guestId, now.current];
  }

  async latestTxnId(): Promise<string> {
    const host = this.host();
    checkMariadb(host);
    return (await positions(host.sql)).current;
  }

  async waitForTxn(txn: string): Promise<void> {
    const host = this.host();
    checkMariadb(host);
    try {
      parseGtids(txn);
    } catch (error) {
      throw new BadRequest({ reason: `txn: ${(error as Error).message}` });
    }
    await waitApplied(host.sql.query.bind(host.sql), txn, WAIT_FOR_TXN_S);
  }

  /** Undefined for a MySQL server or one that does not answer: the heartbeat carries no state. */
  async state(): Promise<ReplicationState | undefined> {
    const host = this.host();
    if (host.files.server().flavor !== 'mariadb') return undefined;
    return replicationState(host);
  }
}
