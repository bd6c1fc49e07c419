// What the backup and restore strategies need of a PostgreSQL instance, as its manager exposes it:
// the files, the admin session, the WAL shipper, and the facts of this instance.

import type { AdminSession } from './admin-session.js';
import type { DataDirectory } from './data-directory.js';
import type { WalShipper } from './wal-shipper.js';

export interface PgBackupHost {
  readonly files: DataDirectory;
  readonly sql: AdminSession;
  /** The instance's id: its WAL objects are kept under wal/<instance id>/. */
  readonly instanceId: string;
  /** The server's socket directory and port, for pg_basebackup's replication connection. */
  readonly socketDir: string;
  readonly port: number;
  /** Whether the WAL shipper runs: shipped segments are in the storage, not the local archive. */
  readonly shipper: WalShipper | undefined;
}

/** The segment size the server was made with (bytes), as every WAL file name depends on it. */
export async function walSegmentSize(sql: AdminSession): Promise<number> {
  const { rows } = await sql.query<{ size: string }>(
    "SELECT setting AS size FROM pg_settings WHERE name = 'wal_segment_size'",
  );
  const size = Number(rows[0]?.size);
  if (!Number.isInteger(size) || size <= 0) throw new Error('the WAL segment size is unknown');
  return size;
}
