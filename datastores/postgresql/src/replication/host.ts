// What replication uses of the PostgreSQL manager: its context (id, address, port), its files,
// its admin session and its server process; the manager hands these over once.

import type { GuestContext } from '@cellar/plugin-api';
import type { AdminSession } from '../admin-session.js';
import type { DataDirectory } from '../data-directory.js';
import type { ServerProcess } from '../server-process.js';
import { ReplicationFiles } from './settings.js';

export interface ReplicationHost {
  readonly context: GuestContext<{ readonly postgresql_port: number }>;
  readonly files: DataDirectory;
  readonly sql: AdminSession;
  readonly server: ServerProcess;
}

export const replicationFiles = (host: ReplicationHost): ReplicationFiles =>
  new ReplicationFiles(host.context.mountPoint, host.files.dataDir, host.context.guestId);

/** Whether the running server is replaying WAL (a replica) rather than writing its own. */
export async function inRecovery(host: ReplicationHost): Promise<boolean> {
  const { rows } = await host.sql.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
  return rows[0]?.r === true;
}

/** Has the server reread its settings, when it runs. */
export async function reloadIfRunning(host: ReplicationHost): Promise<void> {
  if (host.server.running() !== undefined) await host.server.reload();
}

const queues = new WeakMap<DataDirectory, Promise<unknown>>();

/**
 * Runs the replication operations of one instance one after another: two replicas made at once
 * must not each give the replication role a password of their own.
 */
export function serialized<T>(host: ReplicationHost, work: () => Promise<T>): Promise<T> {
  const before = queues.get(host.files) ?? Promise.resolve();
  const next = before.catch(() => undefined).then(work);
  queues.set(host.files, next);
  return next;
}
