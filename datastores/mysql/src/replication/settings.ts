// The server settings replication needs, rendered into every MariaDB option file, and the role the
// instance plays, kept on the volume so a restart comes back as the same source or read-only replica.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** What the instance is to replication, as the guest last made it. */
export type ReplicationRole =
  | {
      readonly role: 'source';
      readonly synchronous: boolean;
      readonly replicaIds: readonly string[];
    }
  | {
      readonly role: 'replica';
      readonly sourceId: string;
      readonly host: string;
      readonly port: number;
      readonly synchronous: boolean;
    };

/**
 * How long a semi-synchronous source waits for a replica's acknowledgement before it commits
 * without one: the largest value the server takes (about 49 days), so a synchronous source never
 * falls back to asynchronous commits on its own; the control plane promotes or detaches instead.
 */
export const SEMI_SYNC_TIMEOUT_MS = 4_294_967_295;

/** Binary logs are kept a week: long enough for a replica that was away to catch up from them. */
const BINLOG_EXPIRE_S = 7 * 24 * 3600;

/** The role file on the volume: absent on a standalone instance. */
export const roleFile = (mountPoint: string): string => join(mountPoint, 'cellar-replication.json');

/**
 * The server_id, unique per instance: derived from the instance's id (1 to 2^32-1; 0 would refuse
 * replication), so a source and its replicas never share one and every GTID names its writer.
 */
export function serverIdOf(instanceId: string): number {
  const digest = createHash('sha256').update(instanceId).digest();
  return (digest.readUInt32BE(0) % 4_294_967_294) + 1;
}

/**
 * The settings every MariaDB instance runs with, so any of them can become a source without a
 * restart (log_bin is not dynamic): row-based binary logs in the data directory, GTIDs kept strict,
 * a replica's applied transactions logged again (a promoted replica serves the others from its
 * own log), semi-sync acknowledgements always offered, and on a replica, read_only.
 */
export function replicationSettings(
  instanceId: string,
  role: ReplicationRole | undefined,
): Record<string, string | number> {
  return {
    server_id: serverIdOf(instanceId),
    log_bin: 'mysql-bin',
    binlog_format: 'ROW',
    binlog_expire_logs_seconds: BINLOG_EXPIRE_S,
    gtid_strict_mode: 1,
    log_slave_updates: 1,
    relay_log: 'relay-bin',
    rpl_semi_sync_slave_enabled: 1,
    rpl_semi_sync_master_timeout: SEMI_SYNC_TIMEOUT_MS,
    // Lossless: a commit is acknowledged to its client only once a replica has it.
    rpl_semi_sync_master_wait_point: 'AFTER_SYNC',
    rpl_semi_sync_master_enabled: role?.role === 'source' && role.synchronous ? 1 : 0,
    read_only: role?.role === 'replica' ? 1 : 0,
  };
}

/** The role the guest last recorded; undefined on a standalone instance. */
export async function readRole(mountPoint: string): Promise<ReplicationRole | undefined> {
  const path = roleFile(mountPoint);
  if (!existsSync(path)) return undefined;
  const role = JSON.parse(await readFile(path, 'utf8')) as ReplicationRole;
  if (role.role !== 'source' && role.role !== 'replica')
    throw new Error(`${path} is not a replication role Cellar wrote`);
  return role;
}

export async function forgetRole(mountPoint: string): Promise<void> {
  await rm(roleFile(mountPoint), { force: true });
}
